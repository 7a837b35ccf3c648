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

    private readonly PriorityQueue<Held, (long Time, long Sequence, long Arrival)> _held = new();
    private readonly Dictionary<TopicPartition, int> _epochs = [];
    private long _arrivals;

    /// <summary>A message waiting, with the partition epoch it was read in (a revoke bumps the epoch: the message is void).</summary>
    public readonly record struct Held(IngestedMessage Message, bool FromGroup, int Epoch, long Stage);

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

    /// <summary>
    /// Holds <paramref name="message"/> when it has an event time; false means apply it now. A replay control message
    /// is taken in (its epoch counts) and reported held: there is nothing to apply.
    /// </summary>
    public bool TryHold(in IngestedMessage message, bool fromGroup)
    {
        var result = message.Result;
        var sequence = long.MaxValue;
        var stage = long.MinValue;
        if (result?.Message.Headers is { } headers && headers.TryGetLastBytes(OrderHeader, out var bytes) && bytes.Length == 16)
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

        _held.Enqueue(new Held(message, fromGroup, EpochOf(result.TopicPartition), stage), (eventTime, sequence, _arrivals++));
        MaxStage = Math.Max(MaxStage, stage);
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
            if (held.Epoch == EpochOf(held.Message.Result!.TopicPartition))
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
