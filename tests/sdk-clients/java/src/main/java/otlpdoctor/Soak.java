package otlpdoctor;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The soak sender (bench/soak.sh, tests/it/soak.rs): SOAK_SPANS spans, each with the attributes
 * soak.sender (SOAK_SENDER) and soak.seq (0 to SOAK_SPANS-1), through the batch span processor
 * and exporter autoconfigure builds (with the exporter's default retry), made in chunks of
 * SOAK_CHUNK (default 2048, the default queue size) each followed by a forceFlush, so the queue
 * never overflows: a span missing at the far end was lost after the SDK exported it, or the SDK
 * reported the failure. SOAK_SECONDS paces the chunks evenly over that many seconds (a sender that
 * cannot keep up goes as fast as it can), so every sender is running mid-soak.
 */
final class Soak {
  private static final AttributeKey<String> SENDER = AttributeKey.stringKey("soak.sender");
  private static final AttributeKey<Long> SEQ = AttributeKey.longKey("soak.seq");
  private static final long FLUSH_DEADLINE_SECONDS = 30;

  private Soak() {}

  /** Sends the spans, shuts the SDK down and returns the JSON line. */
  static String run(
      OpenTelemetrySdk sdk, Set<String> errors, String exporter, String protocol, String endpoint) {
    int spans = positive("SOAK_SPANS", 1);
    int chunk = positive("SOAK_CHUNK", 2048);
    String sender = System.getenv().getOrDefault("SOAK_SENDER", "java-0").trim();
    double seconds = Double.parseDouble(System.getenv().getOrDefault("SOAK_SECONDS", "0").trim());
    long started = System.nanoTime();
    Tracer tracer = sdk.getTracer("otlp-doctor-sdk-client");
    int flushFailures = 0;
    String traceId = null;
    for (int seq = 0; seq < spans; seq++) {
      Span span =
          tracer
              .spanBuilder("soak")
              .setAttribute(SENDER, sender)
              .setAttribute(SEQ, (long) seq)
              .startSpan();
      span.end();
      if (traceId == null) {
        traceId = span.getSpanContext().getTraceId();
      }
      if ((seq + 1) % chunk == 0 || seq + 1 == spans) {
        if (!sdk.getSdkTracerProvider()
            .forceFlush()
            .join(FLUSH_DEADLINE_SECONDS, TimeUnit.SECONDS)
            .isSuccess()) {
          flushFailures++;
          errors.add("forceFlush failed");
        }
        long dueNanos = started + (long) ((seq + 1) / (double) spans * seconds * 1e9);
        long waitMillis = (dueNanos - System.nanoTime()) / 1_000_000;
        if (waitMillis > 0) {
          try {
            Thread.sleep(waitMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }
    if (!sdk.shutdown().join(FLUSH_DEADLINE_SECONDS, TimeUnit.SECONDS).isSuccess()) {
      errors.add("shutdown failed");
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    String error = errors.isEmpty() ? null : String.join("\n", errors);
    return "{\"sdk\":\"java\",\"sdk_version\":"
        + SdkClient.json(SdkClient.version())
        + ",\"exporter\":"
        + SdkClient.json(exporter)
        + ",\"protocol\":"
        + SdkClient.json(protocol)
        + ",\"endpoint\":"
        + SdkClient.json(endpoint)
        + ",\"sent\":{\"spans\":"
        + spans
        + ",\"metrics\":0,\"logs\":0},\"ok\":"
        + (error == null)
        + ",\"error\":"
        + SdkClient.json(error)
        + ",\"trace_id\":"
        + SdkClient.json(traceId)
        + ",\"soak\":{\"sender\":"
        + SdkClient.json(sender)
        + ",\"seconds\":"
        + elapsed
        + ",\"flush_failures\":"
        + flushFailures
        + "}}";
  }

  private static int positive(String name, int fallback) {
    String text = System.getenv().getOrDefault(name, String.valueOf(fallback)).trim();
    try {
      int value = Integer.parseInt(text);
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(name + "=" + text + " is not a positive number");
  }
}
