using Confluent.Kafka;
using StreamRisk.Engine;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Host.Replaying;

/// <summary>
/// Replays StreamRisk captures (what <c>record</c> wrote from the live topics) through exactly the live path — the same
/// decoder, validation and engine calls as <see cref="EventApplier"/> — on event time. Like the live source, every
/// instrument is applied first; then the other records in capture (event-time) order. Records the live monitor would
/// dead-letter are counted and skipped here.
/// </summary>
public sealed class CaptureReplay(IReadOnlyList<string> files, double speed, long? from, long? to, EngineOptions engine, ReplayOutputs outputs, TimeProvider time,
    Action<long, double>? progress = null)
{
    public long Records { get; private set; }

    public long Rejected { get; private set; }

    public long BadLines { get; private set; }

    public (long Applied, long Projections, long Alerts) Run(Action<CaptureProblem> problem, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var riskEngine = new RiskEngine(engine);
        var clock = new EventClock();
        var applier = new EventApplier(riskEngine, clock, (_, _, _) => Rejected++);
        var pacer = new ReplayPacer(speed, time);
        using var pipeline = new MonitorPipeline(riskEngine, clock, outputs.Projection, outputs.Alert, ex => throw ex);

        // Pass 1: instruments (a book or position before its instrument would be refused as an unknown symbol).
        foreach (var file in files)
        {
            foreach (var record in CaptureReader.ReadFile(file, _ => { }))
            {
                cancel.ThrowIfCancellationRequested();
                if (record.Topic == CaptureTopics.Instruments)
                {
                    Apply(applier, TopicKind.Instruments, record);
                }
            }
        }

        var done = 0;
        foreach (var file in files)
        {
            foreach (var record in CaptureReader.ReadFile(file, p => { BadLines++; problem(p); }))
            {
                cancel.ThrowIfCancellationRequested();
                if (record.Topic == CaptureTopics.Instruments || (from is { } f && record.EventTime < f) || (to is { } t && record.EventTime > t))
                {
                    continue;
                }

                pacer.WaitFor(record.EventTime);
                Apply(applier, KindOf(record.Topic), record);
                if ((++Records & 0x3FFF) == 0)
                {
                    progress?.Invoke(record.EventTime, (double)done / files.Count);
                }
            }

            done++;
        }

        clock.AdvanceTo(clock.Now + (long)engine.ProjectionInterval.TotalMilliseconds);
        return (applier.Counters.TotalApplied, outputs.Projections, outputs.Alerts);
    }

    private static void Apply(EventApplier applier, TopicKind kind, CaptureRecord record)
    {
        var result = new ConsumeResult<byte[], byte[]>
        {
            Topic = record.Topic,
            Partition = 0,
            Offset = record.LineNumber,
            Message = new Message<byte[], byte[]> { Key = record.Key, Value = record.Payload },
        };
        applier.Apply(new IngestedMessage(IngestKind.Message, kind, result, []));
    }

    private static TopicKind KindOf(string topic) => topic switch
    {
        CaptureTopics.Book => TopicKind.Book,
        CaptureTopics.Marks => TopicKind.Marks,
        CaptureTopics.Positions => TopicKind.Positions,
        CaptureTopics.Liquidations => TopicKind.Liquidations,
        _ => TopicKind.Instruments,
    };
}
