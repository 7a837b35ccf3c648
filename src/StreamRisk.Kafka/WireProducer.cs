using System.Buffers;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
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
    private readonly WireMessageWriter _writer = new();
    private long _failed;

    /// <param name="log">Where the client's own lines go, rate-limited and at their level (<see cref="KafkaLog"/>); none: they are dropped.</param>
    public WireProducer(string bootstrapServers, TopicNames topics, IReadOnlyDictionary<string, string>? clientSettings = null, ILogger? log = null)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers, EnableIdempotence = true, LingerMs = 5, ClientId = "streamrisk-producer" };
        foreach (var (key, value) in clientSettings ?? new Dictionary<string, string>())
        {
            config.Set(key, value);
        }

        var clientLog = new KafkaLog(log, config);
        _producer = new ProducerBuilder<byte[], byte[]>(config).SetLogHandler(clientLog.OnLog).SetErrorHandler(clientLog.OnError).Build();
        _topics = topics;
    }

    public long Failed => Interlocked.Read(ref _failed);

    public void Instrument(Instrument instrument, long eventTime)
    {
        _ = eventTime; // instruments carry no event time on the wire
        Send(_writer.Instrument(instrument));
    }

    public void BookSnapshot(Symbol symbol, long eventTime, long lastId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks) =>
        Send(_writer.BookSnapshot(symbol, eventTime, lastId, bids, asks));

    public void BookDelta(Symbol symbol, long eventTime, long firstId, long lastId, long previousId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks) =>
        Send(_writer.BookDelta(symbol, eventTime, firstId, lastId, previousId, bids, asks));

    public void Mark(Symbol symbol, long eventTime, double price) => Send(_writer.Mark(symbol, eventTime, price));

    public void Account(AccountId account, long sequence, long eventTime, double balance, ReadOnlySpan<(Symbol Symbol, double Size, double Entry, double IsolatedMargin)> positions) =>
        Send(_writer.Account(account, sequence, eventTime, balance, positions));

    public void Position(AccountId account, long sequence, long eventTime, Symbol symbol, double size, double entry, double isolatedMargin) =>
        Send(_writer.Position(account, sequence, eventTime, symbol, size, entry, isolatedMargin));

    public void Liquidation(Symbol symbol, long eventTime, bool longLiquidated, double price, double size, AccountId? account) =>
        Send(_writer.Liquidation(symbol, eventTime, longLiquidated, price, size, account));

    /// <summary>Raw bytes to any topic (tests use it for malformed messages).</summary>
    public void Raw(string topic, byte[] key, byte[] value) =>
        _producer.Produce(topic, new Message<byte[], byte[]> { Key = key, Value = value }, Report);

    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _writer.Dispose();
    }

    /// <summary>An encoded wire message to its topic.</summary>
    public void Send(in WireMessage wire)
    {
        var message = new Message<byte[], byte[]> { Key = wire.Key, Value = wire.Value };
        var topic = _topics.Of(wire.Topic);
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
