using System.Buffers;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Kafka;

/// <summary>
/// Produces StreamRisk wire messages to their topics with the right keys (symbol or account), for the demo's market
/// simulator, scenario scripts and tests. Idempotent producer; each call encodes into one reused buffer. One thread.
/// </summary>
public sealed class WireProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly TopicNames _topics;
    private readonly SymbolTable _symbols = new();
    private readonly AccountTable _accounts = new();
    private readonly WireEncoder _encoder;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private long _failed;

    public WireProducer(string bootstrapServers, TopicNames topics, IReadOnlyDictionary<string, string>? clientSettings = null)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers, EnableIdempotence = true, LingerMs = 5, ClientId = "streamrisk-producer" };
        foreach (var (key, value) in clientSettings ?? new Dictionary<string, string>())
        {
            config.Set(key, value);
        }

        _producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        _topics = topics;
        _encoder = new WireEncoder(_symbols, _accounts);
    }

    public long Failed => Interlocked.Read(ref _failed);

    public int Instrument(Instrument instrument, long eventTime)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        _ = eventTime;
        var tick = TickSize.FromDecimal((decimal)instrument.TickSize);
        var index = _symbols.Upsert(instrument.Symbol, tick);
        _buffer.ResetWrittenCount();
        _encoder.WriteInstrument(_buffer, new InstrumentDefined(instrument, tick));
        Send(_topics.Instruments, _symbols.Utf8At(index));
        return index;
    }

    public void BookSnapshot(Symbol symbol, long eventTime, long lastId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks)
    {
        var index = IndexOf(symbol);
        _buffer.ResetWrittenCount();
        _encoder.WriteBook(_buffer, BookUpdated.Snapshot(index, eventTime, lastId, bids, asks));
        Send(_topics.Book, _symbols.Utf8At(index));
    }

    public void BookDelta(Symbol symbol, long eventTime, long firstId, long lastId, long previousId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks)
    {
        var index = IndexOf(symbol);
        _buffer.ResetWrittenCount();
        _encoder.WriteBook(_buffer, BookUpdated.Delta(index, eventTime, firstId, lastId, previousId, bids, asks));
        Send(_topics.Book, _symbols.Utf8At(index));
    }

    public void Mark(Symbol symbol, long eventTime, double price)
    {
        var index = IndexOf(symbol);
        _buffer.ResetWrittenCount();
        _encoder.WriteMark(_buffer, new MarkUpdated(index, eventTime, price));
        Send(_topics.Marks, _symbols.Utf8At(index));
    }

    public void Account(AccountId account, long sequence, long eventTime, double balance, ReadOnlySpan<(Symbol Symbol, double Size, double Entry, double IsolatedMargin)> positions)
    {
        var slot = _accounts.GetOrAdd(account);
        var legs = new (int, double, double, double)[positions.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            legs[i] = (IndexOf(positions[i].Symbol), positions[i].Size, positions[i].Entry, positions[i].IsolatedMargin);
        }

        _buffer.ResetWrittenCount();
        _encoder.WriteAccount(_buffer, new AccountSnapshotted(slot, sequence, eventTime, balance, legs.Length), legs);
        Send(_topics.Positions, _accounts.Utf8At(slot));
    }

    public void Position(AccountId account, long sequence, long eventTime, Symbol symbol, double size, double entry, double isolatedMargin)
    {
        var slot = _accounts.GetOrAdd(account);
        _buffer.ResetWrittenCount();
        _encoder.WritePosition(_buffer, new PositionChanged(slot, sequence, eventTime, IndexOf(symbol), size, entry, isolatedMargin));
        Send(_topics.Positions, _accounts.Utf8At(slot));
    }

    public void Liquidation(Symbol symbol, long eventTime, bool longLiquidated, double price, double size, AccountId? account)
    {
        var slot = account is { } id ? _accounts.GetOrAdd(id) : -1;
        var index = IndexOf(symbol);
        _buffer.ResetWrittenCount();
        _encoder.WriteLiquidation(_buffer, new LiquidationFilled(index, eventTime, longLiquidated ? PositionSide.Long : PositionSide.Short, price, size, slot));
        Send(_topics.Liquidations, _symbols.Utf8At(index));
    }

    /// <summary>Raw bytes to any topic (tests use it for malformed messages).</summary>
    public void Raw(string topic, byte[] key, byte[] value) =>
        _producer.Produce(topic, new Message<byte[], byte[]> { Key = key, Value = value }, Report);

    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _encoder.Dispose();
    }

    private int IndexOf(Symbol symbol)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(symbol.Value);
        return _symbols.TryGetIndex(utf8, out var index)
            ? index
            : throw new InvalidOperationException($"produce the instrument {symbol} first");
    }

    private void Send(string topic, ReadOnlySpan<byte> key)
    {
        var message = new Message<byte[], byte[]> { Key = key.ToArray(), Value = _buffer.WrittenSpan.ToArray() };
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, Report);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private void Report(DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
        }
    }
}
