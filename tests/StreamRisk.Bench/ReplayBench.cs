using System.Diagnostics;
using StreamRisk.Engine;
using StreamRisk.Replay.Capture;
using StreamRisk.Replay.InProcess;
using StreamRisk.Simulation;

namespace StreamRisk.Bench;

/// <summary>What the replay run measured.</summary>
/// <param name="MarketSeconds">Event time the capture spans: divided by the wall time it is how much faster than real time the day replays.</param>
/// <param name="Work">Where the replay thread's time went.</param>
internal sealed record ReplayFigures(long Events, int Accounts, long Projections, long Alerts, double MarketSeconds, double Seconds, ReplayWork Work)
{
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>
/// The replay's time by the work that runs on an event-time cadence rather than per event: revaluations of cross
/// holders and ADL rankings (each symbol's at most about once a second of market time, as live) and projections (the
/// throttle's slots and every mark). Their cost grows with the market time replayed, not with the events in it, so
/// each one alone bounds the events/s a capture of this density can replay at: events ÷ that work's seconds.
/// </summary>
/// <param name="SystemViews">System views made (<see cref="SystemStage"/>, once a second of market time after a change).</param>
/// <param name="SystemSeconds">Their time, of which <paramref name="SystemLoadSeconds"/> loading the portfolio projector from the engine.</param>
internal sealed record ReplayWork(long Revaluations, double RevaluationSeconds, long AdlRankings, double AdlSeconds, double ProjectionSeconds,
    long SystemViews = 0, double SystemSeconds = 0, double SystemLoadSeconds = 0)
{
    /// <summary>Events/s if the replay did nothing but the account stage's cadence (revaluations and ADL rankings).</summary>
    public double AccountCadenceCeiling(long events) => events / Math.Max(RevaluationSeconds + AdlSeconds, 1e-9);

    /// <summary>Events/s if the replay did nothing but its projections.</summary>
    public double ProjectionCeiling(long events) => events / Math.Max(ProjectionSeconds, 1e-9);
}

/// <summary>
/// <c>simulate</c> then <c>replay --format capture</c> in one: the demo's simulated market written into a temporary
/// capture, then replayed in process at max speed with the full monitor work (decode, engine, throttled projections,
/// alert rules) through <see cref="InProcessReplay"/>. Timed: reading the capture and replaying it, as the replay verb.
/// </summary>
internal static class ReplayBench
{
    private const long Start = 1_704_067_200_000;

    /// <summary>Book messages per symbol per 100 ms step on top of the simulator's own: Binance BTCUSDT's measured rate.</summary>
    public const int TouchUpdatesPerStep = 20;

    public static ReplayFigures Run(int events, int accounts, string directory, TimeProvider time, Action<string> progress, CancellationToken cancel)
    {
        var path = Path.Combine(directory, "replay.capture.gz");
        progress($"replay: simulating {events:N0} events ({accounts:N0} accounts) into a temporary capture");
        // A venue's book density (see SimulatorOptions.TouchUpdatesPerStep): ~210 book messages a second per symbol.
        var options = new SimulatorOptions { Seed = 1, Accounts = accounts, TouchUpdatesPerStep = TouchUpdatesPerStep };
        using (var writer = CaptureWriter.Create(path, new CaptureWriterOptions { ReorderWindow = TimeSpan.Zero, MaxRecordsPerMember = 65_536, MaxMemberAge = TimeSpan.MaxValue }, time))
        using (var messages = new SimulationMessages(options))
        {
            var written = 0;
            foreach (var simEvent in new MarketSimulator(options).Run(Start, TimeSpan.FromDays(3650)))
            {
                var message = messages.Encode(simEvent);
                writer.Append(CaptureTopics.Of(message.Topic), message.Key, simEvent.EventTime, message.Value);
                if (++written == events)
                {
                    break;
                }
            }
        }

        using var outputs = new ReplayOutputs(directory: null);
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long records;
        ReplayWork work;
        long first = long.MaxValue, last = long.MinValue;
        using (var replay = new InProcessReplay(new EngineOptions(), outputs, new ReplayPacer(0, time)))
        {
            foreach (var record in CaptureReader.ReadFile(path))
            {
                replay.Apply(record);
                first = Math.Min(first, record.EventTime);
                last = Math.Max(last, record.EventTime);
                if ((replay.Records & 1023) == 0 && clock.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
                {
                    cancel.ThrowIfCancellationRequested();
                    lastReport = clock.Elapsed;
                    progress($"replay: {replay.Records:N0} of {events:N0} events, {replay.Records / clock.Elapsed.TotalSeconds:N0} events/s");
                }
            }

            records = replay.Records;
            var (revaluations, revaluationTime) = replay.Revaluations;
            var (rankings, rankingTime) = replay.AdlRankings;
            var (views, viewTime, viewLoad) = replay.SystemViews;
            work = new ReplayWork(revaluations, revaluationTime.TotalSeconds, rankings, rankingTime.TotalSeconds, replay.ProjectionTime.TotalSeconds,
                views, viewTime.TotalSeconds, viewLoad.TotalSeconds);
            if (replay.Rejected > 0)
            {
                throw new InvalidOperationException($"bench: the replay rejected {replay.Rejected:N0} simulated records");
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return new ReplayFigures(records, accounts, outputs.Projections, outputs.Alerts, (last - first) / 1000.0, seconds, work);
    }
}
