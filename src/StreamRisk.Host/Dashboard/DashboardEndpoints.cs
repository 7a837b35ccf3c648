using System.Collections.Frozen;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Dashboard;

/// <summary>
/// The dashboard's HTTP side: the page and its script (embedded in this assembly, plotly.js included, so it works
/// offline), <c>/api/symbols</c>, <c>/api/symbols/{symbol}?window=</c>, <c>/api/system</c>, <c>/api/alerts</c>, <c>/api/acks</c>,
/// <c>POST /api/alerts/{id}/ack</c> and the Server-Sent Events stream <c>/api/events</c>, and the OpenAPI description of
/// <c>/api</c> at <see cref="OpenApiPath"/>. Request threads only read <see cref="DashboardState"/> snapshots (and write
/// acknowledgements, which are not engine state).
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Where the OpenAPI description of <c>/api</c> is served (the document name <c>v1</c> in ASP.NET's default route).</summary>
    public const string OpenApiPath = "/openapi/v1.json";

    /// <summary>
    /// Served without the token, as they hold no data: the code the page loads (a script tag cannot carry a token) and the
    /// API's description (the shapes docs/ publishes anyway; a client generator should not need a secret to read it).
    /// </summary>
    public static readonly FrozenSet<string> PublicAssets = new[] { "/dashboard.js", "/dashboard.css", "/lib/plotly.min.js", OpenApiPath }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, (string Resource, string ContentType, bool Cache)> Assets = new Dictionary<string, (string, string, bool)>(StringComparer.Ordinal)
    {
        ["/"] = ("dashboard/index.html", "text/html; charset=utf-8", false),
        ["/dashboard.js"] = ("dashboard/dashboard.js", "text/javascript; charset=utf-8", false),
        ["/dashboard.css"] = ("dashboard/dashboard.css", "text/css; charset=utf-8", false),
        // Versioned by the package pin: a browser may keep it.
        ["/lib/plotly.min.js"] = ("dashboard/plotly.min.js", "text/javascript; charset=utf-8", true),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// The services of the OpenAPI description: the <c>/api</c> paths only (the page, <c>/metrics</c> and <c>/healthz</c>
    /// are not an API to generate clients for), response schemas from <see cref="DashboardJson"/>, the contract the
    /// responses are written with.
    /// </summary>
    public static void AddOpenApi(IServiceCollection services)
    {
        // The description's schemas come from the host's JSON options: the dashboard's contract first, with its number
        // handling (a stray NaN travels as text), so they describe the responses as written.
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, DashboardJson.Default);
            json.SerializerOptions.NumberHandling = DashboardJson.Default.Options.NumberHandling;
        });
        services.AddOpenApi(options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "StreamRisk dashboard API",
                    Version = "v1",
                    Description = "The monitor's live risk pictures, system view and alerts (docs/dashboard-and-api.md). With a token configured "
                        + "(StreamRisk:Dashboard:Token), every /api path needs Authorization: Bearer TOKEN or ?token=TOKEN, else 401.",
                };
                return Task.CompletedTask;
            });
        });
    }

    public static void Map(WebApplication app, DashboardState state)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (path, asset) in Assets)
        {
            var bytes = Load(asset.Resource);
            app.MapGet(path, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = asset.Cache ? "public, max-age=86400" : "no-cache";
                return Results.Bytes(bytes, asset.ContentType);
            });
        }

        app.MapGet("/api/symbols", () => Results.Json(state.Symbols(), DashboardJson.Default.IReadOnlyListSymbolView))
            .WithName("ListSymbols")
            .WithSummary("Every symbol's latest view, without history, by symbol.")
            .Produces<IReadOnlyList<SymbolView>>();
        app.MapGet("/api/symbols/{symbol}", (string symbol, int? window) =>
            {
                var seconds = window ?? state.Options.Windows[0];
                if (!state.Options.Windows.Contains(seconds))
                {
                    return Results.Text($"window must be one of {string.Join(", ", state.Options.Windows)} (seconds)", statusCode: StatusCodes.Status400BadRequest);
                }

                return state.Symbol(symbol, seconds) is { } view ? Results.Json(view, DashboardJson.Default.SymbolView) : Results.NotFound();
            })
            .WithName("GetSymbol")
            .WithSummary("One symbol's latest view with its history over a window of event time (window: seconds, one of the dashboard's windows; the first when absent).")
            .Produces<SymbolView>()
            .Produces(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status404NotFound);
        app.MapGet("/api/system", () => state.System() is { } system
                ? Results.Json(system, DashboardJson.Default.SystemDashboardView)
                : Results.NotFound())
            .WithName("GetSystem")
            .WithSummary("The latest system view and the system critical shock over time.")
            .WithDescription("404 before the engine's first system view, or with Engine:SystemIntervalMs 0.")
            .Produces<SystemDashboardView>()
            .Produces(StatusCodes.Status404NotFound);
        app.MapGet("/api/alerts", () => Results.Json(state.Alerts(), DashboardJson.Default.AlertsView))
            .WithName("GetAlerts")
            .WithSummary("The open alerts (latest transition of each, most severe first) and the most recent transitions, newest first.")
            .Produces<AlertsView>();
        // As a Delegate, not a RequestDelegate: only such endpoints carry the handler metadata the description is built from.
        Delegate events = (HttpContext context) => Stream(context, state);
        app.MapGet("/api/events", events)
            .WithName("StreamEvents")
            .WithSummary("Server-Sent Events: a snapshot first, then symbol, alert, freshness, system and ack events; a reconnect with Last-Event-ID resumes.")
            .WithDescription("Each event is one line of JSON: snapshot (a SnapshotView), symbol (a SymbolView), alert (an AlertEntry), freshness (a FreshnessView), system (a SystemDashboardView), ack (an AlertAck). Every event but freshness has an id (STREAM-N); a request with the header Last-Event-ID set to one this process still keeps gets the events after it instead of a snapshot.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        app.MapGet("/api/acks", async () => Results.Json(new AcksView(state.Acks.Store, await state.Acks.AllAsync().ConfigureAwait(false)), DashboardJson.Default.AcksView))
            .WithName("GetAcks")
            .WithSummary("Operators' acknowledgements of alerts, and where they are kept (Redis, shared by every dashboard, or this process's memory).")
            .Produces<AcksView>();
        app.MapPost("/api/alerts/{id}/ack", (HttpContext context, string id) => AcknowledgeAsync(context, state, id))
            .WithName("AcknowledgeAlert")
            .WithSummary("Acknowledges an open or recent alert; body {\"by\": \"name\"} (JSON). The first acknowledgement stands.")
            .Produces<AlertAck>()
            .Produces(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status403Forbidden)
            .Produces(StatusCodes.Status404NotFound)
            .Produces(StatusCodes.Status415UnsupportedMediaType)
            .Produces(StatusCodes.Status503ServiceUnavailable);
        app.MapOpenApi();
    }

    /// <summary>
    /// <c>POST /api/alerts/{id}/ack</c> with an optional JSON body <c>{"by": "name"}</c>. Besides the token (checked before
    /// this), the body must be declared JSON and an <c>Origin</c>, when sent, must be this host: a page on another site
    /// cannot send either without a CORS preflight, which this host never answers, so it cannot acknowledge alerts
    /// through a browser that can reach the dashboard.
    /// </summary>
    private static async Task<IResult> AcknowledgeAsync(HttpContext context, DashboardState state, string id)
    {
        var request = context.Request;
        if (request.Headers.Origin is [{ } origin] && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Text("cross-origin requests are refused", statusCode: StatusCodes.Status403Forbidden);
        }

        if (!request.HasJsonContentType())
        {
            return Results.Text("the body must be JSON (Content-Type: application/json), e.g. {\"by\": \"alice\"}", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        if (AlertAck.WhyNotAnId(id) is { } why)
        {
            return Results.Text(why, statusCode: StatusCodes.Status400BadRequest);
        }

        if (!state.Knows(id))
        {
            return Results.Text("no such alert among the open and recent ones", statusCode: StatusCodes.Status404NotFound);
        }

        AckRequest? body;
        try
        {
            body = request.ContentLength == 0 ? null : await request.ReadFromJsonAsync(DashboardJson.Default.AckRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return Results.Text("the body is not {\"by\": \"name\"}", statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            var ack = await state.Acks.AcknowledgeAsync(id, body?.By).ConfigureAwait(false);
            return Results.Json(ack, DashboardJson.Default.AlertAck);
        }
        catch (StackExchange.Redis.RedisException)
        {
            return Results.Text("Redis is unreachable: the acknowledgement was not stored; try again", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>
    /// <c>GET /api/events</c>. A browser that reconnects sends the id of the last event it got (<c>Last-Event-ID</c>):
    /// when this process still keeps the events after it, those come first and no snapshot; otherwise a snapshot (its id
    /// the newest event's) and then new events. Every event but freshness carries its id.
    /// </summary>
    private static ServerSentEventsResult<string> Stream(HttpContext context, DashboardState state)
    {
        // The stream ends when the client goes or the host stops (otherwise shutdown would wait for it).
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        context.Response.RegisterForDispose(stop);
        var subscription = state.Subscribe(context.Request.Headers["Last-Event-ID"] is [{ } last] ? last : null, stop.Token);
        return TypedResults.ServerSentEvents(Items(state, subscription, stop.Token));
    }

    private static async IAsyncEnumerable<SseItem<string>> Items(DashboardState state, DashboardSubscription subscription, [EnumeratorCancellation] CancellationToken stop)
    {
        // The browser reconnects a second after a drop.
        var retry = TimeSpan.FromSeconds(1);
        if (subscription.Missed is { } missed)
        {
            var first = true;
            foreach (var item in missed)
            {
                yield return Item(state, item) with { ReconnectionInterval = first ? retry : null };
                first = false;
            }
        }
        else
        {
            yield return new SseItem<string>(JsonSerializer.Serialize(state.Snapshot(), DashboardJson.Default.SnapshotView), "snapshot")
            {
                EventId = state.EventId(subscription.LatestId), ReconnectionInterval = retry,
            };
        }

        IAsyncEnumerator<DashboardEvent> events = subscription.Events.ReadAllAsync(stop).GetAsyncEnumerator(stop);
        try
        {
            while (true)
            {
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        // Let go for falling behind (or the state is disposed): the browser reconnects and resumes.
                        yield break;
                    }
                }
                catch (OperationCanceledException)
                {
                    // The client left or the host is stopping.
                    yield break;
                }

                yield return Item(state, events.Current);
            }
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One event: its name, its payload as one line of JSON and, when numbered, its id.</summary>
    private static SseItem<string> Item(DashboardState state, DashboardEvent item) =>
        new(Serialize(item.Payload), item.Name) { EventId = item.Id > 0 ? state.EventId(item.Id) : null };

    private static string Serialize(object payload) => payload switch
    {
        SymbolView symbol => JsonSerializer.Serialize(symbol, DashboardJson.Default.SymbolView),
        AlertEntry alert => JsonSerializer.Serialize(alert, DashboardJson.Default.AlertEntry),
        FreshnessView freshness => JsonSerializer.Serialize(freshness, DashboardJson.Default.FreshnessView),
        SystemDashboardView system => JsonSerializer.Serialize(system, DashboardJson.Default.SystemDashboardView),
        AlertAck ack => JsonSerializer.Serialize(ack, DashboardJson.Default.AlertAck),
        _ => throw new InvalidOperationException("no JSON for " + payload.GetType().Name),
    };

    private static byte[] Load(string resource)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
