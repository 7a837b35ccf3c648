using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Kafka;
using StreamRisk.Replay.Simulation;

namespace StreamRisk.Host.Monitoring;

/// <summary>
/// Plays the market simulator into Kafka as wire messages, paced to the wall clock (event time = wall time), so the
/// demo's monitor sees a live feed. Runs on its own thread; owns its producer.
/// </summary>
public sealed class SimulationFeed(WireProducer producer, SimulatorOptions options, TimeProvider time)
{
    private readonly Dictionary<string, Symbol> _symbols = new(StringComparer.Ordinal);

    public long Produced { get; private set; }

    public async Task RunAsync(TimeSpan duration, CancellationToken cancel)
    {
        var start = time.GetUtcNow().ToUnixTimeMilliseconds();
        var simulator = new MarketSimulator(options);
        foreach (var simEvent in simulator.Run(start, duration))
        {
            cancel.ThrowIfCancellationRequested();
            var wait = simEvent.EventTime - time.GetUtcNow().ToUnixTimeMilliseconds();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), time, cancel).ConfigureAwait(false);
            }

            Produce(simEvent);
            Produced++;
        }
    }

    private void Produce(SimEvent simEvent)
    {
        switch (simEvent)
        {
            case SimInstrument i:
                _symbols[i.Instrument.Symbol.Value] = i.Instrument.Symbol;
                producer.Instrument(i.Instrument, i.EventTime);
                break;
            case SimBook b:
                var tick = TickSize.FromDecimal((decimal)InstrumentTick(b.Symbol));
                var bids = Levels(b.Bids, tick);
                var asks = Levels(b.Asks, tick);
                if (b.Snapshot)
                {
                    producer.BookSnapshot(_symbols[b.Symbol], b.EventTime, b.LastId, bids, asks);
                }
                else
                {
                    producer.BookDelta(_symbols[b.Symbol], b.EventTime, b.FirstId, b.LastId, b.PrevId, bids, asks);
                }

                break;
            case SimMark m:
                producer.Mark(_symbols[m.Symbol], m.EventTime, m.Price);
                break;
            case SimAccount a:
                var legs = a.Positions.Select(p => (_symbols[p.Symbol], p.Size, p.Entry, p.IsolatedMargin ?? double.NaN)).ToArray();
                producer.Account(new AccountId(a.Account), a.Seq, a.EventTime, a.Balance, legs);
                break;
            case SimPosition p:
                producer.Position(new AccountId(p.Account), p.Seq, p.EventTime, _symbols[p.Symbol], p.Size, p.Entry, p.IsolatedMargin ?? double.NaN);
                break;
            case SimLiquidation l:
                producer.Liquidation(_symbols[l.Symbol], l.EventTime, l.LongLiquidated, l.Price, l.Size, new AccountId(l.Account));
                break;
        }
    }

    private double InstrumentTick(string symbol) => options.Symbols.First(s => s.Instrument.Symbol.Value == symbol).Instrument.TickSize;

    private static PriceLevel[] Levels(IReadOnlyList<(decimal Price, decimal Quantity)> levels, TickSize tick)
    {
        var result = new PriceLevel[levels.Count];
        for (var i = 0; i < levels.Count; i++)
        {
            result[i] = new PriceLevel((long)decimal.Round(levels[i].Price / tick.Value), (double)levels[i].Quantity);
        }

        return result;
    }
}
