using System.Diagnostics;
using StackExchange.Redis;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Redis;

namespace StreamRisk.Bench;

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
/// before the next probe. The monitor runs with its default settings plus the given Kafka client settings, and the probe
/// symbol's alert thresholds without dwell and damping (they would hold its transitions back on purpose).
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
                FetchWaitMaxMs = EmbeddedKafkaCluster.FetchWaitMaxMs, // as the demo: the mock holds empty fetches the whole wait
                Settings = new Dictionary<string, string>(kafkaSettings, StringComparer.Ordinal),
            },
            Redis = new RedisSettings { Configuration = redisServer.ConnectionString },
            Dashboard = new DashboardSettings { Urls = string.Empty },
            // The probe's alerts without dwell and damping: the figure is the path's latency, not the dwell's.
            Alerts = new AlertSettings
            {
                Symbols =
                {
                    [Probe.Value] = new AlertThresholds
                    {
                        RaiseDwell = TimeSpan.Zero, ResolveDwell = TimeSpan.Zero, UpdateMinInterval = TimeSpan.Zero, UpdateMinChange = 0.01,
                    },
                },
            },
        };
        using var stop = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancel);
        var transitionMade = 0L; // Stopwatch timestamp of the latest probe transition, written on the engine thread
        var runner = new MonitorRunner(settings, TextWriter.Null, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, time)
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
            using var watch = await ProbeWatch.StartAsync(redis, AlertKeys.Default).ConfigureAwait(false);
            RedisValue last = "0-0";
            var mark = 100.0;
            var step = 0.4;

            // Warm-up: the monitor joins, loads everything and raises the first probe alert.
            progress("latency: waiting for the monitor to raise the first probe alert");
            var ready = Stopwatch.StartNew();
            // Any probe transition will do: the monitor may still be joining, and the alert it raises on catching up
            // carries the event time of the first warm-up mark, not the latest.
            watch.ExpectAny();
            while (true)
            {
                probes.Send(writer.Mark(Probe, time.GetUtcNow().ToUnixTimeMilliseconds(), mark));
                probes.Flush(TimeSpan.FromSeconds(5));
                if (watch.Wait(TimeSpan.FromSeconds(1)) is not null)
                {
                    break;
                }

                if (run.IsCompleted || ready.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException("bench: the monitor raised no probe alert within 60 s");
                }
            }

            progress($"latency: probing for {duration.TotalSeconds:0} s under the background load");
            // Probes at random phases against the background's 100 ms projection slots and revaluations.
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
                Thread.Sleep(random.Next(100));
                Interlocked.Exchange(ref transitionMade, 0);
                var eventTime = watch.Expect(time.GetUtcNow().ToUnixTimeMilliseconds());
                var sent = Stopwatch.GetTimestamp();
                // No Flush here: the probe producer sends at once (linger.ms 0), and Flush returns only after its ~10 ms
                // wait for the delivery report, which measured the bench's own producer, not the monitor (every
                // sample then read ≥ 10 ms while the engine thread had the transition at ~2 ms). A probe whose
                // delivery fails simply never alerts and is not counted.
                probes.Send(writer.Mark(Probe, eventTime, mark));
                probesSent++;
                if (watch.Wait(ProbeWindow) is { } seen)
                {
                    samples.Add(Stopwatch.GetElapsedTime(sent, seen).TotalMilliseconds);
                    if (Interlocked.Read(ref transitionMade) is > 0 and var made)
                    {
                        engineSide.Add(Stopwatch.GetElapsedTime(sent, made).TotalMilliseconds);
                    }

                    // The channel message and the stream entry come from one atomic script: the entry must be there.
                    if (!InStream(db, ref last, eventTime))
                    {
                        throw new InvalidOperationException("bench: a probe alert was published on its channel but is not in the alert stream");
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

    /// <summary>Reads the alert stream past <paramref name="last"/>; whether it holds a probe transition of <paramref name="eventTime"/> or later.</summary>
    private static bool InStream(IDatabase db, ref RedisValue last, long eventTime)
    {
        var found = false;
        while (db.StreamRead(AlertKeys.Default.Stream, last, 1000) is { Length: > 0 } entries)
        {
            foreach (var entry in entries)
            {
                last = entry.Id;
                found |= entry["symbol"] == Probe.Value && ProbeWatch.EventTimeOf(entry["alert"]) >= eventTime;
            }
        }

        return found;
    }

    /// <summary>
    /// Sees a probe transition the moment Redis pushes it. The publisher's script adds the stream entry and publishes
    /// the same JSON on the alert's channel in one atomic step, so the push arrives after the entry is readable: timing
    /// the push times the stream (slightly later, never earlier), without polling the stream every millisecond — that
    /// loop cost up to a millisecond per sample and took CPU from the monitor it measured on these two cores.
    /// </summary>
    private sealed class ProbeWatch : IDisposable
    {
        private readonly ISubscriber _subscriber;
        private readonly RedisChannel _channel;
        private readonly ManualResetEventSlim _arrived = new();
        private long _from = long.MaxValue;
        private long _seenAt;

        private ProbeWatch(ISubscriber subscriber, RedisChannel channel)
        {
            _subscriber = subscriber;
            _channel = channel;
        }

        public static async Task<ProbeWatch> StartAsync(ConnectionMultiplexer redis, AlertKeys keys)
        {
            // Every severity of the probe symbol: <prefix>:alerts:*:PROBEUSDT.
            var channel = RedisChannel.Pattern(keys.Stream + ":*:" + Probe.Value);
            var watch = new ProbeWatch(redis.GetSubscriber(), channel);
            await watch._subscriber.SubscribeAsync(channel, (_, json) => watch.Seen(json)).ConfigureAwait(false);
            return watch;
        }

        /// <summary>Arms the watch for a probe mark of this event time (later than any before); returns the event time to send.</summary>
        public long Expect(long now)
        {
            var eventTime = Math.Max(now, _from is long.MaxValue or long.MinValue ? now : _from + 1);
            _arrived.Reset();
            Interlocked.Exchange(ref _seenAt, 0);
            Volatile.Write(ref _from, eventTime);
            return eventTime;
        }

        /// <summary>Arms the watch for any transition of the probe symbol.</summary>
        public void ExpectAny()
        {
            _arrived.Reset();
            Interlocked.Exchange(ref _seenAt, 0);
            Volatile.Write(ref _from, long.MinValue);
        }

        /// <summary>The timestamp the transition was pushed at, or null if none came within the window.</summary>
        public long? Wait(TimeSpan window) => _arrived.Wait(window) ? Interlocked.Read(ref _seenAt) : null;

        public static long EventTimeOf(RedisValue json)
        {
            using var document = System.Text.Json.JsonDocument.Parse((string)json!);
            return document.RootElement.GetProperty("eventTime").GetInt64();
        }

        public void Dispose()
        {
            _subscriber.Unsubscribe(_channel);
            _arrived.Dispose();
        }

        private void Seen(RedisValue json)
        {
            var at = Stopwatch.GetTimestamp();
            // A late transition of an earlier probe carries an earlier event time: not this probe's.
            if (EventTimeOf(json) >= Volatile.Read(ref _from) && Interlocked.CompareExchange(ref _seenAt, at, 0) == 0)
            {
                _arrived.Set();
            }
        }
    }
}
