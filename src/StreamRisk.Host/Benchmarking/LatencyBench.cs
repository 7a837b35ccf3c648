using System.Diagnostics;
using StackExchange.Redis;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Redis;

namespace StreamRisk.Host.Benchmarking;

/// <summary>What the tick-to-alert run measured.</summary>
/// <param name="EngineP50Ms">Median of mark produced → transition made on the engine thread (the rest is the Redis write and the poll).</param>
internal sealed record LatencyFigures(int Samples, int Probes, double P50Ms, double P99Ms, double MaxMs, double EngineP50Ms, long BackgroundEvents, double BackgroundPerSecond);

/// <summary>
/// Tick to alert through the whole live path: a mark produced to Kafka (embedded cluster), consumed, applied,
/// projected, turned into an alert transition and written to the Redis stream of a real redis-server, where a poller
/// sees it. Meanwhile a background feed of 10,000 events/s (the <see cref="BenchMarket"/> stream with marks at a venue's
/// pace — one per symbol per second — and book deltas and position changes for the rest; event time = wall time)
/// keeps the monitor busy. The probe symbol has a thin book under 2,000 units of 50x longs (LP ≈ 98.5): its mark
/// walks between 100.0 and 102.8 in 0.4 steps (under the 0.5 % large-move trigger), so CascadeRisk and LiquidationWall
/// raise, update and resolve as it goes; a probe counts when a transition of the probe symbol reaches the stream
/// before the next probe. The monitor runs with its default settings plus the given Kafka client settings.
/// </summary>
internal static class LatencyBench
{
    private static readonly Symbol Probe = new("PROBEUSDT");
    private static readonly TimeSpan ProbeWindow = TimeSpan.FromMilliseconds(600);

    public static async Task<LatencyFigures> RunAsync(TimeSpan duration, int backgroundAccounts, IReadOnlyDictionary<string, string> kafkaSettings, TimeProvider time,
        Action<string> progress, CancellationToken cancel)
    {
        var topics = new TopicNames();
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        if (LocalRedisServer.FindExecutable() is null)
        {
            throw new InvalidOperationException("bench: redis-server is not installed (apt-get install redis-server); the tick-to-alert figure needs one");
        }

        using var redisServer = LocalRedisServer.Start();
        var start = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var market = new BenchMarket(backgroundAccounts, seed: 13, start);
        using var background = new WireProducer(cluster.BootstrapServers, topics);
        using var probes = new WireProducer(cluster.BootstrapServers, topics, new Dictionary<string, string> { ["linger.ms"] = "0" });
        using var writer = new WireMessageWriter();
        foreach (var message in market.Market().Concat(market.Accounts()))
        {
            background.Send(message);
        }

        probes.Send(writer.Instrument(new Instrument(Probe, ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005))));
        probes.Send(writer.BookSnapshot(Probe, start, 1, [new PriceLevel(9_990, 5), new PriceLevel(9_950, 5), new PriceLevel(9_900, 5), new PriceLevel(9_000, 100_000)],
            [new PriceLevel(10_010, 100_000)]));
        for (var i = 0; i < 20; i++)
        {
            probes.Send(writer.Account(new AccountId($"probe{i:00}"), 1, start, 0, [(Probe, 100, 100, 200)]));
        }

        background.Flush(TimeSpan.FromSeconds(30));
        probes.Flush(TimeSpan.FromSeconds(30));

        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings
            {
                BootstrapServers = cluster.BootstrapServers, GroupId = "bench-latency", SessionTimeoutMs = 3000, HeartbeatIntervalMs = 1000,
                Settings = new Dictionary<string, string>(kafkaSettings, StringComparer.Ordinal),
            },
            Redis = new RedisSettings { Configuration = redisServer.ConnectionString },
            Dashboard = new DashboardSettings { Urls = string.Empty },
        };
        using var stop = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancel);
        var transitionMade = 0L; // Stopwatch timestamp of the latest probe transition, written on the engine thread
        var runner = new MonitorRunner(settings, TextWriter.Null, time)
        {
            EchoAlerts = false,
            AlertObserved = transition =>
            {
                if (transition.Symbol == Probe.Value)
                {
                    Interlocked.CompareExchange(ref transitionMade, Stopwatch.GetTimestamp(), 0);
                }
            },
        };
        var run = Task.Run(() => runner.RunAsync(linked.Token), CancellationToken.None);

        // Background at 10k events/s: one stream round (100 events, 10 ms of event time) every 10 ms, each sent when the
        // wall clock reaches its event time (the rounds the set-up took are sent at once), so event time = wall time, as
        // the probes' — a throttled projection falls due when the background's event time passes its slot.
        var backgroundCount = 0L;
        var feeding = Task.Factory.StartNew(() =>
        {
            var round = 0L;
            var inRound = 0;
            foreach (var message in market.Stream(int.MaxValue, venueMarks: true))
            {
                if (linked.IsCancellationRequested)
                {
                    return;
                }

                if (inRound == 0)
                {
                    var due = start + ((round + 1) * 10) - time.GetUtcNow().ToUnixTimeMilliseconds();
                    if (due > 0)
                    {
                        Thread.Sleep(TimeSpan.FromMilliseconds(due));
                    }
                }

                background.Send(message);
                Interlocked.Increment(ref backgroundCount);
                if (++inRound == BenchMarket.RoundSize)
                {
                    inRound = 0;
                    round++;
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(redisServer.ConnectionString).ConfigureAwait(false);
            var db = redis.GetDatabase();
            RedisValue last = "0-0";
            var mark = 100.0;
            var step = 0.4;

            // Warm-up: the monitor joins, loads everything and raises the first probe alert.
            progress("latency: waiting for the monitor to raise the first probe alert");
            var ready = Stopwatch.StartNew();
            while (true)
            {
                probes.Send(writer.Mark(Probe, time.GetUtcNow().ToUnixTimeMilliseconds(), mark));
                probes.Flush(TimeSpan.FromSeconds(5));
                if (Await(db, ref last, TimeSpan.FromSeconds(1)) is not null)
                {
                    break;
                }

                if (run.IsCompleted || ready.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException("bench: the monitor raised no probe alert within 60 s");
                }
            }

            progress($"latency: probing for {duration.TotalSeconds:0} s under the background load");
            // Probes at random phases against the 100 ms projection slot: a probe sent right after the previous one's
            // projection would always wait a whole slot.
            var random = new Random(17);
            var samples = new List<double>();
            var engineSide = new List<double>();
            var probesSent = 0;
            var measuring = Stopwatch.StartNew();
            var backgroundAtStart = Interlocked.Read(ref backgroundCount);
            while (measuring.Elapsed < duration)
            {
                cancel.ThrowIfCancellationRequested();
                if (mark + step > 102.81 || mark + step < 99.99)
                {
                    step = -step;
                }

                mark = Math.Round(mark + step, 2);
                Thread.Sleep(random.Next(200));
                Drain(db, ref last);
                Interlocked.Exchange(ref transitionMade, 0);
                var sent = Stopwatch.GetTimestamp();
                probes.Send(writer.Mark(Probe, time.GetUtcNow().ToUnixTimeMilliseconds(), mark));
                probes.Flush(TimeSpan.FromSeconds(5));
                probesSent++;
                if (Await(db, ref last, ProbeWindow) is { } seen)
                {
                    samples.Add(Stopwatch.GetElapsedTime(sent, seen).TotalMilliseconds);
                    if (Interlocked.Read(ref transitionMade) is > 0 and var made)
                    {
                        engineSide.Add(Stopwatch.GetElapsedTime(sent, made).TotalMilliseconds);
                    }
                }

                if (run.IsCompleted)
                {
                    throw new InvalidOperationException("bench: the monitor stopped during the latency run");
                }
            }

            var backgroundEvents = Interlocked.Read(ref backgroundCount) - backgroundAtStart;
            var backgroundRate = backgroundEvents / measuring.Elapsed.TotalSeconds;
            if (samples.Count == 0)
            {
                throw new InvalidOperationException($"bench: none of {probesSent} probe marks led to an alert transition within {ProbeWindow.TotalMilliseconds:0} ms");
            }

            samples.Sort();
            engineSide.Sort();
            return new LatencyFigures(samples.Count, probesSent, Percentile(samples, 0.50), Percentile(samples, 0.99), samples[^1],
                engineSide.Count == 0 ? double.NaN : Percentile(engineSide, 0.50), backgroundEvents, backgroundRate);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await feeding.ConfigureAwait(false);
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                progress("latency: the monitor did not stop within 60 s");
            }
        }
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    internal static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>Skips stream entries already there (transitions of earlier probes arriving late).</summary>
    private static void Drain(IDatabase db, ref RedisValue last)
    {
        while (db.StreamRead("streamrisk:alerts", last, 1000) is { Length: > 0 } entries)
        {
            last = entries[^1].Id;
        }
    }

    /// <summary>Polls the alert stream (every millisecond) for a transition of the probe symbol; the timestamp it was seen at.</summary>
    private static long? Await(IDatabase db, ref RedisValue last, TimeSpan window)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < window)
        {
            var entries = db.StreamRead("streamrisk:alerts", last, 100);
            var now = Stopwatch.GetTimestamp();
            foreach (var entry in entries)
            {
                last = entry.Id;
                if (entry["symbol"] == Probe.Value)
                {
                    Drain(db, ref last);
                    return now;
                }
            }

            if (entries.Length == 0)
            {
                Thread.Sleep(1);
            }
        }

        return null;
    }
}
