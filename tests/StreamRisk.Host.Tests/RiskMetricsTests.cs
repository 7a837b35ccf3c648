using StreamRisk.Domain.Alerts;
using StreamRisk.Host.Telemetry;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>The risk gauges and durations as <c>/metrics</c> serves them: names, units, labels and the latest values.</summary>
public sealed class RiskMetricsTests
{
    [Fact]
    public async Task RiskProjected_LatestFiguresServedPerSymbolByDirectionAndBand()
    {
        using var telemetry = new StreamRiskTelemetry("StreamRisk.test." + Guid.NewGuid().ToString("N"));
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, meterName: telemetry.Meter.Name);

        telemetry.RiskProjected(Risk("BTCUSDT", down: 0.05, up: 0.08, fund: 1_000_000));
        telemetry.RiskProjected(Risk("BTCUSDT", down: 0.023, up: null, fund: 2_500_000)); // the latest wins
        telemetry.RiskProjected(Risk("ETHUSDT", down: 0.4, up: 0.31, fund: 700_000));
        var samples = PrometheusScrape.Samples(await ScrapeAsync(web));

        Assert.Equal(0.023, Single(samples, "streamrisk_critical_shock", ("symbol", "BTCUSDT"), ("direction", "down")), 12);
        Assert.Empty(PrometheusScrape.Find(samples, "streamrisk_critical_shock", ("symbol", "BTCUSDT"), ("direction", "up"))); // no shock of the grid runs away
        Assert.Equal(0.31, Single(samples, "streamrisk_critical_shock", ("symbol", "ETHUSDT"), ("direction", "up")), 12);
        Assert.Equal(2_500_000, Single(samples, "streamrisk_insurance_fund", ("symbol", "BTCUSDT")));
        // Figures per band: down = longs a move down by the band crosses, depth per side within the band.
        Assert.Equal(2 * 1_000_000, Single(samples, "streamrisk_liquidatable_notional", ("symbol", "BTCUSDT"), ("direction", "down"), ("band", "0.02")));
        Assert.Equal(5 * 2_000_000, Single(samples, "streamrisk_liquidatable_notional", ("symbol", "BTCUSDT"), ("direction", "up"), ("band", "0.05")));
        Assert.Equal(1 * 3_000_000, Single(samples, "streamrisk_book_depth", ("symbol", "BTCUSDT"), ("side", "bid"), ("band", "0.01")));
        Assert.Equal(1 * 4_000_000, Single(samples, "streamrisk_book_depth", ("symbol", "BTCUSDT"), ("side", "ask"), ("band", "0.01")));
        Assert.Equal(2 * 3 * 2, PrometheusScrape.Find(samples, "streamrisk_liquidatable_notional").Count); // 2 symbols × 3 bands × 2 directions
        // Low cardinality: the risk gauges carry no label but symbol, direction, band, side (and the exporter's scope labels).
        Assert.All(samples.Where(s => s.Name is "streamrisk_liquidatable_notional" or "streamrisk_book_depth" or "streamrisk_critical_shock" or "streamrisk_insurance_fund"),
            s => Assert.Empty(s.Labels.Keys.Except(["symbol", "direction", "band", "side", "otel_scope_name", "otel_scope_version"])));
    }

    [Fact]
    public async Task SystemProjected_CriticalShockByDirection_AbsentWhileNone()
    {
        using var telemetry = new StreamRiskTelemetry("StreamRisk.test." + Guid.NewGuid().ToString("N"));
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, meterName: telemetry.Meter.Name);

        var before = PrometheusScrape.Samples(await ScrapeAsync(web));
        telemetry.SystemProjected(SystemViewWith(down: 0.12, up: null));
        // The exporter answers from a cache for a moment after a scrape: poll until the new view shows.
        IReadOnlyList<PrometheusSample> after = [];
        await Eventually.TrueAsync(() =>
        {
            after = PrometheusScrape.Samples(ScrapeAsync(web).GetAwaiter().GetResult());
            return PrometheusScrape.Find(after, "streamrisk_system_critical_shock").Count > 0;
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));

        Assert.Empty(PrometheusScrape.Find(before, "streamrisk_system_critical_shock"));
        Assert.Equal(0.12, Single(after, "streamrisk_system_critical_shock", ("direction", "down")), 12);
        Assert.Empty(PrometheusScrape.Find(after, "streamrisk_system_critical_shock", ("direction", "up")));
    }

    [Fact]
    public async Task AlertTransitions_OpenAlertsByRuleAndSeverity_FollowEscalationAndResolution_ZerosServed()
    {
        using var telemetry = new StreamRiskTelemetry("StreamRisk.test." + Guid.NewGuid().ToString("N"));
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, meterName: telemetry.Meter.Name);

        telemetry.Alert(Transition("a", AlertRule.CascadeRisk, AlertSeverity.Warning, AlertState.Raised), TimeSpan.FromMilliseconds(250));
        telemetry.Alert(Transition("b", AlertRule.CascadeRisk, AlertSeverity.Warning, AlertState.Raised), null);
        telemetry.Alert(Transition("c", AlertRule.LiquidationWall, AlertSeverity.Info, AlertState.Raised), null);
        telemetry.Alert(Transition("a", AlertRule.CascadeRisk, AlertSeverity.Critical, AlertState.Escalated), null);
        telemetry.Alert(Transition("b", AlertRule.CascadeRisk, AlertSeverity.Warning, AlertState.Updated), null);
        telemetry.Alert(Transition("c", AlertRule.LiquidationWall, AlertSeverity.Info, AlertState.Resolved), null);
        var samples = PrometheusScrape.Samples(await ScrapeAsync(web));

        Assert.Equal(1, Single(samples, "streamrisk_open_alerts", ("rule", "CascadeRisk"), ("severity", "critical")));
        Assert.Equal(1, Single(samples, "streamrisk_open_alerts", ("rule", "CascadeRisk"), ("severity", "warning")));
        Assert.Equal(0, Single(samples, "streamrisk_open_alerts", ("rule", "LiquidationWall"), ("severity", "info")));
        // Every rule × severity is served, zeros included, so a rate or an annotation sees the first alert of each.
        Assert.Equal(Enum.GetValues<AlertRule>().Length * 3, PrometheusScrape.Find(samples, "streamrisk_open_alerts").Count);
        Assert.Equal(2, PrometheusScrape.Find(samples, "streamrisk_open_alerts").Sum(s => s.Value));
        // Durations are seconds: 250 ms of tick-to-alert is 0.25 s.
        Assert.Equal(0.25, Single(samples, "streamrisk_tick_to_alert_duration_seconds_sum"), 9);
        Assert.Equal(1, Single(samples, "streamrisk_tick_to_alert_duration_seconds_count"));
    }

    [Fact]
    public async Task Durations_RecordedInSeconds()
    {
        using var telemetry = new StreamRiskTelemetry("StreamRisk.test." + Guid.NewGuid().ToString("N"));
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, meterName: telemetry.Meter.Name);

        telemetry.Projected(TimeSpan.FromMilliseconds(3));
        telemetry.Projected(TimeSpan.FromMilliseconds(1));
        telemetry.Applied(System.Diagnostics.Stopwatch.GetTimestamp());
        var samples = PrometheusScrape.Samples(await ScrapeAsync(web));

        Assert.Equal(0.004, Single(samples, "streamrisk_projection_duration_seconds_sum"), 9);
        Assert.Equal(2, Single(samples, "streamrisk_projection_duration_seconds_bucket", ("le", "+Inf")));
        // 3 ms falls in the (2.5 ms, 5 ms] bucket: buckets are in seconds too.
        Assert.Equal(1, Single(samples, "streamrisk_projection_duration_seconds_bucket", ("le", "0.0025")));
        Assert.Equal(1, Single(samples, "streamrisk_apply_duration_seconds_count"));
        Assert.True(Single(samples, "streamrisk_apply_duration_seconds_sum") < 1, "one apply took under a second");
    }

    private static SymbolRisk Risk(string symbol, double? down, double? up, double fund) => new()
    {
        Symbol = symbol,
        EventTime = 1_723_161_255_000,
        Mark = 100,
        CriticalShockDown = down,
        CriticalShockUp = up,
        InsuranceFund = fund,
        // Band × (1, 2, 3, 4) million: each figure says which band and field it came from.
        Bands = [.. new[] { 0.01, 0.02, 0.05 }.Select(b => new BandFigures(b, b * 100 * 1_000_000, b * 100 * 2_000_000, b * 100 * 3_000_000, b * 100 * 4_000_000))],
        DepthNearMark = 7_000_000,
    };

    private static SystemView SystemViewWith(double? down, double? up) => new()
    {
        EventTime = 1_723_161_255_000,
        Reference = "BTCUSDT",
        Symbols = ["BTCUSDT"],
        Marks = [100],
        Betas = [1],
        InsuranceFund = 1_000_000,
        Accounts = 10,
        Grid = [],
        CriticalShockDown = down,
        CriticalShockUp = up,
        ContagionMove = 0.05,
        Contagion = [],
        CriticalAccounts = [],
    };

    private static AlertTransition Transition(string id, AlertRule rule, AlertSeverity severity, AlertState state) =>
        new(id, 0, rule, "BTCUSDT", "down", severity, state, 1_723_161_255_000, 1_723_161_255_000, [], "explanation", "action");

    private static double Single(IReadOnlyList<PrometheusSample> samples, string name, params (string Key, string Value)[] labels)
    {
        var found = PrometheusScrape.Find(samples, name, labels);
        Assert.True(found.Count == 1, $"{name} {string.Join(",", labels)}: {found.Count} samples; served: {string.Join(" ", samples.Select(s => s.Name).Distinct())}");
        return found[0].Value;
    }

    private static async Task<string> ScrapeAsync(MonitorWebHost web)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(web.Url + "/metrics"));
    }
}
