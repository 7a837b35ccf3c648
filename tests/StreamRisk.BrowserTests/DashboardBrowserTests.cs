using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StreamRisk.Host.Dashboard;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.BrowserTests;

/// <summary>
/// The dashboard in headless Chromium, fed by a test-controlled engine thread: the test plays the engine (the single
/// writer of <see cref="DashboardState"/>), and the page gets everything through the real SSE and HTTP endpoints.
/// </summary>
public sealed partial class DashboardBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task AlertPublished_AppearsHighlightedWithinFiveSeconds_ClickShowsExplanation_ResolvedGreyed()
    {
        await using var site = await DashboardSite.StartAsync();
        var page = await browser.NewPageAsync();
        var offsite = WatchOffsiteRequests(page, site.Url);
        await page.GotoAsync(site.Url + "/");
        site.Publish(Scenario.Risk("BTCUSDT", 60_000, Scenario.T0, criticalDown: 0.012));
        await Assertions.Expect(page.Locator("#symbol-BTCUSDT .mark")).ToHaveTextAsync("60,000", new() { Timeout = 10_000 });

        var alert = Scenario.Alert("BTCUSDT", Wire.AlertState.Raised, Wire.AlertSeverity.Critical, Scenario.T0 + 100);
        var published = Stopwatch.StartNew();
        site.Publish(alert);
        var row = page.Locator($"#alerts li[data-alert-id='{alert.Id}']");
        await row.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = (float)FiveSeconds.TotalMilliseconds });
        var seenAfter = published.Elapsed;

        Assert.True(seenAfter < FiveSeconds, $"the alert took {seenAfter} to appear");
        await Assertions.Expect(row).ToHaveClassAsync(NewAlert());
        await Assertions.Expect(row).ToContainTextAsync("CascadeRisk");
        await Assertions.Expect(row.Locator(".explanation")).ToHaveCountAsync(0);
        await row.ClickAsync();
        await Assertions.Expect(row.Locator(".explanation")).ToHaveTextAsync(alert.Explanation);
        await Assertions.Expect(row.Locator(".action")).ToContainTextAsync(alert.SuggestedAction);
        await Assertions.Expect(page.Locator("#open-count")).ToHaveTextAsync("1 open");

        site.Publish(Scenario.Alert("BTCUSDT", Wire.AlertState.Resolved, Wire.AlertSeverity.Critical, Scenario.T0 + 5_000));
        await Assertions.Expect(row).ToHaveClassAsync(Resolved(), new() { Timeout = 5_000 });
        await Assertions.Expect(row).Not.ToHaveClassAsync(NewAlert());
        await Assertions.Expect(page.Locator("#open-count")).ToHaveTextAsync("0 open");
        Assert.Empty(offsite);
    }

    [Fact]
    public async Task PageFallsBehind_LetGo_ReconnectsWithLastEventId_ResumesAndMissesNothing()
    {
        // A queue of two events per page: a burst lets the page go, and its EventSource reconnects with the id of the
        // last event it read.
        await using var site = await DashboardSite.StartAsync(options: new DashboardOptions { ClientBuffer = 2 });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(site.Url + "/");
        site.Publish(Scenario.Risk("BTCUSDT", 60_000, Scenario.T0, criticalDown: 0.012));
        await Assertions.Expect(page.Locator("#symbol-BTCUSDT .mark")).ToHaveTextAsync("60,000", new() { Timeout = 10_000 });

        const int burst = 120;
        for (var i = 0; i < burst; i++)
        {
            site.Publish(Scenario.Alert($"S{i:000}USDT", Wire.AlertState.Raised, Wire.AlertSeverity.Warning, Scenario.T0 + 100 + i));
        }

        site.Publish(Scenario.Risk("BTCUSDT", 61_000, Scenario.T0 + 1_000, criticalDown: 0.012));

        await Assertions.Expect(page.Locator("#open-count")).ToHaveTextAsync($"{burst} open", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#symbol-BTCUSDT .mark")).ToHaveTextAsync("61,000", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        Assert.True(site.State.LetGo >= 1, "the page was never let go: the burst did not outrun its queue");
        Assert.True(site.State.Resumed >= 1, "the page came back from a snapshot, not from the id of the last event it had");
    }

    [Fact]
    public async Task StaleBookAndQuietFeed_MarkedStale_LiveSymbolNot()
    {
        await using var site = await DashboardSite.StartAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(site.Url + "/");

        site.Publish(Scenario.Risk("BTCUSDT", 60_000, Scenario.T0, bookStale: true));
        site.Publish(Scenario.Risk("ETHUSDT", 3_000, Scenario.T0));
        site.Publish(Scenario.Risk("SOLUSDT", 150, Scenario.T0));
        await Assertions.Expect(page.Locator("#symbol-ETHUSDT .freshness")).ToContainTextAsync("LIVE", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#symbol-BTCUSDT")).ToHaveClassAsync(Stale());
        await Assertions.Expect(page.Locator("#symbol-BTCUSDT .freshness")).ToContainTextAsync("book out of sync");

        // Wall time moves on 30 s; only SOLUSDT hears from the engine again.
        site.Time.Advance(TimeSpan.FromSeconds(30));
        site.Publish(Scenario.Risk("SOLUSDT", 151, Scenario.T0 + 30_000));

        await Assertions.Expect(page.Locator("#symbol-ETHUSDT")).ToHaveClassAsync(Stale(), new() { Timeout = 5_000 });
        await Assertions.Expect(page.Locator("#symbol-ETHUSDT .freshness")).ToContainTextAsync("no update");
        await Assertions.Expect(page.Locator("#symbol-SOLUSDT")).Not.ToHaveClassAsync(Stale());
        await Assertions.Expect(page.Locator("#symbol-SOLUSDT .freshness")).ToContainTextAsync("LIVE");
        var api = await page.APIRequest.GetAsync(site.Url + "/api/symbols/ETHUSDT");
        Assert.Matches("\"stale\":true,\"staleReason\":\"no-update\"", await api.TextAsync());
    }

    [Fact]
    public async Task ConnectionLost_EverySymbolShownStale()
    {
        await using var site = await DashboardSite.StartAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(site.Url + "/");
        site.Publish(Scenario.Risk("ETHUSDT", 3_000, Scenario.T0));
        await Assertions.Expect(page.Locator("#symbol-ETHUSDT .freshness")).ToContainTextAsync("LIVE", new() { Timeout = 10_000 });

        await site.DisposeAsync();

        // The last figures stay on screen, but not as live ones.
        await Assertions.Expect(page.Locator("#symbol-ETHUSDT")).ToHaveClassAsync(Stale(), new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#symbol-ETHUSDT .freshness")).ToContainTextAsync("connection lost");
        await Assertions.Expect(page.Locator("#connection")).Not.ToHaveTextAsync("live");
    }

    private static List<string> WatchOffsiteRequests(IPage page, string site)
    {
        var offsite = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(site, StringComparison.Ordinal))
            {
                lock (offsite)
                {
                    offsite.Add(request.Url);
                }
            }
        };
        return offsite;
    }

    [GeneratedRegex(@"\bnew\b")]
    private static partial Regex NewAlert();

    [GeneratedRegex(@"\bresolved\b")]
    private static partial Regex Resolved();

    [GeneratedRegex(@"\bstale\b")]
    private static partial Regex Stale();
}

/// <summary>Wall time the test can move forward (timers run on the real clock).</summary>
public sealed class ShiftedTime : TimeProvider
{
    private long _shiftTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _shiftTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _shiftTicks));
}
