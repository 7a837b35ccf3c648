using Confluent.Kafka;

namespace StreamRisk.Testing;

/// <summary>Client settings tuned for the embedded cluster (see docs/testing.md).</summary>
public static class KafkaTestClients
{
    public static ProducerConfig Producer(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
        MessageTimeoutMs = 120_000,
    };

    /// <summary>
    /// Manual commits, earliest reset, and short group timings: after a member leaves, the next one waits
    /// about session timeout minus heartbeat before it gets the partitions.
    /// </summary>
    public static ConsumerConfig Consumer(string bootstrap, string group) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = group,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 3000,
        HeartbeatIntervalMs = 1000,
        EnablePartitionEof = true,
    };
}
