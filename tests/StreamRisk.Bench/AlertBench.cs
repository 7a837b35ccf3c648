using System.Diagnostics;
using StreamRisk.Engine;
using StreamRisk.Replay.Capture;
using StreamRisk.Replay.InProcess;
using StreamRisk.Simulation;

namespace StreamRisk.Bench;

/// <summary>What the alert-quality run measured (<see cref="AlertQuality"/> over the simulated span).</summary>
internal sealed record AlertFigures(TimeSpan Span, int Accounts, long Transitions, double PerMinute, int MaxPerMinute, int CriticalResolved, int CriticalShortLived,
    string Description, double Seconds);

/// <summary>
/// The alert-quality targets measured: the demo's simulated market (seed 1, the demo's options) for a span of event
/// time, replayed in process through the full monitor as <c>simulate</c> then <c>replay</c> would, and its alert
/// transitions counted by <see cref="AlertQuality"/>: transitions a minute (target ≤ 30), critical alerts resolved
/// under 2 s (target 0), alerts by highest severity.
/// </summary>
internal static class AlertBench
{
    private const long Start = 1_704_067_200_000;

    public static AlertFigures Run(TimeSpan span, int accounts, TimeProvider time, Action<string> progress, CancellationToken cancel)
    {
        progress($"alerts: replaying {span.TotalMinutes:0} simulated minutes ({accounts:N0} accounts, seed 1)");
        var options = new SimulatorOptions { Seed = 1, Accounts = accounts };
        using var outputs = new ReplayOutputs(directory: null);
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        using (var messages = new SimulationMessages(options))
        using (var replay = new InProcessReplay(new EngineOptions(), outputs, new ReplayPacer(0, time)))
        {
            long line = 0;
            foreach (var simEvent in new MarketSimulator(options).Run(Start, span))
            {
                var message = messages.Encode(simEvent);
                replay.Apply(new CaptureRecord(++line, CaptureTopics.Of(message.Topic), message.Key, simEvent.EventTime, message.Value));
                if ((line & 1023) == 0 && clock.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
                {
                    cancel.ThrowIfCancellationRequested();
                    lastReport = clock.Elapsed;
                    progress($"alerts: {(simEvent.EventTime - Start) / 60_000.0:0.0} of {span.TotalMinutes:0} minutes, {outputs.Alerts:N0} transitions");
                }
            }

            if (replay.Rejected > 0)
            {
                throw new InvalidOperationException($"bench: the alert replay rejected {replay.Rejected:N0} simulated records");
            }
        }

        var q = outputs.Quality;
        return new AlertFigures(span, accounts, q.Transitions, q.PerMinute(span), q.MaxPerMinute, q.CriticalResolved, q.CriticalShortLived, q.Describe(span), clock.Elapsed.TotalSeconds);
    }
}
