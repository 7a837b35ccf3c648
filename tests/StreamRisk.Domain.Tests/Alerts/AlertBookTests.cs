using StreamRisk.Domain.Alerts;

namespace StreamRisk.Domain.Tests.Alerts;

public sealed class AlertBookTests
{
    private static readonly AlertThresholds Thresholds = new();

    /// <summary>A 2 s raise dwell (the default is 0.5 s) and the default resolve dwell and damping.</summary>
    private static readonly AlertThresholds Dwelling = new() { RaiseDwell = TimeSpan.FromSeconds(2) };

    /// <summary>No dwell and no minimum interval: each evaluation decides on its own (the lifecycle without the damping).</summary>
    private static readonly AlertThresholds Immediate = new() { RaiseDwell = TimeSpan.Zero, ResolveDwell = TimeSpan.Zero, UpdateMinInterval = TimeSpan.Zero };

    private static SymbolRisk Risk(long time, double? criticalDown = null, double depth = 0, double peak = 0, double rate = 0, double move = 0,
        IReadOnlyList<NearLiquidation>? large = null, BandFigures? wall = null, double openInterest = 0) => new()
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
        OpenInterest = openInterest,
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
        var book = new AlertBook(_ => Immediate);

        var raised = Assert.Single(Run(book, Risk(1_000, criticalDown: 0.025)));
        var escalated = Assert.Single(Run(book, Risk(2_000, criticalDown: 0.005)));
        var updated = Assert.Single(Run(book, Risk(3_000, criticalDown: 0.010)));
        var unchanged = Run(book, Risk(4_000, criticalDown: 0.011)); // same severity, a 10% move: not material
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
        var book = new AlertBook(_ => Immediate);
        Run(book, Risk(1_000, criticalDown: 0.01));
        Run(book, Risk(2_000));

        var again = Assert.Single(Run(book, Risk(3_000, criticalDown: 0.01)));

        Assert.Equal("CascadeRisk:BTCUSDT:down:3000", again.Id);
        Assert.Equal(0, again.Sequence);
    }

    [Theory]
    [InlineData(0.029, AlertSeverity.Info)] // just past the 3% threshold
    [InlineData(0.014, AlertSeverity.Info)] // 3% ÷ ∛10 = 1.39%: a third of the scale
    [InlineData(0.013, AlertSeverity.Warning)]
    [InlineData(0.0065, AlertSeverity.Warning)] // 3% ÷ ∛100 = 0.646%: two thirds
    [InlineData(0.0064, AlertSeverity.Critical)]
    public void Severity_GradedByHowFarPastTheThreshold_OnTheScoreScale(double shock, AlertSeverity expected)
    {
        var book = new AlertBook(_ => Immediate);

        var raised = Assert.Single(Run(book, Risk(1_000, criticalDown: shock)));

        Assert.Equal(expected, raised.Severity);
        var score = raised.Metrics.Single(m => m.Name == "score").Value;
        Assert.Equal(Math.Log(0.03 / shock) / Math.Log(10), score, 12);
        Assert.Equal(expected, AlertBook.SeverityOf(score));
    }

    [Fact]
    public void Dwell_AOneProjectionBlip_RaisesNothing()
    {
        var book = new AlertBook(_ => Dwelling);

        var transitions = new List<AlertTransition>();
        transitions.AddRange(Run(book, Risk(1_000, criticalDown: 0.004))); // one projection far past the threshold
        transitions.AddRange(Run(book, Risk(1_100)));
        transitions.AddRange(Run(book, Risk(2_500, criticalDown: 0.004))); // again, but the clock started over
        transitions.AddRange(Run(book, Risk(2_600)));
        transitions.AddRange(Run(book, Risk(9_000)));

        Assert.Empty(transitions);
        Assert.Equal(0, book.OpenCount);
    }

    [Fact]
    public void Dwell_Default_AOneProjectionBlipRaisesNothing_TwoProjectionsHalfASecondApartRaise()
    {
        var book = new AlertBook(_ => Thresholds);

        Assert.Empty(Run(book, Risk(1_000, criticalDown: 0.004)));
        Assert.Empty(Run(book, Risk(1_100)));
        Assert.Empty(Run(book, Risk(2_000, criticalDown: 0.004)));
        Assert.Empty(Run(book, Risk(2_400, criticalDown: 0.004)));
        var raised = Assert.Single(Run(book, Risk(2_500, criticalDown: 0.004)));

        Assert.Equal((AlertState.Raised, AlertSeverity.Critical, 2_500L), (raised.State, raised.Severity, raised.EventTime));
    }

    [Fact]
    public void Dwell_AHeldCondition_RaisesAfterTheDwell_AtTheLowestSeverityItHeld()
    {
        var book = new AlertBook(_ => Dwelling);

        Assert.Empty(Run(book, Risk(1_000, criticalDown: 0.004)));
        Assert.Empty(Run(book, Risk(2_000, criticalDown: 0.010))); // a warning meanwhile
        Assert.Empty(Run(book, Risk(2_900, criticalDown: 0.004)));
        var raised = Assert.Single(Run(book, Risk(3_000, criticalDown: 0.004)));

        Assert.Equal((AlertState.Raised, AlertSeverity.Warning, "CascadeRisk:BTCUSDT:down:3000"), (raised.State, raised.Severity, raised.Id));
    }

    [Fact]
    public void Dwell_EscalationToCritical_NeedsCriticalHeldForTheDwell()
    {
        var book = new AlertBook(_ => Dwelling);
        Assert.Empty(Run(book, Risk(0, criticalDown: 0.010)));
        Assert.Equal(AlertSeverity.Warning, Assert.Single(Run(book, Risk(2_000, criticalDown: 0.010))).Severity);

        Assert.Empty(Run(book, Risk(3_000, criticalDown: 0.004))); // one critical projection
        Assert.Empty(Run(book, Risk(3_100, criticalDown: 0.010)));
        Assert.Empty(Run(book, Risk(4_000, criticalDown: 0.004)));
        Assert.Empty(Run(book, Risk(5_900, criticalDown: 0.004)));
        var escalated = Assert.Single(Run(book, Risk(6_000, criticalDown: 0.004)));

        Assert.Equal((AlertState.Escalated, AlertSeverity.Critical, 6_000L), (escalated.State, escalated.Severity, escalated.EventTime));
    }

    [Fact]
    public void ResolveDwell_ACriticalAlertResolvesOnlyOnceTheConditionIsGoneForIt_SoItLivesAtLeastThatLong()
    {
        var t = Dwelling with { RaiseDwell = TimeSpan.Zero, ResolveDwell = TimeSpan.FromSeconds(5) };
        var book = new AlertBook(_ => t);
        var raised = Assert.Single(Run(book, Risk(1_000, criticalDown: 0.004)));
        Assert.Equal(AlertSeverity.Critical, raised.Severity);

        Assert.Empty(Run(book, Risk(1_100))); // gone at once: not resolved
        Assert.Empty(Run(book, Risk(5_000)));
        Assert.Empty(Run(book, Risk(5_100, criticalDown: 0.004))); // back: the resolve clock starts over
        Assert.Empty(Run(book, Risk(5_200)));
        Assert.Empty(Run(book, Risk(10_100)));
        var resolved = Assert.Single(Run(book, Risk(10_200)));

        Assert.Equal((AlertState.Resolved, raised.Id), (resolved.State, resolved.Id));
        Assert.True(resolved.EventTime - resolved.RaisedAt >= 5_000);
    }

    [Fact]
    public void Damping_UpdatedOnlyOnAMaterialRelativeChange()
    {
        var book = new AlertBook(_ => Immediate); // 25% minimum change, no minimum interval
        Assert.Single(Run(book, Risk(1_000, criticalDown: 0.010)));

        Assert.Empty(Run(book, Risk(2_000, criticalDown: 0.012))); // +20%
        var updated = Assert.Single(Run(book, Risk(3_000, criticalDown: 0.013))); // +30% of the value last sent
        Assert.Empty(Run(book, Risk(4_000, criticalDown: 0.011))); // −15% of 1.3%

        Assert.Equal((AlertState.Updated, AlertSeverity.Warning), (updated.State, updated.Severity));
        Assert.Equal(0.013, updated.Metrics.Single(m => m.Name == "criticalShock").Value);
    }

    [Fact]
    public void Damping_UpdatedAtMostOncePerInterval()
    {
        var book = new AlertBook(_ => Immediate with { UpdateMinInterval = TimeSpan.FromSeconds(30) });
        Assert.Single(Run(book, Risk(0, rate: 0, depth: 100, peak: 1_000))); // a 90% depth drop

        var transitions = new List<AlertTransition>();
        for (var time = 1_000L; time < 30_000; time += 1_000)
        {
            transitions.AddRange(Run(book, Risk(time, depth: time % 2_000 == 0 ? 100 : 300, peak: 1_000))); // 90% ↔ 70% every second
        }

        var updated = Assert.Single(Run(book, Risk(30_000, depth: 300, peak: 1_000)));

        Assert.Empty(transitions);
        Assert.Equal((AlertRule.LiquidityWithdrawal, AlertState.Updated), (updated.Rule, updated.State));
    }

    [Fact]
    public void Resolved_SaysWhatChanged_NotTheRaisingText()
    {
        var book = new AlertBook(_ => Immediate);
        var raised = Assert.Single(Run(book, Risk(1_000, criticalDown: 0.018)));

        var resolved = Assert.Single(Run(book, Risk(2_000, criticalDown: 0.042)));

        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal("The critical shock down on BTCUSDT rose from 1.8% to 4.2%, above the 3.0% threshold (and its 3.6% resolve margin).", resolved.Explanation);
        Assert.NotEqual(raised.Explanation, resolved.Explanation);
    }

    [Fact]
    public void Resolved_NoRunawayLeft_SaysSoWithTheLastShock()
    {
        var book = new AlertBook(_ => Immediate);
        Run(book, Risk(1_000, criticalDown: 0.018));

        var resolved = Assert.Single(Run(book, Risk(2_000)));

        Assert.Equal("The critical shock down on BTCUSDT was 1.8%; no shock up to 50% runs away down any more.", resolved.Explanation);
    }

    [Fact]
    public void Resolved_CascadeChainTooSmallForTheBook_SaysSo()
    {
        var book = new AlertBook(_ => Immediate);
        var raised = Assert.Single(Run(book, Risk(1_000, criticalDown: 0.01)));

        var resolved = Assert.Single(Run(book, Risk(2_000, criticalDown: 0.01) with { Bands = [new BandFigures(0.01, 0, 0, 30_000_000, 30_000_000)] }));

        Assert.Equal((AlertState.Resolved, raised.Id), (resolved.State, resolved.Id));
        Assert.Equal("The critical shock down on BTCUSDT went from 1.0% to a 1.0% chain liquidating only 1,000,000, under the 1,500,000 a cascade needs.", resolved.Explanation);
    }

    [Fact]
    public void Resolved_InsuranceFundNoLongerDrained_SaysFromWhatShockToWhat()
    {
        var book = new AlertBook(_ => Immediate);
        var raised = Assert.Single(Run(book, Risk(1_000) with { InsuranceFund = 2_000_000, FundDrainShockDown = 0.04, AdlNotionalDown = 3_000_000 }));

        var resolved = Assert.Single(Run(book, Risk(2_000) with { InsuranceFund = 2_000_000 }));

        Assert.Equal((AlertRule.InsuranceFundAtRisk, AlertState.Resolved, raised.Id), (resolved.Rule, resolved.State, resolved.Id));
        Assert.Equal("The smallest move down on BTCUSDT that drains the insurance fund (2,000,000) went from 4.0% to none within 12.0%, past the 10.0% limit.", resolved.Explanation);
    }

    [Fact]
    public void Resolved_LiquidationWallThinned_SaysTheRatioItFellFromAndTo()
    {
        var book = new AlertBook(_ => Immediate);
        var raised = Assert.Single(Run(book, Risk(1_000, wall: new BandFigures(0.02, 5_000_000, 0, 2_000_000, 10_000_000))));

        var resolved = Assert.Single(Run(book, Risk(2_000, wall: new BandFigures(0.02, 1_000_000, 0, 2_000_000, 10_000_000))));

        Assert.Equal((AlertRule.LiquidationWall, AlertState.Resolved, raised.Id), (resolved.Rule, resolved.State, resolved.Id));
        Assert.Equal("Liquidatable notional within 2.0% down of BTCUSDT fell from 2.50x to 0.50x the resting bids (1,000,000 against 2,000,000), under the 1.00x threshold.", resolved.Explanation);
    }

    [Fact]
    public void Resolved_DepthBack_SaysFromWhatDrop()
    {
        var book = new AlertBook(_ => Immediate);
        var raised = Assert.Single(Run(book, Risk(1_000, depth: 100, peak: 1_000)));

        var resolved = Assert.Single(Run(book, Risk(2_000, depth: 900, peak: 1_000)));

        Assert.Equal((AlertRule.LiquidityWithdrawal, AlertState.Resolved, raised.Id), (resolved.Rule, resolved.State, resolved.Id));
        Assert.Equal("Depth within ±1% of BTCUSDT is back to 900 (10% under its 60 s peak 1,000, from a 90% drop), under the 50% threshold.", resolved.Explanation);
    }

    [Fact]
    public void Resolved_LiquidationsSlowed_SaysTheRateItSlowedFromAndTo()
    {
        var book = new AlertBook(_ => Immediate);
        var raised = Assert.Single(Run(book, Risk(1_000, rate: 1_000_000, move: -0.015)));

        var resolved = Assert.Single(Run(book, Risk(2_000, rate: 50_000, move: -0.015)));

        Assert.Equal((AlertRule.CascadeInProgress, AlertState.Resolved, raised.Id), (resolved.Rule, resolved.State, resolved.Id));
        Assert.Equal("Liquidations on BTCUSDT slowed from 1,000,000/s to 50,000/s over the last 10 s (threshold 250,000/s) and the mark moved -1.50% (threshold 0.50%): the cascade is over.", resolved.Explanation);
    }

    [Fact]
    public void Resolved_SystemicShockRose_SaysFromWhatToWhat()
    {
        var book = new AlertBook(_ => Immediate);
        var output = new List<AlertTransition>();
        book.Evaluate(System(1_000), output);
        var raised = Assert.Single(output);
        output.Clear();

        book.Evaluate(System(2_000) with { CriticalShockDown = 0.08, ChainDown = System(2_000).ChainDown! with { Shock = 0.08 } }, output);

        var resolved = Assert.Single(output);
        Assert.Equal((AlertRule.SystemicCascadeRisk, AlertState.Resolved, raised.Id), (resolved.Rule, resolved.State, resolved.Id));
        Assert.Equal("The system critical shock down of BTCUSDT rose from 1.0% to 8.0%, above the 5.0% threshold (and its 6.0% resolve margin).", resolved.Explanation);
    }

    [Fact]
    public void Resolved_SystemicNoRunawayLeft_SaysSoWithTheLastShock()
    {
        var book = new AlertBook(_ => Immediate);
        var output = new List<AlertTransition>();
        book.Evaluate(System(1_000), output);
        output.Clear();

        book.Evaluate(System(2_000) with { CriticalShockDown = null, ChainDown = null }, output);

        Assert.Equal("The system critical shock down of BTCUSDT was 1.0%; no factor move up to 50% makes any instrument run away any more.", Assert.Single(output).Explanation);
    }

    [Fact]
    public void LargeAccount_NearThenGone_RaisedThenResolvedSayingThePositionLeft()
    {
        var book = new AlertBook(_ => Immediate);
        var near = new NearLiquidation("whale", 100, 6_000_000, 59_000, 0.004);

        var raised = Assert.Single(Run(book, Risk(1_000, large: [near])));
        var resolved = Assert.Single(Run(book, Risk(2_000)));

        Assert.Equal((AlertRule.LargeAccountNearLiquidation, "whale", AlertSeverity.Critical), (raised.Rule, raised.Qualifier, raised.Severity));
        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal(raised.Id, resolved.Id);
        Assert.StartsWith("Account whale's position in BTCUSDT (last 0.40% from its liquidation price) was closed", resolved.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void LargeAccount_IsAShareOfTheMarket_NotAFixedNotional()
    {
        // 5% of 1B open interest = 50M; 50% of 80M depth within ±1% = 40M: large from 40M.
        var book = new AlertBook(_ => Immediate);
        var medium = new NearLiquidation("medium", 500, 30_000_000, 59_000, 0.004);
        var whale = new NearLiquidation("whale", 800, 45_000_000, 59_000, 0.004);

        var deep = Run(book, Risk(1_000, large: [medium, whale], openInterest: 1_000_000_000, depth: 80_000_000, peak: 80_000_000));
        var thin = Run(book, Risk(2_000, large: [medium, whale], openInterest: 200_000_000, depth: 80_000_000, peak: 80_000_000)); // 5% of OI = 10M

        var raised = Assert.Single(deep);
        Assert.Equal("whale", raised.Qualifier);
        Assert.Equal(40_000_000, raised.Metrics.Single(m => m.Name == "largeNotional").Value);
        Assert.Equal("medium", Assert.Single(thin).Qualifier);
        Assert.Equal(40_000_000, AlertBook.LargeAccountSize(Risk(0, openInterest: 1_000_000_000, depth: 80_000_000), Thresholds));
        Assert.Equal(Thresholds.LargeAccountNotional, AlertBook.LargeAccountSize(Risk(0), Thresholds)); // nothing known: the floor
    }

    [Fact]
    public void LargeAccount_ResolvedWhenItShrinksUnderTheShare_SaysSo()
    {
        var book = new AlertBook(_ => Immediate);
        Run(book, Risk(1_000, large: [new NearLiquidation("whale", 800, 45_000_000, 59_000, 0.004)], openInterest: 600_000_000)); // large from 30M

        var resolved = Assert.Single(Run(book, Risk(2_000, large: [new NearLiquidation("whale", 300, 18_000_000, 59_000, 0.004)], openInterest: 600_000_000)));

        Assert.Equal("Account whale's position in BTCUSDT is 18,000,000, under the large-account size 30,000,000 (5% of open interest or 50% of the ±1% depth).", resolved.Explanation);
    }

    [Fact]
    public void CascadeRisk_AChainSmallAgainstTheBook_IsNoCascade()
    {
        // The test chain liquidates 1M: 5% of a 30M bid side within ±1% is 1.5M.
        var book = new AlertBook(_ => Immediate);
        var deep = Risk(1_000, criticalDown: 0.01) with { Bands = [new BandFigures(0.01, 0, 0, 30_000_000, 30_000_000)] };
        var thin = Risk(2_000, criticalDown: 0.01) with { Bands = [new BandFigures(0.01, 0, 0, 10_000_000, 10_000_000)] };

        Assert.Empty(Run(book, deep));
        Assert.Equal(AlertRule.CascadeRisk, Assert.Single(Run(book, thin)).Rule);
    }

    [Fact]
    public void LiquidityWithdrawal_DepthHalvedFromPeak_Raised()
    {
        var book = new AlertBook(_ => Immediate);

        Assert.Empty(Run(book, Risk(1_000, depth: 600, peak: 1_000)));
        var raised = Assert.Single(Run(book, Risk(2_000, depth: 100, peak: 1_000)));

        Assert.Equal((AlertRule.LiquidityWithdrawal, AlertSeverity.Critical), (raised.Rule, raised.Severity));
        Assert.Equal(0.9, raised.Metrics.Single(m => m.Name == "drop").Value, 12);
    }

    [Fact]
    public void CascadeInProgress_NeedsBothRateAndPriceMove()
    {
        var book = new AlertBook(_ => Immediate);

        Assert.Empty(Run(book, Risk(1_000, rate: 1_000_000, move: 0.001)));
        var raised = Assert.Single(Run(book, Risk(2_000, rate: 1_000_000, move: -0.015)));

        Assert.Equal((AlertRule.CascadeInProgress, AlertSeverity.Critical), (raised.Rule, raised.Severity));
    }

    [Fact]
    public void CascadeInProgress_TheRateIsMeasuredAgainstTheBook()
    {
        // 1% of 200M depth within ±1% per second = 2M/s: 1M/s is no cascade on this book.
        var book = new AlertBook(_ => Immediate);

        Assert.Empty(Run(book, Risk(1_000, rate: 1_000_000, move: -0.015, depth: 200_000_000, peak: 200_000_000)));
        Assert.Single(Run(book, Risk(2_000, rate: 3_000_000, move: -0.015, depth: 200_000_000, peak: 200_000_000)));
    }

    [Fact]
    public void LiquidationWall_LiquidatableExceedsDepthInBand_Raised()
    {
        var book = new AlertBook(_ => Immediate);

        var raised = Run(book, Risk(1_000, wall: new BandFigures(0.02, 5_000_000, 0, 2_000_000, 10_000_000)));

        var wall = Assert.Single(raised);
        Assert.Equal((AlertRule.LiquidationWall, "down", AlertSeverity.Warning), (wall.Rule, wall.Qualifier, wall.Severity));
        Assert.Equal(2.5, wall.Metrics.Single(m => m.Name == "ratio").Value, 12);
    }

    [Fact]
    public void Evaluate_SteadyState_OpenAlertsWithoutTransitions_ZeroBytes()
    {
        // Open alerts of every kind the evaluation walks (a cascade, a large account beside a smaller one, a wall, the
        // systemic cascade) whose figures do not change: every evaluation decides "no transition", and allocates nothing.
        const int Evaluations = 2_000;
        var book = new AlertBook(_ => Immediate);
        var large = new NearLiquidation[] { new("whale", 100, 6_000_000, 59_000, 0.004), new("minnow", 1, 60_000, 59_000, 0.004) };
        var wall = new BandFigures(0.02, 5_000_000, 0, 2_000_000, 10_000_000);
        var risks = new SymbolRisk[Evaluations];
        var views = new SystemView[Evaluations];
        for (var i = 0; i < Evaluations; i++)
        {
            risks[i] = Risk(1_000 + (i * 100L), criticalDown: 0.018, large: large, wall: wall);
            views[i] = System(1_000 + (i * 100L));
        }

        var output = new List<AlertTransition>(64);
        for (var i = 0; i < 100; i++)
        {
            book.Evaluate(risks[i], output);
            book.Evaluate(views[i], output);
        }

        Assert.Equal(4, book.OpenCount);
        output.Clear();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 100; i < Evaluations; i++)
        {
            book.Evaluate(risks[i], output);
            book.Evaluate(views[i], output);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Empty(output);
        Assert.Equal(0, allocated);
    }

    /// <summary>A system view with a runaway chain down at 1% of BTCUSDT (β 1.2 for ETHUSDT), every book complete.</summary>
    private static SystemView System(long time) => new()
    {
        EventTime = time,
        Reference = "BTCUSDT",
        Symbols = ["BTCUSDT", "ETHUSDT"],
        Marks = [60_000, 3_000],
        Betas = [1, 1.2],
        InsuranceFund = 1_000_000,
        Accounts = 100,
        Grid = [],
        CriticalShockDown = 0.01,
        ChainDown = new SystemChain("down", 0.01,
        [
            new SystemChainInstrument("BTCUSDT", -0.01, -0.012, 2_000_000, 2_000_000, 0, false),
            new SystemChainInstrument("ETHUSDT", -0.012, -0.05, 8_000_000, 1_000_000, 7_000_000, true),
        ], 40, 10_000_000, 500_000),
        ContagionMove = 0.05,
        Contagion = [],
        CriticalAccounts = [],
    };
}
