using System.Buffers.Binary;
using Confluent.Kafka;
using StreamRisk.Contracts.Wire;

namespace StreamRisk.Kafka.Ingest;

/// <summary>
/// Holds consumed messages and lets them out in event-time order across every topic and partition: by the payload's
/// <c>eventTime</c>, then the producer's sequence (header <see cref="OrderHeader"/>, which a replay stamps with the
/// capture order), then arrival. Kafka orders only within a partition; this is what makes a replay through Kafka apply
/// the same messages in the same order as in process.
/// </summary>
/// <remarks>
/// <para>The release rule (a barrier) works on stages: a replay message's stage is its producer's flush epoch (header
/// <see cref="OrderHeader"/>: the producer flushes every message of an epoch into the logs before producing the next
/// epoch), any other message's stage is its event time. Once a message of stage B has been seen, query every assigned
/// partition's high watermark, read each one up to it, then let out everything held of a stage before B: everything of
/// an earlier stage was in the logs before B was visible, so nothing earlier can still come. When nothing new arrives
/// for a while (the end of a replay, a quiet market), a barrier at +∞ lets the rest out. Without the replay header the
/// rule is exact only for producers that write each event time's messages before a later one; otherwise it is a
/// best effort with a bound of one barrier.</para>
/// <para>Messages without an event time (instruments; unreadable payloads, which the decoder will dead-letter) are
/// not held. A message older than what was already let out (a partition re-read after a rebalance) goes out with the
/// next release: its state matters, its place in time cannot be recovered.</para>
/// </remarks>
public sealed class EventTimeMerge
{
    /// <summary>
    /// Header stamped by <c>replay --to-kafka</c>: the producer's flush epoch then its global sequence (two 8-byte
    /// big-endian integers).
    /// </summary>
    public const string OrderHeader = "streamrisk-replay-order";

    /// <summary>
    /// Header of a ladders-topic update: the stage and sequence of the input that caused it (two 8-byte big-endian
    /// integers). It sorts just before that input (same event time and sequence, rank 0), as in one process the
    /// account stage's update reaches the projector before the input's own effect on it.
    /// </summary>
    public const string LadderOrderHeader = "streamrisk-ladder-order";

    /// <summary>
    /// Header of a ladders-topic progress marker (empty value): an account partition (4-byte big-endian) has produced
    /// every update of every stage up to a stage (8-byte big-endian), before this marker in each ladders partition.
    /// </summary>
    public const string LadderProgressHeader = "streamrisk-ladder-progress";

    private readonly PriorityQueue<Held, (long Time, long Sequence, int Rank, long Arrival)> _held = new();
    private readonly Dictionary<(int Source, int Partition), long> _progress = [];
    private int _ladderSources;
    private int _ladderPartitions;
    private readonly Dictionary<TopicPartition, int> _epochs = [];
    private long _arrivals;

    /// <summary>A message waiting, with the partition epoch it was read in (a revoke bumps the epoch: the message is void).</summary>
    public readonly record struct Held(ConsumeResult<byte[], byte[]> Result, WireTopic Topic, bool FromGroup, int Epoch, long Stage);

    public int Count => _held.Count;

    /// <summary>Latest stage seen so far (long.MinValue before any).</summary>
    public long MaxStage { get; private set; } = long.MinValue;

    /// <summary>Stage of the next message out (long.MaxValue when nothing is held).</summary>
    public long NextStage => _held.TryPeek(out var held, out _) ? held.Stage : long.MaxValue;

    /// <summary>A replay's producer stamps its messages: its epochs, not quiet time, say when to release (see <see cref="IsReplayControl"/>).</summary>
    public bool SawReplayOrder { get; private set; }

    /// <summary>
    /// A replay's end-of-epoch control message (an empty value carrying <see cref="OrderHeader"/>): not input, never
    /// applied; its epoch tells that everything before it is in the logs.
    /// </summary>
    public static bool IsReplayControl(ConsumeResult<byte[], byte[]> result) =>
        result?.Message is { Value: null, Headers: { } headers } && headers.TryGetLastBytes(OrderHeader, out var bytes) && bytes.Length == 16;

    /// <summary>An account partition's progress marker on the ladders topic: not input, never applied.</summary>
    public static bool IsLadderProgress(ConsumeResult<byte[], byte[]> result, out int source, out long stage)
    {
        source = 0;
        stage = 0;
        if (result?.Message is not { Value: null, Headers: { } headers } || !headers.TryGetLastBytes(LadderProgressHeader, out var bytes) || bytes.Length != 12)
        {
            return false;
        }

        source = BinaryPrimitives.ReadInt32BigEndian(bytes);
        stage = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4));
        return true;
    }

    /// <summary>The bytes of a progress marker's header.</summary>
    public static byte[] LadderProgress(int source, long stage)
    {
        var bytes = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(bytes, source);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(4), stage);
        return bytes;
    }

    /// <summary>The bytes of an order header (<see cref="OrderHeader"/> or <see cref="LadderOrderHeader"/>).</summary>
    public static byte[] Order(long stage, long sequence)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, stage);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), sequence);
        return bytes;
    }

    /// <summary>The stage and sequence a replay's producer stamped on a message (<see cref="OrderHeader"/>), if it did.</summary>
    public static (long Stage, long Sequence)? ReplayOrderOf(ConsumeResult<byte[], byte[]> result)
    {
        if (result?.Message.Headers is { Count: > 0 } headers && headers.TryGetLastBytes(OrderHeader, out var bytes) && bytes.Length == 16)
        {
            return (BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8)));
        }

        return null;
    }

    /// <summary>
    /// Projector stage: a stage goes out only once each of <paramref name="sources"/> account partitions has marked it
    /// complete in each of the <paramref name="partitions"/> ladders partitions (see <see cref="LadderGate"/>).
    /// </summary>
    public void GateOnLadders(int sources, int partitions)
    {
        _ladderSources = sources;
        _ladderPartitions = partitions;
    }

    /// <summary>Account partitions that have not marked <paramref name="stage"/> complete in every ladders partition (for the log).</summary>
    public IEnumerable<int> SourcesBehind(long stage)
    {
        for (var source = 0; source < _ladderSources; source++)
        {
            for (var partition = 0; partition < _ladderPartitions; partition++)
            {
                if (!_progress.TryGetValue((source, partition), out var done) || done < stage)
                {
                    yield return source;
                    break;
                }
            }
        }
    }

    /// <summary>The first stage some account partition has not yet completed (long.MaxValue without a gate).</summary>
    public long LadderGate
    {
        get
        {
            if (_ladderSources == 0)
            {
                return long.MaxValue;
            }

            var gate = long.MaxValue;
            for (var source = 0; source < _ladderSources; source++)
            {
                for (var partition = 0; partition < _ladderPartitions; partition++)
                {
                    var done = _progress.TryGetValue((source, partition), out var stage) ? stage : long.MinValue;
                    gate = Math.Min(gate, done == long.MinValue || done == long.MaxValue ? done : done + 1);
                }
            }

            return gate;
        }
    }

    /// <summary>
    /// Holds <paramref name="result"/> (of <paramref name="topic"/>) when it has an event time; false means apply it now.
    /// A replay control message is taken in (its epoch counts) and reported held: there is nothing to apply.
    /// </summary>
    public bool TryHold(ConsumeResult<byte[], byte[]> result, WireTopic topic, bool fromGroup)
    {
        var sequence = long.MaxValue;
        var stage = long.MinValue;
        var rank = 1;
        if (result is not null && IsLadderProgress(result, out var source, out var completed))
        {
            var key = (source, result.Partition.Value);
            _progress[key] = Math.Max(_progress.GetValueOrDefault(key, long.MinValue), completed);
            return true;
        }

        if (result?.Message.Headers is { } ladder && ladder.TryGetLastBytes(LadderOrderHeader, out var order) && order.Length == 16)
        {
            stage = BinaryPrimitives.ReadInt64BigEndian(order);
            sequence = BinaryPrimitives.ReadInt64BigEndian(order.AsSpan(8));
            rank = 0;
        }
        else if (result?.Message.Headers is { } headers && headers.TryGetLastBytes(OrderHeader, out var bytes) && bytes.Length == 16)
        {
            stage = BinaryPrimitives.ReadInt64BigEndian(bytes);
            sequence = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8));
            SawReplayOrder = true;
            MaxStage = Math.Max(MaxStage, stage);
            if (result.Message.Value is null)
            {
                return true;
            }
        }

        if (result?.Message.Value is not { } value || !PayloadEventTime.TryRead(value, out var eventTime))
        {
            return false;
        }

        if (stage == long.MinValue)
        {
            stage = eventTime;
        }

        _held.Enqueue(new Held(result, topic, fromGroup, EpochOf(result.TopicPartition), stage), (eventTime, sequence, rank, _arrivals++));
        if (rank == 1)
        {
            // Ladder updates never raise the stage seen: the inputs they follow do, and barriers are about inputs.
            MaxStage = Math.Max(MaxStage, stage);
        }
        return true;
    }

    /// <summary>
    /// Lets out, in order, held messages while the next one's stage is before <paramref name="barrier"/> (stages rise
    /// with the order, so that is every such message), skipping those whose partition is no longer ours.
    /// </summary>
    public void ReleaseBefore(long barrier, Action<Held> release)
    {
        ArgumentNullException.ThrowIfNull(release);
        while (_held.TryPeek(out var held, out _) && held.Stage < barrier)
        {
            _held.Dequeue();
            if (held.Epoch == EpochOf(held.Result.TopicPartition))
            {
                release(held);
            }
        }
    }

    /// <summary>The partitions left this instance: what is held of them will not be applied.</summary>
    public void Revoke(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var partition in partitions)
        {
            _epochs[partition] = EpochOf(partition) + 1;
        }
    }

    private int EpochOf(TopicPartition partition) => _epochs.GetValueOrDefault(partition);
}
