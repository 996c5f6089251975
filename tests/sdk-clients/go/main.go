// Command sdk-client-go exports a few spans and one metric with the OpenTelemetry Go SDK,
// configured only by the OTEL_* environment, and prints one JSON line saying what it sent
// and whether the SDK reported the export as failed. With SOAK_SPANS set it is a soak sender
// instead (see soak.go).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

const (
	childSpans = 2
	// Bounds flush + shutdown; the exporters' own OTEL_EXPORTER_OTLP_TIMEOUT bounds each try.
	flushDeadline = 30 * time.Second
)

type sent struct {
	Spans   int `json:"spans"`
	Metrics int `json:"metrics"`
	Logs    int `json:"logs"`
}

type outcome struct {
	SDK        string  `json:"sdk"`
	SDKVersion string  `json:"sdk_version"`
	Exporter   string  `json:"exporter"`
	Protocol   string  `json:"protocol"`
	Endpoint   *string `json:"endpoint"`
	Sent       sent    `json:"sent"`
	OK         bool    `json:"ok"`
	Error      *string `json:"error"`
	TraceID    string  `json:"trace_id"`
	Soak       *soak   `json:"soak,omitempty"`
}

// errorLog keeps every error the SDK hands to otel.Handle (failed batch exports land here).
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) Handle(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) add(err error) {
	if err != nil {
		l.Handle(err)
	}
}

func (l *errorLog) joined() *string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) == 0 {
		return nil
	}
	text := errors.Join(l.errs...).Error()
	return &text
}

// firstEnv returns the first of the variables that is set and not empty.
func firstEnv(names ...string) string {
	for _, name := range names {
		if value := strings.TrimSpace(os.Getenv(name)); value != "" {
			return value
		}
	}
	return ""
}

// protocol follows the OTLP exporter specification (and Go's contrib autoexport): signal
// variable first, then the general one, then http/protobuf.
func protocol(signal string) string {
	if value := firstEnv("OTEL_EXPORTER_OTLP_"+signal+"_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"); value != "" {
		return value
	}
	return "http/protobuf"
}

func exporters(ctx context.Context, proto string) (sdktrace.SpanExporter, sdkmetric.Exporter, string, error) {
	switch proto {
	case "grpc":
		spans, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, nil, "", err
		}
		metrics, err := otlpmetricgrpc.New(ctx)
		return spans, metrics, "otlptracegrpc", err
	case "http/protobuf":
		spans, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, nil, "", err
		}
		metrics, err := otlpmetrichttp.New(ctx)
		return spans, metrics, "otlptracehttp", err
	default:
		return nil, nil, "", fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q is not one the Go SDK's exporters speak (grpc, http/protobuf)", proto)
	}
}

func run() (outcome, error) {
	log := &errorLog{}
	otel.SetErrorHandler(log)
	proto := protocol("TRACES")
	result := outcome{SDK: "go", SDKVersion: sdk.Version(), Protocol: proto}
	if endpoint := firstEnv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"); endpoint != "" {
		result.Endpoint = &endpoint
	}
	ctx := context.Background()
	spanExporter, metricExporter, name, err := exporters(ctx, proto)
	if err != nil {
		return result, err
	}
	result.Exporter = name
	if settings, err := soakSettings(); err != nil || settings != nil {
		if err != nil {
			return result, err
		}
		runSoak(ctx, *settings, spanExporter, log, &result)
		return result, nil
	}

	tracerProvider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(spanExporter))
	meterProvider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExporter)))

	tracer := tracerProvider.Tracer("otlp-doctor-sdk-client")
	parentCtx, parent := tracer.Start(ctx, "parent")
	for index := range childSpans {
		_, child := tracer.Start(parentCtx, fmt.Sprintf("child-%d", index))
		child.End()
	}
	parent.End()
	result.TraceID = parent.SpanContext().TraceID().String()
	result.Sent.Spans = childSpans + 1

	counter, err := meterProvider.Meter("otlp-doctor-sdk-client").Int64Counter("sdk_client.exports")
	if err != nil {
		return result, err
	}
	counter.Add(ctx, 1)
	result.Sent.Metrics = 1

	flushCtx, cancel := context.WithTimeout(ctx, flushDeadline)
	defer cancel()
	// ForceFlush returns the span exporter's error. Metrics are exported once, by Shutdown (which
	// returns the export's error): a ForceFlush first would send the cumulative sum twice.
	log.add(tracerProvider.ForceFlush(flushCtx))
	log.add(tracerProvider.Shutdown(flushCtx))
	log.add(meterProvider.Shutdown(flushCtx))

	result.Error = log.joined()
	result.OK = result.Error == nil
	return result, nil
}

func main() {
	result, err := run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sdk-client-go: %v\n", err)
		os.Exit(2)
	}
	line, err := json.Marshal(result)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sdk-client-go: %v\n", err)
		os.Exit(2)
	}
	fmt.Println(string(line))
}
