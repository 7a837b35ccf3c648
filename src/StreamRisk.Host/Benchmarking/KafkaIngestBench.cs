using System.Diagnostics;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Engine;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Host.Benchmarking;

/// <summary>What the Kafka ingest run measured.</summary>
internal sealed record KafkaFigures(long Messages, double MonitorPerSecond, double BarePerSecond)
{
    public double Ratio => MonitorPerSecond / BarePerSecond;
}

/// <summary>
/// The monitor's consume-and-apply rate (<see cref="KafkaSource"/> → <see cref="EventApplier"/> → engine) against a
/// bare Confluent.Kafka consumer reading the same topics, in the same run on the same embedded cluster. Through the
/// librdkafka mock the consumer itself is the ceiling (one message set per partition per fetch), so only the ratio
/// says something about our code. Each rate runs from its first message to its last (group joins are not timed).
/// </summary>
internal static class KafkaIngestBench
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    public static KafkaFigures Run(int accounts, int streamEvents, Action<string> progress)
    {
        var topics = TopicNames.WithPrefix("bench.");
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        progress($"kafka: producing {accounts:N0} accounts and {streamEvents:N0} stream events to an embedded cluster");
        using var market = new BenchMarket(accounts, seed: 11);
        using (var producer = new WireProducer(cluster.BootstrapServers, topics))
        {
            foreach (var message in market.Market().Concat(market.Accounts()).Concat(market.Stream(streamEvents)))
            {
                producer.Send(message);
            }

            if (producer.Flush(TimeSpan.FromMinutes(1)) > 0 || producer.Failed > 0)
            {
                throw new InvalidOperationException("bench: the embedded cluster did not take every message");
            }
        }

        string[] read = [topics.Instruments, topics.Book, topics.Marks, topics.Positions, topics.Liquidations];
        progress("kafka: bare consumer");
        var (count, bare) = Bare(cluster.BootstrapServers, read);
        progress("kafka: monitor (KafkaSource + EventApplier)");
        var monitor = Monitor(cluster.BootstrapServers, topics, count);
        return new KafkaFigures(count, monitor, bare);
    }

    /// <summary>Reads every partition of <paramref name="topics"/> to its end; returns the messages and their rate.</summary>
    private static (long Count, double PerSecond) Bare(string bootstrap, string[] topics)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-bare",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            EnableAutoCommit = false,
            SessionTimeoutMs = 3000,
            HeartbeatIntervalMs = 1000,
        }).Build();
        consumer.Subscribe(topics);
        var ended = new HashSet<TopicPartition>();
        long count = 0, bytes = 0;
        Stopwatch? clock = null;
        var elapsed = TimeSpan.Zero;
        var deadline = Stopwatch.StartNew();
        while (consumer.Assignment.Count == 0 || ended.Count < consumer.Assignment.Count)
        {
            if (deadline.Elapsed > Deadline)
            {
                throw new InvalidOperationException("bench: the bare consumer did not reach the end of the topics");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                ended.Add(result.TopicPartition);
                continue;
            }

            clock ??= Stopwatch.StartNew();
            count++;
            bytes += result.Message.Value?.Length ?? 0;
            elapsed = clock.Elapsed;
        }

        consumer.Close();
        GC.KeepAlive(bytes);
        return (count, count / Math.Max(elapsed.TotalSeconds, 1e-6));
    }

    /// <summary>The monitor's ingest until it has applied (or dead-lettered) <paramref name="expected"/> messages.</summary>
    private static double Monitor(string bootstrap, TopicNames topics, long expected)
    {
        var engine = new RiskEngine(new EngineOptions());
        var deadLetters = 0L;
        var applier = new EventApplier(engine, new EventClock(), (_, _, _) => deadLetters++);
        var options = new KafkaMonitorOptions { BootstrapServers = bootstrap, GroupId = "bench-monitor", Topics = topics, SessionTimeoutMs = 3000, HeartbeatIntervalMs = 1000 };
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Timed from the first message after the positions group's assignment: the market consumer starts delivering
        // while the group is still joining, and that wait is not ingest. Messages before it are applied, not counted.
        long seen = 0, timed = 0;
        var assigned = false;
        Stopwatch? clock = null;
        var elapsed = TimeSpan.Zero;
        using (KafkaSource.Create(options, stopped: () => stopped.TrySetResult()).Subscribe(
            message =>
            {
                applier.Apply(message);
                if (message.Result is null)
                {
                    assigned |= message.Kind == IngestKind.PartitionsAssigned;
                    return;
                }

                if (assigned)
                {
                    clock ??= Stopwatch.StartNew();
                    timed++;
                }

                if (++seen == expected)
                {
                    elapsed = clock?.Elapsed ?? TimeSpan.Zero;
                    done.TrySetResult();
                }
            },
            ex => done.TrySetException(ex),
            () => done.TrySetResult()))
        {
            if (!done.Task.Wait(Deadline))
            {
                throw new InvalidOperationException($"bench: the monitor applied {Volatile.Read(ref seen):N0} of {expected:N0} messages in {Deadline.TotalMinutes:0} min");
            }
        }

        stopped.Task.Wait(TimeSpan.FromSeconds(30));
        if (deadLetters > 0)
        {
            throw new InvalidOperationException($"bench: the monitor dead-lettered {deadLetters:N0} messages; the generated input is wrong");
        }

        if (seen < expected)
        {
            throw new InvalidOperationException($"bench: the monitor's source ended after {seen:N0} of {expected:N0} messages");
        }

        return timed / Math.Max(elapsed.TotalSeconds, 1e-6);
    }
}
