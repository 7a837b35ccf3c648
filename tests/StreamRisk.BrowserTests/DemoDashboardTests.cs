using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StreamRisk.Contracts;
using StreamRisk.Host.Logging;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Simulation;
using StreamRisk.Testing;

namespace StreamRisk.BrowserTests;

/// <summary>
/// The whole demo pipeline (embedded Kafka, market simulator, monitor) serving the dashboard, watched in Chromium
/// while it runs; ends with the screenshot the README shows.
/// </summary>
public sealed partial class DemoDashboardTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>Set to 1 to refresh <c>docs/dashboard.png</c> in the repository from this run (otherwise only the test output gets it).</summary>
    public const string UpdateDocsVariable = "STREAMRISK_UPDATE_DOCS";

    [Fact]
    public async Task DemoPipeline_PageUpdatesLive_ChartsDrawn_ScreenshotSaved()
    {
        var topics = TopicNames.WithPrefix("dash.");
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        var port = FreePort.Next();
        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings { BootstrapServers = cluster.BootstrapServers, TopicPrefix = "dash.", GroupId = "browser", SessionTimeoutMs = 3000, HeartbeatIntervalMs = 1000 },
            Dashboard = new DashboardSettings { Urls = $"http://127.0.0.1:{port}" },
        };
        using var stop = new CancellationTokenSource();
        using var producer = new WireProducer(cluster.BootstrapServers, topics);
        // Shocks every 6 s so alerts come early; a small population keeps the run light on a shared 2-core machine.
        var feed = new SimulationFeed(message => producer.Send(message), new SimulatorOptions { Seed = 7, Accounts = 4_000, ShockEvery = TimeSpan.FromSeconds(6) }, TimeProvider.System);
        var feeding = Task.Run(async () =>
        {
            try
            {
                await feed.RunAsync(TimeSpan.FromMinutes(5), stop.Token);
            }
            catch (OperationCanceledException)
            {
                // The test is over.
            }
        }, TestContext.Current.CancellationToken);
        using var output = new LogCapture();
        using var logging = RunLogging.Create(output);
        var running = new MonitorRunner(settings, output, logging, TimeProvider.System) { EchoAlerts = false }.RunAsync(stop.Token);
        try
        {
            var errors = new List<string>();
            var page = await browser.NewPageAsync(errors);
            await page.GotoAsync($"http://127.0.0.1:{port}/", new() { Timeout = 30_000 });

            foreach (var symbol in new[] { "BTCUSDT", "ETHUSDT", "SOLUSDT" })
            {
                await Assertions.Expect(page.Locator($"#symbol-{symbol} .freshness")).ToContainTextAsync("LIVE", new() { Timeout = 30_000 });
            }

            // Live: the BTCUSDT event time in its detail (opened from its row) moves on while we watch.
            await page.Locator("#symbol-BTCUSDT").ClickAsync();
            var asOf = page.Locator("#detail .as-of");
            await Assertions.Expect(asOf).Not.ToBeEmptyAsync();
            var first = await asOf.TextContentAsync();
            try
            {
                await Assertions.Expect(asOf).Not.ToHaveTextAsync(first!, new() { Timeout = 10_000 });
            }
            catch (PlaywrightException ex)
            {
                var api = await (await page.APIRequest.GetAsync($"http://127.0.0.1:{port}/api/symbols")).TextAsync();
                throw new InvalidOperationException("the page stopped updating; script errors: " + string.Join(" | ", errors) + "; api: " + api[..Math.Min(400, api.Length)] + "; monitor: " + output, ex);
            }

            // Every chart of the open instrument drew (plotly puts its SVG in the chart's box).
            foreach (var chart in new[] { "spark", "chain", "heat", "ladder" })
            {
                await Assertions.Expect(page.Locator($"#detail .{chart} .main-svg").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
            }

            await Assertions.Expect(page.Locator("#alerts li").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var updateDocs = Environment.GetEnvironmentVariable(UpdateDocsVariable) == "1";
            var cascadeFilter = CascadeRules();
            if (updateDocs)
            {
                // The README's picture: let the sparklines and the heatmap gather a few shocks' worth of history.
                await page.WaitForTimeoutAsync(45_000);
                try
                {
                    // ... and catch it mid-shock, with an alert open.
                    await Assertions.Expect(page.Locator("#open-count")).Not.ToHaveTextAsync("0 open", new() { Timeout = 20_000 });
                    cascadeFilter = OpenAlert();
                }
                catch (PlaywrightException)
                {
                    // Between shocks: the picture shows the calm.
                }
            }

            // A cascade alert makes the better picture: wait for one a while (shocks come every 6 s), else take what came.
            var cascade = page.Locator("#alerts li:not(.resolved)", new() { HasTextRegex = cascadeFilter }).First;
            try
            {
                await cascade.WaitForAsync(new() { Timeout = 30_000 });
            }
            catch (TimeoutException)
            {
                cascade = page.Locator("#alerts li").First;
            }

            // Pin the row by its alert id: newer alerts keep arriving at the top of the list.
            var id = await cascade.GetAttributeAsync("data-alert-id");
            var row = page.Locator($"#alerts li[data-alert-id='{id}']");
            await row.ClickAsync();
            await Assertions.Expect(row.Locator(".explanation")).Not.ToBeEmptyAsync();
            await page.WaitForTimeoutAsync(1_200); // one chart redraw after the last update, so the picture is whole

            var shot = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            var bytes = await File.ReadAllBytesAsync(shot, TestContext.Current.CancellationToken);
            Assert.True(bytes.Length > 20_000, "the screenshot is suspiciously small");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            if (updateDocs)
            {
                File.Copy(shot, Path.Combine(RepositoryRoot(), "docs", "dashboard.png"), overwrite: true);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await feeding;
            await running.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
    }

    [GeneratedRegex("Cascade|LiquidationWall|InsuranceFund")]
    private static partial Regex CascadeRules();

    [GeneratedRegex(".")]
    private static partial Regex OpenAlert();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StreamRisk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("StreamRisk.sln not found above " + AppContext.BaseDirectory);
    }
}
