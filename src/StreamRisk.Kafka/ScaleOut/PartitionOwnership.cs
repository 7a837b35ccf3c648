using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Kafka.ScaleOut;

/// <summary>
/// The account stage's group membership on the positions topic: says which positions partitions this instance owns.
/// The consumer reads nothing (its partitions are paused; partition engines read them on their own); it only runs the
/// rebalance handlers, on the thread that calls <see cref="Run"/>.
/// </summary>
public static class PartitionOwnership
{
    /// <summary>Runs until <paramref name="cancel"/>; then leaves the group (the partitions move to the other instances at once).</summary>
    public static void Run(KafkaMonitorOptions options, Action<int> assigned, Action<IEnumerable<int>> released, ILogger log, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(assigned);
        ArgumentNullException.ThrowIfNull(released);
        ArgumentNullException.ThrowIfNull(log);
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = options.SessionTimeoutMs,
            HeartbeatIntervalMs = options.HeartbeatIntervalMs,
            ClientId = "streamrisk-ownership",
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        };
        foreach (var (key, value) in options.ClientSettings)
        {
            config.Set(key, value);
        }

        var pause = false;
        var clientLog = new KafkaLog(log, config);
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                foreach (var partition in partitions)
                {
                    assigned(partition.Partition.Value);
                }

                pause = true;
            })
            .SetPartitionsRevokedHandler((_, revoked) => released(revoked.Select(p => p.Partition.Value)))
            .SetPartitionsLostHandler((_, lost) => released(lost.Select(p => p.Partition.Value)))
            .SetLogHandler(clientLog.OnLog)
            .SetErrorHandler(clientLog.OnError)
            .Build();
        consumer.Subscribe(options.Topics.Positions);
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                // Polling keeps the membership alive and runs the handlers; the partitions themselves are read by the engines.
                consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (pause)
                {
                    pause = false;
                    consumer.Pause(consumer.Assignment);
                }
            }
        }
        finally
        {
            try
            {
                consumer.Close(); // leave the group: the partitions move to the other instances at once
            }
            catch (KafkaException ex)
            {
                log.LogWarning("close: {Reason}", ex.Error.Reason);
            }
        }
    }
}
