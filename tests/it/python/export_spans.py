"""Sends spans with the official OpenTelemetry Python SDK and OTLP exporter, and prints what the
exporter saw as one JSON line: {"result": "SUCCESS"|"FAILURE", "logs": [...]}.

usage: export_spans.py grpc|http ENDPOINT SERVICE COUNT [HEADER=VALUE] [CA_FILE]
"""
import json
import logging
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SimpleSpanProcessor


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class ResultKeeper(SpanExporter):
    """Wraps the real exporter to keep the result of every export call."""

    def __init__(self, inner):
        self.inner = inner
        self.results = []

    def export(self, spans):
        result = self.inner.export(spans)
        self.results.append(result.name)
        return result

    def shutdown(self):
        self.inner.shutdown()


def main():
    protocol, endpoint, service, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    headers = {}
    if len(sys.argv) > 5 and sys.argv[5]:
        key, value = sys.argv[5].split("=", 1)
        headers[key] = value
    ca_file = sys.argv[6] if len(sys.argv) > 6 else None
    recorder = Recorder()
    logging.getLogger("opentelemetry").addHandler(recorder)
    logging.getLogger("opentelemetry").setLevel(logging.DEBUG)
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(
            endpoint=endpoint, insecure=ca_file is None and endpoint.startswith("http://"),
            headers=headers or None, timeout=3,
            credentials=_credentials(ca_file),
        )
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(
            endpoint=endpoint + "/v1/traces", headers=headers or None, timeout=3,
            certificate_file=ca_file or True,
        )
    keeper = ResultKeeper(exporter)
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(keeper))
    tracer = provider.get_tracer("otlp-doctor-tests")
    with tracer.start_as_current_span("parent"):
        for index in range(count - 1):
            with tracer.start_as_current_span(f"child-{index}"):
                pass
    provider.shutdown()
    failed = [r for r in keeper.results if r != "SUCCESS"]
    print(json.dumps({"result": failed[0] if failed else "SUCCESS", "results": keeper.results, "logs": recorder.messages}))


def _credentials(ca_file):
    if ca_file is None:
        return None
    import grpc

    with open(ca_file, "rb") as handle:
        return grpc.ssl_channel_credentials(root_certificates=handle.read())


if __name__ == "__main__":
    main()
