using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Replay.InProcess;

/// <summary>
/// The engine's state after a capture's records, applied through the live path (the same decoder, validation and
/// engine calls as <see cref="InProcessReplay"/>) with no projections, alerts or pacing: margin book, books and marks
/// as the monitor held them at the last record's event time. Records the live monitor would dead-letter are counted
/// and skipped.
/// </summary>
public sealed class ReplayState
{
    private readonly EventClock _clock = new();
    private readonly EventApplier _applier;

    public ReplayState(EngineOptions engine)
    {
        Engine = new RiskEngine(engine);
        _applier = new EventApplier(Engine, _clock, (_, _, _) => Rejected++);
    }

    public RiskEngine Engine { get; }

    public long Records { get; private set; }

    public long Rejected { get; private set; }

    /// <summary>Event time of the last record applied (Unix ms).</summary>
    public long EventTime => _clock.Now;

    public void Apply(CaptureRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _applier.Apply(IngestedMessage.Of(new WireRecord(CaptureTopics.ToWire(record.Topic), record.Key, record.Payload, 0, record.LineNumber)));
        Records++;
    }
}
