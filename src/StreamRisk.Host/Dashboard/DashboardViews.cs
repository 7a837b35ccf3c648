using System.Text.Json;
using System.Text.Json.Serialization;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Dashboard;

/// <summary>The cascade behind one direction's critical shock: trigger price by round, as the page charts it.</summary>
public sealed record ChainView(double Shock, double? FinalPrice, double? Amplification, IReadOnlyList<double> RoundPrices, int Positions, double Notional, IReadOnlyList<string> TopAccounts);

/// <summary>Liquidatable notional and resting depth within ±band of the mark.</summary>
public sealed record BandView(double Band, double LiquidatableDown, double LiquidatableUp, double BidDepth, double AskDepth);

/// <summary>One heatmap ring between two signed distances from the mark (fractions): longs and bids below, shorts and asks above.</summary>
public sealed record RingView(double From, double To, double Liquidatable, double Depth);

/// <summary>
/// One point of a symbol's history: the sparklines and the heatmap over time. A recent point is one projection (at
/// most one per second of event time); an older one stands for a whole step of the long history, with the worst of
/// it: the smallest critical shocks, the thinnest depth, the most liquidatable notional per ring, the last mark.
/// </summary>
/// <param name="Depth">Bid + ask notional within ±1 % of the mark (<see cref="SymbolView.DepthNearMark"/>).</param>
/// <param name="Liquidatable">Liquidatable notional per heatmap ring, in the order of <see cref="SymbolView.Heatmap"/>.</param>
public sealed record HistoryPoint(long EventTime, double Mark, double? CriticalShockDown, double? CriticalShockUp, double Depth, IReadOnlyList<double> Liquidatable);

/// <summary>Where one of the page's time windows starts for a symbol: the oldest kept point within it (event time).</summary>
/// <param name="Seconds">The window: one of <see cref="DashboardOptions.Windows"/>.</param>
/// <param name="Depth">Depth ±1 % at that point: the page shows the change from it to now.</param>
public sealed record WindowStart(int Seconds, long EventTime, double Depth);

/// <summary>
/// The latest picture of one symbol as the dashboard shows it. Built on the engine thread from a projection and never
/// changed afterwards; the freshness fields are filled in when it is read (they depend on the time of reading).
/// </summary>
public sealed record SymbolView
{
    public required string Symbol { get; init; }

    /// <summary>Event time of the projection, unix ms.</summary>
    public required long EventTime { get; init; }

    /// <summary>Wall time the projection reached the dashboard, unix ms.</summary>
    public required long ReceivedAt { get; init; }

    public required double Mark { get; init; }
    public double? CriticalShockDown { get; init; }
    public double? CriticalShockUp { get; init; }

    /// <summary><c>down</c> or <c>up</c>: the direction with the smaller critical shock; null when neither runs away.</summary>
    public string? WorstDirection { get; init; }

    public ChainView? ChainDown { get; init; }
    public ChainView? ChainUp { get; init; }
    public required double InsuranceFund { get; init; }
    public double? FundDrainShockDown { get; init; }
    public double? FundDrainShockUp { get; init; }
    public double AdlNotionalDown { get; init; }
    public double AdlNotionalUp { get; init; }
    public required IReadOnlyList<BandView> Bands { get; init; }
    public required IReadOnlyList<RingView> Heatmap { get; init; }
    public double DepthNearMark { get; init; }
    public double DepthNearMarkPeak { get; init; }

    /// <summary>
    /// Currency the mark and the notional amounts are in, read from the symbol's suffix (<c>BTCUSDT</c>: USDT); null when
    /// the suffix is not a known quote currency (the page then says "quote").
    /// </summary>
    public string? Currency { get; init; }

    /// <summary>Where each of the page's time windows starts (for the change of depth over it); empty before any history.</summary>
    public IReadOnlyList<WindowStart> Windows { get; init; } = [];

    /// <summary>The engine flagged the book stale (a sequence gap, waiting for a snapshot) or crossed.</summary>
    public bool BookStale { get; init; }

    /// <summary>History over one time window, oldest first; only in <c>/api/symbols/{symbol}</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<HistoryPoint>? History { get; init; }

    /// <summary>The history point this update added, if any (SSE updates carry this instead of the whole history).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HistoryPoint? Point { get; init; }

    /// <summary>Seconds of wall time since the last projection reached the dashboard, when read.</summary>
    public double AgeSeconds { get; init; }

    /// <summary>True when the figures cannot be trusted as current: see <see cref="StaleReason"/>.</summary>
    public bool Stale { get; init; }

    /// <summary><c>book</c> (the engine's book is stale or crossed) or <c>no-update</c> (nothing for longer than the limit).</summary>
    public string? StaleReason { get; init; }
}

/// <summary>One alert transition as the dashboard received it; <see cref="Seq"/> counts every transition from 1, so a client can tell it missed one.</summary>
public sealed record AlertEntry(long Seq, long ReceivedAt, AlertTransition Transition);

/// <summary><c>/api/alerts</c>: the alerts open now (latest transition of each) and the most recent transitions, newest first.</summary>
public sealed record AlertsView(long Seq, IReadOnlyList<AlertEntry> Open, IReadOnlyList<AlertEntry> Recent);

/// <summary>Freshness of one symbol, pushed every second so a page notices a feed that went quiet.</summary>
public sealed record FreshnessEntry(string Symbol, double AgeSeconds, bool Stale, string? StaleReason);

/// <summary>The SSE heartbeat: server wall time, the last alert sequence number and every symbol's freshness.</summary>
public sealed record FreshnessView(long ServerTime, long AlertSeq, double StaleAfterSeconds, IReadOnlyList<FreshnessEntry> Symbols);

/// <summary>The first SSE event of a connection: every symbol's latest view (no histories: the page asks for the one it
/// shows), the alerts and the system view.</summary>
public sealed record SnapshotView(FreshnessView Freshness, IReadOnlyList<SymbolView> Symbols, AlertsView Alerts)
{
    /// <summary>The latest system view with its history; null before the first one (or with the system view off).</summary>
    public SystemDashboardView? System { get; init; }
}

/// <summary>One point of the system critical shock over time (at most one per second of event time).</summary>
public sealed record SystemShockPoint(long EventTime, double? CriticalShockDown, double? CriticalShockUp);

/// <summary>
/// <c>GET /api/system</c> and the SSE <c>system</c> event: the latest system view (docs/dashboard-and-api.md, "System
/// view") and, in full views, the system critical shock over time (oldest first).
/// </summary>
public sealed record SystemDashboardView(long ReceivedAt, StreamRisk.Domain.Alerts.SystemView View)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SystemShockPoint>? History { get; init; }

    /// <summary>The history point this view added, if any (SSE updates carry this instead of the whole history).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SystemShockPoint? Point { get; init; }
}

/// <summary><c>GET /api/acks</c>: where acknowledgements are kept (<c>redis</c>, shared by every instance, or <c>memory</c>, this
/// instance only, lost on restart) and every one kept.</summary>
public sealed record AcksView(string Store, IReadOnlyList<StreamRisk.Contracts.Alerts.AlertAck> Acks);

/// <summary>The body of <c>POST /api/alerts/{id}/ack</c>: who acknowledges (optional).</summary>
public sealed record AckRequest(string? By);

/// <summary>Source-generated JSON (camelCase) for the dashboard's API and events.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = false,
    // A figure that does not exist travels as null; this only keeps a stray NaN from breaking a response.
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SymbolView))]
[JsonSerializable(typeof(IReadOnlyList<SymbolView>))]
[JsonSerializable(typeof(AlertEntry))]
[JsonSerializable(typeof(AlertsView))]
[JsonSerializable(typeof(FreshnessView))]
[JsonSerializable(typeof(SnapshotView))]
[JsonSerializable(typeof(SystemDashboardView))]
[JsonSerializable(typeof(AcksView))]
[JsonSerializable(typeof(AckRequest))]
[JsonSerializable(typeof(StreamRisk.Contracts.Alerts.AlertAck))]
public sealed partial class DashboardJson : JsonSerializerContext;
