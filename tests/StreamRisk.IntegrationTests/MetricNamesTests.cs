using System.Text;
using StreamRisk.Contracts;
using StreamRisk.Host.Logging;
using StreamRisk.Host.Monitoring;
using StreamRisk.Host.Telemetry;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Redis;
using StreamRisk.Simulation;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// The Grafana dashboards and the Prometheus alert rules in infra/ query metric names; the demo pipeline (embedded
/// Kafka, market simulator, monitor, a real redis-server) serves /metrics. Every name the first refer to must be one
/// the second serves, or a panel stays empty and an alert never fires, silently.
/// </summary>
public sealed class MetricNamesTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task DashboardsAndAlertRules_ReferOnlyToMetricsTheDemoServes()
    {
        var referenced = PrometheusScrape.ReferencedNames(SharedData.RepositoryRoot());
        Assert.True(referenced.Count >= 15, "dashboards and rules refer to only " + string.Join(", ", referenced.Keys));

        var topics = TopicNames.WithPrefix("names.");
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        using var redisServer = LocalRedisServer.Start();
        var port = FreePort.Next();
        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings
            {
                BootstrapServers = cluster.BootstrapServers, TopicPrefix = "names.", GroupId = "names", SessionTimeoutMs = 3000, HeartbeatIntervalMs = 1000,
                FetchWaitMaxMs = EmbeddedKafkaCluster.FetchWaitMaxMs,
            },
            Redis = new RedisSettings { Configuration = redisServer.ConnectionString },
            Dashboard = new DashboardSettings { Urls = $"http://127.0.0.1:{port}" },
        };
        using var producer = new WireProducer(cluster.BootstrapServers, topics);
        // One malformed mark: the dead-letter counter has a series only once something was dead-lettered.
        producer.Raw(topics.Marks, Encoding.UTF8.GetBytes("BTCUSDT"), Encoding.UTF8.GetBytes("{\"v\":1,\"symbol\":"));
        using var stop = new CancellationTokenSource();
        // Shocks every 6 s so alerts (and the tick-to-alert histogram) come early; a small population keeps it light.
        var feed = new SimulationFeed(message => producer.Send(message), new SimulatorOptions { Seed = 7, Accounts = 4_000, ShockEvery = TimeSpan.FromSeconds(6) }, TimeProvider.System);
        var feeding = Task.Run(async () =>
        {
            try
            {
                await feed.RunAsync(Deadline, stop.Token);
            }
            catch (OperationCanceledException)
            {
                // The test is over.
            }
        }, TestContext.Current.CancellationToken);
        using var output = new LogCapture();
        using var logging = RunLogging.Create(output);
        using var telemetry = new StreamRiskTelemetry("StreamRisk.names." + Guid.NewGuid().ToString("N"));
        var running = new MonitorRunner(settings, output, logging, TimeProvider.System) { EchoAlerts = false, Telemetry = telemetry }.RunAsync(stop.Token);

        ISet<string> served = new HashSet<string>();
        List<string> missing = [.. referenced.Keys];
        try
        {
            using var http = new HttpClient();
            // Gauges appear with the first projection, the alert counter and tick-to-alert with the first alert: poll.
            await Eventually.TrueAsync(() =>
            {
                if (running.IsCompleted)
                {
                    return true;
                }

                try
                {
                    served = PrometheusScrape.ServedNames(http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")).GetAwaiter().GetResult());
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }

                missing = referenced.Keys.Where(name => !served.Contains(name)).ToList();
                return missing.Count == 0;
            }, Deadline, TimeSpan.FromSeconds(1));
        }
        finally
        {
            await stop.CancelAsync();
            await feeding;
            await running.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }

        Assert.True(served.Count > 0, "nothing scraped; monitor said: " + output);
        // The dashboard's live-stream counters are served from the start (0 until a page falls behind or resumes).
        Assert.Contains("streamrisk_dashboard_clients_let_go_total", served);
        Assert.Contains("streamrisk_dashboard_resumes_total", served);
        Assert.True(missing.Count == 0,
            "referred to but not served by /metrics: " + string.Join("; ", missing.Select(name => $"{name} (in {string.Join(", ", referenced[name])})"))
            + "\nserved: " + string.Join(" ", served.Where(name => name.StartsWith("streamrisk_", StringComparison.Ordinal)).Order(StringComparer.Ordinal)));
    }
}
