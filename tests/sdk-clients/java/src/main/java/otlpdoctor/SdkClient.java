package otlpdoctor;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Exports a few spans, one metric and two log records with the OpenTelemetry Java SDK as
 * autoconfigure sets it up from the OTEL_* environment (and otel.* system properties), then
 * prints one JSON line saying what it sent and whether the SDK reported the export as failed.
 * With SOAK_SPANS set it is a soak sender instead (see {@link Soak}).
 */
public final class SdkClient {
  private static final int CHILD_SPANS = 2;
  private static final int LOG_RECORDS = 2;
  // Bounds each flush; the exporters' own OTEL_EXPORTER_OTLP_TIMEOUT bounds each try.
  private static final long FLUSH_DEADLINE_SECONDS = 30;

  /** Keeps what the exporters log at WARNING or worse: that is how they report a failed export. */
  private static final class ErrorLog extends Handler {
    private final Set<String> messages = Collections.synchronizedSet(new LinkedHashSet<>());

    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() < Level.WARNING.intValue()) {
        return;
      }
      String text = record.getMessage();
      if (record.getThrown() != null) {
        text = text + ": " + record.getThrown();
      }
      messages.add(text);
    }

    void add(String message) {
      messages.add(message);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  public static void main(String[] args) {
    ErrorLog errors = new ErrorLog();
    Logger otelLogger = Logger.getLogger("io.opentelemetry");
    otelLogger.addHandler(errors);
    otelLogger.setLevel(Level.ALL);
    // The failures are read from the handler; keep stderr quiet so stdout stays one line.
    otelLogger.setUseParentHandlers(false);

    AtomicReference<ConfigProperties> config = new AtomicReference<>();
    AtomicReference<String> exporter = new AtomicReference<>("none");
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesCustomizer(
                properties -> {
                  config.set(properties);
                  return Collections.emptyMap();
                })
            .addSpanExporterCustomizer(
                (spanExporter, properties) -> {
                  exporter.set(spanExporter.getClass().getSimpleName());
                  return spanExporter;
                })
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();

    if (System.getenv("SOAK_SPANS") != null) {
      String protocol = protocol(config.get(), exporter.get());
      System.out.println(
          Soak.run(sdk, errors.messages, exporter.get(), protocol, endpoint(config.get())));
      return;
    }

    Tracer tracer = sdk.getTracer("otlp-doctor-sdk-client");
    Span parent = tracer.spanBuilder("parent").startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      for (int index = 0; index < CHILD_SPANS; index++) {
        tracer.spanBuilder("child-" + index).startSpan().end();
      }
    }
    parent.end();
    String traceId = parent.getSpanContext().getTraceId();

    sdk.getMeter("otlp-doctor-sdk-client").counterBuilder("sdk_client.exports").build().add(1);

    var logger = sdk.getLogsBridge().get("otlp-doctor-sdk-client");
    for (int index = 0; index < LOG_RECORDS; index++) {
      logger.logRecordBuilder().setSeverity(Severity.INFO).setBody("log-" + index).emit();
    }

    List<String> failed = new ArrayList<>();
    flush("traces", sdk.getSdkTracerProvider().forceFlush(), failed);
    flush("logs", sdk.getSdkLoggerProvider().forceFlush(), failed);
    // Metrics are exported once, by shutdown: a forceFlush first would send the cumulative sum twice.
    flush("shutdown", sdk.shutdown(), failed);
    // The result code says only that an export failed; the exporter's logged text says why.
    if (!failed.isEmpty() && errors.messages.isEmpty()) {
      errors.add("forceFlush failed for " + String.join(", ", failed));
    }

    String protocol = protocol(config.get(), exporter.get());
    String endpoint = endpoint(config.get());
    String version = version();
    String error = errors.messages.isEmpty() ? null : String.join("\n", errors.messages);

    StringBuilder line = new StringBuilder("{");
    line.append("\"sdk\":\"java\",\"sdk_version\":").append(json(version));
    line.append(",\"exporter\":").append(json(exporter.get()));
    line.append(",\"protocol\":").append(json(protocol));
    line.append(",\"endpoint\":").append(json(endpoint));
    line.append(",\"sent\":{\"spans\":").append(CHILD_SPANS + 1);
    line.append(",\"metrics\":1,\"logs\":").append(LOG_RECORDS).append('}');
    line.append(",\"ok\":").append(error == null);
    line.append(",\"error\":").append(json(error));
    line.append(",\"trace_id\":").append(json(traceId)).append('}');
    System.out.println(line);
  }

  /** autoconfigure's own default is grpc; the exporter it built tells which one it took. */
  static String protocol(ConfigProperties properties, String exporter) {
    return exporter.contains("Grpc")
        ? "grpc"
        : properties.getString(
            "otel.exporter.otlp.traces.protocol",
            properties.getString("otel.exporter.otlp.protocol", "http/protobuf"));
  }

  static String endpoint(ConfigProperties properties) {
    return properties.getString(
        "otel.exporter.otlp.traces.endpoint", properties.getString("otel.exporter.otlp.endpoint"));
  }

  static String version() {
    return Resource.getDefault().getAttribute(AttributeKey.stringKey("telemetry.sdk.version"));
  }

  private static void flush(String what, CompletableResultCode result, List<String> failed) {
    if (!result.join(FLUSH_DEADLINE_SECONDS, TimeUnit.SECONDS).isSuccess()) {
      failed.add(what);
    }
  }

  static String json(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
