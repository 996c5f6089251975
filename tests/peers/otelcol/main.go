// Command otelcol-doctor is the OpenTelemetry Collector that otlp-doctor's integration tests
// run against: core v0.165.0 (stable modules v1.71.0) and contrib v0.165.1, with only the
// components those tests configure. It is what `ocb` would generate from a manifest, written
// by hand so that the build needs nothing but `go build` and the module proxy.
package main

import (
	"log"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckv2extension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/pprofextension"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/forwardconnector"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/debugexporter"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/zpagesextension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

// The releases go.mod pins; scripts/peers/otelcol.sh keys its cache by the core one.
const (
	version        = "0.165.0"
	coreVersion    = "v" + version
	contribVersion = "v0.165.1"
	contrib        = "github.com/open-telemetry/opentelemetry-collector-contrib"
)

func components() (otelcol.Factories, error) {
	receivers, err := otelcol.MakeFactoryMap[receiver.Factory](
		otlpreceiver.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	processors, err := otelcol.MakeFactoryMap[processor.Factory](
		batchprocessor.NewFactory(),
		memorylimiterprocessor.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	// The OTLP gRPC exporter is `otlp_grpc` since v0.14x; MakeFactoryMap also registers its
	// deprecated alias `otlp`, so older configs still load.
	exporters, err := otelcol.MakeFactoryMap[exporter.Factory](
		otlpexporter.NewFactory(),
		otlphttpexporter.NewFactory(),
		debugexporter.NewFactory(),
		// file: writes what it exports to a local file (one OTLP/JSON object a line with
		// `format: json`), so a test can read back exactly what the Collector sent on.
		fileexporter.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	extensions, err := otelcol.MakeFactoryMap[extension.Factory](
		healthcheckextension.NewFactory(),
		healthcheckv2extension.NewFactory(),
		zpagesextension.NewFactory(),
		pprofextension.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	// forward: the one connector, so the config lint's connector rules meet a real Collector.
	connectors, err := otelcol.MakeFactoryMap[connector.Factory](
		forwardconnector.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	return otelcol.Factories{
		Receivers:  receivers,
		Connectors: connectors,
		Processors: processors,
		Exporters:  exporters,
		Extensions: extensions,
		Telemetry:  otelconftelemetry.NewFactory(),
		// Named so that `otelcol-doctor components` says where each component came from.
		ReceiverModules: map[component.Type]string{
			otlpreceiver.NewFactory().Type(): "go.opentelemetry.io/collector/receiver/otlpreceiver " + coreVersion,
		},
		ProcessorModules: map[component.Type]string{
			batchprocessor.NewFactory().Type():         "go.opentelemetry.io/collector/processor/batchprocessor " + coreVersion,
			memorylimiterprocessor.NewFactory().Type(): "go.opentelemetry.io/collector/processor/memorylimiterprocessor " + coreVersion,
		},
		ExporterModules: map[component.Type]string{
			otlpexporter.NewFactory().Type():     "go.opentelemetry.io/collector/exporter/otlpexporter " + coreVersion,
			otlphttpexporter.NewFactory().Type(): "go.opentelemetry.io/collector/exporter/otlphttpexporter " + coreVersion,
			debugexporter.NewFactory().Type():    "go.opentelemetry.io/collector/exporter/debugexporter " + coreVersion,
			fileexporter.NewFactory().Type():     contrib + "/exporter/fileexporter " + contribVersion,
		},
		ConnectorModules: map[component.Type]string{
			forwardconnector.NewFactory().Type(): "go.opentelemetry.io/collector/connector/forwardconnector " + coreVersion,
		},
		ExtensionModules: map[component.Type]string{
			healthcheckextension.NewFactory().Type():   contrib + "/extension/healthcheckextension " + contribVersion,
			healthcheckv2extension.NewFactory().Type(): contrib + "/extension/healthcheckv2extension " + contribVersion,
			zpagesextension.NewFactory().Type():        "go.opentelemetry.io/collector/extension/zpagesextension " + coreVersion,
			pprofextension.NewFactory().Type():         contrib + "/extension/pprofextension " + contribVersion,
		},
	}, nil
}

func main() {
	settings := otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{
			Command:     "otelcol-doctor",
			Description: "OpenTelemetry Collector for otlp-doctor's integration tests",
			Version:     version,
		},
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(),
					fileprovider.NewFactory(),
					yamlprovider.NewFactory(),
				},
				DefaultScheme: "env",
			},
		},
	}
	if err := otelcol.NewCommand(settings).Execute(); err != nil {
		log.Fatalf("collector server run finished with error: %v", err)
	}
}
