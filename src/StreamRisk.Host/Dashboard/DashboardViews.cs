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

/// <summary>One point of a symbol's recent history (at most one per second of event time): the sparklines and the heatmap over time.</summary>
/// <param name="Liquidatable">Liquidatable notional per heatmap ring, in the order of <see cref="SymbolView.Heatmap"/>.</param>
public sealed record HistoryPoint(long EventTime, double Mark, double? CriticalShockDown, double? CriticalShockUp, IReadOnlyList<double> Liquidatable);

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

    /// <summary>The engine flagged the book stale (a sequence gap, waiting for a snapshot) or crossed.</summary>
    public bool BookStale { get; init; }

    /// <summary>Recent history, oldest first; only in full views (<c>/api/symbols/{symbol}</c>, the SSE snapshot).</summary>
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

/// <summary>The first SSE event of a connection: everything, so the page needs no other request.</summary>
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
public sealed partial class DashboardJson : JsonSerializerContext;
