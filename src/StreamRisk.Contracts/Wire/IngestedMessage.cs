namespace StreamRisk.Contracts.Wire;

/// <summary>
/// One input record as the engine sees it, whatever carried it: its topic, its key (symbol or account, UTF-8), its
/// JSON value (null: an empty message) and where it was read (partition and offset; a capture's line number), with the
/// time the carrier stamped it (Unix ms; 0 when there is none). Kafka, a capture file and a test build the same record.
/// </summary>
public readonly record struct WireRecord(WireTopic Topic, byte[]? Key, byte[]? Value, int Partition, long Offset, long Timestamp = 0)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Topic}[{Partition}]@{Offset}");
}

/// <summary>What flows into the engine thread: a record to apply, or a change of the positions partitions this instance owns.</summary>
public enum IngestKind
{
    Message,
    PartitionsAssigned,
    PartitionsRevoked,

    /// <summary>With event-time ordering: every message of a stage up to <see cref="IngestedMessage.Stage"/> has been let out.</summary>
    StagesReleased,
}

/// <summary>
/// One item of an input source. For <see cref="IngestKind.Message"/>, <see cref="Record"/> (decoded by the applier) and,
/// when its producer stamped one, its replay <see cref="Order"/>. For partition changes, the positions
/// <see cref="Partitions"/>. The item is only valid inside OnNext: the source may reuse what it points to afterwards.
/// </summary>
public readonly record struct IngestedMessage(IngestKind Kind, WireRecord Record, IReadOnlyList<int> Partitions, long Stage = 0,
    (long Stage, long Sequence)? Order = null)
{
    /// <summary>A record to apply.</summary>
    public static IngestedMessage Of(in WireRecord record, (long Stage, long Sequence)? order = null) => new(IngestKind.Message, record, [], 0, order);
}
