using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Redis;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.BrowserTests;

/// <summary>
/// The dashboard with many instruments: the overview table (sorting, render time of an update with 200 rows), the
/// detail fetched on demand with its time window, the alert list's filter, mute and acknowledgement (shared through a
/// real redis-server between two dashboard instances).
/// </summary>
public sealed class InstrumentsDashboardTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const int Instruments = 200;

    [Fact]
    public async Task TwoHundredInstruments_SortedByCriticalShock_UpdateRendersWithin100Ms()
    {
        await using var site = await DashboardSite.StartAsync();
        // Distinct critical shocks (some none at all), sizes and marks, so every sort has one right order.
        var shocks = new Dictionary<string, double?>();
        var scales = new Dictionary<string, double>();
        for (var i = 0; i < Instruments; i++)
        {
            var symbol = Symbol(i);
            shocks[symbol] = i % 25 == 7 ? null : (((i * 37) % Instruments) + 1) / 2_000.0;
            scales[symbol] = 0.5 + (((i * 53) % Instruments) / 40.0);
            site.Publish(Scenario.Risk(symbol, 100 + i, Scenario.T0, shocks[symbol], scale: scales[symbol]));
        }

        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);
        var failed = FailedRequests(page);
        await page.GotoAsync(site.Url + "/");
        var rows = page.Locator("#instrument-rows tr");
        await Assertions.Expect(rows).ToHaveCountAsync(Instruments, new() { Timeout = 20_000 });

        // Default: critical shock down, smallest first; instruments with none last.
        var byShock = shocks.OrderBy(s => s.Value ?? double.PositiveInfinity).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key).ToList();
        Assert.Equal(byShock, await RowOrderAsync(page));
        await page.Locator("#instruments th[data-sort='critDown']").ClickAsync();
        var descending = shocks.Where(s => s.Value is not null).OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal)
            .Concat(shocks.Where(s => s.Value is null).OrderBy(s => s.Key, StringComparer.Ordinal)).Select(s => s.Key).ToList();
        Assert.Equal(descending, await RowOrderAsync(page));
        await page.Locator("#instruments th[data-sort='liq5']").ClickAsync();
        Assert.Equal(scales.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key).ToList(), await RowOrderAsync(page));
        await Assertions.Expect(page.Locator("#instruments th[data-sort='liq5']")).ToHaveAttributeAsync("aria-sort", "descending");
        var first = page.Locator($"#symbol-{Symbol(0)}");
        await Assertions.Expect(first.Locator(".liq5")).ToHaveTextAsync(Money(scales[Symbol(0)] * (19_000_000 + 9_600_000)));
        await Assertions.Expect(first.Locator(".ccy")).ToHaveTextAsync("USDT");

        // Back to critical shock ascending; then updates, each moving one instrument to the top, timed in the page.
        await page.Locator("#instruments th[data-sort='critDown']").ClickAsync();
        await Assertions.Expect(page.Locator("#instruments th[data-sort='critDown']")).ToHaveAttributeAsync("aria-sort", "ascending");
        var measured = new List<double>();
        for (var k = 1; k <= 5; k++)
        {
            var symbol = Symbol(100 + (k * 13));
            var eventTime = Scenario.T0 + (k * 1_000);
            var shock = 0.00004 * (6 - k); // below every other, smaller each time: the updated row goes to the top
            site.Publish(Scenario.Risk(symbol, 500 + k, eventTime, shock, scale: scales[symbol]));
            var row = page.Locator($"#symbol-{symbol}");
            await Assertions.Expect(row.Locator(".mark")).ToHaveTextAsync((500 + k).ToString(CultureInfo.InvariantCulture), new() { Timeout = 10_000 });
            await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-symbol", symbol);
            var ms = await page.WaitForFunctionAsync(
                "([symbol, time]) => window.streamriskRenderTimes.find(r => r.symbol === symbol && r.eventTime === time)?.ms",
                new object[] { symbol, eventTime }, new() { Timeout = 10_000 });
            measured.Add(await ms.JsonValueAsync<double>());
        }

        output.WriteLine($"update → screen with {Instruments} instruments: {string.Join(", ", measured.Select(m => m.ToString("0.0", CultureInfo.InvariantCulture)))} ms");
        Assert.All(measured, m => Assert.True(m < 100, $"an update took {m:0.0} ms from arrival to the frame showing it (all: {string.Join(", ", measured.Select(x => x.ToString("0.0", CultureInfo.InvariantCulture)))} ms)"));
        Assert.Equal(Instruments, await rows.CountAsync());
        AssertNoErrors(errors, failed);
    }

    [Fact]
    public async Task RowClicked_DetailFetchedOnDemand_WindowChangesPlottedRange_ColourBarWithUnits()
    {
        await using var site = await DashboardSite.StartAsync();
        // Two hours of one instrument's history, a projection every 10 s of event time; a second instrument beside it.
        // Its depth change over each window: now (2×) against 1 h 50 min (1.917×), 1 h (1.5×) and the start (1×).
        const long Step = 10_000;
        const long Span = 2 * 3_600_000;
        for (var t = 0L; t <= Span; t += Step)
        {
            // Depth grows with the instrument: twice as deep at the end as at the start.
            site.Publish(Scenario.Risk("BTCUSDT", 60_000 + (t / 1_000), Scenario.T0 + t, 0.02 + (t / (double)Span / 100), scale: 1 + (t / (double)Span)));
        }

        site.Publish(Scenario.Risk("ETHUSDT", 3_000, Scenario.T0 + Span));
        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);
        var failed = FailedRequests(page);
        var fetched = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/symbols/", StringComparison.Ordinal))
            {
                lock (fetched)
                {
                    fetched.Add(request.Url);
                }
            }
        };
        await page.GotoAsync(site.Url + "/");
        await Assertions.Expect(page.Locator("#instrument-rows tr")).ToHaveCountAsync(2, new() { Timeout = 10_000 });

        // Nothing drawn and nothing fetched for an instrument nobody opened.
        await Assertions.Expect(page.Locator("#detail")).ToBeHiddenAsync();
        Assert.Equal(0, await page.Locator(".main-svg").CountAsync());
        lock (fetched)
        {
            Assert.Empty(fetched);
        }

        await page.Locator("#symbol-BTCUSDT").ClickAsync();
        var detail = page.Locator("#detail");
        await Assertions.Expect(detail.Locator(".symbol-name")).ToHaveTextAsync("BTCUSDT");
        await Assertions.Expect(detail).ToHaveAttributeAsync("data-window", "600", new() { Timeout = 10_000 });
        lock (fetched)
        {
            Assert.Equal(["/api/symbols/BTCUSDT?window=600"], fetched.Select(u => new Uri(u).PathAndQuery));
        }

        await Assertions.Expect(detail.Locator(".heat .colorbar")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(detail.Locator(".heat .cbtitle")).ToContainTextAsync("USDT");
        var depthChange = page.Locator("#symbol-BTCUSDT .depthChange");
        await Assertions.Expect(depthChange).ToHaveTextAsync("+4.3%");
        var tenMinutes = await PlottedAsync(page, 600);
        await page.Locator(".window-select button[data-window='3600']").ClickAsync();
        await Assertions.Expect(detail).ToHaveAttributeAsync("data-window", "3600", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#instruments .window-label")).ToHaveTextAsync("1 h");
        await Assertions.Expect(depthChange).ToHaveTextAsync("+33.3%");
        var hour = await PlottedAsync(page, 3_600);
        await page.Locator(".window-select button[data-window='21600']").ClickAsync();
        await Assertions.Expect(detail).ToHaveAttributeAsync("data-window", "21600", new() { Timeout = 10_000 });
        await Assertions.Expect(depthChange).ToHaveTextAsync("+100.0%");
        var sixHours = await PlottedAsync(page, 21_600);

        output.WriteLine($"plotted (axis s, data s): 10 min {tenMinutes}, 1 h {hour}, 6 h {sixHours}");
        // The axis spans the window; the data as much of it as there is (two hours), the older part in 30 s steps.
        Assert.Equal(600, tenMinutes.Axis, 1);
        Assert.Equal(3_600, hour.Axis, 1);
        Assert.Equal(21_600, sixHours.Axis, 1);
        Assert.InRange(tenMinutes.Data, 600 - 10, 600);
        Assert.InRange(hour.Data, 3_600 - 30, 3_600);
        Assert.InRange(sixHours.Data, Span / 1_000.0 - 30, Span / 1_000.0 + 30);
        AssertNoErrors(errors, failed);
    }

    [Fact]
    public async Task SeverityFilterAndMute_HideAlerts_WithoutRedisAcksSaidToBeLocal()
    {
        await using var site = await DashboardSite.StartAsync();
        site.Publish(Scenario.Risk("BTCUSDT", 60_000, Scenario.T0));
        site.Publish(Scenario.Risk("ETHUSDT", 3_000, Scenario.T0));
        var critical = Scenario.Alert("BTCUSDT", Wire.AlertState.Raised, Wire.AlertSeverity.Critical, Scenario.T0);
        var warning = Scenario.Alert("ETHUSDT", Wire.AlertState.Raised, Wire.AlertSeverity.Warning, Scenario.T0);
        var info = Scenario.Alert("ETHUSDT", Wire.AlertState.Raised, Wire.AlertSeverity.Info, Scenario.T0, rule: "LiquidityWithdrawal");
        site.Publish(critical);
        site.Publish(warning);
        site.Publish(info);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(site.Url + "/");
        var rowOf = (Wire.AlertTransition a) => page.Locator($"#alerts li[data-alert-id='{a.Id}']");
        await Assertions.Expect(rowOf(info)).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#symbol-ETHUSDT .alerts")).ToHaveTextAsync("2 · warning");
        await Assertions.Expect(page.Locator("#ack-store")).ToContainTextAsync("this dashboard only");

        await page.Locator(".sev-filter[value='warning']").UncheckAsync();
        await page.Locator(".sev-filter[value='info']").UncheckAsync();

        await Assertions.Expect(rowOf(warning)).ToBeHiddenAsync();
        await Assertions.Expect(rowOf(info)).ToBeHiddenAsync();
        await Assertions.Expect(rowOf(critical)).ToBeVisibleAsync();

        // Mute the critical one (its rule on its symbol): hidden until muted alerts are shown.
        await rowOf(critical).Locator("button[data-action='mute']").ClickAsync();
        await Assertions.Expect(rowOf(critical)).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#muted-count")).ToHaveTextAsync("1");
        await page.Locator("#show-muted").CheckAsync();
        await Assertions.Expect(rowOf(critical)).ToBeVisibleAsync();
        await page.Locator(".sev-filter[value='info']").CheckAsync();
        await Assertions.Expect(rowOf(info)).ToBeVisibleAsync();
        await Assertions.Expect(rowOf(warning)).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Acknowledge_SharedThroughRedis_OtherInstanceSeesIt_BadIdsRefused()
    {
        using var server = LocalRedisServer.Start();
        await using var redisA = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        await using var redisB = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var keys = new AlertKeys("acktest");
        // Two dashboard instances, each with its own connection, as two monitors behind a load balancer would be.
        await using var siteA = await DashboardSite.StartAsync(new RedisAlertAcks(redisA, keys));
        await using var siteB = await DashboardSite.StartAsync(new RedisAlertAcks(redisB, keys));
        var alert = Scenario.Alert("BTCUSDT", Wire.AlertState.Raised, Wire.AlertSeverity.Critical, Scenario.T0);
        foreach (var site in new[] { siteA, siteB })
        {
            site.Publish(Scenario.Risk("BTCUSDT", 60_000, Scenario.T0));
            site.Publish(alert);
        }

        var pageA = await browser.NewPageAsync();
        var pageB = await browser.NewPageAsync();
        await pageA.GotoAsync(siteA.Url + "/");
        await pageB.GotoAsync(siteB.Url + "/");
        var rowA = pageA.Locator($"#alerts li[data-alert-id='{alert.Id}']");
        var rowB = pageB.Locator($"#alerts li[data-alert-id='{alert.Id}']");
        await Assertions.Expect(rowB).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Assertions.Expect(rowB.Locator("button[data-action='ack']")).ToBeVisibleAsync();
        await Assertions.Expect(pageA.Locator("#ack-store")).ToContainTextAsync("Redis");

        await pageA.Locator("#operator").FillAsync("alice");
        await rowA.Locator("button[data-action='ack']").ClickAsync();

        await Assertions.Expect(rowA.Locator(".ack-by")).ToContainTextAsync("ACK alice");
        await Assertions.Expect(rowB.Locator(".ack-by")).ToContainTextAsync("ACK alice", new() { Timeout = 5_000 });
        await Assertions.Expect(rowB.Locator("button[data-action='ack']")).ToHaveCountAsync(0);
        var stored = await redisA.GetDatabase().HashGetAsync(keys.Acks, alert.Id);
        Assert.True(stored.HasValue, $"no acknowledgement of {alert.Id} in {keys.Acks}");
        using (var json = JsonDocument.Parse(stored.ToString()))
        {
            Assert.Equal("alice", json.RootElement.GetProperty("by").GetString());
            Assert.Equal(alert.Id, json.RootElement.GetProperty("alertId").GetString());
        }

        // A page opened afterwards (on the other instance) reads it from Redis.
        var pageC = await browser.NewPageAsync();
        await pageC.GotoAsync(siteB.Url + "/");
        await Assertions.Expect(pageC.Locator($"#alerts li[data-alert-id='{alert.Id}'] .ack-by")).ToContainTextAsync("ACK alice", new() { Timeout = 10_000 });

        // Bad ids: refused with a reason, and nothing but the acknowledgement hash is written.
        var before = KeysOf(redisA, server);
        foreach (var (id, status, reason) in new[]
        {
            (new string('a', 201), 400, "longer than 200"),
            ("x}{acktest:alerts", 400, "only letters"),
            ("acktest:acks", 404, "no such alert"),
        })
        {
            var response = await pageA.APIRequest.PostAsync($"{siteA.Url}/api/alerts/{Uri.EscapeDataString(id)}/ack", new()
            {
                Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
                Data = "{\"by\":\"mallory\"}",
            });
            Assert.Equal(status, response.Status);
            Assert.Contains(reason, await response.TextAsync(), StringComparison.Ordinal);
        }

        var notJson = await pageA.APIRequest.PostAsync($"{siteA.Url}/api/alerts/{Uri.EscapeDataString(alert.Id)}/ack", new() { Data = "by=mallory" });
        Assert.Equal(415, notJson.Status);
        Assert.Equal(before, KeysOf(redisA, server));
        Assert.Equal(1, await redisA.GetDatabase().HashLengthAsync(keys.Acks));
    }

    private static string Symbol(int i) => $"S{i:000}USDT";

    /// <summary>Requests answered with an error, but for <c>/api/system</c>: 404 until the first system view, which these tests never make.</summary>
    private static List<string> FailedRequests(IPage page)
    {
        var failed = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && new Uri(response.Url).AbsolutePath != "/api/system")
            {
                lock (failed)
                {
                    failed.Add($"{response.Status} {response.Url}");
                }
            }
        };
        return failed;
    }

    /// <summary>No script error; the browser's own "failed to load" lines are judged by <paramref name="failed"/> instead.</summary>
    private static void AssertNoErrors(List<string> errors, List<string> failed)
    {
        lock (errors)
        {
            Assert.DoesNotContain(errors, e => !e.StartsWith("Failed to load resource", StringComparison.Ordinal));
        }

        lock (failed)
        {
            Assert.Empty(failed);
        }
    }

    private static string Money(double v) => v >= 1e9 ? (v / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + "B" : (v / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M";

    private static async Task<List<string>> RowOrderAsync(IPage page) =>
        [.. await page.EvalOnSelectorAllAsync<string[]>("#instrument-rows tr", "rows => rows.map(r => r.dataset.symbol)")];

    private static string[] KeysOf(ConnectionMultiplexer redis, LocalRedisServer server) =>
        [.. redis.GetServer("127.0.0.1", server.Port).Keys(pattern: "*").Select(k => k.ToString()).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The critical-shock chart once it shows the window: the span of its x axis and of its data, in seconds. Spans,
    /// not ends: plotly hands the axis range back as local-time strings, and a difference does not depend on the zone.
    /// </summary>
    private static async Task<(double Axis, double Data)> PlottedAsync(IPage page, int windowSeconds)
    {
        var handle = await page.WaitForFunctionAsync(
            """
            seconds => {
              const g = document.querySelector('#detail .spark');
              if (!g || !g._fullLayout || !g.data) return null;
              const r = g._fullLayout.xaxis.range.map(s => new Date(String(s).replace(' ', 'T')).getTime());
              const axis = (r[1] - r[0]) / 1000;
              if (Math.abs(axis - seconds) > 1) return null;
              const x = g.data[0].x.map(d => +new Date(d));
              if (x.length < 2) return null;
              return [axis, (Math.max(...x) - Math.min(...x)) / 1000];
            }
            """, windowSeconds, new() { Timeout = 15_000 });
        var pair = await handle.JsonValueAsync<double[]>();
        return (pair[0], pair[1]);
    }
}
