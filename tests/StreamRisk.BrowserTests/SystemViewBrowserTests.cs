using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using StreamRisk.Engine;

namespace StreamRisk.BrowserTests;

/// <summary>
/// The dashboard's system view in headless Chromium, fed by a real engine: the test plays the engine thread, applying
/// the contagion example of docs/domain.md (50 cross accounts long 5 BTC and 100 ETH, 200 ETH-only isolated longs, thin
/// books) to a <see cref="RiskEngine"/> whose <see cref="MonitorPipeline"/> publishes its system views and projections
/// to the dashboard; the page gets them through <c>GET /api/system</c> and the event stream.
/// </summary>
public sealed partial class SystemViewBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const long T0 = 1_723_161_255_000; // a whole second: system views come at T0 + k s
    private const string Hostile = "<img src=x onerror=alert(1)>";

    private static readonly Instrument Btc = new(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.005));
    private static readonly Instrument Eth = new(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005));

    [Fact]
    public async Task ContagionExample_MatrixShockAndCriticalAccountsShown_UpdatedLive_HostileAccountIdAsText()
    {
        await using var site = await DashboardSite.StartAsync();
        var engine = new RiskEngine(new EngineOptions());
        var clock = new EventClock();
        using var pipeline = new MonitorPipeline(engine, clock, site.Publish, _ => { }, ex => throw ex, system: site.Publish);
        clock.AdvanceTo(T0);
        Load(engine);
        clock.AdvanceTo(T0 + 1_000);
        var first = site.State.System()!.View;

        // The example's numbers, worked by hand: BTC alone 5% down liquidates every cross account (5,000 ETH into the
        // ETH bids, down to 2,875.00), then the ETH-only longs in four more rounds, all 7,000 ETH walking ETH to 2,825.00;
        // notional at each round's trigger price: 5,000 × 3,000 + 340 × 2,875 + … = 20,716,495.
        var btcToEth = first.Contagion.Single(c => (c.From, c.Direction, c.To) == ("BTCUSDT", "down", "ETHUSDT"));
        Assert.Equal(2_825.0 / 3_000 - 1, btcToEth.Move, 12);
        Assert.Equal(20_716_495, btcToEth.LiquidatedNotional, 6);
        Assert.Equal(Hostile, first.CriticalAccounts[0].Account);

        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            lock (dialogs)
            {
                dialogs.Add(dialog.Message);
            }
        };
        var systemResponse = page.WaitForResponseAsync(r => r.Url.EndsWith("/api/system", StringComparison.Ordinal));
        await page.GotoAsync(site.Url + "/");
        Assert.Equal(200, (await systemResponse).Status);

        var system = page.Locator("#system");
        await Assertions.Expect(system).ToBeVisibleAsync(new() { Timeout = 10_000 });
        var cell = system.Locator(".contagion tr[data-from='BTCUSDT'][data-direction='down'] td[data-to='ETHUSDT']");
        await Assertions.Expect(cell.Locator(".move")).ToHaveTextAsync("−5.83%");
        await Assertions.Expect(cell.Locator(".notional")).ToHaveTextAsync("20.72M");
        await Assertions.Expect(cell).ToHaveClassAsync(Severe());
        await Assertions.Expect(system.Locator(".contagion tr[data-from='BTCUSDT'][data-direction='down'] td.self")).ToHaveTextAsync("—");
        await Assertions.Expect(system.Locator(".sys-crit-down")).ToHaveTextAsync(Percent(first.CriticalShockDown));
        await Assertions.Expect(system.Locator(".sys-crit-up")).ToHaveTextAsync(Percent(first.CriticalShockUp));
        await Assertions.Expect(system.Locator(".system-meta")).ToContainTextAsync("reference BTCUSDT");

        // The hostile account id is a name, shown as text: no element made of it.
        var account = system.Locator(".critical-accounts tbody tr").First;
        await Assertions.Expect(account.Locator(".account")).ToHaveTextAsync(Hostile);
        await Assertions.Expect(account.Locator(".lands")).ToContainTextAsync("ETHUSDT");
        await Assertions.Expect(page.Locator("img")).ToHaveCountAsync(0);

        // The cross accounts withdraw cash: the next view's system critical shock is smaller, and the page follows.
        for (var j = 0; j < 50; j++)
        {
            engine.ApplyBalance(new AccountId($"cross{j:00}"), 10_000 + (40 * j), T0 + 1_500);
        }

        clock.AdvanceTo(T0 + 2_000);
        var second = site.State.System()!.View;
        Assert.Equal(T0 + 2_000, second.EventTime);
        Assert.True(second.CriticalShockDown < first.CriticalShockDown, $"the withdrawal brings the system critical shock down from {first.CriticalShockDown}, not to {second.CriticalShockDown}");
        await Assertions.Expect(system.Locator(".sys-crit-down")).ToHaveTextAsync(Percent(second.CriticalShockDown), new() { Timeout = 5_000 });

        // The chart of the system critical shock holds both views' points.
        await page.WaitForFunctionAsync("() => document.querySelector('#system .system-spark')?.data?.[0]?.x?.length === 2", null, new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("img")).ToHaveCountAsync(0);
        await page.WaitForTimeoutAsync(1_200); // one chart redraw after the last update, so the picture is whole
        var shot = Path.Combine(AppContext.BaseDirectory, "artifacts", "system.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await system.ScreenshotAsync(new() { Path = shot });
        Assert.Empty(dialogs);
        Assert.Empty(errors);
    }

    [GeneratedRegex(@"\bsev-high\b")]
    private static partial Regex Severe();

    /// <summary>As the page writes a shock: a percentage with one decimal.</summary>
    private static string Percent(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";

    /// <summary>
    /// The contagion example: BTC bids and asks 2 per 10 USD level, ETH 20 per 0.50 USD level; 50 cross accounts long
    /// 5 BTC at 60,000 and 100 ETH at 3,000 (balance 12,000 + 40·j); 200 ETH-only isolated longs of 10 ETH at 3,000
    /// (margin 1,344 + 1.5·k); and a well-funded cross account long 6,000 ETH, named as hostile input would be, whose
    /// forced liquidation alone walks ETH through the others: the first critical account.
    /// </summary>
    private static void Load(RiskEngine engine)
    {
        var btc = engine.ApplyInstrument(Btc);
        var eth = engine.ApplyInstrument(Eth);
        var (btcBids, btcAsks) = Book(600_000, 100, 2);
        var (ethBids, ethAsks) = Book(300_000, 50, 20);
        engine.ApplyBookSnapshot(btc, 1, btcBids, btcAsks, T0);
        engine.ApplyBookSnapshot(eth, 1, ethBids, ethAsks, T0);
        for (var j = 0; j < 50; j++)
        {
            engine.ApplyAccount(new AccountId($"cross{j:00}"), 12_000 + (40 * j), [(btc, 5, 60_000, double.NaN), (eth, 100, 3_000, double.NaN)], T0);
        }

        for (var k = 0; k < 200; k++)
        {
            engine.ApplyAccount(new AccountId($"eth{k:000}"), 0, [(eth, 10, 3_000, 1_344 + (1.5 * k))], T0);
        }

        engine.ApplyAccount(new AccountId(Hostile), 10_000_000, [(eth, 6_000, 3_000, double.NaN)], T0);
        engine.ApplyMark(btc, 60_000, T0);
        engine.ApplyMark(eth, 3_000, T0);
    }

    /// <summary>2,000 levels each side, <paramref name="stepTicks"/> apart from the mark; prices in ticks.</summary>
    private static (PriceLevel[] Bids, PriceLevel[] Asks) Book(long markTicks, long stepTicks, double quantity)
    {
        var bids = new PriceLevel[2_000];
        var asks = new PriceLevel[2_000];
        for (var k = 0; k < bids.Length; k++)
        {
            bids[k] = new PriceLevel(markTicks - (stepTicks * (k + 1)), quantity);
            asks[k] = new PriceLevel(markTicks + (stepTicks * (k + 1)), quantity);
        }

        return (bids, asks);
    }
}
