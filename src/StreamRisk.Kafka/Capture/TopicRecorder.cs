using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;

namespace StreamRisk.Kafka.Capture;

/// <summary>Where a <see cref="TopicRecorder"/> writes: a capture file in event-time order within its reorder window.</summary>
public interface ICaptureSink
{
    /// <summary>One record of <paramref name="topic"/> (key and value as read; an empty message as an empty value).</summary>
    void Append(WireTopic topic, byte[] key, long eventTime, byte[] value);

    /// <summary>Called while the input is quiet: a sink that buffers completes what it holds when due.</summary>
    void FlushIfDue();
}

/// <summary>
/// What <c>record</c> reads: every partition of the chosen topics from the beginning, outside any consumer group (so
/// recording never disturbs a running monitor's group), handed to a sink in event-time order within the sink's
/// reorder window. One thread owns the consumer and the sink. Partitions are read in step by event time
/// (<see cref="EventTimeAlignment{T}"/>, within half the reorder window of each other while some are behind), so a
/// backlog or a burst on one topic does not put the others' records beyond the window. Event time is the payload's
/// top-level <c>eventTime</c>, else (instruments, or a message that is not a wire message) the Kafka timestamp.
/// </summary>
public sealed class TopicRecorder(string bootstrap, TopicNames names, IReadOnlyList<WireTopic> kinds, ILogger log, TimeProvider time)
{
    /// <summary>A partition that is behind but delivers nothing for this long (its broker down) is not waited for.</summary>
    private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(5);

    /// <summary>How often every partition's behind-or-not is read from the consumer's cached watermarks.</summary>
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<WireTopic, long> _counts = kinds.ToDictionary(k => k, _ => 0L);
    private readonly List<(ConsumeResult<byte[], byte[]> Record, long EventTime)> _ready = [];
    private readonly List<int> _resume = [];
    private readonly Dictionary<TopicPartition, int> _index = [];
    private TopicPartition[] _partitions = [];
    private long[] _next = [];
    private EventTimeAlignment<ConsumeResult<byte[], byte[]>>? _alignment;
    private long _refreshed;

    /// <summary>Records read so far, by topic kind, in the order the kinds were given.</summary>
    public IReadOnlyDictionary<WireTopic, long> Counts => _counts;

    /// <summary>Reads until <paramref name="cancel"/>; what is held then was read, so it goes to the sink too.</summary>
    public void Run(ICaptureSink sink, TimeSpan reorderWindow, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var kindOf = kinds.ToDictionary(names.Of, k => k, StringComparer.Ordinal);
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            // Required by the client, never used: partitions are assigned, offsets never stored or committed.
            GroupId = "streamrisk-record",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            ClientId = "streamrisk-record",
        };
        var clientLog = new KafkaLog(log, config);
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetLogHandler(clientLog.OnLog)
            .SetErrorHandler(clientLog.OnError)
            .Build();
        var partitions = Partitions(consumer, [.. kindOf.Keys], cancel);
        if (partitions is null)
        {
            return;
        }

        try
        {
            // Instruments first, to their end, as the monitor reads them: every other record names a symbol, and an
            // instrument fetched after a later book or liquidation record (all topics assigned at once, fetches
            // answered in any order) would reach the writer behind it and land beyond the reorder window as late.
            var instruments = partitions.Where(p => kindOf[p.Topic] == WireTopic.Instruments).ToList();
            if (instruments.Count > 0)
            {
                consumer.Assign(instruments);
                while (!cancel.IsCancellationRequested && !AtEnd(consumer, instruments))
                {
                    ConsumeOne(consumer, sink, kindOf, aligned: false);
                }

                // Carry on from where the instruments were read to, with every other topic from its beginning.
                partitions =
                [
                    .. instruments.Select(p => consumer.Position(p.TopicPartition) is var at && at != Offset.Unset ? new TopicPartitionOffset(p.TopicPartition, at) : p),
                    .. partitions.Where(p => kindOf[p.Topic] != WireTopic.Instruments),
                ];
            }

            consumer.Assign(partitions);
            _partitions = [.. partitions.Select(p => p.TopicPartition)];
            _next = [.. partitions.Select(p => p.Offset.Value >= 0 ? p.Offset.Value : Offset.Unset.Value)];
            for (var i = 0; i < _partitions.Length; i++)
            {
                _index[_partitions[i]] = i;
            }

            _alignment = new EventTimeAlignment<ConsumeResult<byte[], byte[]>>(_partitions.Length, reorderWindow / 2, IdleAfter, time);
            while (!cancel.IsCancellationRequested)
            {
                ConsumeOne(consumer, sink, kindOf, aligned: true);
            }

            // Stopping: what is held was read, so it belongs in the capture.
            _alignment.ReleaseAll(_ready, _resume);
            WriteReady(consumer, sink, kindOf);
        }
        finally
        {
            consumer.Close();
        }
    }

    private void ConsumeOne(IConsumer<byte[], byte[]> consumer, ICaptureSink sink, Dictionary<string, WireTopic> kindOf, bool aligned)
    {
        ConsumeResult<byte[], byte[]>? result;
        try
        {
            result = consumer.Consume(TimeSpan.FromMilliseconds(100));
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            return;
        }

        if (result?.Message is null || !kindOf.TryGetValue(result.Topic, out var kind))
        {
            // Idle: a quiet feed still completes its member for readers of the growing file.
            sink.FlushIfDue();
            if (aligned)
            {
                Align(consumer, sink, kindOf, refreshAll: true);
            }

            return;
        }

        var value = result.Message.Value ?? [];
        var eventTime = PayloadEventTime.TryRead(value, out var stamped) ? stamped : result.Message.Timestamp.UnixTimestampMs;
        _counts[kind]++;
        if (!aligned || _alignment is null || !_index.TryGetValue(result.TopicPartition, out var input))
        {
            sink.Append(kind, result.Message.Key ?? [], eventTime, value);
            return;
        }

        _next[input] = result.Offset.Value + 1;
        _alignment.SetBehind(input, IsBehind(consumer, input));
        if (_alignment.Offer(input, eventTime, result))
        {
            sink.Append(kind, result.Message.Key ?? [], eventTime, value);
        }
        else
        {
            // Pausing drops what the client fetched ahead for the partition; it resumes after the held record.
            consumer.Pause([result.TopicPartition]);
        }

        Align(consumer, sink, kindOf, refreshAll: time.GetElapsedTime(_refreshed) >= RefreshEvery);
    }

    /// <summary>Updates which partitions are behind (all of them, or only when due) and writes what may go now.</summary>
    private void Align(IConsumer<byte[], byte[]> consumer, ICaptureSink sink, Dictionary<string, WireTopic> kindOf, bool refreshAll)
    {
        var alignment = _alignment!;
        if (refreshAll)
        {
            _refreshed = time.GetTimestamp();
            for (var i = 0; i < _partitions.Length; i++)
            {
                alignment.SetBehind(i, IsBehind(consumer, i));
            }
        }

        if (alignment.Held > 0)
        {
            alignment.Release(_ready, _resume);
            WriteReady(consumer, sink, kindOf);
        }
    }

    private void WriteReady(IConsumer<byte[], byte[]> consumer, ICaptureSink sink, Dictionary<string, WireTopic> kindOf)
    {
        foreach (var (record, eventTime) in _ready)
        {
            sink.Append(kindOf[record.Topic], record.Message.Key ?? [], eventTime, record.Message.Value ?? []);
        }

        if (_resume.Count > 0)
        {
            consumer.Resume(_resume.Select(i => _partitions[i]).ToList());
        }

        _ready.Clear();
        _resume.Clear();
    }

    /// <summary>
    /// Whether a partition has records not read yet, from the watermarks the client keeps from its fetches (no
    /// request to the broker). Unknown watermarks (nothing fetched yet) count as behind: it may hold the earliest.
    /// </summary>
    private bool IsBehind(IConsumer<byte[], byte[]> consumer, int input)
    {
        var watermarks = consumer.GetWatermarkOffsets(_partitions[input]);
        if (watermarks.High == Offset.Unset)
        {
            return true;
        }

        // Nothing read yet: behind if the partition holds anything (an empty one has a high watermark of 0).
        var next = _next[input] >= 0 ? _next[input] : Math.Max(watermarks.Low.Value, 0);
        return next < watermarks.High.Value;
    }

    private static bool AtEnd(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        try
        {
            return Ingest.KafkaSource.AtEnd(consumer, partitions);
        }
        catch (KafkaException)
        {
            return false; // broker unreachable for now: keep consuming (and waiting), as for a slow partition
        }
    }

    /// <summary>Every partition of the topics from the beginning, waiting for topics that do not exist yet; null if stopped meanwhile.</summary>
    private List<TopicPartitionOffset>? Partitions(IConsumer<byte[], byte[]> consumer, string[] topics, CancellationToken cancel)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = new List<TopicPartitionOffset>();
        foreach (var topic in topics)
        {
            var announced = false;
            while (true)
            {
                if (cancel.IsCancellationRequested)
                {
                    return null;
                }

                try
                {
                    var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(2)).Topics.FirstOrDefault();
                    if (metadata is not null && metadata.Error.Code == ErrorCode.NoError && metadata.Partitions.Count > 0)
                    {
                        partitions.AddRange(metadata.Partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
                        break;
                    }
                }
                catch (KafkaException)
                {
                    // Broker not reachable yet: keep waiting, like a topic that does not exist yet.
                }

                if (!announced)
                {
                    log.LogInformation("waiting for topic {Topic}", topic);
                    announced = true;
                }

                cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
            }
        }

        return partitions;
    }
}
