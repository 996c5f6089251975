'use strict';
// Exports a few spans, one metric and two log records with @opentelemetry/sdk-node, which reads
// the OTEL_* environment itself (exporters, protocol, endpoint), then prints one JSON line saying
// what was sent and whether the SDK reported an export as failed.
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

async function main() {
  const errors = errorLog();
  const protocol = tracesProtocol();
  const sdk = new NodeSDK();
  sdk.start();

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
      sent: { spans: CHILD_SPANS + 1, metrics: 1, logs: LOG_RECORDS },
      ok: error === null,
      error,
      trace_id: parent.spanContext().traceId,
    }) + '\n',
  );
}

main().catch((error) => {
  process.stderr.write(`sdk-client-node: ${error && error.stack ? error.stack : error}\n`);
  process.exit(2);
});
