using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using StackExchange.Redis;
using StreamRisk.Host;
using StreamRisk.Host.Logging;
using StreamRisk.Host.Monitoring;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// The monitor process is killed (SIGKILL: no commit, no leave, no flush) while a market day streams through it and
/// a new one starts in the same group: it rebuilds its state by re-reading the topics, and the Redis alert stream ends
/// up holding every alert transition of an uninterrupted run exactly once, in order — the transitions republished
/// after the restart carry the same deterministic ids and are suppressed. And an exception on the engine thread ends
/// the run, reported, instead of leaving a process up that consumes nothing.
/// </summary>
public sealed class MonitorCrashTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("monitor-crash-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task KilledMidStreamAndRestarted_AlertStreamHoldsEachTransitionOnce_EqualToUninterruptedRun()
    {
        var replay = new KafkaReplayRun(_dir.FullName, "2024-08-08T23:56:00Z");
        var expected = (await File.ReadAllLinesAsync(Path.Combine(await replay.InProcessAsync(immediateAlerts: true), "alerts.ndjson"), TestContext.Current.CancellationToken))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("transitionId").GetString()!)
            .ToList();
        Assert.True(expected.Count > 10, "the scenario raises too few alerts to test a restart");

        using var cluster = KafkaReplayRun.StartCluster();
        using var redisServer = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisServer.ConnectionString);
        var db = redis.GetDatabase();

        using var first = StartMonitor(cluster.BootstrapServers, redisServer.ConnectionString);
        var replaying = Task.Run(() => Cli.RunAsync(
            ["replay", SharedData.Path("binance-usdm", "btcusdt_20240808.gz"), "--positions", SharedData.BtcusdtPositions, "--to-kafka", cluster.BootstrapServers, "--speed", "10x", "--to", "2024-08-08T23:56:00Z"],
            TextWriter.Null, TextWriter.Null, TimeProvider.System));
        Assert.True(await Eventually.TrueAsync(() => db.StreamLength("streamrisk:alerts") >= 5, TimeSpan.FromSeconds(90)), "no alert reached Redis before the crash");
        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync(TestContext.Current.CancellationToken);
        var beforeCrash = db.StreamLength("streamrisk:alerts");

        using var second = StartMonitor(cluster.BootstrapServers, redisServer.ConnectionString);
        Assert.Equal(0, await replaying);
        var complete = await Eventually.TrueAsync(() => db.StreamLength("streamrisk:alerts") >= expected.Count, TimeSpan.FromSeconds(120));
        // A little longer: a duplicate, if any slipped through, would land now.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        second.Kill(entireProcessTree: true);

        var written = (await db.StreamRangeAsync("streamrisk:alerts")).Select(entry => (string)entry["id"]!).ToList();
        Assert.True(complete, $"{written.Count} of {expected.Count} transitions in the stream");
        Assert.InRange(beforeCrash, 5, expected.Count - 1);
        Assert.Equal(expected, written);
    }

    [Fact]
    public async Task EngineThreadThrows_RunEndsWithTheFailureInLogAndSummary()
    {
        var capture = Path.Combine(_dir.FullName, "day.srcap.gz");
        Assert.Equal(0, await Cli.RunAsync(["simulate", "--out", capture, "--events", "2000", "--accounts", "200"], TextWriter.Null, TextWriter.Null, TimeProvider.System));
        using var cluster = KafkaReplayRun.StartCluster();
        Assert.Equal(0, await Cli.RunAsync(["replay", capture, "--format", "capture", "--to-kafka", cluster.BootstrapServers], TextWriter.Null, TextWriter.Null, TimeProvider.System));

        // A metrics listener runs on the engine thread (counters call it synchronously): one that throws stands for any
        // fault there. Only this run's meter is listened to, so tests running beside it are not touched.
        using var telemetry = new StreamRisk.Host.Telemetry.StreamRiskTelemetry();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == telemetry.Meter && instrument.Name == StreamRisk.Host.Telemetry.StreamRiskTelemetry.EventsAppliedName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        var applied = 0;
        listener.SetMeasurementEventCallback<long>((_, _, _, _) =>
        {
            if (++applied == 500)
            {
                throw new InvalidOperationException("listener fault");
            }
        });
        listener.Start();

        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings { BootstrapServers = cluster.BootstrapServers, GroupId = "engine-fault" },
            Dashboard = new DashboardSettings { Urls = string.Empty },
        };
        using var log = new LogCapture();
        using var logging = RunLogging.Create(log);
        var runner = new MonitorRunner(settings, TextWriter.Null, logging, TimeProvider.System) { Telemetry = telemetry, EchoAlerts = false };
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        var ended = await Eventually.TrueAsync(() => run.IsCompleted, TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        var summary = await run;
        logging.Dispose(); // what is queued is written
        Assert.True(ended, "the run did not end after the engine thread failed; log:\n" + log);
        Assert.Contains("engine failed applying", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: listener fault", summary.Failure, StringComparison.Ordinal);
        Assert.InRange(runner.EventsProcessed, 499, 500);
    }

    private static Process StartMonitor(string bootstrap, string redis)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "streamrisk"))
        {
            ArgumentList = { "run", "--bootstrap", bootstrap, "--group", "replay", "--redis", redis, "--event-time-ordering", "true" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["STREAMRISK__KAFKA__SESSIONTIMEOUTMS"] = "6000";
        start.Environment["STREAMRISK__KAFKA__HEARTBEATINTERVALMS"] = "2000";
        start.Environment["STREAMRISK__DASHBOARD__URLS"] = string.Empty;
        // The in-process run it is compared with makes its system view on the same cadence.
        start.Environment["STREAMRISK__ENGINE__SYSTEMINTERVALMS"] = KafkaReplayRun.SystemIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["STREAMRISK__ENGINE__LIQUIDATIONENGINE"] = KafkaReplayRun.LiquidationEngine;
        foreach (var (key, value) in KafkaReplayRun.ImmediateAlerts)
        {
            start.Environment["STREAMRISK__ALERTS__DEFAULT__" + key.ToUpperInvariant()] = value;
        }

        var process = Process.Start(start)!;
        // Drained so a full pipe never blocks the monitor.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
