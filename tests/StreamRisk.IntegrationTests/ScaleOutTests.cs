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
/// Scale-out (docs/scale-out.md): three account-stage instances in one consumer group split the accounts, publish partial
/// ladders to the ladders topic, and a projector stage merges them with the book — projections and alerts byte for
/// byte those of one process. Stopping one account instance mid-stream moves its partitions to the others, which
/// rebuild them from the beginning; the results stay the same. Taking the ladders topic's broker down mid-stream makes the
/// account stage lose ladder updates (their deliveries time out); each lost symbol's whole state is sent again and the
/// results still equal one process's.
/// </summary>
public sealed partial class ScaleOutTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("scale-out-");

    public void Dispose() => _dir.Delete(recursive: true);

    public enum Fault
    {
        None,
        StopOneMidStream,
        LadderUpdatesLost,
    }

    /// <summary>The broker that leads every ladders partition (and nothing else) in <see cref="Fault.LadderUpdatesLost"/>.</summary>
    private const int LaddersBroker = 3;

    [Theory]
    [InlineData(Fault.None)]
    [InlineData(Fault.StopOneMidStream)]
    [InlineData(Fault.LadderUpdatesLost)]
    public async Task ThreeAccountInstancesAndAProjector_EqualOneProcess(Fault fault)
    {
        var stopOneMidStream = fault == Fault.StopOneMidStream;
        // A population whose ladder traffic fits the mock: a mock partition keeps only 5 MiB, and every update of
        // BTCUSDT goes to one ladders partition. The estimated population (10x-100x over ~10B of open interest) sends
        // more ladder traffic per account than the synthetic one: at 2,000 accounts the day's updates (~6 MiB) outran a
        // projector slowed by a loaded machine and pushed the start of that partition past its position (checked
        // below). 1,000 accounts send about half of that and still raise alerts; with ladder updates lost, the whole
        // states sent again after the outage come on top, hence 300.
        var population = fault == Fault.LadderUpdatesLost ? "300" : "1000";
        string[] source = [SharedData.Path("binance-usdm", "btcusdt_20240808.gz"), "--positions", SharedData.BtcusdtPositions, "--accounts", population];
        var replay = new KafkaReplayRun(_dir.FullName, source);
        var inProcess = await replay.InProcessAsync(systemIntervalMs: 0, liquidationEngine: "off");

        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 3 });
        foreach (var (name, partitions) in new TopicNames().WithDefaultPartitions())
        {
            // Fewer partitions than the production default: 6 account partitions over 3 instances, 3 ladders partitions.
            var count = name == new TopicNames().Positions ? 6 : name == new TopicNames().Ladders ? 3 : partitions;
            cluster.CreateTopic(name, count, replicationFactor: 1);
            if (fault == Fault.LadderUpdatesLost)
            {
                // The ladders on one broker, everything else on the two others: taking that broker down loses ladder
                // updates only, while the market and the accounts keep flowing.
                for (var p = 0; p < count; p++)
                {
                    cluster.MovePartitionLeader(name, p, name == new TopicNames().Ladders ? LaddersBroker : 1 + (p % 2));
                }
            }
        }

        if (fault == Fault.LadderUpdatesLost)
        {
            // Every group the instances use (membership, each partition engine's and the projector's consumers) away from it.
            foreach (var group in new[] { "scale", "scale-market" }.Concat(Enumerable.Range(0, 6).SelectMany(p => new[] { $"scale-partition-{p}", $"scale-partition-{p}-market" })))
            {
                cluster.MoveGroupCoordinator(group, 1);
            }
        }

        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings
            {
                BootstrapServers = cluster.BootstrapServers, GroupId = "scale", EventTimeOrdering = true, SessionTimeoutMs = 6000, HeartbeatIntervalMs = 1000,
                // After the ladders' broker comes back, the projector fetches again at once: a mock partition keeps only
                // 5 MiB, and the account stage's traffic after the outage would push unread updates out of it.
                Settings = fault == Fault.LadderUpdatesLost ? new Dictionary<string, string> { ["reconnect.backoff.max.ms"] = "200" } : [],
            },
            Dashboard = new DashboardSettings { Urls = string.Empty },
            // The system view scaled out is proven by SystemView_ThreeAccountInstancesAndAProjector_EqualOneProcess.
            Engine = new EngineSettings { SystemIntervalMs = 0 },
        };
        using var log = new LogCapture();
        using var logging = RunLogging.Create(log);
        // With the ladders' broker down, the account stage's producer gives a ladder update up after 2 s (not the default 5 min).
        var accountsKafka = fault == Fault.LadderUpdatesLost
            ? new KafkaSettings
            {
                BootstrapServers = settings.Kafka.BootstrapServers, GroupId = settings.Kafka.GroupId, EventTimeOrdering = true, SessionTimeoutMs = 6000,
                HeartbeatIntervalMs = 1000,
                Settings = new Dictionary<string, string> { ["message.timeout.ms"] = "2000", ["reconnect.backoff.max.ms"] = "200" },
            }
            : settings.Kafka;
        var instances = Enumerable.Range(0, 3).Select(i => new AccountPartitionsRunner(new MonitorSettings
        {
            Kafka = accountsKafka, Dashboard = settings.Dashboard, Role = Roles.Accounts, Engine = settings.Engine,
        }, logging)).ToList();
        var stops = instances.Select(_ => new CancellationTokenSource()).ToList();
        var accountRuns = instances.Select((x, i) => x.RunAsync(stops[i].Token)).ToList();

        var outDir = Path.Combine(_dir.FullName, "scaled-out");
        var outputs = new ReplayOutputs(outDir);
        var projector = new MonitorRunner(new MonitorSettings { Kafka = settings.Kafka, Dashboard = settings.Dashboard, Role = Roles.Projector, Engine = settings.Engine }, TextWriter.Null, logging, TimeProvider.System)
        {
            EchoAlerts = false, Outputs = outputs,
        };
        using var stopProjector = new CancellationTokenSource();
        var projecting = projector.RunAsync(stopProjector.Token);

        // The group settles: every account partition has an owner before the market moves.
        Assert.True(await Eventually.TrueAsync(() => instances.Sum(x => x.Partitions.Count) == 6 && instances.All(x => x.Partitions.Count > 0), TimeSpan.FromSeconds(60)),
            $"partitions not spread over the three instances; {log}");

        long produced = 0, accounts = 0;
        var stopped = Task.CompletedTask;
        var moved = new List<int>();
        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            if (fault == Fault.LadderUpdatesLost)
            {
                cluster.SetBrokerDown(LaddersBroker);
            }

            var replaying = Task.Run(() => Cli.RunAsync(["replay", .. source,
                "--to-kafka", cluster.BootstrapServers, "--speed", "20x"], output, error, TimeProvider.System));
            if (stopOneMidStream)
            {
                // A third of the market in: stop the first instance (it leaves the group; its partitions move).
                Assert.True(await Eventually.TrueAsync(() => projector.EventsProcessed > 2_500, TimeSpan.FromSeconds(120)), $"the projector did not start; {log}");
                moved.AddRange(instances[0].Partitions);
                await stops[0].CancelAsync();
                stopped = accountRuns[0];
            }

            if (fault == Fault.LadderUpdatesLost)
            {
                // Down from the start: the updates that file the population's positions are lost, and most of those
                // buckets never change again, so only sending the symbol's whole state again repairs the projector.
                var lost = await Eventually.TrueAsync(() => LostUpdates(log) > 0, TimeSpan.FromSeconds(60));
                cluster.SetBrokerUp(LaddersBroker);
                Assert.True(lost, $"no ladder update was lost with the ladders' broker down; {log}");
            }

            var code = await replaying;
            Assert.True(code == 0, error.ToString());
            produced = long.Parse(ProducedLine().Match(output.ToString()).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            accounts = long.Parse(AccountsLine().Match(output.ToString()).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        }

        await stopped;
        // The projector reads every market message (everything but the accounts' positions) once the account stage has
        // caught up with it.
        var market = produced - accounts;
        var allApplied = await Eventually.TrueAsync(() => projector.EventsProcessed >= market, TimeSpan.FromSeconds(180));
        var survivors = instances.Skip(1).SelectMany(x => x.Partitions).ToHashSet();
        await stopProjector.CancelAsync();
        var summary = await projecting;
        outputs.Dispose();
        foreach (var stop in stops)
        {
            await stop.CancelAsync();
        }

        await Task.WhenAll(accountRuns);
        foreach (var stop in stops)
        {
            stop.Dispose();
        }

        Assert.True(allApplied, $"the projector processed {projector.EventsProcessed} of {market} market messages; {log}");
        Assert.True(summary.DeadLettered == 0, $"{summary.DeadLettered} dead-lettered; {log}");
        if (stopOneMidStream)
        {
            Assert.NotEmpty(moved);
            // The stopped instance's partitions were taken over (and rebuilt) by the two that kept running.
            Assert.True(survivors.SetEquals(Enumerable.Range(0, 6)), $"partitions of the remaining instances: {string.Join(",", survivors)}; {log}");
        }

        if (fault == Fault.LadderUpdatesLost)
        {
            // Projections made while the projector waited out the outage see the repaired ladder early, so they may
            // differ; once the symbol's whole state has been sent again, the projector equals one process.
            // Nothing the projector needed was dropped by the mock partition's 5 MiB limit (a limit of the test's
            // cluster, not of Kafka): otherwise the difference below would be the mock's, not the monitor's.
            AssertLaddersKept(log.ToString());
            AssertSameProjectionsInTheSecondHalf(inProcess, outDir, log.ToString());
        }
        else
        {
            AssertLaddersKept(log.ToString());
            Assert.NotEmpty(File.ReadAllLines(Path.Combine(inProcess, "alerts.ndjson")));
            KafkaReplayRun.AssertSameResults(inProcess, outDir, log.ToString());
        }
    }

    /// <summary>
    /// The system view scaled out: a simulated market of several instruments with cross accounts over 2–3 of them; the
    /// projector asks the three account instances' six partitions for every view, and its projections — system lines
    /// included, their fund moved by the venue's fills of the partitions' accounts — and alerts are byte for byte those
    /// of one process.
    /// </summary>
    [Fact]
    public async Task SystemView_ThreeAccountInstancesAndAProjector_EqualOneProcess()
    {
        var capture = Path.Combine(_dir.FullName, "market.capture.gz");
        Assert.Equal(0, await Cli.RunAsync(["simulate", "--out", capture, "--events", "20000", "--accounts", "1500", "--seed", "5"], TextWriter.Null, TextWriter.Null, TimeProvider.System));
        string[] source = [capture];
        const int interval = 2_000;
        var replay = new KafkaReplayRun(_dir.FullName, source);
        var inProcess = await replay.InProcessAsync(systemIntervalMs: interval, liquidationEngine: "off");
        var systemLines = File.ReadLines(Path.Combine(inProcess, "projections.ndjson")).Where(l => l.StartsWith("{\"type\":\"system\",", StringComparison.Ordinal)).ToList();
        Assert.True(systemLines.Count > 10, $"only {systemLines.Count} system views in process");
        // The simulated venue's fills name their accounts: they settle with the funds where the accounts are held, so
        // the views compared below carry funds moved by partitions other than the projector.
        var funds = systemLines.Select(FundOf).Distinct().Count();
        Assert.True(funds > 1, "the fund never moved in process");

        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 3 });
        foreach (var (name, partitions) in new TopicNames().WithDefaultPartitions())
        {
            var count = name == new TopicNames().Positions ? 6 : name == new TopicNames().Ladders ? 3 : partitions;
            cluster.CreateTopic(name, count, replicationFactor: 1);
        }

        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings
            {
                BootstrapServers = cluster.BootstrapServers, GroupId = "scale", EventTimeOrdering = true, SessionTimeoutMs = 6000, HeartbeatIntervalMs = 1000,
            },
            Dashboard = new DashboardSettings { Urls = string.Empty },
            Engine = new EngineSettings { SystemIntervalMs = interval },
        };
        using var log = new LogCapture();
        using var logging = RunLogging.Create(log);
        var instances = Enumerable.Range(0, 3).Select(_ => new AccountPartitionsRunner(new MonitorSettings { Kafka = settings.Kafka, Dashboard = settings.Dashboard, Engine = settings.Engine, Role = Roles.Accounts }, logging)).ToList();
        using var stopAccounts = new CancellationTokenSource();
        var accountRuns = instances.Select(x => x.RunAsync(stopAccounts.Token)).ToList();
        var outDir = Path.Combine(_dir.FullName, "scaled-out");
        var outputs = new ReplayOutputs(outDir);
        var projector = new MonitorRunner(new MonitorSettings { Kafka = settings.Kafka, Dashboard = settings.Dashboard, Engine = settings.Engine, Role = Roles.Projector }, TextWriter.Null, logging, TimeProvider.System) { EchoAlerts = false, Outputs = outputs };
        using var stopProjector = new CancellationTokenSource();
        var projecting = projector.RunAsync(stopProjector.Token);
        Assert.True(await Eventually.TrueAsync(() => instances.Sum(x => x.Partitions.Count) == 6 && instances.All(x => x.Partitions.Count > 0), TimeSpan.FromSeconds(60)),
            $"partitions not spread over the three instances; {log}");

        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            var code = await Task.Run(() => Cli.RunAsync(["replay", .. source, "--to-kafka", cluster.BootstrapServers, "--speed", "max"], output, error, TimeProvider.System));
            Assert.True(code == 0, error.ToString());
        }

        // The projector reads every record but the positions.
        var market = Replay.Capture.CaptureReader.ReadFile(capture).Count(r => r.Topic != Replay.Capture.CaptureTopics.Positions);
        var allApplied = await Eventually.TrueAsync(() => projector.EventsProcessed >= market, TimeSpan.FromSeconds(300));
        await stopProjector.CancelAsync();
        var summary = await projecting;
        outputs.Dispose();
        await stopAccounts.CancelAsync();
        await Task.WhenAll(accountRuns);

        Assert.True(allApplied, $"the projector processed {projector.EventsProcessed} of {market} market messages; {log}");
        Assert.True(summary.DeadLettered == 0, $"{summary.DeadLettered} dead-lettered; {log}");
        Assert.True(File.ReadAllBytes(Path.Combine(inProcess, "alerts.ndjson")).SequenceEqual(File.ReadAllBytes(Path.Combine(outDir, "alerts.ndjson"))),
            $"alerts differ; {log}");
        var expected = File.ReadAllLines(Path.Combine(inProcess, "projections.ndjson"));
        var actual = File.ReadAllLines(Path.Combine(outDir, "projections.ndjson"));
        static bool IsSystem(string line) => line.StartsWith("{\"type\":\"system\",", StringComparison.Ordinal);
        var expectedSystem = expected.Where(IsSystem).ToList();
        var actualSystem = actual.Where(IsSystem).ToList();
        Assert.True(expectedSystem.SequenceEqual(actualSystem),
            $"system views differ: {expectedSystem.Count} in process, {actualSystem.Count} scaled out; first difference: {expectedSystem.Zip(actualSystem).FirstOrDefault(p => p.First != p.Second)}; {log}");
        // Projections of different symbols at one event time come out in the order their throttles fell due, which
        // follows the order the symbols were touched in (ladder updates, scaled out); each line is the same.
        var expectedSymbols = expected.Where(l => !IsSystem(l)).OrderBy(l => (EventTime(l), l), Comparer<(long, string)>.Create((a, b) => a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : string.CompareOrdinal(a.Item2, b.Item2))).ToList();
        var actualSymbols = actual.Where(l => !IsSystem(l)).OrderBy(l => (EventTime(l), l), Comparer<(long, string)>.Create((a, b) => a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : string.CompareOrdinal(a.Item2, b.Item2))).ToList();
        Assert.True(expectedSymbols.SequenceEqual(actualSymbols), $"symbol projections differ; {log}");
        Assert.Contains(expected, l => l.Contains("\"criticalAccounts\":[{", StringComparison.Ordinal));
    }

    /// <summary>The projections from the middle of the market day on (by event time) are the same lines, byte for byte.</summary>
    private static void AssertSameProjectionsInTheSecondHalf(string expectedDir, string actualDir, string log)
    {
        var expected = File.ReadAllLines(Path.Combine(expectedDir, "projections.ndjson"));
        var actual = File.ReadAllLines(Path.Combine(actualDir, "projections.ndjson"));
        Assert.True(expected.Length > 1_000, $"only {expected.Length} projections in process");
        var from = EventTime(expected[expected.Length / 2]);
        var expectedTail = expected.Where(line => EventTime(line) >= from).ToList();
        var actualTail = actual.Where(line => EventTime(line) >= from).ToList();
        Assert.True(expectedTail.SequenceEqual(actualTail),
            $"projections from {from} on differ: {expectedTail.Count} in process, {actualTail.Count} scaled out; first difference: " +
            $"{expectedTail.Zip(actualTail).FirstOrDefault(p => p.First != p.Second)}; monitor log:\n{log}");
    }

    private static double FundOf(string systemLine)
    {
        using var line = System.Text.Json.JsonDocument.Parse(systemLine);
        return line.RootElement.GetProperty("insuranceFund").GetDouble();
    }

    private static long EventTime(string projectionLine)
    {
        using var line = System.Text.Json.JsonDocument.Parse(projectionLine);
        return line.RootElement.GetProperty("eventTime").GetInt64();
    }

    private static void AssertLaddersKept(string log)
    {
        // The projector's consumer reports a position the partition no longer holds as an offset reset of a ladders
        // partition, on one line. The lines found go last in the message: a long log is cut from the front.
        var resets = log.Split('\n').Where(line => line.Contains("streamrisk.ladders [", StringComparison.Ordinal) && line.Contains("Offset out of range", StringComparison.Ordinal)).ToList();
        Assert.True(resets.Count == 0,
            $"{log}\nthe mock cluster dropped ladder updates the projector had not read (a partition keeps 5 MiB); a smaller population is needed:\n{string.Join('\n', resets)}");
    }

    private static int LostUpdates(LogCapture log) => LostUpdateLine().Count(log.ToString());

    [GeneratedRegex(@"ladder update of \S+ .*?not (delivered|produced)")]
    private static partial Regex LostUpdateLine();

    [GeneratedRegex(@"replay: ([\d,]+) messages produced")]
    private static partial Regex ProducedLine();

    [GeneratedRegex(@"([\d,]+) accounts")]
    private static partial Regex AccountsLine();
}
