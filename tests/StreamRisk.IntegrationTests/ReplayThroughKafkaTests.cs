using System.Globalization;
using System.Text.RegularExpressions;
using StreamRisk.Contracts;
using StreamRisk.Host;
using StreamRisk.Host.Monitoring;
using StreamRisk.Host.Replaying;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// A replay produced to Kafka (<c>replay --to-kafka</c>) and consumed by the live monitor with event-time ordering gives
/// byte for byte what the in-process replay gives: the same messages, applied in the same order, on event time.
/// </summary>
public sealed partial class ReplayThroughKafkaTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("replay-kafka-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <remarks>
    /// At max speed the producer outruns the monitor, and an embedded (mock) partition keeps only 5 MiB: the whole
    /// day's book would be trimmed before it is read, so that case replays the first 2½ minutes.
    /// </remarks>
    [Theory]
    [InlineData("20x", null)]
    [InlineData("max", "2024-08-08T23:56:30Z")]
    public async Task BinanceBtcusdtCapture_ThroughKafka_ByteIdenticalToInProcess(string speed, string? to)
    {
        var capture = SharedData.Path("binance-usdm", "btcusdt_20240808.gz");
        string[] window = to is null ? [] : ["--to", to];
        var inProcess = Path.Combine(_dir.FullName, "in-process");
        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            var code = await Cli.RunAsync(["replay", capture, "--positions", "synthetic:seed=1", "--out", inProcess, .. window], output, error, TimeProvider.System);
            Assert.True(code == 0, error.ToString());
        }

        var topics = new TopicNames();
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 3 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        var throughKafka = Path.Combine(_dir.FullName, "kafka-" + speed);
        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings { BootstrapServers = cluster.BootstrapServers, GroupId = "replay", EventTimeOrdering = true, SessionTimeoutMs = 6000, HeartbeatIntervalMs = 2000 },
            Dashboard = new DashboardSettings { Urls = string.Empty },
        };
        using var monitorOutput = new StringWriter();
        var outputs = new ReplayOutputs(throughKafka);
        var runner = new MonitorRunner(settings, monitorOutput, TimeProvider.System) { EchoAlerts = false, Outputs = outputs };
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        long produced;
        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            // The monitor is already consuming: the replay is live for it, paced at the chosen speed.
            var code = await Cli.RunAsync(["replay", capture, "--positions", "synthetic:seed=1", "--to-kafka", cluster.BootstrapServers, "--speed", speed, .. window], output, error, TimeProvider.System);
            Assert.True(code == 0, error.ToString());
            produced = long.Parse(Produced().Match(output.ToString()).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        }

        var allApplied = await Eventually.TrueAsync(() => runner.EventsProcessed >= produced, TimeSpan.FromSeconds(120));
        await stop.CancelAsync();
        var summary = await run;
        outputs.Dispose();

        Assert.True(allApplied, $"the monitor processed {runner.EventsProcessed} of {produced} messages; {monitorOutput}");
        Assert.Equal(produced, summary.EventsApplied);
        Assert.Equal(0, summary.DeadLettered);
        var alerts = await File.ReadAllBytesAsync(Path.Combine(inProcess, "alerts.ndjson"));
        var projections = await File.ReadAllBytesAsync(Path.Combine(inProcess, "projections.ndjson"));
        Assert.True(projections.Length > 100_000, "the replay projected almost nothing");
        Assert.Contains("\"rule\":\"CascadeRisk\"", System.Text.Encoding.UTF8.GetString(alerts), StringComparison.Ordinal);
        Assert.Equal(alerts, await File.ReadAllBytesAsync(Path.Combine(throughKafka, "alerts.ndjson")));
        Assert.Equal(projections, await File.ReadAllBytesAsync(Path.Combine(throughKafka, "projections.ndjson")));
    }

    [GeneratedRegex(@"replay: ([\d,]+) messages produced")]
    private static partial Regex Produced();
}
