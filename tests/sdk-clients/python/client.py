"""Exports a few spans and one metric with the OpenTelemetry Python SDK and its OTLP exporters,
configured only by the OTEL_* environment, and prints one JSON line saying what was sent and
whether the SDK reported an export as failed (the exporters' results and logged errors).

The exporters read the endpoint, headers, timeout (in seconds, as the Python exporters read
OTEL_EXPORTER_OTLP_TIMEOUT) and certificates themselves; the protocol picks the exporter
package as the SDK's own configurator does (grpc unless OTEL_EXPORTER_OTLP_PROTOCOL says else).
Logs are left out: the Python logs SDK is still experimental (opentelemetry.sdk._logs).

With SOAK_SPANS set it is a soak sender instead (bench/soak.sh, tests/it/soak.rs): SOAK_SPANS
spans, each with the attributes soak.sender (SOAK_SENDER) and soak.seq (0 to SOAK_SPANS-1),
through the normal BatchSpanProcessor and the exporter's default retry, made in chunks of
SOAK_CHUNK (default 2048, the default queue size) each followed by a force_flush, so the queue
never overflows: a span missing at the far end was lost after the SDK exported it, or the SDK
reported the failure. SOAK_SECONDS paces the chunks evenly over that many seconds (a sender that
cannot keep up goes as fast as it can), so every sender is running mid-soak.
"""
import json
import logging
import os
import sys
import time

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.version import __version__ as SDK_VERSION

CHILD_SPANS = 2
SCOPE = "otlp-doctor-sdk-client"
# Bounds each flush; the exporters' own timeout bounds each try.
FLUSH_DEADLINE_MILLIS = 30_000


class ErrorLog(logging.Handler):
    """Keeps what the SDK logs at WARNING or worse. An ERROR is how its exporters report a failed
    export; warnings are not failures (a retried transient error, or a bad value replaced by its
    default: "Invalid timeout value 'soon', using default"), but they carry the details, such as
    the SSL error behind a retry, so they are kept for the message."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []
        self.failed = False

    def emit(self, record):
        self.add(record.getMessage(), failure=record.levelno >= logging.ERROR)

    def add(self, message, failure=True):
        self.failed = self.failed or failure
        if message not in self.messages:
            self.messages.append(message)


class ResultKeeper(SpanExporter):
    """Passes spans to the real exporter and keeps each export's result."""

    def __init__(self, inner, errors):
        self.inner = inner
        self.errors = errors

    def export(self, spans):
        result = self.inner.export(spans)
        if result != SpanExportResult.SUCCESS:
            self.errors.add(f"span export returned {result.name}")
        return result

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30_000):
        return self.inner.force_flush(timeout_millis)


def env(*names):
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def exporters(protocol):
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(), OTLPMetricExporter(), "opentelemetry-exporter-otlp-proto-grpc"
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(), OTLPMetricExporter(), "opentelemetry-exporter-otlp-proto-http"
    raise SystemExit(f"sdk-client-python: OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not grpc or http/protobuf")


def main():
    errors = ErrorLog()
    otel_logger = logging.getLogger("opentelemetry")
    otel_logger.addHandler(errors)
    # The failures are read from the handler; stdout stays one JSON line.
    otel_logger.propagate = False

    protocol = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"
    span_exporter, metric_exporter, exporter_name = exporters(protocol)
    if env("SOAK_SPANS"):
        return soak(span_exporter, errors, {
            "sdk": "python",
            "sdk_version": SDK_VERSION,
            "exporter": exporter_name,
            "protocol": protocol,
            "endpoint": env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
        })

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(ResultKeeper(span_exporter, errors)))
    meter_provider = MeterProvider(metric_readers=[PeriodicExportingMetricReader(metric_exporter)])

    tracer = tracer_provider.get_tracer(SCOPE)
    with tracer.start_as_current_span("parent") as parent:
        for index in range(CHILD_SPANS):
            with tracer.start_as_current_span(f"child-{index}"):
                pass
    trace_id = trace.format_trace_id(parent.get_span_context().trace_id)

    meter_provider.get_meter(SCOPE).create_counter("sdk_client.exports").add(1)

    if not tracer_provider.force_flush(FLUSH_DEADLINE_MILLIS):
        errors.add("TracerProvider.force_flush returned False")
    tracer_provider.shutdown()
    # Metrics are exported once, by shutdown: a force_flush first would send the cumulative sum
    # twice. A failed export is logged by the exporter (kept by ErrorLog).
    meter_provider.shutdown(timeout_millis=FLUSH_DEADLINE_MILLIS)

    error = "\n".join(errors.messages) if errors.failed else None
    print(json.dumps({
        "sdk": "python",
        "sdk_version": SDK_VERSION,
        "exporter": exporter_name,
        "protocol": protocol,
        "endpoint": env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
        "sent": {"spans": CHILD_SPANS + 1, "metrics": 1, "logs": 0},
        "ok": error is None,
        "error": error,
        "trace_id": trace_id,
    }))


def positive(name, default):
    text = env(name) or str(default)
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"sdk-client-python: {name}={text!r} is not a positive number")
    return int(text)


def soak(span_exporter, errors, line):
    spans = positive("SOAK_SPANS", 1)
    chunk = positive("SOAK_CHUNK", 2048)
    sender = env("SOAK_SENDER") or "python-0"
    try:
        seconds = float(env("SOAK_SECONDS") or 0)
    except ValueError:
        raise SystemExit(f"sdk-client-python: SOAK_SECONDS={env('SOAK_SECONDS')!r} is not a number of seconds")
    started = time.monotonic()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(ResultKeeper(span_exporter, errors)))
    tracer = tracer_provider.get_tracer(SCOPE)
    flush_failures = 0
    trace_id = None
    for seq in range(spans):
        span = tracer.start_span("soak", attributes={"soak.sender": sender, "soak.seq": seq})
        span.end()
        if trace_id is None:
            trace_id = trace.format_trace_id(span.get_span_context().trace_id)
        if (seq + 1) % chunk == 0 or seq + 1 == spans:
            if not tracer_provider.force_flush(FLUSH_DEADLINE_MILLIS):
                flush_failures += 1
                errors.add("TracerProvider.force_flush returned False")
            due = started + (seq + 1) / spans * seconds
            time.sleep(max(0.0, due - time.monotonic()))
    tracer_provider.shutdown()
    error = "\n".join(errors.messages) if errors.failed else None
    print(json.dumps({
        **line,
        "sent": {"spans": spans, "metrics": 0, "logs": 0},
        "ok": error is None,
        "error": error,
        "trace_id": trace_id,
        "soak": {"sender": sender, "seconds": time.monotonic() - started, "flush_failures": flush_failures},
    }))


if __name__ == "__main__":
    sys.exit(main())
