'use strict';
// Exports a few spans, one metric and two log records with @opentelemetry/sdk-node, which reads
// the OTEL_* environment itself (exporters, protocol, endpoint), then prints one JSON line saying
// what was sent and whether the SDK reported an export as failed.
//
// With SOAK_SPANS set it is a soak sender instead (bench/soak.sh, tests/it/soak.rs): SOAK_SPANS
// spans, each with the attributes soak.sender (SOAK_SENDER) and soak.seq (0 to SOAK_SPANS-1),
// through sdk-node's normal batch span processor and the exporter's default retry, made in
// chunks of SOAK_CHUNK (default 2048, the default queue size) each followed by a forceFlush, so
// the queue never overflows: a span missing at the far end was lost after the SDK exported it,
// or the SDK reported the failure. SOAK_SECONDS paces the chunks evenly over that many seconds
// (a sender that cannot keep up goes as fast as it can), so every sender is running mid-soak.
const fs = require('node:fs');
const path = require('node:path');
const api = require('@opentelemetry/api');
const { logs, SeverityNumber } = require('@opentelemetry/api-logs');
const { NodeSDK } = require('@opentelemetry/sdk-node');

const CHILD_SPANS = 2;
const LOG_RECORDS = 2;
// Bounds shutdown; the exporters' own OTEL_EXPORTER_OTLP_TIMEOUT bounds each try.
const SHUTDOWN_DEADLINE_MS = 30000;

// The protocol sdk-node picks for traces (its getOtlpProtocolFromEnv is not exported).
function tracesProtocol() {
  return (
    process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ||
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL ||
    'http/protobuf'
  ).trim();
}

const EXPORTER_PACKAGE = {
  grpc: 'exporter-trace-otlp-grpc',
  'http/json': 'exporter-trace-otlp-http',
  'http/protobuf': 'exporter-trace-otlp-proto',
};

function sdkVersion() {
  const main = require.resolve('@opentelemetry/sdk-node');
  let dir = path.dirname(main);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

// The global error handler hands the diag logger an error serialised as JSON (stack included);
// its message is what a person reads.
function messageOf(arg) {
  if (arg instanceof Error) return arg.message;
  if (typeof arg !== 'string') return JSON.stringify(arg);
  try {
    const parsed = JSON.parse(arg);
    return parsed && typeof parsed.message === 'string' ? parsed.message : arg;
  } catch {
    return arg;
  }
}

// Failed exports reach the global error handler, which writes them to the diag logger at ERROR.
function errorLog() {
  const messages = [];
  const keep = (...args) => {
    const text = args.map(messageOf).join(' ');
    if (!messages.includes(text)) messages.push(text);
  };
  const ignore = () => {};
  api.diag.setLogger(
    { error: keep, warn: ignore, info: ignore, debug: ignore, verbose: ignore },
    { logLevel: api.DiagLogLevel.ERROR, suppressOverrideMessage: true },
  );
  return messages;
}

function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function positive(name, fallback) {
  const text = (process.env[name] || String(fallback)).trim();
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${JSON.stringify(text)} is not a positive number`);
  return value;
}

async function soak(sdk, errors, protocol) {
  const spans = positive('SOAK_SPANS', 1);
  const chunk = positive('SOAK_CHUNK', 2048);
  const sender = (process.env.SOAK_SENDER || 'node-0').trim();
  const seconds = Number((process.env.SOAK_SECONDS || '0').trim());
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`SOAK_SECONDS=${process.env.SOAK_SECONDS} is not a number of seconds`);
  const started = process.hrtime.bigint();
  const tracer = api.trace.getTracer('otlp-doctor-sdk-client');
  const provider = api.trace.getTracerProvider();
  let flushFailures = 0;
  let traceId = null;
  for (let seq = 0; seq < spans; seq++) {
    const span = tracer.startSpan('soak', { attributes: { 'soak.sender': sender, 'soak.seq': seq } });
    span.end();
    if (traceId === null) traceId = span.spanContext().traceId;
    if ((seq + 1) % chunk === 0 || seq + 1 === spans) {
      try {
        // The global provider is a proxy; its delegate is sdk-node's tracer provider.
        await withDeadline((provider.getDelegate ? provider.getDelegate() : provider).forceFlush(), SHUTDOWN_DEADLINE_MS, 'forceFlush()');
      } catch (error) {
        flushFailures += 1;
        errors.push(error instanceof Error ? error.message : String(error));
      }
      const dueMs = ((seq + 1) / spans) * seconds * 1000 - Number(process.hrtime.bigint() - started) / 1e6;
      if (dueMs > 0) await new Promise((resolve) => setTimeout(resolve, dueMs));
    }
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  await shutdownAndPrint(sdk, errors, protocol, { spans, metrics: 0, logs: 0 }, {
    trace_id: traceId,
    soak: { sender, seconds: elapsed, flush_failures: flushFailures },
  });
}

// Shuts the SDK down (a shutdown that fails or hangs is one more error) and prints the JSON line.
async function shutdownAndPrint(sdk, errors, protocol, sent, extra) {
  try {
    await withDeadline(sdk.shutdown(), SHUTDOWN_DEADLINE_MS, 'sdk.shutdown()');
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
  }
  const endpoint =
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT || null;
  const error = errors.length ? errors.join('\n') : null;
  process.stdout.write(
    JSON.stringify({
      sdk: 'node',
      sdk_version: sdkVersion(),
      exporter: EXPORTER_PACKAGE[protocol] || null,
      protocol,
      endpoint,
      sent,
      ok: error === null,
      error,
      ...extra,
    }) + '\n',
  );
}

async function main() {
  const errors = errorLog();
  const protocol = tracesProtocol();
  const sdk = new NodeSDK();
  sdk.start();
  if (process.env.SOAK_SPANS) {
    await soak(sdk, errors, protocol);
    return;
  }

  const tracer = api.trace.getTracer('otlp-doctor-sdk-client');
  const parent = tracer.startSpan('parent');
  const parentContext = api.trace.setSpan(api.context.active(), parent);
  for (let index = 0; index < CHILD_SPANS; index++) {
    tracer.startSpan(`child-${index}`, {}, parentContext).end();
  }
  parent.end();

  api.metrics.getMeter('otlp-doctor-sdk-client').createCounter('sdk_client.exports').add(1);

  const logger = logs.getLogger('otlp-doctor-sdk-client');
  for (let index = 0; index < LOG_RECORDS; index++) {
    logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: `log-${index}` });
  }

  await shutdownAndPrint(
    sdk,
    errors,
    protocol,
    { spans: CHILD_SPANS + 1, metrics: 1, logs: LOG_RECORDS },
    { trace_id: parent.spanContext().traceId },
  );
}

main().catch((error) => {
  process.stderr.write(`sdk-client-node: ${error && error.stack ? error.stack : error}\n`);
  process.exit(2);
});
