using Confluent.Kafka;

namespace StreamRisk.Kafka.Ingest;

/// <summary>Which StreamRisk topic a message came from.</summary>
public enum TopicKind
{
    Instruments,
    Book,
    Marks,
    Positions,
    Liquidations,

    /// <summary>Partial ladders from the account stage (scale-out: read by the projector stage).</summary>
    Ladders,
}

/// <summary>What flows out of the Kafka source: a message to apply, or a change of the positions partitions this instance owns.</summary>
public enum IngestKind
{
    Message,
    PartitionsAssigned,
    PartitionsRevoked,

    /// <summary>With event-time ordering: every message of a stage up to <see cref="IngestedMessage.Stage"/> has been let out.</summary>
    StagesReleased,
}

/// <summary>
/// One item of the Kafka source. For <see cref="IngestKind.Message"/>, <see cref="Result"/> is the raw consume
/// result (key and value as UTF-8 bytes; decoded by the subscriber). For partition changes, <see cref="Partitions"/>.
/// The item is only valid inside OnNext: the offset is stored when OnNext returns (the event has been applied).
/// </summary>
public readonly record struct IngestedMessage(IngestKind Kind, TopicKind Topic, ConsumeResult<byte[], byte[]>? Result, IReadOnlyList<TopicPartition> Partitions,
    long Stage = 0);
