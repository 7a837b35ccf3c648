using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;

namespace StreamRisk.Kafka.Ingest;

/// <summary>
/// Sends messages the monitor could not use to the dead-letter topic — original key and value untouched, the reason
/// and source position in headers — and counts them. A value too large for the producer is cut to fit, with its
/// original length in the <see cref="TruncatedHeader"/> header, rather than lost. Asynchronous and fire-and-forget from the engine thread's view:
/// a slow or failing dead-letter write never stops ingestion (failures are counted and logged). Listened to, each
/// letter gets a <c>send {topic}</c> span (a child of the batch span applying the message), its W3C context in the
/// letter's headers (<see cref="KafkaTracing"/>).
/// </summary>
public sealed class DeadLetterProducer : IDisposable
{
    /// <summary>Header of a dead letter whose value was cut to fit the producer's limit: the original length in bytes.</summary>
    public const string TruncatedHeader = "streamrisk-truncated";

    // Room left under the producer's limit for the record's own framing (offsets, lengths, timestamps, header framing);
    // librdkafka refuses a message whose key, value and headers come to more than message.max.bytes minus that framing.
    private const int FramingMargin = 16 * 1024;

    private readonly int _maxMessageBytes;

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly TopicNames _topics;
    private readonly ILogger? _log;
    private readonly ActivitySource? _activities;
    private readonly string _sendName;
    private long _sent;
    private long _failed;

    /// <param name="activities">Where the letters' producer spans go; none: no spans and no trace headers.</param>
    public DeadLetterProducer(KafkaMonitorOptions options, ILogger? log = null, ActivitySource? activities = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxMessageBytes = Math.Max(options.MaxMessageBytes * 4, 4 * 1024 * 1024);
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 20,
            ClientId = "streamrisk-deadletter",
            MessageMaxBytes = _maxMessageBytes,
        };
        foreach (var (key, value) in options.ClientSettings)
        {
            config.Set(key, value);
        }

        var clientLog = new KafkaLog(log, config);
        _producer = new ProducerBuilder<byte[], byte[]>(config).SetLogHandler(clientLog.OnLog).SetErrorHandler(clientLog.OnError).Build();
        _topic = options.Topics.DeadLetter;
        _topics = options.Topics;
        _log = log;
        _activities = activities;
        _sendName = "send " + _topic;
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Called for every dead letter with its reason code (for the telemetry counter).</summary>
    public Action<string>? DeadLettered { get; set; }

    public void Send(in WireRecord source, string reason, string detail)
    {
        var headers = new Headers
        {
            { "streamrisk-reason", Encoding.UTF8.GetBytes(reason) },
            { "streamrisk-detail", Encoding.UTF8.GetBytes(detail) },
            { "streamrisk-source-topic", Encoding.UTF8.GetBytes(_topics.Of(source.Topic)) },
            { "streamrisk-source-partition", Encoding.UTF8.GetBytes(source.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            { "streamrisk-source-offset", Encoding.UTF8.GetBytes(source.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        };
        DeadLettered?.Invoke(reason);
        var message = new Message<byte[], byte[]> { Key = source.Key!, Value = Fit(source.Key, source.Value, headers), Headers = headers };
        // The key may be an account's: no span names it.
        var span = KafkaTracing.StartSend(_activities, _sendName, _topic, headers);
        try
        {
            _producer.Produce(_topic, message, report =>
            {
                if (span is not null)
                {
                    KafkaTracing.Delivered(span, report.Error, report.TopicPartitionOffset);
                }

                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref _failed);
                    _log?.LogWarning("dead-letter write failed: {Reason}", report.Error.Reason);
                }
                else
                {
                    Interlocked.Increment(ref _sent);
                }
            });
        }
        catch (ProduceException<byte[], byte[]> ex)
        {
            KafkaTracing.Abandon(span, ex.Error);
            Interlocked.Increment(ref _failed);
            _log?.LogWarning("dead-letter write failed: {Reason}", ex.Error.Reason);
        }
    }

    /// <summary>
    /// The value as it can be sent: whole when key, value and headers fit the producer's limit; otherwise its beginning,
    /// as much as fits with a margin, and a <see cref="TruncatedHeader"/> with the original length. A letter too large
    /// to send whole is still worth its reason, position and first megabytes.
    /// </summary>
    private byte[] Fit(byte[]? key, byte[]? value, Headers headers)
    {
        if (value is null)
        {
            return null!; // a tombstone stays one
        }

        var headerBytes = 0;
        foreach (var header in headers)
        {
            headerBytes += header.Key.Length + header.GetValueBytes().Length;
        }

        var room = _maxMessageBytes - FramingMargin - (key?.Length ?? 0) - headerBytes - TruncatedHeader.Length - 10;
        if (value.Length <= room + TruncatedHeader.Length + 10)
        {
            return value;
        }

        headers.Add(TruncatedHeader, Encoding.UTF8.GetBytes(value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return value.AsSpan(0, Math.Max(0, room)).ToArray();
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
