package main

// The soak sender (bench/soak.sh, tests/it/soak.rs): SOAK_SPANS spans, each with the
// attributes soak.sender (SOAK_SENDER) and soak.seq (0 to SOAK_SPANS-1), through the SDK's
// normal batch span processor and its exporter's default retry. Spans are made in chunks of
// SOAK_CHUNK (default 2048, the default queue size), each followed by a ForceFlush, so the
// queue never overflows: a span missing at the far end was lost after the SDK exported it, or
// the SDK reported it failed. SOAK_SECONDS paces the chunks evenly over that many seconds (a
// sender that cannot keep up goes as fast as it can), so every sender is running mid-soak.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

type soakConfig struct {
	spans   int
	chunk   int
	sender  string
	seconds float64
}

// soak is what the soak sender adds to the JSON line.
type soak struct {
	Sender        string  `json:"sender"`
	Seconds       float64 `json:"seconds"`
	FlushFailures int     `json:"flush_failures"`
}

// soakSettings reads SOAK_SPANS, SOAK_CHUNK and SOAK_SENDER; nil when SOAK_SPANS is unset.
func soakSettings() (*soakConfig, error) {
	spansText := firstEnv("SOAK_SPANS")
	if spansText == "" {
		return nil, nil
	}
	spans, err := strconv.Atoi(spansText)
	if err != nil || spans < 1 {
		return nil, fmt.Errorf("SOAK_SPANS=%q is not a positive number", spansText)
	}
	chunk := 2048
	if text := firstEnv("SOAK_CHUNK"); text != "" {
		if chunk, err = strconv.Atoi(text); err != nil || chunk < 1 {
			return nil, fmt.Errorf("SOAK_CHUNK=%q is not a positive number", text)
		}
	}
	sender := firstEnv("SOAK_SENDER")
	if sender == "" {
		sender = "go-0"
	}
	seconds := 0.0
	if text := firstEnv("SOAK_SECONDS"); text != "" {
		if seconds, err = strconv.ParseFloat(text, 64); err != nil || seconds < 0 {
			return nil, fmt.Errorf("SOAK_SECONDS=%q is not a number of seconds", text)
		}
	}
	return &soakConfig{spans: spans, chunk: chunk, sender: sender, seconds: seconds}, nil
}

func runSoak(ctx context.Context, settings soakConfig, exporter sdktrace.SpanExporter, log *errorLog, result *outcome) {
	started := time.Now()
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter))
	tracer := provider.Tracer("otlp-doctor-sdk-client")
	report := &soak{Sender: settings.sender}
	senderAttribute := attribute.String("soak.sender", settings.sender)
	for seq := 0; seq < settings.spans; seq++ {
		_, span := tracer.Start(ctx, "soak")
		span.SetAttributes(senderAttribute, attribute.Int("soak.seq", seq))
		span.End()
		if seq == 0 {
			result.TraceID = span.SpanContext().TraceID().String()
		}
		if (seq+1)%settings.chunk == 0 || seq+1 == settings.spans {
			flushCtx, cancel := context.WithTimeout(ctx, flushDeadline)
			if err := provider.ForceFlush(flushCtx); err != nil {
				report.FlushFailures++
				log.add(err)
			}
			cancel()
			due := started.Add(time.Duration(float64(seq+1) / float64(settings.spans) * settings.seconds * float64(time.Second)))
			time.Sleep(time.Until(due))
		}
	}
	shutdownCtx, cancel := context.WithTimeout(ctx, flushDeadline)
	defer cancel()
	log.add(provider.Shutdown(shutdownCtx))
	report.Seconds = time.Since(started).Seconds()
	result.Sent.Spans = settings.spans
	result.Soak = report
	result.Error = log.joined()
	result.OK = result.Error == nil
}
