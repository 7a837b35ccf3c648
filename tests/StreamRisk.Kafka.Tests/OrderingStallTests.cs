using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Testing;

namespace StreamRisk.Kafka.Tests;

/// <summary>
/// A replay's stream whose end marker never comes (lost, or its producer gone mid-epoch): event-time ordering waits for
/// the replay's next epoch, so without a bound its last messages would be held for good, a silent stall. After
/// <see cref="KafkaMonitorOptions.OrderingStallRelease"/> with nothing new they go out, and the log says why.
/// </summary>
public sealed class OrderingStallTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ReplayStampedMessages_NoEndMarker_HeldUntilTheStallBound_ThenReleasedInOrder_Loudly()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        foreach (var topic in (string[])[topics.Instruments, topics.Book, topics.Marks, topics.Positions, topics.Liquidations, topics.Insurance])
        {
            cluster.CreateTopic(topic, 1);
        }

        // Three marks of one replay epoch, stamped as `replay --to-kafka` stamps them, and no end marker.
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            for (var i = 1; i <= 3; i++)
            {
                var order = new byte[16];
                BinaryPrimitives.WriteInt64BigEndian(order, 0);
                BinaryPrimitives.WriteInt64BigEndian(order.AsSpan(8), i);
                await producer.ProduceAsync(topics.Marks, new Message<byte[], byte[]>
                {
                    Key = "BTCUSDT"u8.ToArray(),
                    Value = Encoding.UTF8.GetBytes($"{{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":{1_000 + i},\"markPrice\":{60_000 + i}}}"),
                    Headers = [new Header(EventTimeMerge.OrderHeader, order)],
                }, TestContext.Current.CancellationToken);
            }
        }

        var lines = new ConcurrentQueue<string>();
        var applied = new ConcurrentQueue<long>();
        var stallRelease = TimeSpan.FromSeconds(3);
        var options = new KafkaMonitorOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            Topics = topics,
            GroupId = "stall-" + Guid.NewGuid().ToString("N"),
            SessionTimeoutMs = 3000,
            HeartbeatIntervalMs = 1000,
            EventTimeOrdering = true,
            OrderingStallRelease = stallRelease,
        };
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan heldFor = default;
        using (KafkaSource.Create(options, new LineLogger(lines.Enqueue), () => stopped.TrySetResult())
            .Subscribe(m =>
            {
                if (m.Kind == IngestKind.Message)
                {
                    heldFor = started.Elapsed;
                    applied.Enqueue(m.Record.Offset);
                }
            }, ex => stopped.TrySetException(ex)))
        {
            Assert.True(await Eventually.TrueAsync(() => applied.Count == 3, Deadline), $"{applied.Count} of 3 released; log:\n{string.Join('\n', lines)}");
        }

        await stopped.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        // Held while the replay could still send its next epoch, then let out in their order, with a warning.
        Assert.True(heldFor >= stallRelease, $"released after {heldFor}, before the stall bound {stallRelease}");
        Assert.Equal([0L, 1, 2], applied);
        Assert.Contains(lines, l => l.StartsWith("Warning: ordering: 3 messages of stage 0 held for", StringComparison.Ordinal));
    }
}
