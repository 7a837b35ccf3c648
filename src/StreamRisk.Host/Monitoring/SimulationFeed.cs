using StreamRisk.Kafka;
using StreamRisk.Simulation;

namespace StreamRisk.Host.Monitoring;

/// <summary>
/// Plays the market simulator into Kafka as wire messages, paced to the wall clock (event time = wall time), so the
/// demo's monitor sees a live feed. Runs on its own thread; owns its producer.
/// </summary>
public sealed class SimulationFeed(WireProducer producer, SimulatorOptions options, TimeProvider time)
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

            producer.Send(messages.Encode(simEvent));
            Produced++;
        }
    }
}
