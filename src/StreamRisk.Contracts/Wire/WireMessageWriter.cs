using System.Buffers;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// The topic a wire message belongs on, by kind: the one list of topics (a Kafka name adds the deployment's prefix,
/// see <see cref="TopicNames.Of"/>; a capture stores the kind's name).
/// </summary>
public enum WireTopic
{
    Instruments,
    Book,
    Marks,
    Positions,
    Liquidations,

    /// <summary>Partial ladders from the account stage to the projector stage (scale-out); never captured.</summary>
    Ladders,

    /// <summary>Insurance fund balances from the venue.</summary>
    Insurance,
}

/// <summary>One encoded wire message: its topic kind, its Kafka key (symbol or account, UTF-8) and its JSON value.</summary>
public readonly record struct WireMessage(WireTopic Topic, byte[] Key, byte[] Value);

/// <summary>
/// Encodes domain events into whole wire messages with the right keys — what every producer of StreamRisk input
/// needs (the demo's simulator feed, replays turning a venue capture into our topics, scenario scripts in tests).
/// Symbols must be defined (<see cref="Instrument"/>) before anything names them, as on the wire. One thread.
/// </summary>
public sealed class WireMessageWriter : IDisposable
{
    private readonly SymbolTable _symbols = new();
    private readonly AccountTable _accounts = new();
    private readonly WireEncoder _encoder;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    public WireMessageWriter() => _encoder = new WireEncoder(_symbols, _accounts);

    public WireMessage Instrument(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var tick = TickSize.FromDecimal((decimal)instrument.TickSize);
        var index = _symbols.Upsert(instrument.Symbol, tick);
        _buffer.ResetWrittenCount();
        _encoder.WriteInstrument(_buffer, new InstrumentDefined(instrument, tick));
        return Message(WireTopic.Instruments, _symbols.Utf8At(index));
    }

    public WireMessage BookSnapshot(Symbol symbol, long eventTime, long lastId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks)
    {
        var index = IndexOf(symbol);
        _buffer.ResetWrittenCount();
        _encoder.WriteBook(_buffer, BookUpdated.Snapshot(index, eventTime, lastId, bids, asks));
        return Message(WireTopic.Book, _symbols.Utf8At(index));
    }

    public WireMessage BookDelta(Symbol symbol, long eventTime, long firstId, long lastId, long previousId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks)
    {
        var index = IndexOf(symbol);
        _buffer.ResetWrittenCount();
        _encoder.WriteBook(_buffer, BookUpdated.Delta(index, eventTime, firstId, lastId, previousId, bids, asks));
        return Message(WireTopic.Book, _symbols.Utf8At(index));
    }

    public WireMessage Mark(Symbol symbol, long eventTime, double price)
    {
        var index = IndexOf(symbol);
        _buffer.ResetWrittenCount();
        _encoder.WriteMark(_buffer, new MarkUpdated(index, eventTime, price));
        return Message(WireTopic.Marks, _symbols.Utf8At(index));
    }

    public WireMessage Account(AccountId account, long sequence, long eventTime, double balance, ReadOnlySpan<(Symbol Symbol, double Size, double Entry, double IsolatedMargin)> positions)
    {
        var slot = _accounts.GetOrAdd(account);
        var legs = new (int, double, double, double)[positions.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            legs[i] = (IndexOf(positions[i].Symbol), positions[i].Size, positions[i].Entry, positions[i].IsolatedMargin);
        }

        _buffer.ResetWrittenCount();
        _encoder.WriteAccount(_buffer, new AccountSnapshotted(slot, sequence, eventTime, balance, legs.Length), legs);
        return Message(WireTopic.Positions, _accounts.Utf8At(slot));
    }

    public WireMessage Position(AccountId account, long sequence, long eventTime, Symbol symbol, double size, double entry, double isolatedMargin)
    {
        var slot = _accounts.GetOrAdd(account);
        _buffer.ResetWrittenCount();
        _encoder.WritePosition(_buffer, new PositionChanged(slot, sequence, eventTime, IndexOf(symbol), size, entry, isolatedMargin));
        return Message(WireTopic.Positions, _accounts.Utf8At(slot));
    }

    public WireMessage Liquidation(Symbol symbol, long eventTime, bool longLiquidated, double price, double size, AccountId? account)
    {
        var slot = account is { } id ? _accounts.GetOrAdd(id) : -1;
        var index = IndexOf(symbol);
        _buffer.ResetWrittenCount();
        _encoder.WriteLiquidation(_buffer, new LiquidationFilled(index, eventTime, longLiquidated ? PositionSide.Long : PositionSide.Short, price, size, slot));
        return Message(WireTopic.Liquidations, _symbols.Utf8At(index));
    }

    /// <summary>An insurance fund balance; keyed by the fund's name (a symbol, or the venue-wide fund's).</summary>
    public WireMessage Insurance(string fund, long eventTime, double balance)
    {
        ArgumentNullException.ThrowIfNull(fund);
        _buffer.ResetWrittenCount();
        _encoder.WriteInsurance(_buffer, fund, eventTime, balance);
        return Message(WireTopic.Insurance, System.Text.Encoding.UTF8.GetBytes(fund));
    }

    public void Dispose() => _encoder.Dispose();

    private int IndexOf(Symbol symbol)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(symbol.Value);
        return _symbols.TryGetIndex(utf8, out var index)
            ? index
            : throw new InvalidOperationException($"write the instrument {symbol} first");
    }

    private WireMessage Message(WireTopic topic, ReadOnlySpan<byte> key) => new(topic, key.ToArray(), _buffer.WrittenSpan.ToArray());
}
