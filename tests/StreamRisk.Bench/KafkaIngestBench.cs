using System.Diagnostics;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Bench;

/// <summary>What the Kafka ingest run measured.</summary>
/// <param name="ApplyOnlyPerSecond">The monitor's stream applied in process (no Kafka): what the engine alone allows.</param>
/// <param name="MonitorCores">Cores the whole process used (CPU time over wall time) while the monitor read its stream.</param>
/// <param name="BareCores">The same while the bare consumer read its stream.</param>
internal sealed record KafkaFigures(long Messages, double MonitorPerSecond, double BarePerSecond, double ApplyOnlyPerSecond, double MonitorCores, double BareCores)
{
    public double Ratio => MonitorPerSecond / BarePerSecond;
}

/// <summary>
/// The monitor's consume-and-apply rate (<see cref="KafkaSource"/> → <see cref="EventApplier"/> → engine) against a
/// bare Confluent.Kafka consumer on the same topics, in the same run on the same embedded cluster. Through the
/// librdkafka mock the consumer itself is the ceiling (one message set per partition per fetch), so only the ratio
/// says something about our code.
/// </summary>
/// <remarks>
/// Start-up is not ingest: the market, the population and a warm-up stream go in first and each reader catches up on
/// them (group joined, partitions assigned, code compiled) before its timed stream is produced, as fast as the producer goes; a rate is the stream's
/// messages over the time from the first produce to the last message read. The monitor reads one stream, the bare
/// consumer (assigned every partition at its end) the next one of the same market, so both see the same mix produced
/// the same way.
/// </remarks>
internal static class KafkaIngestBench
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    /// <summary>The engine bench's mixed stream (50 % book, 30 % marks, 20 % positions) over ten symbols.</summary>
    public static KafkaFigures Run(int accounts, int streamEvents, IReadOnlyDictionary<string, string> kafkaSettings, Action<string> progress)
    {
        progress($"kafka: {accounts:N0} accounts on 10 symbols, then {streamEvents:N0} messages of the 50/30/20 mix per reader, through an embedded cluster");
        using var market = new BenchMarket(accounts, seed: 11);
        return Run(market.Market().Concat(market.Accounts()), count => market.Stream(count).ToList(), streamEvents, kafkaSettings, progress);
    }

    /// <summary>The venue crash's stream (<see cref="VenueMarket"/>: its book, mark, position-change and liquidation mix).</summary>
    public static KafkaFigures RunVenue(int accounts, int instruments, int streamEvents, IReadOnlyDictionary<string, string> kafkaSettings, Action<string> progress)
    {
        progress($"kafka: {accounts:N0} accounts on {instruments} instruments, then {streamEvents:N0} messages of the venue crash per reader, through an embedded cluster");
        using var market = new VenueMarket(accounts, instruments, seed: 11);
        return Run(market.Market().Concat(market.AccountSnapshots()), count => market.Stream(count, crash: true), streamEvents, kafkaSettings, progress);
    }

    /// <param name="marketAndAccounts">What the readers catch up on before any stream: instruments, books, marks, accounts.</param>
    /// <param name="stream">The next messages of the stream, as many as asked, continuing the last call's.</param>
    private static KafkaFigures Run(IEnumerable<WireMessage> marketAndAccounts, Func<int, List<WireMessage>> stream, int streamEvents,
        IReadOnlyDictionary<string, string> kafkaSettings, Action<string> progress)
    {
        var topics = TopicNames.WithPrefix("bench.");
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, count) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, count);
        }

        using var producer = new WireProducer(cluster.BootstrapServers, topics);
        // Each reader first reads a warm-up stream of the same mix, untimed: the rate is steady-state ingest, not the
        // JIT compiling the book, mark and position paths (the set-up is instruments, snapshots and accounts only).
        var warmUp = Math.Max(1, streamEvents / 4);
        var setup = marketAndAccounts.Concat(stream(warmUp)).ToList();
        Produce(producer, setup);
        var monitorStream = stream(streamEvents);
        var bareWarmUp = stream(warmUp);
        var bareStream = stream(streamEvents);

        progress("kafka: monitor (KafkaSource + EventApplier)");
        var (monitor, monitorCores) = Monitor(cluster.BootstrapServers, topics, kafkaSettings, setup.Count, producer, monitorStream);
        progress("kafka: bare consumer");
        var partitions = topics.WithDefaultPartitions()
            .Where(t => t.Name != topics.DeadLetter && t.Name != topics.Ladders)
            .SelectMany(t => Enumerable.Range(0, t.Partitions).Select(p => new TopicPartition(t.Name, p)))
            .ToList();
        var (bare, bareCores) = Bare(cluster.BootstrapServers, partitions, producer, bareWarmUp, bareStream);
        return new KafkaFigures(streamEvents, monitor, bare, ApplyOnly(setup, monitorStream), monitorCores, bareCores);
    }

    /// <summary>The same set-up and stream through a fresh <see cref="EventApplier"/>, in process: the engine's share.</summary>
    private static double ApplyOnly(List<WireMessage> setup, List<WireMessage> stream)
    {
        var applier = new EventApplier(new RiskEngine(new EngineOptions()), new EventClock(), (_, _, _) => { });
        foreach (var message in BenchMarket.AsIngested(setup))
        {
            applier.Apply(message);
        }

        var ingested = BenchMarket.AsIngested(stream);
        var clock = Stopwatch.StartNew();
        foreach (var message in ingested)
        {
            applier.Apply(message);
        }

        return ingested.Length / clock.Elapsed.TotalSeconds;
    }

    private static void Produce(WireProducer producer, List<WireMessage> messages)
    {
        foreach (var message in messages)
        {
            producer.Send(message);
        }

        if (producer.Flush(TimeSpan.FromMinutes(1)) > 0 || producer.Failed > 0)
        {
            throw new InvalidOperationException("bench: the embedded cluster did not take every message");
        }
    }

    /// <summary>The monitor's ingest: catches up on the set-up, then the timed stream is produced and applied.</summary>
    /// <returns>Stream messages per second, and the cores the process used meanwhile.</returns>
    private static (double PerSecond, double Cores) Monitor(string bootstrap, TopicNames topics, IReadOnlyDictionary<string, string> kafkaSettings, int setup, WireProducer producer, List<WireMessage> stream)
    {
        var engine = new RiskEngine(new EngineOptions());
        var deadLetters = 0L;
        var applier = new EventApplier(engine, new EventClock(), (_, _, _) => deadLetters++);
        var options = new KafkaMonitorOptions
        {
            BootstrapServers = bootstrap, GroupId = "bench-monitor", Topics = topics, SessionTimeoutMs = 3000, HeartbeatIntervalMs = 1000, ClientSettings = kafkaSettings,
        };
        var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var expected = setup + stream.Count;
        long seen = 0;
        TimeSpan elapsed, cpu;
        using (KafkaSource.Create(options, stopped: () => stopped.TrySetResult()).Subscribe(
            message =>
            {
                applier.Apply(message);
                if (message.Kind != IngestKind.Message)
                {
                    return;
                }

                var count = Interlocked.Increment(ref seen);
                if (count == setup)
                {
                    caughtUp.TrySetResult();
                }
                else if (count == expected)
                {
                    done.TrySetResult();
                }
            },
            ex => { caughtUp.TrySetException(ex); done.TrySetException(ex); },
            () => { caughtUp.TrySetResult(); done.TrySetResult(); }))
        {
            if (!caughtUp.Task.Wait(Deadline))
            {
                throw new InvalidOperationException($"bench: the monitor applied {Interlocked.Read(ref seen):N0} of {setup:N0} set-up messages in {Deadline.TotalMinutes:0} min");
            }

            // The embedded brokers, the producer and both readers share this process (and the machine's cores): the CPU
            // it used says whether a reader was short of cores rather than of speed.
            var cpu0 = Environment.CpuUsage.TotalTime;
            var clock = Stopwatch.StartNew();
            Produce(producer, stream);
            if (!done.Task.Wait(Deadline))
            {
                throw new InvalidOperationException($"bench: the monitor applied {Interlocked.Read(ref seen):N0} of {expected:N0} messages in {Deadline.TotalMinutes:0} min");
            }

            elapsed = clock.Elapsed;
            cpu = Environment.CpuUsage.TotalTime - cpu0;
        }

        // The consume thread closes its consumers; the engine is quiet after that.
        stopped.Task.Wait(TimeSpan.FromSeconds(30));
        if (Interlocked.Read(ref seen) < expected)
        {
            throw new InvalidOperationException($"bench: the monitor's source ended after {seen:N0} of {expected:N0} messages");
        }

        if (deadLetters > 0)
        {
            throw new InvalidOperationException($"bench: the monitor dead-lettered {deadLetters:N0} messages; the generated input is wrong");
        }

        return (stream.Count / elapsed.TotalSeconds, cpu / elapsed);
    }

    /// <summary>A plain consumer assigned every partition at its end; the timed stream is produced and read.</summary>
    private static (double PerSecond, double Cores) Bare(string bootstrap, List<TopicPartition> partitions, WireProducer producer, List<WireMessage> warmUp, List<WireMessage> stream)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-bare",
            EnableAutoCommit = false,
            // The monitor's own fetch setting, so the ratio compares the consume loops, not the fetch wait.
            FetchWaitMaxMs = 10,
        }).Build();
        var starts = partitions.Select(p => new TopicPartitionOffset(p, consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High)).ToList();
        consumer.Assign(starts);
        consumer.Consume(TimeSpan.FromMilliseconds(200)); // nothing to read yet: the first fetch is under way
        Produce(producer, warmUp);
        for (var read = 0; read < warmUp.Count;)
        {
            read += consumer.Consume(Deadline) is null ? throw new InvalidOperationException("bench: the bare consumer read no warm-up message") : 1;
        }

        // Produced from another thread, as the monitor's stream is produced while its engine thread consumes.
        var cpu0 = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var producing = Task.Run(() => Produce(producer, stream));
        long count = 0, bytes = 0;
        while (count < stream.Count)
        {
            if (clock.Elapsed > Deadline)
            {
                throw new InvalidOperationException($"bench: the bare consumer read {count:N0} of {stream.Count:N0} messages in {Deadline.TotalMinutes:0} min");
            }

            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                count++;
                bytes += result.Message.Value?.Length ?? 0;
            }
        }

        var elapsed = clock.Elapsed;
        var cpu = Environment.CpuUsage.TotalTime - cpu0;
        producing.GetAwaiter().GetResult();
        GC.KeepAlive(bytes);
        consumer.Close();
        return (count / elapsed.TotalSeconds, cpu / elapsed);
    }
}
