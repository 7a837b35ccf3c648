using StreamRisk.Engine;
using StreamRisk.Contracts.Wire;
using StreamRisk.Engine.Ingest;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Replay.InProcess;

/// <summary>
/// Applies replay records through exactly the live path — the same decoder, validation and engine calls as
/// <see cref="EventApplier"/> — on event time, as fast as allowed by the pacer. Records the live monitor would
/// dead-letter are counted and skipped. The outputs depend only on the records and their order, never on the speed.
/// </summary>
/// <remarks>
/// A projection still throttled when the records end is not forced out: the live monitor would make it only when a
/// later event arrives, and a replay gives what the live run gave.
/// </remarks>
public sealed class InProcessReplay : IDisposable
{
    private readonly RiskEngine _engine;
    private readonly EventClock _clock = new();
    private readonly EventApplier _applier;
    private readonly ReplayPacer _pacer;
    private readonly MonitorPipeline _pipeline;

    public InProcessReplay(EngineOptions engine, ReplayOutputs outputs, ReplayPacer pacer)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        _engine = new RiskEngine(engine);
        _applier = new EventApplier(_engine, _clock, (_, reason, _) =>
        {
            Rejected++;
            RejectedByReason[reason] = RejectedByReason.GetValueOrDefault(reason) + 1;
        });
        _pacer = pacer;
        _pipeline = new MonitorPipeline(_engine, _clock, outputs.Projection, outputs.Alert, ex => throw ex, took => _projectionTime += took, outputs.System);
    }

    private TimeSpan _projectionTime;

    /// <summary>The engine the records are applied to (read between records: its owner is the thread that calls <see cref="Apply"/>).</summary>
    public RiskEngine Engine => _engine;

    public long Records { get; private set; }

    public long Rejected { get; private set; }

    /// <summary>What the live monitor would have dead-lettered, by reason.</summary>
    public SortedDictionary<string, long> RejectedByReason { get; } = new(StringComparer.Ordinal);

    public long Applied => _applier.Counters.TotalApplied;

    /// <summary>Wall time spent in projections so far (the bench says where a replay's time goes).</summary>
    public TimeSpan ProjectionTime => _projectionTime;

    /// <inheritdoc cref="SystemStage.Runs"/>
    public (long Count, TimeSpan Time, TimeSpan Load) SystemViews => _pipeline.SystemStage?.Runs ?? default;

    /// <inheritdoc cref="AccountStage.Revaluations"/>
    public (long Count, TimeSpan Time) Revaluations => _engine.Accounts.Revaluations;

    /// <inheritdoc cref="AccountStage.AdlRankings"/>
    public (long Count, TimeSpan Time) AdlRankings => _engine.Accounts.AdlRankings;

    /// <summary>The venue liquidation engine's fills and totals; null when it is off.</summary>
    public VenueLiquidations? Liquidations => _engine.Liquidations;

    /// <summary>Event time of the last record applied (Unix ms).</summary>
    public long EventTime => _clock.Now;

    public void Apply(CaptureRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Topic != CaptureTopics.Instruments)
        {
            _pacer.WaitFor(record.EventTime);
        }

        _applier.Apply(IngestedMessage.Of(new WireRecord(CaptureTopics.ToWire(record.Topic), record.Key, record.Payload, 0, record.LineNumber)));
        Records++;
    }

    /// <summary>Stops the projection pipeline (nothing more is emitted).</summary>
    public void Dispose() => _pipeline.Dispose();
}
