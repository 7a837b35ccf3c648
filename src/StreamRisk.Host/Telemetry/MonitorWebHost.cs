using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace StreamRisk.Host.Telemetry;

/// <summary>
/// The monitor's HTTP side: the OpenTelemetry pipeline (Prometheus scrape endpoint at <c>/metrics</c>; OTLP export of
/// metrics and traces when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set) and <c>/healthz</c>.
/// Bound to loopback by default; binding anywhere else needs a token (the dashboard will live here too).
/// </summary>
public sealed class MonitorWebHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MonitorWebHost(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The address the host listens on, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    public static async Task<MonitorWebHost> StartAsync(string urls, string token, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var host = new Uri(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal)).Host;
            var loopback = host is "127.0.0.1" or "localhost" or "[::1]" or "::1";
            if (!loopback && string.IsNullOrWhiteSpace(token))
            {
                throw new UsageException($"refusing to serve on {url} without a token (StreamRisk:Dashboard:Token); loopback needs none");
            }
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "streamrisk"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(StreamRiskTelemetry.Name).AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(StreamRiskTelemetry.Name);
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });
        var app = builder.Build();
        if (!string.IsNullOrWhiteSpace(token))
        {
            // Everything but /healthz needs the token (header or ?token=): no secret ever appears in a response.
            app.Use(async (context, next) =>
            {
                var given = context.Request.Headers.Authorization.ToString().Replace("Bearer ", string.Empty, StringComparison.Ordinal);
                if (context.Request.Path != "/healthz" && given != token && context.Request.Query["token"] != token)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", () => Results.Text("ok"));
        await app.StartAsync(cancel).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? urls;
        return new MonitorWebHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
