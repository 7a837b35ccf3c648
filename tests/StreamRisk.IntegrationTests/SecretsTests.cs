using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using StreamRisk.Host;
using StreamRisk.Host.Monitoring;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// Security settings pass through configuration, and secrets never come back out: not in the monitor's log, not in
/// any HTTP response (<c>/api</c>, <c>/metrics</c>, <c>/healthz</c>, the page, a refused request).
/// </summary>
public sealed partial class SecretsTests : IDisposable
{
    private const string KafkaPassword = "kafka-S3CRET-pw";
    private const string RedisPassword = "redis-S3CRET-pw";
    private const string DashboardToken = "dash-S3CRET-token";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("secrets-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task KafkaRedisAndDashboardSecrets_NeverInLogsOrHttpResponses()
    {
        var capture = Path.Combine(_dir.FullName, "day.srcap.gz");
        Assert.Equal(0, await Cli.RunAsync(["simulate", "--out", capture, "--events", "3000", "--accounts", "300"], TextWriter.Null, TextWriter.Null, TimeProvider.System));
        using var cluster = KafkaReplayRun.StartCluster();
        Assert.Equal(0, await Cli.RunAsync(["replay", capture, "--format", "capture", "--to-kafka", cluster.BootstrapServers], TextWriter.Null, TextWriter.Null, TimeProvider.System));

        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings
            {
                BootstrapServers = cluster.BootstrapServers,
                GroupId = "secrets",
                EventTimeOrdering = true,
                // Passed to librdkafka as given (the embedded cluster speaks plaintext, so SASL stays unused here).
                Settings = new Dictionary<string, string> { ["sasl.username"] = "risk", ["sasl.password"] = KafkaPassword },
            },
            // A Redis that is not there: connection errors get logged, and must not carry the password.
            Redis = new RedisSettings { Configuration = $"127.0.0.1:{FreePort.Next()},password={RedisPassword},connectTimeout=200" },
            Dashboard = new DashboardSettings { Urls = "http://127.0.0.1:0", Token = DashboardToken },
        };
        using var log = new StringWriter();
        var runner = new MonitorRunner(settings, log, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        Assert.True(await Eventually.TrueAsync(() => runner.EventsProcessed >= 3_000 && Url().IsMatch(log.ToString()), TimeSpan.FromSeconds(60)), log.ToString());
        var url = Url().Match(log.ToString()).Groups[1].Value;
        var bodies = new List<string>();
        using (var http = new HttpClient())
        {
            using var refused = await http.GetAsync(new Uri(url + "/api/symbols"));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            bodies.Add(await refused.Content.ReadAsStringAsync());
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardToken);
            foreach (var path in new[] { "/", "/api/symbols", "/api/alerts", "/metrics", "/healthz" })
            {
                using var response = await http.GetAsync(new Uri(url + path));
                Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode}");
                bodies.Add(await response.Content.ReadAsStringAsync());
            }
        }

        await stop.CancelAsync();
        await run;
        var everything = log + string.Join("\n", bodies);
        Assert.Contains("\"symbol\":\"", bodies[2], StringComparison.Ordinal); // the API did serve data
        foreach (var secret in new[] { KafkaPassword, RedisPassword, DashboardToken })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"dashboard: (http://127\.0\.0\.1:\d+)/")]
    private static partial Regex Url();
}
