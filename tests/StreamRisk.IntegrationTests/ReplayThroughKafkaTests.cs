using System.Globalization;
using System.Text.RegularExpressions;
using StreamRisk.Contracts;
using StreamRisk.Host;
using StreamRisk.Host.Logging;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Replay.InProcess;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// A replay produced to Kafka (<c>replay --to-kafka</c>) and consumed by the live monitor with event-time ordering gives
/// byte for byte what the in-process replay gives: the same messages, applied in the same order, on event time.
/// </summary>
public sealed class ReplayThroughKafkaTests : IDisposable
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
        var replay = new KafkaReplayRun(_dir.FullName, to);
        var inProcess = await replay.InProcessAsync();

        using var cluster = KafkaReplayRun.StartCluster();
        var (throughKafka, summary, log) = await replay.ThroughKafkaAsync(cluster, speed, disturb: null);

        Assert.Equal(replay.Produced, summary.EventsApplied);
        Assert.Equal(0, summary.DeadLettered);
        var alerts = await File.ReadAllBytesAsync(Path.Combine(inProcess, "alerts.ndjson"), TestContext.Current.CancellationToken);
        var projections = await File.ReadAllBytesAsync(Path.Combine(inProcess, "projections.ndjson"), TestContext.Current.CancellationToken);
        Assert.True(projections.Length > 100_000, "the replay projected almost nothing");
        Assert.Contains("\"rule\":\"CascadeRisk\"", System.Text.Encoding.UTF8.GetString(alerts), StringComparison.Ordinal);
        Assert.Contains("{\"type\":\"system\",", System.Text.Encoding.UTF8.GetString(projections), StringComparison.Ordinal);
        KafkaReplayRun.AssertSameResults(inProcess, throughKafka, log);
    }
}

/// <summary>One capture replayed in process and through an embedded Kafka cluster into a running monitor.</summary>
/// <param name="source">The replay's input: capture file(s) and the options that say how to read them.</param>
internal sealed partial class KafkaReplayRun(string directory, string[] source)
{
    /// <summary>The BTCUSDT Binance capture with <see cref="SharedData.BtcusdtPositions"/>, up to <paramref name="to"/> when given.</summary>
    public KafkaReplayRun(string directory, string? to)
        : this(directory, [SharedData.Path("binance-usdm", "btcusdt_20240808.gz"), "--positions", SharedData.BtcusdtPositions, .. (to is null ? [] : new[] { "--to", to })])
    {
    }

    public long Produced { get; private set; }

    /// <summary>
    /// The system view's cadence in both runs: every 10 s of event time rather than the default second keeps a day's
    /// replay quick while its system lines still take part in the comparison.
    /// </summary>
    public const int SystemIntervalMs = 10_000;

    /// <summary>Both sides run the venue liquidation engine: the in-process replay and the monitor must liquidate alike.</summary>
    public const string LiquidationEngine = "venue";

    /// <summary>
    /// Alert settings that send every transition as soon as its condition changes (no dwell, resolve wait or update
    /// interval): a delivery test needs many transitions from a short replay, not the quiet stream ops get.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ImmediateAlerts = new Dictionary<string, string>
    {
        ["RaiseDwell"] = "00:00:00",
        ["ResolveDwell"] = "00:00:00",
        ["UpdateMinInterval"] = "00:00:00",
    };

    public static EmbeddedKafkaCluster StartCluster(int replicationFactor = 1)
    {
        var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 3 });
        foreach (var (name, partitions) in new TopicNames().WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions, replicationFactor);
        }

        return cluster;
    }

    /// <summary>Both result files of two runs are equal byte for byte.</summary>
    public static void AssertSameResults(string expectedDir, string actualDir, string log)
    {
        foreach (var file in new[] { "alerts.ndjson", "projections.ndjson" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDir, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(actualDir, file))), $"{file} differs; monitor log:\n{log}");
        }
    }

    /// <param name="systemIntervalMs">The system view's cadence; 0 for none (a scaled-out projector makes none).</param>
    /// <param name="liquidationEngine">The venue liquidation engine's mode: "off" for a scaled-out comparison (it runs only in one process).</param>
    /// <param name="immediateAlerts">Alerts without dwell, resolve wait or update interval (<see cref="ImmediateAlerts"/>).</param>
    public async Task<string> InProcessAsync(int systemIntervalMs = SystemIntervalMs, string liquidationEngine = LiquidationEngine, bool immediateAlerts = false)
    {
        var outDir = Path.Combine(directory, "in-process");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = Path.Combine(directory, "in-process.json");
        // The venue liquidation engine as the monitor below runs it (a replay's default depends on the capture's format).
        var alerts = immediateAlerts
            ? ",\"Alerts\":{\"Default\":{" + string.Join(',', ImmediateAlerts.Select(s => $"\"{s.Key}\":\"{s.Value}\"")) + "}}"
            : string.Empty;
        await File.WriteAllTextAsync(config, $"{{\"StreamRisk\":{{\"Engine\":{{\"SystemIntervalMs\":{systemIntervalMs},\"LiquidationEngine\":\"{liquidationEngine}\"}}{alerts}}}}}");
        var code = await Cli.RunAsync(["replay", .. source, "--config", config, "--out", outDir], output, error, TimeProvider.System);
        Assert.True(code == 0, error.ToString());
        return outDir;
    }

    /// <param name="disturb">Runs beside the replay (faults, restarts); gets the monitor's progress counter.</param>
    /// <param name="produced">What to produce instead of the in-process input (the same capture with extra records).</param>
    public async Task<(string OutDir, MonitorSummary Summary, string Log)> ThroughKafkaAsync(
        EmbeddedKafkaCluster cluster, string speed, Func<Func<long>, Task>? disturb, string[]? produced = null, int maxMessageBytes = 1024 * 1024, string? redis = null)
    {
        var outDir = Path.Combine(directory, "kafka-" + speed);
        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings
            {
                BootstrapServers = cluster.BootstrapServers, GroupId = "replay", EventTimeOrdering = true, SessionTimeoutMs = 6000, HeartbeatIntervalMs = 2000,
                MaxMessageBytes = maxMessageBytes,
            },
            Dashboard = new DashboardSettings { Urls = string.Empty },
            Redis = new RedisSettings { Configuration = redis ?? string.Empty },
            Engine = new EngineSettings { SystemIntervalMs = SystemIntervalMs, LiquidationEngine = LiquidationEngine },
        };
        using var log = new LogCapture();
        using var logging = RunLogging.Create(log);
        var outputs = new ReplayOutputs(outDir);
        var runner = new MonitorRunner(settings, log, logging, TimeProvider.System) { EchoAlerts = false, Outputs = outputs };
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        // The monitor is already consuming: the replay is live for it, paced at the chosen speed.
        var disturbing = disturb?.Invoke(() => runner.EventsProcessed) ?? Task.CompletedTask;
        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            var code = await Task.Run(() => Cli.RunAsync(["replay", .. produced ?? source, "--to-kafka", cluster.BootstrapServers, "--speed", speed], output, error, TimeProvider.System));
            Assert.True(code == 0, error.ToString());
            Produced = long.Parse(ProducedLine().Match(output.ToString()).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        }

        await disturbing;
        var allApplied = await Eventually.TrueAsync(() => runner.EventsProcessed >= Produced, TimeSpan.FromSeconds(120));
        await stop.CancelAsync();
        var summary = await run;
        outputs.Dispose();
        Assert.True(allApplied, $"the monitor processed {runner.EventsProcessed} of {Produced} messages; {log}");
        return (outDir, summary, log.ToString());
    }

    [GeneratedRegex(@"replay: ([\d,]+) messages produced")]
    private static partial Regex ProducedLine();
}
