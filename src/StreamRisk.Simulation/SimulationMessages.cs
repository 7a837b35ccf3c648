using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;

namespace StreamRisk.Simulation;

/// <summary>
/// The simulator's events as wire messages — what the demo produces to Kafka and what <c>simulate</c> writes into a
/// capture, so both carry the same bytes. One thread.
/// </summary>
public sealed class SimulationMessages : IDisposable
{
    private readonly WireMessageWriter _writer = new();
    private readonly Dictionary<string, Symbol> _symbols = new(StringComparer.Ordinal);

    // Exact tick of each simulated symbol, worked out once: book levels are converted on every book event.
    private readonly Dictionary<string, TickSize> _ticks;

    public SimulationMessages(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ticks = options.Symbols.ToDictionary(s => s.Instrument.Symbol.Value, s => TickSize.FromDecimal((decimal)s.Instrument.TickSize), StringComparer.Ordinal);
    }

    public WireMessage Encode(SimEvent simEvent)
    {
        ArgumentNullException.ThrowIfNull(simEvent);
        switch (simEvent)
        {
            case SimInstrument i:
                _symbols[i.Instrument.Symbol.Value] = i.Instrument.Symbol;
                return _writer.Instrument(i.Instrument);
            case SimBook b:
                var tick = _ticks[b.Symbol];
                var bids = Levels(b.Bids, tick);
                var asks = Levels(b.Asks, tick);
                return b.Snapshot
                    ? _writer.BookSnapshot(_symbols[b.Symbol], b.EventTime, b.LastId, bids, asks)
                    : _writer.BookDelta(_symbols[b.Symbol], b.EventTime, b.FirstId, b.LastId, b.PrevId, bids, asks);
            case SimMark m:
                return _writer.Mark(_symbols[m.Symbol], m.EventTime, m.Price);
            case SimAccount a:
                var legs = a.Positions.Select(p => (_symbols[p.Symbol], p.Size, p.Entry, p.IsolatedMargin ?? double.NaN)).ToArray();
                return _writer.Account(new AccountId(a.Account), a.Seq, a.EventTime, a.Balance, legs);
            case SimPosition p:
                return _writer.Position(new AccountId(p.Account), p.Seq, p.EventTime, _symbols[p.Symbol], p.Size, p.Entry, p.IsolatedMargin ?? double.NaN);
            case SimLiquidation l:
                return _writer.Liquidation(_symbols[l.Symbol], l.EventTime, l.LongLiquidated, l.Price, l.Size, new AccountId(l.Account));
            default:
                throw new ArgumentException($"unknown simulator event {simEvent.GetType().Name}", nameof(simEvent));
        }
    }

    public void Dispose() => _writer.Dispose();

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
