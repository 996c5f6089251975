"""Benchmark peer for bench/run.sh: the OpenTelemetry Python SDK as a load generator.

Creates SPANS spans as fast as it can, each with one integer attribute (like
`otlp-doctor load`'s spans), through a BatchSpanProcessor whose queue holds every
span (so none is dropped), exported by the OTLP/gRPC exporter in batches of 512.
Prints one JSON line: spans created, spans the exporter reported as exported,
wall seconds until the last export finished, and the CPU seconds of the process.

Usage: python3 bench/python_load.py http://127.0.0.1:4317 200000
"""

import json
import sys
import time

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)


class CountingExporter(SpanExporter):
    """Passes batches to the OTLP exporter and counts the spans it exported."""

    def __init__(self, inner):
        self.inner = inner
        self.exported = 0

    def export(self, spans):
        result = self.inner.export(spans)
        if result == SpanExportResult.SUCCESS:
            self.exported += len(spans)
        return result

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4317"
    spans = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000

    exporter = CountingExporter(OTLPSpanExporter(endpoint=endpoint, insecure=True))
    provider = TracerProvider(resource=Resource.create({"service.name": "python-load"}))
    provider.add_span_processor(
        BatchSpanProcessor(
            exporter,
            max_queue_size=spans,
            max_export_batch_size=512,
            schedule_delay_millis=100,
        )
    )
    tracer = provider.get_tracer("python_load")

    cpu_before = time.process_time()
    started = time.perf_counter()
    for index in range(spans):
        span = tracer.start_span("python sdk load")
        span.set_attribute("index", index)
        span.end()
    created = time.perf_counter() - started
    provider.shutdown()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    print(
        json.dumps(
            {
                "spans": spans,
                "exported": exporter.exported,
                "create_seconds": round(created, 4),
                "seconds": round(elapsed, 4),
                "cpu_seconds": round(cpu, 2),
                "spans_per_second": round(spans / elapsed),
            }
        )
    )


if __name__ == "__main__":
    main()
