using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using StreamRisk.Domain.Alerts;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Telemetry;

/// <summary>
/// The one owner of StreamRisk's <see cref="Meter"/> and <see cref="ActivitySource"/>; every instrument is created
/// here once. Names are lower-case, dotted, with units (durations in seconds, as OpenTelemetry's conventions have
/// them); tags are low-cardinality (topic, reason, rule, severity, state, symbol, direction, band, side) — never an
/// account. Exported by whatever OpenTelemetry pipeline listens to <see cref="Name"/>.
/// </summary>
/// <remarks>
/// Ownership: counters and histograms are recorded by the thread that saw the event (the engine thread for applies,
/// projections and alerts). The risk gauges read what the engine thread last published — an immutable reading per
/// symbol swapped in by one reference write (<see cref="RiskProjected"/>), the system shocks and the open-alert counts
/// likewise — so a collector on the exporter's thread never touches engine structures and the engine never waits for it.
/// </remarks>
public sealed class StreamRiskTelemetry : IDisposable
{
    public const string Name = "StreamRisk";
    public const string EventsAppliedName = "streamrisk.events.applied";
    public const string TickToAlertName = "streamrisk.tick_to_alert.duration";
    public const string ApplyDurationName = "streamrisk.apply.duration";

    // Tick-to-alert is from a millisecond to seconds: the SDK's default buckets (made for milliseconds) suit neither end.
    private static readonly double[] TickToAlertBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

    // A shock is a fraction of the mark, whose conventional unit is "1"; but the collector's Prometheus exporter appends
    // _ratio to a gauge of unit "1" and the SDK's /metrics does not. An annotation (dropped by both) keeps one name,
    // streamrisk_critical_shock, on both paths.
    private const string FractionUnit = "{fraction}";

    private static readonly int Rules = Enum.GetValues<AlertRule>().Length;
    private static readonly int Severities = Enum.GetValues<AlertSeverity>().Length;

    private readonly Meter _meter;
    private readonly Counter<long> _eventsApplied;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _alerts;
    private readonly Histogram<double> _tickToAlert;
    private readonly Histogram<double> _projectionDuration;
    private readonly Histogram<double> _applyDuration;
    private readonly KeyValuePair<string, object?>[][] _topicTags;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Topic, int Partition), long> _lag = new();
    private BookMark[] _books = new BookMark[16];

    // The risk picture. The engine thread owns the dictionary and the open-alert working state; collectors read only
    // the published slots array (copy-on-write when a symbol first appears), each slot's reading, the system reading
    // and the published open-alert counts.
    private readonly Dictionary<string, RiskSlot> _riskBySymbol = new(StringComparer.Ordinal);
    private RiskSlot[] _riskSlots = [];
    private SystemShocks? _systemShocks;
    private readonly Dictionary<string, int> _openAlerts = new(StringComparer.Ordinal); // alert id → its rule × severity cell
    private readonly int[] _openCounts = new int[Rules * Severities];
    private int[] _openPublished = new int[Rules * Severities];
    private readonly KeyValuePair<string, object?>[][] _openTags;

    /// <param name="meterName">The meter's name; <see cref="Name"/> in the product. OpenTelemetry's SDK keys a metric by
    /// meter name, and disposing any meter of that name ends the shared metric in every provider of the process
    /// (opentelemetry-dotnet#6412): a process that holds several of these at once and disposes some (a test host)
    /// gives each its own name.</param>
    public StreamRiskTelemetry(string meterName = Name)
    {
        _meter = new Meter(meterName, "1.0");
        _eventsApplied = _meter.CreateCounter<long>(EventsAppliedName, "{event}", "Input events applied to the engine, by topic.");
        _deadLettered = _meter.CreateCounter<long>("streamrisk.deadletter.messages", "{message}", "Messages sent to the dead-letter topic, by reason.");
        _alerts = _meter.CreateCounter<long>("streamrisk.alerts", "{transition}", "Alert transitions, by rule, severity and state.");
        _tickToAlert = _meter.CreateHistogram(TickToAlertName, "s",
            "From the Kafka timestamp of the event that led to a projection to the alert transition it raised.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TickToAlertBuckets });
        _projectionDuration = _meter.CreateHistogram("streamrisk.projection.duration", "s", "Time to project one symbol (grid, critical shocks, bands).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1] });
        // Applying one event takes microseconds (a mark recomputes its holders; a due projection runs inside the
        // apply): the buckets start at 1 µs and reach the slow tail of a projection-carrying apply.
        _applyDuration = _meter.CreateHistogram(ApplyDurationName, "s",
            "Time to decode and apply one input message on the engine thread (including any projection it makes due).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1] });
        // Tag arrays built once: the per-event counter call allocates nothing.
        _topicTags = Enum.GetValues<Contracts.Wire.WireTopic>().Select(k => new[] { new KeyValuePair<string, object?>("topic", k.ToString().ToLowerInvariant()) }).ToArray();
        _openTags = new KeyValuePair<string, object?>[Rules * Severities][];
        foreach (var rule in Enum.GetValues<AlertRule>())
        {
            foreach (var severity in Enum.GetValues<AlertSeverity>())
            {
                _openTags[Cell(rule, severity)] =
                [
                    new("rule", Wire.AlertMapping.RuleName(rule)),
                    new("severity", Wire.AlertNames.Of(Wire.AlertMapping.ToWire(severity))),
                ];
            }
        }

        // The risk gauges: per symbol (projected instruments only — a few hundred at most), the system, open alerts.
        _meter.CreateObservableGauge("streamrisk.critical_shock", ObserveCriticalShocks, FractionUnit,
            "Smallest move of the mark (a fraction, by direction) whose liquidation cascade runs away; absent while no move of the grid does.");
        _meter.CreateObservableGauge("streamrisk.liquidatable_notional", ObserveLiquidatable, "{USD}",
            "Notional of the positions a move of the mark by the band (a fraction, by direction) would liquidate.");
        _meter.CreateObservableGauge("streamrisk.book.depth", ObserveDepth, "{USD}",
            "Notional resting on one side of the book within the band (a fraction) of the mark.");
        _meter.CreateObservableGauge("streamrisk.insurance_fund", ObserveInsuranceFunds, "{USD}", "The symbol's insurance fund as last projected.");
        _meter.CreateObservableGauge("streamrisk.system.critical_shock", ObserveSystemShocks, FractionUnit,
            "Smallest move of the reference (a fraction, by direction) whose factor scenario makes any instrument run away; absent while none does.");
        _meter.CreateObservableGauge("streamrisk.open_alerts", ObserveOpenAlerts, "{alert}", "Alerts raised and not yet resolved, by rule and severity (0 when none).");
    }

    public ActivitySource Activities { get; } = new(Name, "1.0");

    /// <summary>The meter every instrument belongs to (a listener can tell this instance's measurements from others').</summary>
    public Meter Meter => _meter;

    public void EventApplied(Contracts.Wire.WireTopic topic) => _eventsApplied.Add(1, _topicTags[(int)topic]);

    public void DeadLettered(string reason)
    {
        // Reason codes carry a field ("negative:price"); the code alone keeps the tag set small.
        var code = reason.Split(':', 2)[0];
        _deadLettered.Add(1, new KeyValuePair<string, object?>("reason", code));
    }

    /// <summary>Engine thread: an alert transition, and how long after the input it answers (null when unknown).</summary>
    public void Alert(AlertTransition transition, TimeSpan? tickToAlert)
    {
        ArgumentNullException.ThrowIfNull(transition);
        _alerts.Add(1,
            new KeyValuePair<string, object?>("rule", Wire.AlertMapping.RuleName(transition.Rule)),
            new KeyValuePair<string, object?>("severity", Wire.AlertNames.Of(Wire.AlertMapping.ToWire(transition.Severity))),
            new KeyValuePair<string, object?>("state", Wire.AlertNames.Of(Wire.AlertMapping.ToWire(transition.State))));
        if (tickToAlert is { } elapsed && elapsed >= TimeSpan.Zero)
        {
            _tickToAlert.Record(elapsed.TotalSeconds);
        }

        // An alert counts under its latest severity until resolved (an escalation moves it between cells).
        if (_openAlerts.Remove(transition.Id, out var previous))
        {
            _openCounts[previous]--;
        }

        if (transition.State != AlertState.Resolved)
        {
            var cell = Cell(transition.Rule, transition.Severity);
            _openAlerts[transition.Id] = cell;
            _openCounts[cell]++;
        }

        Volatile.Write(ref _openPublished, (int[])_openCounts.Clone());
    }

    public void Projected(TimeSpan elapsed) => _projectionDuration.Record(elapsed.TotalSeconds);

    /// <summary>Per applied message, on the engine thread: no tags, so recording allocates nothing.</summary>
    public void Applied(long startTimestamp) => _applyDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);

    /// <summary>
    /// Engine thread: a symbol's new projection. Its figures are copied into an immutable reading and published by one
    /// reference write; a projection runs at most every throttle interval per symbol, so the copy costs nothing that matters.
    /// </summary>
    public void RiskProjected(SymbolRisk risk)
    {
        ArgumentNullException.ThrowIfNull(risk);
        if (!_riskBySymbol.TryGetValue(risk.Symbol, out var slot))
        {
            slot = new RiskSlot(risk.Symbol);
            _riskBySymbol.Add(risk.Symbol, slot);
            Volatile.Write(ref _riskSlots, [.. _riskSlots, slot]);
        }

        var bands = new BandReading[risk.Bands.Count];
        for (var i = 0; i < bands.Length; i++)
        {
            var b = risk.Bands[i];
            bands[i] = new BandReading(slot.BandTag(b.Band), b.LiquidatableDown, b.LiquidatableUp, b.BidDepth, b.AskDepth);
        }

        Volatile.Write(ref slot.Reading, new RiskReading(risk.CriticalShockDown, risk.CriticalShockUp, risk.InsuranceFund, bands));
    }

    /// <summary>Engine thread: a new system view (only its critical shocks are kept).</summary>
    public void SystemProjected(SystemView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        Volatile.Write(ref _systemShocks, new SystemShocks(view.CriticalShockDown, view.CriticalShockUp));
    }

    /// <summary>Gauges read from their owners when a reader collects (Redis buffer depth, publish retries).</summary>
    public void ObserveRedis(Func<long> bufferDepth, Func<long> retried)
    {
        _meter.CreateObservableGauge("streamrisk.redis.buffer.depth", bufferDepth, "{transition}", "Alert transitions waiting for Redis.");
        _meter.CreateObservableCounter("streamrisk.redis.publish.failures", retried, "{attempt}", "Redis writes that failed and were retried.");
    }

    /// <summary>The dashboard's live stream: pages let go for falling behind, and reconnects that resumed from their last event id.</summary>
    public void ObserveDashboard(Func<long> letGo, Func<long> resumed)
    {
        _meter.CreateObservableCounter("streamrisk.dashboard.clients.let_go", letGo, "{client}", "Dashboard pages let go because their event queue filled.");
        _meter.CreateObservableCounter("streamrisk.dashboard.resumes", resumed, "{connection}", "Dashboard reconnects that resumed from their Last-Event-ID instead of a snapshot.");
    }

    /// <summary>Consumer lag per partition and book staleness per symbol, kept here as the latest values and read when a reader collects.</summary>
    public void ObserveLagAndBooks()
    {
        _meter.CreateObservableGauge("streamrisk.consumer.lag", () => _lag.Select(kv =>
            new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("topic", kv.Key.Topic), new KeyValuePair<string, object?>("partition", kv.Key.Partition))),
            "{message}", "Messages behind the partition's high watermark.");
        _meter.CreateObservableGauge("streamrisk.book.staleness", () => Volatile.Read(ref _books).Where(b => b.Symbol is not null).Select(b =>
            new Measurement<double>(b.Stale ? double.PositiveInfinity : (Stopwatch.GetTimestamp() - b.Timestamp) / (double)Stopwatch.Frequency,
                new KeyValuePair<string, object?>("symbol", b.Symbol))),
            "s", "Seconds since the symbol's book last changed (+Inf while it waits for a resync after a gap).");
    }

    /// <summary>Called from the consume thread; read by collectors on theirs.</summary>
    public void Lag(string topic, int partition, long messages) => _lag[(topic, partition)] = messages;

    /// <summary>Consumer lag summed over every partition last reported.</summary>
    public long TotalLag => _lag.Values.Sum();

    /// <summary>Per applied book message: an array slot per instrument, so the hot path neither allocates nor hashes strings.</summary>
    public void BookUpdated(int instrument, string symbol, bool stale)
    {
        var books = _books;
        if (instrument >= books.Length)
        {
            Array.Resize(ref books, Math.Max(instrument + 1, books.Length * 2));
            _books = books;
        }

        books[instrument] = new BookMark(symbol, Stopwatch.GetTimestamp(), stale);
    }

    private static int Cell(AlertRule rule, AlertSeverity severity) => ((int)rule * Severities) + (int)severity;

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    private IEnumerable<Measurement<double>> ObserveCriticalShocks()
    {
        foreach (var slot in Volatile.Read(ref _riskSlots))
        {
            if (Volatile.Read(ref slot.Reading) is not { } reading)
            {
                continue;
            }

            if (reading.ShockDown is { } down)
            {
                yield return new Measurement<double>(down, Tag("symbol", slot.Symbol), Tag("direction", "down"));
            }

            if (reading.ShockUp is { } up)
            {
                yield return new Measurement<double>(up, Tag("symbol", slot.Symbol), Tag("direction", "up"));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveLiquidatable()
    {
        foreach (var slot in Volatile.Read(ref _riskSlots))
        {
            foreach (var band in Volatile.Read(ref slot.Reading)?.Bands ?? [])
            {
                yield return new Measurement<double>(band.LiquidatableDown, Tag("symbol", slot.Symbol), Tag("direction", "down"), Tag("band", band.Band));
                yield return new Measurement<double>(band.LiquidatableUp, Tag("symbol", slot.Symbol), Tag("direction", "up"), Tag("band", band.Band));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveDepth()
    {
        foreach (var slot in Volatile.Read(ref _riskSlots))
        {
            foreach (var band in Volatile.Read(ref slot.Reading)?.Bands ?? [])
            {
                yield return new Measurement<double>(band.BidDepth, Tag("symbol", slot.Symbol), Tag("side", "bid"), Tag("band", band.Band));
                yield return new Measurement<double>(band.AskDepth, Tag("symbol", slot.Symbol), Tag("side", "ask"), Tag("band", band.Band));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveInsuranceFunds()
    {
        foreach (var slot in Volatile.Read(ref _riskSlots))
        {
            if (Volatile.Read(ref slot.Reading) is { } reading)
            {
                yield return new Measurement<double>(reading.InsuranceFund, Tag("symbol", slot.Symbol));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveSystemShocks()
    {
        var shocks = Volatile.Read(ref _systemShocks);
        if (shocks?.Down is { } down)
        {
            yield return new Measurement<double>(down, Tag("direction", "down"));
        }

        if (shocks?.Up is { } up)
        {
            yield return new Measurement<double>(up, Tag("direction", "up"));
        }
    }

    // Every rule × severity, zeros included: a series that exists before its first alert makes increases and
    // annotations see the first one too.
    private IEnumerable<Measurement<int>> ObserveOpenAlerts()
    {
        var counts = Volatile.Read(ref _openPublished);
        for (var i = 0; i < counts.Length; i++)
        {
            yield return new Measurement<int>(counts[i], _openTags[i]);
        }
    }

    /// <summary>One symbol's latest reading: written by the engine thread, read by collectors.</summary>
    private sealed class RiskSlot(string symbol)
    {
        private readonly Dictionary<double, string> _bandTags = [];

        public string Symbol { get; } = symbol;

        public RiskReading? Reading;

        /// <summary>Engine thread: the band's tag value ("0.01"), formatted once per band.</summary>
        public string BandTag(double band)
        {
            if (!_bandTags.TryGetValue(band, out var tag))
            {
                tag = band.ToString("0.####", CultureInfo.InvariantCulture);
                _bandTags.Add(band, tag);
            }

            return tag;
        }
    }

    private sealed record RiskReading(double? ShockDown, double? ShockUp, double InsuranceFund, BandReading[] Bands);

    private readonly record struct BandReading(string Band, double LiquidatableDown, double LiquidatableUp, double BidDepth, double AskDepth);

    private sealed record SystemShocks(double? Down, double? Up);

    // A struct: one write per book message allocates nothing. A collector may read a torn value mid-write; for a
    // staleness gauge that is harmless.
    private readonly record struct BookMark(string? Symbol, long Timestamp, bool Stale);

    public void Dispose()
    {
        Activities.Dispose();
        _meter.Dispose();
    }
}
