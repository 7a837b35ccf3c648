using StreamRisk.Domain.Alerts;

namespace StreamRisk.Domain.Tests.Alerts;

public sealed class AlertBookTests
{
    private static readonly AlertThresholds Thresholds = new();

    private static SymbolRisk Risk(long time, double? criticalDown = null, double depth = 0, double peak = 0, double rate = 0, double move = 0,
        IReadOnlyList<NearLiquidation>? large = null, BandFigures? wall = null) => new()
    {
        Symbol = "BTCUSDT",
        EventTime = time,
        Mark = 60_000,
        CriticalShockDown = criticalDown,
        ChainDown = criticalDown is { } s ? new CascadeChain(s, 58_000, 3, [59_000, 58_500], 12, 1_000_000, ["A"]) : null,
        DepthNearMark = depth,
        DepthNearMarkPeak = peak,
        RealizedLiquidationRate = rate,
        PriceMove = move,
        LargeAccounts = large ?? [],
        Bands = wall is { } w ? [w] : [],
    };

    private static List<AlertTransition> Run(AlertBook book, SymbolRisk risk)
    {
        var output = new List<AlertTransition>();
        book.Evaluate(risk, output);
        return output;
    }

    [Fact]
    public void CascadeRisk_Lifecycle_RaisedEscalatedUpdatedResolvedWithHysteresis()
    {
        var book = new AlertBook(_ => Thresholds);

        var raised = Assert.Single(Run(book, Risk(1_000, criticalDown: 0.025)));
        var escalated = Assert.Single(Run(book, Risk(2_000, criticalDown: 0.008)));
        var updated = Assert.Single(Run(book, Risk(3_000, criticalDown: 0.019)));
        var unchanged = Run(book, Risk(4_000, criticalDown: 0.019));
        var stillOpen = Run(book, Risk(5_000, criticalDown: 0.035)); // above 3% but within 20% hysteresis: updated, not resolved
        var resolved = Assert.Single(Run(book, Risk(6_000, criticalDown: 0.037)));

        Assert.Equal((AlertState.Raised, AlertSeverity.Info, 0), (raised.State, raised.Severity, raised.Sequence));
        Assert.Equal((AlertState.Escalated, AlertSeverity.Critical, 1), (escalated.State, escalated.Severity, escalated.Sequence));
        Assert.Equal((AlertState.Updated, AlertSeverity.Warning, 2), (updated.State, updated.Severity, updated.Sequence));
        Assert.Empty(unchanged);
        Assert.Equal(AlertState.Updated, Assert.Single(stillOpen).State);
        Assert.Equal((AlertState.Resolved, 4), (resolved.State, resolved.Sequence));
        Assert.All([raised, escalated, updated, resolved], t => Assert.Equal("CascadeRisk:BTCUSDT:down:1000", t.Id));
        Assert.Equal("CascadeRisk:BTCUSDT:down:1000:4", resolved.TransitionId);
        Assert.Equal(0, book.OpenCount);
    }

    [Fact]
    public void CascadeRisk_RaisedAgainAfterResolution_GetsANewId()
    {
        var book = new AlertBook(_ => Thresholds);
        Run(book, Risk(1_000, criticalDown: 0.01));
        Run(book, Risk(2_000));

        var again = Assert.Single(Run(book, Risk(3_000, criticalDown: 0.01)));

        Assert.Equal("CascadeRisk:BTCUSDT:down:3000", again.Id);
        Assert.Equal(0, again.Sequence);
    }

    [Fact]
    public void LargeAccount_NearThenGone_RaisedThenResolved()
    {
        var book = new AlertBook(_ => Thresholds);
        var near = new NearLiquidation("whale", 100, 6_000_000, 59_000, 0.004);

        var raised = Assert.Single(Run(book, Risk(1_000, large: [near])));
        var resolved = Assert.Single(Run(book, Risk(2_000)));

        Assert.Equal((AlertRule.LargeAccountNearLiquidation, "whale", AlertSeverity.Critical), (raised.Rule, raised.Qualifier, raised.Severity));
        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal(raised.Id, resolved.Id);
    }

    [Fact]
    public void LiquidityWithdrawal_DepthHalvedFromPeak_Raised()
    {
        var book = new AlertBook(_ => Thresholds);

        Assert.Empty(Run(book, Risk(1_000, depth: 600, peak: 1_000)));
        var raised = Assert.Single(Run(book, Risk(2_000, depth: 200, peak: 1_000)));

        Assert.Equal((AlertRule.LiquidityWithdrawal, AlertSeverity.Critical), (raised.Rule, raised.Severity));
        Assert.Equal(0.8, raised.Metrics.Single(m => m.Name == "drop").Value, 12);
    }

    [Fact]
    public void CascadeInProgress_NeedsBothRateAndPriceMove()
    {
        var book = new AlertBook(_ => Thresholds);

        Assert.Empty(Run(book, Risk(1_000, rate: 1_000_000, move: 0.001)));
        var raised = Assert.Single(Run(book, Risk(2_000, rate: 1_000_000, move: -0.012)));

        Assert.Equal((AlertRule.CascadeInProgress, AlertSeverity.Critical), (raised.Rule, raised.Severity));
    }

    [Fact]
    public void LiquidationWall_LiquidatableExceedsDepthInBand_Raised()
    {
        var book = new AlertBook(_ => Thresholds);

        var raised = Run(book, Risk(1_000, wall: new BandFigures(0.02, 5_000_000, 0, 2_000_000, 10_000_000)));

        var wall = Assert.Single(raised);
        Assert.Equal((AlertRule.LiquidationWall, "down", AlertSeverity.Warning), (wall.Rule, wall.Qualifier, wall.Severity));
        Assert.Equal(2.5, wall.Metrics.Single(m => m.Name == "ratio").Value, 12);
    }
}
