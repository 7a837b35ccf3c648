using System.Buffers.Binary;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Kafka;

/// <summary>
/// <c>replay --to-kafka</c>: produces replay records to the live topics at the replay's pace, so the whole pipeline
/// runs on them. Each message carries its flush epoch and the replay's order in <see cref="EventTimeMerge.OrderHeader"/>,
/// and every epoch is flushed (in the logs) before the next one is produced — together what lets a monitor with
/// event-time ordering apply exactly the in-process order. An epoch ends before the pacer sleeps (so a paced replay
/// reaches the monitor at once) and at least every 50 ms of producing. Idempotent producer: a retried send is not
/// written twice. With a listener on the given activity source each record gets a <c>send {topic}</c> span, its W3C
/// context in the record's headers (<see cref="KafkaTracing"/>); without one, neither.
/// </summary>
public sealed class ReplayProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly TopicNames _topics;
    private readonly Func<long, TimeSpan> _dueIn;
    private readonly Action<long> _waitFor;
    private readonly ActivitySource? _activities;
    private readonly string[] _sendNames;
    private readonly Action<DeliveryReport<byte[], byte[]>> _report;
    private readonly Stopwatch _sinceFlush = Stopwatch.StartNew();
    private long _step = long.MinValue;
    private long _epoch;
    private long _failed;
    private string? _firstError;

    /// <param name="dueIn">How long the pace would wait for an event time now (an epoch ends before a wait).</param>
    /// <param name="waitFor">Waits until an event time is due at the replay's pace.</param>
    /// <param name="log">Where the client's own lines go, rate-limited and at their level (<see cref="KafkaLog"/>).</param>
    /// <param name="activities">Where the records' producer spans go; none: no spans and no trace headers.</param>
    public ReplayProducer(string bootstrapServers, TopicNames topics, Func<long, TimeSpan> dueIn, Action<long> waitFor, ILogger? log = null,
        IReadOnlyDictionary<string, string>? clientSettings = null, ActivitySource? activities = null)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(dueIn);
        ArgumentNullException.ThrowIfNull(waitFor);
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            LingerMs = 0, // every event-time step is flushed: waiting to batch would only slow each flush
            ClientId = "streamrisk-replay",
            MessageTimeoutMs = 60_000,
        };
        foreach (var (key, value) in clientSettings ?? new Dictionary<string, string>())
        {
            config.Set(key, value);
        }

        var clientLog = new KafkaLog(log, config);
        _producer = new ProducerBuilder<byte[], byte[]>(config).SetLogHandler(clientLog.OnLog).SetErrorHandler(clientLog.OnError).Build();
        _topics = topics;
        _dueIn = dueIn;
        _waitFor = waitFor;
        _activities = activities;
        _report = Report;
        var wireTopics = Enum.GetValues<WireTopic>();
        _sendNames = new string[wireTopics.Max(t => (int)t) + 1];
        foreach (var wireTopic in wireTopics)
        {
            _sendNames[(int)wireTopic] = "send " + topics.Of(wireTopic);
        }
    }

    public long Produced { get; private set; }

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>One record of <paramref name="topic"/> at <paramref name="eventTime"/> (instruments are not paced: they carry no event time).</summary>
    public void Send(WireTopic topic, byte[] key, byte[] value, long eventTime)
    {
        if (topic != WireTopic.Instruments && eventTime != _step)
        {
            // Epochs end between steps of event time: everything of an epoch is in its log before the next is produced.
            if (_step != long.MinValue && (_dueIn(eventTime) > TimeSpan.FromMilliseconds(1) || _sinceFlush.Elapsed > TimeSpan.FromMilliseconds(50)))
            {
                Flush();
                _epoch++;
                _sinceFlush.Restart();
            }

            _waitFor(eventTime);
            _step = eventTime;
        }

        var order = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(order, _epoch);
        BinaryPrimitives.WriteInt64BigEndian(order.AsSpan(8), ++Produced);
        var message = new Message<byte[], byte[]>
        {
            Key = key,
            Value = value,
            Headers = [new Header(EventTimeMerge.OrderHeader, order)],
        };
        var name = _topics.Of(topic);
        // Positions are keyed by account, which no span names.
        var span = KafkaTracing.StartSend(_activities, _sendNames[(int)topic], name, message.Headers, topic == WireTopic.Positions ? null : key);
        var report = span is null ? _report : delivered =>
        {
            KafkaTracing.Delivered(span, delivered.Error, delivered.TopicPartitionOffset);
            Report(delivered);
        };
        try
        {
            while (true)
            {
                try
                {
                    _producer.Produce(name, message, report);
                    return;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    _producer.Poll(TimeSpan.FromMilliseconds(20));
                }
            }
        }
        catch (KafkaException ex)
        {
            KafkaTracing.Abandon(span, ex.Error);
            throw;
        }
    }

    /// <summary>
    /// Waits until every message is written (or failed), then ends the last epoch with a control message — an empty
    /// value on the marks topic stamped with the next epoch, which an ordering monitor takes as "everything before is in
    /// the logs" and applies nothing of. Throws when some message could not be written.
    /// </summary>
    public void Complete()
    {
        Flush();
        var order = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(order, _epoch + 1);
        BinaryPrimitives.WriteInt64BigEndian(order.AsSpan(8), Produced + 1);
        _producer.Produce(_topics.Marks, new Message<byte[], byte[]> { Key = "replay-end"u8.ToArray(), Value = null!, Headers = [new Header(EventTimeMerge.OrderHeader, order)] }, _report);
        Flush();
        if (Failed > 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"{Failed} replay messages were not written to Kafka (first error: {_firstError})"));
        }
    }

    public void Dispose() => _producer.Dispose();

    private void Flush()
    {
        while (_producer.Flush(TimeSpan.FromSeconds(30)) > 0)
        {
            // Still waiting on the cluster (a broker down): keep the order rather than move on.
        }
    }

    private void Report(DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError && Interlocked.Increment(ref _failed) == 1)
        {
            _firstError = report.Error.Reason;
        }
    }
}
