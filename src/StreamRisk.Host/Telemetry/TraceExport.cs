using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace StreamRisk.Host.Telemetry;

/// <summary>
/// Trace export for the processes that run no web host (<c>run --role accounts</c>, <c>replay --to-kafka</c>): their
/// Kafka producer spans reach the same OTLP endpoint as the monitor's, so one trace runs from a replayed record to the
/// alert it raised. Only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set: otherwise nothing listens, and the producers
/// neither start spans nor add trace headers.
/// </summary>
public static class TraceExport
{
    /// <returns>The provider (dispose it to flush the last spans), or null when no endpoint is configured.</returns>
    public static TracerProvider? StartFromEnvironment(string defaultServiceName)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            return null;
        }

        return Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? defaultServiceName))
            .AddSource(StreamRiskTelemetry.Name)
            .AddOtlpExporter()
            .Build();
    }
}
