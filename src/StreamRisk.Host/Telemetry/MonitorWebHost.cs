using System.Collections.Frozen;
using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using StreamRisk.Host.Dashboard;

namespace StreamRisk.Host.Telemetry;

/// <summary>
/// The monitor's HTTP side: the OpenTelemetry pipeline (Prometheus scrape endpoint at <c>/metrics</c>; OTLP export of
/// metrics and traces when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set), and the health checks:
/// <c>/healthz</c> (liveness) and <c>/readyz</c> (readiness), answered from a <see cref="MonitorHealth"/> when given.
/// With a <see cref="DashboardState"/>, also the trading-ops dashboard (<see cref="DashboardEndpoints"/>).
/// Bound to loopback by default; binding anywhere else needs a token.
/// </summary>
/// <remarks>
/// A request is answered only when its <c>Host</c> names the address the host is bound to (for loopback: also
/// <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>; for all interfaces: the machine's name and addresses) or one of
/// the configured extra names, else 421: a page on another site whose name was re-pointed at this address (DNS
/// rebinding) reads nothing. Every response forbids framing and MIME sniffing and carries a content security policy
/// that allows only this origin's scripts, styles (plotly sets inline styles), images and event stream.
/// </remarks>
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

    /// <summary>The app's services (tests read the endpoints it maps).</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>The policy of every response: nothing loads from elsewhere, no inline or evaluated script, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <param name="allowedHosts">Further names (or addresses) clients may use in <c>Host</c>, separated by ';' — e.g. the
    /// name of a reverse proxy's upstream.</param>
    /// <param name="meterName">The meter whose instruments <c>/metrics</c> exports (<see cref="StreamRiskTelemetry.Meter"/>'s name).</param>
    /// <param name="health">The monitor's checks; without it <c>/healthz</c> says only that the process answers and
    /// <c>/readyz</c> has nothing to wait for.</param>
    /// <param name="logging">Where the web host's own warnings and errors go (Kestrel, a failed request, a health check
    /// that threw), under ASP.NET Core's categories; null discards them.</param>
    public static async Task<MonitorWebHost> StartAsync(string urls, string token, CancellationToken cancel, DashboardState? dashboard = null, string? allowedHosts = null,
        string meterName = StreamRiskTelemetry.Name, MonitorHealth? health = null, ILoggerFactory? logging = null)
    {
        Validate(urls, token);
        var hosts = AllowedHosts(urls, allowedHosts);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            // Warnings and up: a request line per SSE reconnect or scrape would drown the monitor's own lines.
            builder.Logging.SetMinimumLevel(LogLevel.Warning).AddProvider(new ForwardedLogs(logging));
        }
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "streamrisk"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(meterName).AddPrometheusExporter();
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
        if (dashboard is not null)
        {
            DashboardEndpoints.AddOpenApi(builder.Services);
        }

        var checks = builder.Services.AddHealthChecks();
        if (health is null)
        {
            checks.AddCheck("process", () => HealthCheckResult.Healthy("answering"), [MonitorHealth.Live]);
        }
        else
        {
            // The engine's check belongs to both: a stalled engine's other figures are frozen, not current.
            checks.AddCheck("engine", health.Engine, [MonitorHealth.Live, MonitorHealth.Ready]);
            checks.AddCheck("partitions", health.Partitions, [MonitorHealth.Ready]);
            checks.AddCheck("positions", health.Positions, [MonitorHealth.Ready]);
            checks.AddCheck("books", health.Books, [MonitorHealth.Ready]);
            checks.AddCheck("redis", health.Redis, [MonitorHealth.Ready]);
            checks.AddCheck("lag", health.Lag, [MonitorHealth.Ready]);
        }

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            if (!hosts.Contains(Unbracketed(context.Request.Host.Host)))
            {
                context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        if (!string.IsNullOrWhiteSpace(token))
        {
            // Everything but the health checks (probes carry no token; their bodies name no account, address or secret),
            // the page's code and the API's description needs the token (header or ?token=): no secret ever appears in
            // a response, and no data leaves without it.
            var expected = TokenDigest(token);
            app.Use(async (context, next) =>
            {
                var open = context.Request.Path == "/healthz" || context.Request.Path == "/readyz"
                    || DashboardEndpoints.PublicAssets.Contains(context.Request.Path.Value ?? string.Empty);
                if (!open && !TokenMatches(BearerToken(context.Request.Headers.Authorization.ToString()), expected)
                    && !TokenMatches(context.Request.Query["token"].ToString(), expected))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(MonitorHealth.Live), ResponseWriter = WriteHealth });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(MonitorHealth.Ready), ResponseWriter = WriteHealth });
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
            if (!Uri.TryCreate(Wildcard(url.Trim()), UriKind.Absolute, out var parsed)
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

            if (parsed.Port == 0 && host == "localhost")
            {
                // Kestrel binds a free port only on an address; found here rather than once everything else has started.
                throw new UsageException($"'{url}': a free port (:0) needs an address, not localhost (e.g. http://127.0.0.1:0)");
            }
        }
    }

    /// <summary>
    /// Whether a presented token is the configured one, compared in constant time: both sides are SHA-256 digests of their
    /// UTF-8 bytes, compared by <see cref="CryptographicOperations.FixedTimeEquals"/>, so the time taken tells neither how
    /// much of a guess was right nor how long the token is.
    /// </summary>
    internal static bool TokenMatches(string? given, byte[] expectedDigest) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(TokenDigest(given), expectedDigest);

    internal static byte[] TokenDigest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The token of an <c>Authorization</c> header: after the <c>Bearer</c> scheme, or the whole value without one.</summary>
    internal static string BearerToken(string authorization) =>
        authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : authorization;

    /// <summary>
    /// The health answer: overall status, then each check's status and why —
    /// <c>{"status":"unhealthy","checks":{"redis":{"status":"unhealthy","description":"not reachable; …"},…}}</c>.
    /// 200 while healthy or degraded, 503 when unhealthy (the health checks' default mapping).
    /// </summary>
    private static async Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("status", StatusName(report.Status));
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", StatusName(entry.Status));
                json.WriteString("description", entry.Description ?? entry.Exception?.Message ?? string.Empty);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    /// <summary>The host names a request may carry: those of the bound addresses, and the extra ones.</summary>
    internal static FrozenSet<string> AllowedHosts(string urls, string? extra)
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parsed = new Uri(Wildcard(url));
            var host = Unbracketed(parsed.Host);
            if (parsed.IsLoopback)
            {
                hosts.UnionWith(["localhost", "127.0.0.1", "::1"]);
            }
            else if (IPAddress.TryParse(host, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
            {
                // All interfaces: the names and addresses this machine is reached by (a scraper that found it by DNS uses its address).
                hosts.UnionWith(["localhost", "127.0.0.1", "::1", Environment.MachineName, Dns.GetHostName()]);
                foreach (var network in NetworkInterface.GetAllNetworkInterfaces())
                {
                    foreach (var unicast in network.GetIPProperties().UnicastAddresses)
                    {
                        hosts.Add(unicast.Address.ToString());
                    }
                }
            }

            hosts.Add(host);
        }

        foreach (var name in (extra ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            hosts.Add(Unbracketed(name));
        }

        return hosts.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    private static string Unbracketed(string host) => host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;

    private static string Wildcard(string url) => url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The web host's loggers, taken from the run's own logging (same writer, format and level).</summary>
internal sealed class ForwardedLogs(ILoggerFactory logging) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => logging.CreateLogger(categoryName);

    // The run owns the factory and disposes of it.
    public void Dispose()
    {
    }
}
