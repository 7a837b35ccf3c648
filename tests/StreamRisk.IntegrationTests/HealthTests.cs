using System.Net;
using System.Text.Json;
using StreamRisk.Contracts;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// <c>/healthz</c> and <c>/readyz</c> of the whole monitor on the embedded Kafka cluster and a real redis-server: not
/// ready before the group assigns partitions, ready once everything is read; not ready while Redis is down (killed) or
/// a book is out of sync, ready again after; alive throughout — and not alive while the engine thread is stuck.
/// </summary>
public sealed class HealthTests
{
    private const long T0 = 1_723_161_255_000;
    private static readonly Symbol X = new("XUSDT");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Readyz_NotReadyUntilAssigned_ThenReady_NotReadyWhileRedisDownOrABookOutOfSync_HealthzAliveThroughout()
    {
        var topics = new TopicNames();
        // The group's first join waits 3 s: the monitor is up, and has read the market, before it holds any partition.
        using var cluster = StartCluster(topics, TimeSpan.FromSeconds(3));
        var redisServer = LocalRedisServer.Start();
        var firstRedis = redisServer; // owns the data directory the restarted one reuses
        using var producer = new WireProducer(cluster.BootstrapServers, topics);
        ProduceMarket(producer);
        using var stop = new CancellationTokenSource();
        var (run, url, output) = StartMonitor(cluster, redisServer, stallTimeoutMs: 30_000, riskObserved: null, stop.Token);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            // The first answer comes while the monitor starts.
            Probe first = default;
            Assert.True(await Eventually.TrueAsync(() => (first = Get(http, url + "/readyz")).Status != 0, Deadline), "the monitor never answered");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, first.Status);
            Assert.Equal("unhealthy", first.Check("partitions"));
            Assert.Equal(HttpStatusCode.OK, Get(http, url + "/healthz").Status);

            // The market read, the group still forming: not ready, and it says it waits for the group.
            Probe forming = default;
            Assert.True(await Eventually.TrueAsync(() => (forming = Get(http, url + "/readyz")).Check("books") == "healthy", Deadline), $"the market was not read: {forming.Body}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, forming.Status);
            Assert.Equal("unhealthy", forming.Check("partitions"));
            Assert.Contains("consumer group", forming.Description("partitions"), StringComparison.Ordinal);
            Assert.Equal("unhealthy", forming.Check("positions"));
            Assert.Equal(HttpStatusCode.OK, Get(http, url + "/healthz").Status);

            await AssertReady(http, url, output);
            Assert.Equal("healthy", Get(http, url + "/readyz").Check("positions"));

            // Redis killed: not ready, and the body says it is Redis; alive all the same.
            redisServer.Kill();
            Probe down = default;
            Assert.True(await Eventually.TrueAsync(() => (down = Get(http, url + "/readyz")).Check("redis") == "unhealthy", Deadline), $"Redis down unnoticed: {down.Body}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
            Assert.Contains("not reachable", down.Description("redis"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, Get(http, url + "/healthz").Status);

            redisServer = redisServer.Restart();
            await AssertReady(http, url, output);

            // A gap in the book's updates: out of sync until the next snapshot.
            producer.BookDelta(X, T0 + 1_000, firstId: 10, lastId: 11, previousId: 9, [new PriceLevel(9_980, 5)], []);
            producer.Flush(TimeSpan.FromSeconds(10));
            Probe gap = default;
            Assert.True(await Eventually.TrueAsync(() => (gap = Get(http, url + "/readyz")).Check("books") == "unhealthy", Deadline), $"the gap went unnoticed: {gap.Body}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, gap.Status);
            Assert.Contains("XUSDT", gap.Description("books"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, Get(http, url + "/healthz").Status);

            producer.BookSnapshot(X, T0 + 2_000, 20, [new PriceLevel(9_990, 100)], [new PriceLevel(10_010, 100)]);
            producer.Flush(TimeSpan.FromSeconds(10));
            await AssertReady(http, url, output);
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(Deadline, TestContext.Current.CancellationToken);
            redisServer.Dispose();
            firstRedis.Dispose();
        }
    }

    [Fact]
    public async Task Healthz_EngineThreadStuckInAnEvent_StalledThenAliveOnceItMoves()
    {
        var topics = new TopicNames();
        using var cluster = StartCluster(topics, TimeSpan.Zero);
        using var redisServer = LocalRedisServer.Start();
        using var producer = new WireProducer(cluster.BootstrapServers, topics);
        ProduceMarket(producer);
        producer.Account(new AccountId("lev00"), sequence: 1, T0, 0, [(X, 10, 100, 20)]);
        producer.Flush(TimeSpan.FromSeconds(10));
        using var release = new ManualResetEventSlim(false);
        using var stuck = new ManualResetEventSlim(false);
        var armed = 0;
        using var stop = new CancellationTokenSource();
        var (run, url, output) = StartMonitor(cluster, redisServer, stallTimeoutMs: 1_000, riskObserved: risk =>
        {
            // Called on the engine thread with each projection: once armed, the next one never returns until released.
            if (Volatile.Read(ref armed) == 1 && !stuck.IsSet)
            {
                stuck.Set();
                release.Wait(Deadline);
            }
        }, stop.Token);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await AssertReady(http, url, output);
            Volatile.Write(ref armed, 1);
            // Marks that move the price: each makes a projection due.
            for (var i = 1; !stuck.IsSet && i < 300; i++)
            {
                producer.Mark(X, T0 + (i * 1_000), 100 + (i % 2));
                producer.Flush(TimeSpan.FromSeconds(10));
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            Assert.True(stuck.IsSet, "no projection reached the engine thread's observer");
            Probe stalled = default;
            Assert.True(await Eventually.TrueAsync(() => (stalled = Get(http, url + "/healthz")).Status == HttpStatusCode.ServiceUnavailable, Deadline, TimeSpan.FromMilliseconds(100)),
                $"the stuck engine thread went unnoticed: {stalled.Body}");
            Assert.Equal("unhealthy", stalled.Check("engine"));
            Assert.Contains("stalled", stalled.Description("engine"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, Get(http, url + "/readyz").Status);
            // Logged once, through the run's logger (written by its own task, so it may trail the probe a little).
            Assert.True(await Eventually.TrueAsync(() => output.ToString().Contains("health: the engine thread has not come round its loop", StringComparison.Ordinal), Deadline),
                output.ToString());

            release.Set();
            Probe moving = default;
            Assert.True(await Eventually.TrueAsync(() => (moving = Get(http, url + "/healthz")).Status == HttpStatusCode.OK, Deadline, TimeSpan.FromMilliseconds(100)),
                $"still stalled once released: {moving.Body}");
            Assert.Equal("healthy", moving.Check("engine"));
        }
        finally
        {
            release.Set();
            await stop.CancelAsync();
            await run.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        }
    }

    private static async Task AssertReady(HttpClient http, string url, LogCapture output)
    {
        Probe ready = default;
        Assert.True(await Eventually.TrueAsync(() => (ready = Get(http, url + "/readyz")).Status == HttpStatusCode.OK, Deadline, TimeSpan.FromMilliseconds(100)),
            $"not ready: {ready.Body}; monitor said: {output}");
        foreach (var check in new[] { "engine", "partitions", "positions", "books", "redis", "lag" })
        {
            Assert.Equal("healthy", ready.Check(check));
        }

        Assert.Equal(HttpStatusCode.OK, Get(http, url + "/healthz").Status);
    }

    private static (Task<MonitorSummary> Run, string Url, LogCapture Output) StartMonitor(EmbeddedKafkaCluster cluster, LocalRedisServer redis,
        int stallTimeoutMs, Action<StreamRisk.Domain.Alerts.SymbolRisk>? riskObserved, CancellationToken stop)
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings
            {
                // A session longer than the group's initial delay: the mock drops a member whose session ends while it waits.
                BootstrapServers = cluster.BootstrapServers, GroupId = "health", SessionTimeoutMs = 6000, HeartbeatIntervalMs = 1000,
                FetchWaitMaxMs = EmbeddedKafkaCluster.FetchWaitMaxMs,
            },
            Redis = new RedisSettings { Configuration = redis.ConnectionString },
            Dashboard = new DashboardSettings { Urls = url },
            Health = new HealthSettings { StallTimeoutMs = stallTimeoutMs },
        };
        settings.Validate();
        var output = new LogCapture();
        // Its own meter name: another test's telemetry disposed meanwhile would end a shared-name metric here.
        var telemetry = new StreamRisk.Host.Telemetry.StreamRiskTelemetry("StreamRisk.health." + Guid.NewGuid().ToString("N"));
                var logging = StreamRisk.Host.Logging.RunLogging.Create(output);
        var runner = new MonitorRunner(settings, output, logging, TimeProvider.System) { EchoAlerts = false, Telemetry = telemetry, RiskObserved = riskObserved };
        var run = Task.Run(async () =>
        {
            using (telemetry)
            using (logging)
            {
                return await runner.RunAsync(stop);
            }
        });
        return (run, url, output);
    }

    private static EmbeddedKafkaCluster StartCluster(TopicNames topics, TimeSpan initialRebalanceDelay)
    {
        var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1, InitialRebalanceDelay = initialRebalanceDelay });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        return cluster;
    }

    private static void ProduceMarket(WireProducer producer)
    {
        producer.Instrument(new Instrument(X, ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)), T0);
        producer.BookSnapshot(X, T0, 1, [new PriceLevel(9_990, 100)], [new PriceLevel(10_010, 100)]);
        producer.Mark(X, T0, 100);
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    /// <summary>A GET's status (0: no answer) and its JSON body.</summary>
    private static Probe Get(HttpClient http, string url)
    {
        try
        {
            using var response = http.GetAsync(new Uri(url)).GetAwaiter().GetResult();
            return new Probe(response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        }
        catch (HttpRequestException)
        {
            return new Probe(0, string.Empty); // not listening yet
        }
    }

    private readonly record struct Probe(HttpStatusCode Status, string Body)
    {
        public string? Check(string name) => Entry(name, "status");

        public string Description(string name) => Entry(name, "description") ?? string.Empty;

        private string? Entry(string name, string field)
        {
            if (string.IsNullOrEmpty(Body))
            {
                return null;
            }

            using var json = JsonDocument.Parse(Body);
            return json.RootElement.GetProperty("checks").TryGetProperty(name, out var check) ? check.GetProperty(field).GetString() : null;
        }
    }
}
