using System.Diagnostics;
using System.Diagnostics.Metrics;
using StreamRisk.Domain.Alerts;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Telemetry;

/// <summary>
/// The one owner of StreamRisk's <see cref="Meter"/> and <see cref="ActivitySource"/>; every instrument is created
/// here once. Names are lower-case, dotted, with units; tags are low-cardinality (topic, reason, rule, severity,
/// state) — never an account. Exported by whatever OpenTelemetry pipeline listens to <see cref="Name"/>.
/// </summary>
public sealed class StreamRiskTelemetry : IDisposable
{
    public const string Name = "StreamRisk";
    public const string EventsAppliedName = "streamrisk.events.applied";
    public const string TickToAlertName = "streamrisk.tick_to_alert.duration";
    public const string ApplyDurationName = "streamrisk.apply.duration";

    // Tick-to-alert is milliseconds from a few to a few thousand: the SDK's default buckets suit neither end.
    private static readonly double[] LatencyBucketsMs = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000];

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
        _tickToAlert = _meter.CreateHistogram(TickToAlertName, "ms",
            "From the Kafka timestamp of the event that led to a projection to the alert transition it raised.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsMs });
        _projectionDuration = _meter.CreateHistogram("streamrisk.projection.duration", "ms", "Time to project one symbol (grid, critical shocks, bands).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100] });
        // Applying one event takes microseconds (a mark recomputes its holders; a due projection runs inside the
        // apply): the buckets start at 1 µs and reach the slow tail of a projection-carrying apply.
        _applyDuration = _meter.CreateHistogram(ApplyDurationName, "ms",
            "Time to decode and apply one input message on the engine thread (including any projection it makes due).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 100] });
        // Tag arrays built once: the per-event counter call allocates nothing.
        _topicTags = Enum.GetValues<Contracts.Wire.WireTopic>().Select(k => new[] { new KeyValuePair<string, object?>("topic", k.ToString().ToLowerInvariant()) }).ToArray();
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

    public void Alert(AlertTransition transition, double tickToAlertMs)
    {
        ArgumentNullException.ThrowIfNull(transition);
        _alerts.Add(1,
            new KeyValuePair<string, object?>("rule", Wire.AlertMapping.RuleName(transition.Rule)),
            new KeyValuePair<string, object?>("severity", Wire.AlertNames.Of(Wire.AlertMapping.ToWire(transition.Severity))),
            new KeyValuePair<string, object?>("state", Wire.AlertNames.Of(Wire.AlertMapping.ToWire(transition.State))));
        if (tickToAlertMs >= 0)
        {
            _tickToAlert.Record(tickToAlertMs);
        }
    }

    public void Projected(double milliseconds) => _projectionDuration.Record(milliseconds);

    /// <summary>Per applied message, on the engine thread: no tags, so recording allocates nothing.</summary>
    public void Applied(long startTimestamp) => _applyDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    /// <summary>Gauges read from their owners when a reader collects (Redis buffer depth, publish retries).</summary>
    public void ObserveRedis(Func<long> bufferDepth, Func<long> retried)
    {
        _meter.CreateObservableGauge("streamrisk.redis.buffer.depth", bufferDepth, "{transition}", "Alert transitions waiting for Redis.");
        _meter.CreateObservableCounter("streamrisk.redis.publish.failures", retried, "{attempt}", "Redis writes that failed and were retried.");
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

    // A struct: one write per book message allocates nothing. A collector may read a torn value mid-write; for a
    // staleness gauge that is harmless.
    private readonly record struct BookMark(string? Symbol, long Timestamp, bool Stale);

    public void Dispose()
    {
        Activities.Dispose();
        _meter.Dispose();
    }
}
