namespace StreamRisk.Contracts;

/// <summary>
/// Kafka topic names. Every name is configurable; the defaults share the <c>streamrisk.</c> prefix so
/// one cluster can host several deployments side by side under different prefixes.
/// </summary>
public sealed record TopicNames
{
    public const string DefaultPrefix = "streamrisk.";

    public string Instruments { get; init; } = DefaultPrefix + "instruments";
    public string Book { get; init; } = DefaultPrefix + "book";
    public string Marks { get; init; } = DefaultPrefix + "marks";
    public string Positions { get; init; } = DefaultPrefix + "positions";
    public string Liquidations { get; init; } = DefaultPrefix + "liquidations";
    public string DeadLetter { get; init; } = DefaultPrefix + "deadletter";

    /// <summary>Insurance fund balances from the venue (docs/wire-contracts.md).</summary>
    public string Insurance { get; init; } = DefaultPrefix + "insurance";

    /// <summary>Partial, price-bucketed liquidation ladders from account-partitioned instances to the projector stage (scale-out).</summary>
    public string Ladders { get; init; } = DefaultPrefix + "ladders";

    /// <summary>The system view's requests from the projector stage to the account partitions (scale-out; one partition).</summary>
    public string SystemRequests { get; init; } = DefaultPrefix + "system.requests";

    /// <summary>The account partitions' replies to them (scale-out; one partition).</summary>
    public string SystemReplies { get; init; } = DefaultPrefix + "system.replies";

    /// <summary>Defaults with another prefix (e.g. <c>staging.</c>).</summary>
    public static TopicNames WithPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return new TopicNames
        {
            Instruments = prefix + "instruments",
            Book = prefix + "book",
            Marks = prefix + "marks",
            Positions = prefix + "positions",
            Liquidations = prefix + "liquidations",
            DeadLetter = prefix + "deadletter",
            Insurance = prefix + "insurance",
            Ladders = prefix + "ladders",
            SystemRequests = prefix + "system.requests",
            SystemReplies = prefix + "system.replies",
        };
    }

    /// <summary>The Kafka topic of a topic kind.</summary>
    public string Of(Wire.WireTopic topic) => topic switch
    {
        Wire.WireTopic.Instruments => Instruments,
        Wire.WireTopic.Book => Book,
        Wire.WireTopic.Marks => Marks,
        Wire.WireTopic.Positions => Positions,
        Wire.WireTopic.Liquidations => Liquidations,
        Wire.WireTopic.Ladders => Ladders,
        Wire.WireTopic.Insurance => Insurance,
        _ => throw new ArgumentOutOfRangeException(nameof(topic), topic, "not a topic kind"),
    };

    /// <summary>All topics with the partition count the embedded default creates them with.</summary>
    public IReadOnlyList<(string Name, int Partitions)> WithDefaultPartitions() =>
    [
        (Instruments, 1),
        (Book, 6),
        (Marks, 6),
        (Positions, 12),
        (Liquidations, 6),
        (DeadLetter, 3),
        (Insurance, 1),
        (Ladders, 12),
        (SystemRequests, 1),
        (SystemReplies, 1),
    ];
}
