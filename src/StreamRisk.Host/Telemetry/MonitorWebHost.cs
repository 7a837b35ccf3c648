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
using StreamRisk.Host.Dashboard;

namespace StreamRisk.Host.Telemetry;

/// <summary>
/// The monitor's HTTP side: the OpenTelemetry pipeline (Prometheus scrape endpoint at <c>/metrics</c>; OTLP export of
/// metrics and traces when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set) and <c>/healthz</c>.
/// With a <see cref="DashboardState"/>, also the trading-ops dashboard (<see cref="DashboardEndpoints"/>).
/// Bound to loopback by default; binding anywhere else needs a token.
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

    public static async Task<MonitorWebHost> StartAsync(string urls, string token, CancellationToken cancel, DashboardState? dashboard = null)
    {
        Validate(urls, token);
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
            // Everything but /healthz and the page's code needs the token (header or ?token=): no secret ever appears in
            // a response, and no data leaves without it.
            app.Use(async (context, next) =>
            {
                var given = context.Request.Headers.Authorization.ToString().Replace("Bearer ", string.Empty, StringComparison.Ordinal);
                var open = context.Request.Path == "/healthz" || DashboardEndpoints.PublicAssets.Contains(context.Request.Path.Value ?? string.Empty);
                if (!open && given != token && context.Request.Query["token"] != token)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", () => Results.Text("ok"));
        if (dashboard is not null)
        {
            DashboardEndpoints.Map(app, dashboard);
        }

        await app.StartAsync(cancel).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? urls;
        return new MonitorWebHost(app, address);
    }

    /// <summary>Refuses (one line, <see cref="UsageException"/>) what is not an http URL, or a non-loopback address without a token.</summary>
    public static void Validate(string urls, string token)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var parsed)
                || parsed.Scheme is not ("http" or "https"))
            {
                throw new UsageException($"'{url}' is not an http URL to serve the dashboard on (e.g. http://127.0.0.1:8080)");
            }

            var host = parsed.Host;
            var loopback = host is "127.0.0.1" or "localhost" or "[::1]" or "::1";
            if (!loopback && string.IsNullOrWhiteSpace(token))
            {
                throw new UsageException($"refusing to serve on {url} without a token (StreamRisk:Dashboard:Token); loopback needs none");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
