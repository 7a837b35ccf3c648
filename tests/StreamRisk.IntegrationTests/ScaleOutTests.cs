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
/// Scale-out (docs/scale-out.md): three account-stage instances in one consumer group split the accounts, publish partial
/// ladders to the ladders topic, and a projector stage merges them with the book — projections and alerts byte for
/// byte those of one process. Stopping one account instance mid-stream moves its partitions to the others, which
/// rebuild them from the beginning; the results stay the same.
/// </summary>
public sealed partial class ScaleOutTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("scale-out-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ThreeAccountInstancesAndAProjector_EqualOneProcess(bool stopOneMidStream)
    {
        var replay = new KafkaReplayRun(_dir.FullName, (string?)null);
        var inProcess = await replay.InProcessAsync();

        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 3 });
        foreach (var (name, partitions) in new TopicNames().WithDefaultPartitions())
        {
            // Fewer partitions than the production default: 6 account partitions over 3 instances, 3 ladders partitions.
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
        };
        using var log = new StringWriter();
        var instances = Enumerable.Range(0, 3).Select(i => new AccountPartitionsRunner(new MonitorSettings
        {
            Kafka = settings.Kafka, Dashboard = settings.Dashboard, Role = Roles.Accounts,
        }, log)).ToList();
        var stops = instances.Select(_ => new CancellationTokenSource()).ToList();
        var accountRuns = instances.Select((x, i) => x.RunAsync(stops[i].Token)).ToList();

        var outDir = Path.Combine(_dir.FullName, "scaled-out");
        var outputs = new ReplayOutputs(outDir);
        var projector = new MonitorRunner(new MonitorSettings { Kafka = settings.Kafka, Dashboard = settings.Dashboard, Role = Roles.Projector }, log, TimeProvider.System)
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
            var replaying = Task.Run(() => Cli.RunAsync(["replay", SharedData.Path("binance-usdm", "btcusdt_20240808.gz"), "--positions", "synthetic:seed=1",
                "--to-kafka", cluster.BootstrapServers, "--speed", "20x"], output, error, TimeProvider.System));
            if (stopOneMidStream)
            {
                // A third of the market in: stop the first instance (it leaves the group; its partitions move).
                Assert.True(await Eventually.TrueAsync(() => projector.EventsProcessed > 2_500, TimeSpan.FromSeconds(120)), $"the projector did not start; {log}");
                moved.AddRange(instances[0].Partitions);
                await stops[0].CancelAsync();
                stopped = accountRuns[0];
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

        KafkaReplayRun.AssertSameResults(inProcess, outDir, log.ToString());
    }

    [GeneratedRegex(@"replay: ([\d,]+) messages produced")]
    private static partial Regex ProducedLine();

    [GeneratedRegex(@"([\d,]+) accounts")]
    private static partial Regex AccountsLine();
}
