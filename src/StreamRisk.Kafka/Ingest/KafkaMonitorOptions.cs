using StreamRisk.Contracts;

namespace StreamRisk.Kafka.Ingest;

/// <summary>How the monitor reaches Kafka. Security settings pass straight through to librdkafka.</summary>
public sealed record KafkaMonitorOptions
{
    public required string BootstrapServers { get; init; }

    /// <summary>Consumer group of the positions topic: instances with the same id split the accounts by partition.</summary>
    public string GroupId { get; init; } = "streamrisk";

    public TopicNames Topics { get; init; } = new();

    /// <summary>
    /// Extra librdkafka settings (e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>, <c>sasl.username</c>,
    /// <c>sasl.password</c>, <c>ssl.ca.location</c>), applied to every client. Values are never logged.
    /// </summary>
    public IReadOnlyDictionary<string, string> ClientSettings { get; init; } = new Dictionary<string, string>();

    public int SessionTimeoutMs { get; init; } = 10_000;

    /// <summary>
    /// How long start-up keeps retrying (with a growing wait, logged) while no broker answers before the source fails;
    /// zero (the default) retries until stopped — a monitor outlives its cluster's restarts and waits for a late one.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; }

    public int HeartbeatIntervalMs { get; init; } = 3_000;

    /// <summary>
    /// How long a fetch with nothing to return may wait at the broker (librdkafka <c>fetch.wait.max.ms</c>; its own
    /// default is 500 ms). A Kafka broker answers a waiting fetch as soon as data arrives, so this only bounds the idle
    /// request rate; a quiet partition's next mark must still not wait behind a long empty fetch, hence 10 ms.
    /// Against the embedded cluster use <see cref="Embedded.EmbeddedKafkaCluster.FetchWaitMaxMs"/>.
    /// </summary>
    public int FetchWaitMaxMs { get; init; } = 10;

    /// <summary>Largest message accepted; larger ones are dead-lettered (librdkafka also refuses beyond its own limit).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Apply messages in event-time order across every topic and partition (see <see cref="EventTimeMerge"/>) instead
    /// of in arrival order: what makes a replay produced to Kafka give the in-process replay's results byte for byte.
    /// Costs latency (a message waits until a later one shows nothing earlier can still come) and a watermark query per
    /// partition per release, so live runs keep arrival order by default.
    /// </summary>
    public bool EventTimeOrdering { get; init; }

    /// <summary>
    /// Scale-out, account stage: read exactly these positions partitions (from the beginning, outside the group) and
    /// of the market only instruments, marks and liquidations. Null: join the group on the positions topic (every other role).
    /// </summary>
    public IReadOnlyList<int>? PositionsPartitions { get; init; }

    /// <summary>
    /// Scale-out, projector stage: read no positions; read the ladders topic besides the market topics, and (with
    /// <see cref="EventTimeOrdering"/>) let a stage out only once every account partition has reported it complete.
    /// </summary>
    public bool Projector { get; init; }

    /// <summary>With <see cref="EventTimeOrdering"/>: how long the input must be quiet before the latest held messages go out.</summary>
    public TimeSpan OrderingIdleRelease { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// With <see cref="EventTimeOrdering"/> on a replay's stream (whose epochs, not quiet time, release messages): how
    /// long messages may be held with nothing new arriving before the source stops waiting for the replay's next epoch
    /// — its end marker lost, or its producer gone mid-epoch. It then says so, and lets them out once every partition
    /// has been read to its end; a partition that stays behind its end that long is sought again (its fetch restarted).
    /// </summary>
    public TimeSpan OrderingStallRelease { get; init; } = TimeSpan.FromSeconds(30);
}
