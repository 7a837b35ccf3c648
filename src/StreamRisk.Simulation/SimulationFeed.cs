using StreamRisk.Contracts.Wire;

namespace StreamRisk.Simulation;

/// <summary>
/// Plays the market simulator as wire messages into <c>send</c> (the demo's Kafka producer), paced to the wall clock
/// (event time = wall time), so the demo's monitor sees a live feed. Runs on its own thread.
/// </summary>
public sealed class SimulationFeed(Action<WireMessage> send, SimulatorOptions options, TimeProvider time)
{
    public long Produced { get; private set; }

    public async Task RunAsync(TimeSpan duration, CancellationToken cancel)
    {
        var start = time.GetUtcNow().ToUnixTimeMilliseconds();
        var simulator = new MarketSimulator(options);
        using var messages = new SimulationMessages(options);
        foreach (var simEvent in simulator.Run(start, duration))
        {
            cancel.ThrowIfCancellationRequested();
            var wait = simEvent.EventTime - time.GetUtcNow().ToUnixTimeMilliseconds();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), time, cancel).ConfigureAwait(false);
            }

            send(messages.Encode(simEvent));
            Produced++;
        }
    }
}
