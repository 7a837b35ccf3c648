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
/// says something about our code. Each rate runs from subscribing to the last message: both pay one group join.
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
        // The mock's pace varies from run to run (fetch batching): the bare consumer reads before and after the monitor
        // and the faster of its two runs is the baseline, so the ratio errs against the monitor.
        progress("kafka: bare consumer");
        var (count, bare) = Bare(cluster.BootstrapServers, read, "bench-bare-1");
        progress("kafka: monitor (KafkaSource + EventApplier)");
        var monitor = Monitor(cluster.BootstrapServers, topics, count);
        progress("kafka: bare consumer again");
        var (again, bareAgain) = Bare(cluster.BootstrapServers, read, "bench-bare-2");
        if (again != count)
        {
            throw new InvalidOperationException($"bench: the bare consumer read {count:N0} then {again:N0} messages (the mock dropped data: fewer messages)");
        }

        return new KafkaFigures(count, monitor, Math.Max(bare, bareAgain));
    }

    /// <summary>Reads every partition of <paramref name="topics"/> to its end; returns the messages and their rate (from subscribing).</summary>
    private static (long Count, double PerSecond) Bare(string bootstrap, string[] topics, string group)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            EnableAutoCommit = false,
            SessionTimeoutMs = 3000,
            HeartbeatIntervalMs = 1000,
        }).Build();
        var clock = Stopwatch.StartNew();
        consumer.Subscribe(topics);
        var ended = new HashSet<TopicPartition>();
        long count = 0, bytes = 0;
        var elapsed = TimeSpan.Zero;
        while (consumer.Assignment.Count == 0 || ended.Count < consumer.Assignment.Count)
        {
            if (clock.Elapsed > Deadline)
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
        // Timed like the bare consumer: from the start (its group join included) to the last message.
        long seen = 0;
        var elapsed = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        using (KafkaSource.Create(options, stopped: () => stopped.TrySetResult()).Subscribe(
            message =>
            {
                applier.Apply(message);
                if (message.Result is not null && ++seen == expected)
                {
                    elapsed = clock.Elapsed;
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

        return seen / Math.Max(elapsed.TotalSeconds, 1e-6);
    }
}
