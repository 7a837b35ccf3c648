using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Kafka.ScaleOut;

/// <summary>
/// The account stage's writer to the ladders topic: ladder updates keyed by symbol, and progress markers to every
/// ladders partition after them. One idempotent producer serves every partition engine of the instance; each engine
/// calls it from its own consume thread (the producer is thread-safe). A delivery the producer gives up on is reported
/// to the engine that produced it, on the producer's delivery thread. Listened to, each update gets a
/// <c>send {topic}</c> span (a child of the engine's current batch span), its W3C context in the update's headers
/// (<see cref="KafkaTracing"/>); progress markers carry none.
/// </summary>
public sealed class LadderProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly ILogger _log;
    private readonly ActivitySource? _activities;
    private readonly string _sendName;

    /// <param name="activities">Where the updates' producer spans go; none: no spans and no trace headers.</param>
    public LadderProducer(KafkaMonitorOptions options, ILogger log, ActivitySource? activities = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
        _topic = options.Topics.Ladders;
        _activities = activities;
        _sendName = "send " + _topic;
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
            ClientId = "streamrisk-accounts",
            MessageMaxBytes = Math.Max(options.MaxMessageBytes, 1024 * 1024),
        };
        foreach (var (key, value) in options.ClientSettings)
        {
            config.Set(key, value);
        }

        var clientLog = new KafkaLog(log, config);
        _producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetLogHandler(clientLog.OnLog)
            .SetErrorHandler(clientLog.OnError)
            .Build();
        Partitions = FindPartitions();
    }

    /// <summary>Partitions of the ladders topic (waited for at start: the topic is created beforehand).</summary>
    public int Partitions { get; }

    /// <summary>
    /// One ladder update of <paramref name="symbol"/>, ordered by <paramref name="order"/> (see
    /// <see cref="EventTimeMerge.LadderOrderHeader"/>). <paramref name="undelivered"/> hears the symbol if the
    /// producer gives up on it. With the producer's queue full the caller waits rather than drop an update.
    /// </summary>
    public void Publish(string symbol, ReadOnlyMemory<byte> value, byte[] order, Action<string> undelivered)
    {
        var message = new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(symbol),
            Value = value.ToArray(),
            Headers = [new Header(EventTimeMerge.LadderOrderHeader, order)],
        };
        var span = KafkaTracing.StartSend(_activities, _sendName, _topic, message.Headers, message.Key);
        try
        {
            Produce(() => _producer.Produce(_topic, message, report =>
            {
                if (span is not null)
                {
                    KafkaTracing.Delivered(span, report.Error, report.TopicPartitionOffset);
                }

                if (report.Error.IsError)
                {
                    _log.LogWarning("account stage: ladder update of {Symbol} to {Partition} not delivered: {Reason}", symbol, report.TopicPartition, report.Error.Reason);
                    undelivered(symbol);
                }
            }));
        }
        catch (ProduceException<byte[], byte[]> ex)
        {
            KafkaTracing.Abandon(span, ex.Error);
            // Refused before it was queued (e.g. a topic error the producer still holds): the same as lost on the way.
            _log.LogWarning("account stage: ladder update of {Symbol} not produced: {Reason}", symbol, ex.Error.Reason);
            undelivered(symbol);
        }
    }

    /// <summary>Every update of every stage up to <paramref name="stage"/> from <paramref name="source"/> is produced: says so in each ladders partition, after them.</summary>
    public void Progress(int source, long stage)
    {
        for (var q = 0; q < Partitions; q++)
        {
            var marker = new Message<byte[], byte[]>
            {
                Key = [],
                Value = null!,
                Headers = [new Header(EventTimeMerge.LadderProgressHeader, EventTimeMerge.LadderProgress(source, stage))],
            };
            // A lost marker needs nothing: the next one says more.
            try
            {
                Produce(() => _producer.Produce(new TopicPartition(_topic, q), marker, report =>
                {
                    if (report.Error.IsError)
                    {
                        _log.LogWarning("account stage: progress marker to {Partition} not delivered: {Reason}", report.TopicPartition, report.Error.Reason);
                    }
                }));
            }
            catch (ProduceException<byte[], byte[]> ex)
            {
                _log.LogWarning("account stage: progress marker to {Topic}[{Partition}] not produced: {Reason}", _topic, q, ex.Error.Reason);
            }
        }
    }

    public void Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose() => _producer.Dispose();

    /// <summary>Back-pressure: with the producer's queue full the engine waits for it rather than drop an update.</summary>
    private void Produce(Action produce)
    {
        while (true)
        {
            try
            {
                produce();
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private int FindPartitions()
    {
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        return ScaleOutClients.PartitionsOf(admin, _topic, _log);
    }
}
