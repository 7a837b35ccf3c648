using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;

namespace StreamRisk.Engine.Tests;

/// <summary>
/// The system view on a small engine fed through its apply path: the contagion example of docs/domain.md (cross
/// accounts long BTC and ETH; ETH-only isolated longs; a BTC drop liquidates the cross accounts, whose ETH walks the
/// ETH book through the ETH-only longs).
/// </summary>
public sealed class SystemStageTests
{
    private const long T0 = 1_723_161_255_000; // a whole second: the cadence's boundaries are T0 + k s

    private static readonly Instrument Btc = new(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.005));
    private static readonly Instrument Eth = new(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005));

    private sealed record Run(RiskEngine Engine, EventClock Clock, MonitorPipeline Pipeline, List<SystemView> Views, List<AlertTransition> Alerts);

    private static Run Start(EngineOptions? options = null)
    {
        var engine = new RiskEngine(options ?? new EngineOptions());
        var clock = new EventClock();
        var views = new List<SystemView>();
        var alerts = new List<AlertTransition>();
        var pipeline = new MonitorPipeline(engine, clock, _ => { }, alerts.Add, ex => throw ex, system: views.Add);
        clock.AdvanceTo(T0);
        return new Run(engine, clock, pipeline, views, alerts);
    }

    /// <summary>BTC bids 2 per 10 USD level, ETH 20 per 0.50 USD level, 2,000 levels each side; prices in ticks.</summary>
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

    private static (double, double)[] Prices(PriceLevel[] levels, double tick) => [.. levels.Select(l => (l.PriceTicks * tick, l.Quantity))];

    /// <param name="whale">Adds a well-funded cross account long 6,000 ETH: its forced liquidation alone walks ETH through the ETH-only longs.</param>
    /// <param name="ethDepthLimit">The ETH venue's depth limit (0: complete books): its snapshot then holds that many levels a side, filling it.</param>
    private static void Load(Run run, double crossBalanceExtra = 0, bool whale = false, int ethDepthLimit = 0)
    {
        var engine = run.Engine;
        var btc = engine.ApplyInstrument(Btc);
        var eth = engine.ApplyInstrument(Eth with { BookDepthLimit = ethDepthLimit });
        var (btcBids, btcAsks) = Book(600_000, 100, 2);
        var (ethBids, ethAsks) = Book(300_000, 50, 20);
        if (ethDepthLimit > 0)
        {
            (ethBids, ethAsks) = (ethBids[..ethDepthLimit], ethAsks[..ethDepthLimit]);
        }

        engine.ApplyBookSnapshot(btc, 1, btcBids, btcAsks, T0);
        engine.ApplyBookSnapshot(eth, 1, ethBids, ethAsks, T0);
        for (var j = 0; j < 50; j++)
        {
            engine.ApplyAccount(new AccountId($"cross{j:00}"), 12_000 + (40 * j) + crossBalanceExtra, [(btc, 5, 60_000, double.NaN), (eth, 100, 3_000, double.NaN)], T0);
        }

        for (var j = 0; j < 200; j++)
        {
            engine.ApplyAccount(new AccountId($"eth{j:000}"), 0, [(eth, 10, 3_000, 1_344 + (1.5 * j))], T0);
        }

        if (whale)
        {
            engine.ApplyAccount(new AccountId("whale"), 10_000_000, [(eth, 6_000, 3_000, double.NaN)], T0);
        }

        engine.ApplyMark(btc, 60_000, T0);
        engine.ApplyMark(eth, 3_000, T0);
    }

    /// <summary>The same state loaded into a projector by hand: what the system stage must have loaded from the engine.</summary>
    private static PortfolioProjector ByHand(double crossBalanceExtra = 0)
    {
        var projector = new PortfolioProjector(MarginProfile.Binance);
        projector.Reset(2);
        projector.SetInstrument(0, Btc, 60_000);
        projector.SetInstrument(1, Eth, 3_000);
        var (btcBids, btcAsks) = Book(600_000, 100, 2);
        var (ethBids, ethAsks) = Book(300_000, 50, 20);
        projector.BidsOf(0).Load(Prices(btcBids, 0.1));
        projector.AsksOf(0).Load(Prices(btcAsks, 0.1));
        projector.BidsOf(1).Load(Prices(ethBids, 0.01));
        projector.AsksOf(1).Load(Prices(ethAsks, 0.01));
        for (var j = 0; j < 50; j++)
        {
            var a = projector.AddAccount(new AccountId($"cross{j:00}"), 12_000 + (40 * j) + crossBalanceExtra);
            projector.AddPosition(a, 0, 5, 60_000, double.NaN);
            projector.AddPosition(a, 1, 100, 3_000, double.NaN);
        }

        for (var j = 0; j < 200; j++)
        {
            var a = projector.AddAccount(new AccountId($"eth{j:000}"), 0);
            projector.AddPosition(a, 1, 10, 3_000, 1_344 + (1.5 * j));
        }

        projector.Seal();
        return projector;
    }

    [Fact]
    public void ViewOfTheEngine_SameNumbersAsAProjectorLoadedByHand()
    {
        var run = Start();
        using (run.Pipeline)
        {
            Load(run);
            run.Clock.AdvanceTo(T0 + 1_000);

            var view = Assert.Single(run.Views);
            var hand = ByHand();
            var risk = new SystemRisk(hand);
            var outcome = new PortfolioOutcome();
            double[] betas = [1, 1];
            const double fund = 2_000_000; // the two instruments' default funds, summed

            Assert.Equal(["BTCUSDT", "ETHUSDT"], view.Symbols);
            Assert.Equal("BTCUSDT", view.Reference);
            Assert.Equal(fund, view.InsuranceFund);
            Assert.Equal(250, view.Accounts);
            Assert.Equal(betas, view.Betas);
            Assert.Equal(2 * CascadeShocks.DefaultGrid.Count, view.Grid.Count);
            foreach (var scenario in view.Grid)
            {
                risk.ProjectFactor(0, scenario.Move, betas, fund, outcome);
                Assert.Equal(outcome.LiquidatedAccounts, scenario.LiquidatedAccounts);
                Assert.Equal(outcome.InsuranceFundAfter, scenario.InsuranceFundAfter);
                for (var i = 0; i < 2; i++)
                {
                    Assert.Equal(outcome.Instrument(i).Move, scenario.Instruments[i].Move);
                    Assert.Equal(outcome.Instrument(i).LiquidatedNotional, scenario.Instruments[i].LiquidatedNotional);
                    Assert.Equal(outcome.Instrument(i).IsRunaway, scenario.Instruments[i].Runaway);
                }
            }

            Assert.Equal(risk.CriticalShock(0, betas, CascadeDirection.Down, fund), view.CriticalShockDown);
            Assert.Equal(risk.CriticalShock(0, betas, CascadeDirection.Up, fund), view.CriticalShockUp);
            var contagion = risk.Contagion(0.05, fund).ToArray();
            Assert.Equal(contagion.Select(e => (e.Move, e.LiquidatedNotional)), view.Contagion.Select(c => (c.Move, c.LiquidatedNotional)));
            Assert.Equal(("BTCUSDT", "down", "ETHUSDT"), (view.Contagion[0].From, view.Contagion[0].Direction, view.Contagion[0].To));
            var top = new CriticalAccount[5];
            var found = risk.CriticalAccounts(fund, 32, top);
            Assert.Equal(top.Take(found).Select(c => (hand.AccountAt(c.Account).Value, c.AdditionalNotional)),
                view.CriticalAccounts.Select(c => (c.Account, c.AdditionalNotional)));

            // The engine's state is the example's: a 3.1% BTC drop alone liquidates every account, ETH ends at 2,825.00.
            run.Pipeline.SystemStage!.Projector.Project([-0.031, 0], fund, outcome);
            Assert.Equal(250, outcome.LiquidatedAccounts);
            Assert.Equal(2_825.00, outcome.Instrument(1).FinalPrice, 6);
            Assert.True(view.Contagion[0].LiquidatedNotional > 0, "a 5% BTC drop reaches ETH");
        }
    }

    [Fact]
    public void ChainAtTheCriticalShock_ImportedIsTheFactorLiquidationLessTheInstrumentAlone()
    {
        var run = Start();
        using (run.Pipeline)
        {
            Load(run);
            run.Clock.AdvanceTo(T0 + 1_000);

            var view = Assert.Single(run.Views);
            var chain = view.ChainDown!;
            var shock = view.CriticalShockDown!.Value;
            Assert.Equal(shock, chain.Shock);
            var hand = ByHand();
            var outcome = new PortfolioOutcome();
            hand.Project([-shock, -shock], 2_000_000, outcome);
            Assert.Equal(outcome.LiquidatedNotional, chain.LiquidatedNotional);
            hand.Project([0, -shock], 2_000_000, outcome);
            var eth = chain.Instruments[1];
            Assert.Equal(outcome.Instrument(1).LiquidatedNotional, eth.AloneNotional);
            Assert.Equal(eth.LiquidatedNotional - eth.AloneNotional, eth.ImportedNotional);
            Assert.True(eth.ImportedNotional > 0, "the cross accounts' ETH comes from their BTC failing");
        }
    }

    [Fact]
    public void Cadence_ViewsAtEventTimeBoundariesAfterAChange_NoneWhileQuiet()
    {
        var run = Start();
        using (run.Pipeline)
        {
            Load(run);
            run.Clock.AdvanceTo(T0 + 999);
            Assert.Empty(run.Views);

            run.Clock.AdvanceTo(T0 + 1_000);
            Assert.Equal([T0 + 1_000], run.Views.Select(v => v.EventTime));

            // Nothing changed: no view however far event time goes.
            run.Clock.AdvanceTo(T0 + 5_000);
            Assert.Single(run.Views);

            run.Engine.ApplyMark(0, 59_900, T0 + 5_000);
            run.Clock.AdvanceTo(T0 + 5_999);
            Assert.Single(run.Views);
            run.Clock.AdvanceTo(T0 + 9_000);
            Assert.Equal([T0 + 1_000, T0 + 6_000], run.Views.Select(v => v.EventTime));
            Assert.Equal(59_900, run.Views[^1].Marks[0]);
        }
    }

    [Fact]
    public void IntervalZero_NoSystemView()
    {
        var run = Start(new EngineOptions { SystemInterval = TimeSpan.Zero });
        using (run.Pipeline)
        {
            Load(run);
            run.Clock.AdvanceTo(T0 + 10_000);
            Assert.Null(run.Pipeline.SystemStage);
            Assert.Empty(run.Views);
        }
    }

    [Fact]
    public void ConfiguredReferenceAndBetas_AreUsed()
    {
        var run = Start(new EngineOptions { SystemReference = "ETHUSDT", SystemBetas = new Dictionary<string, double> { ["BTCUSDT"] = 0.5, ["ETHUSDT"] = 3 } });
        using (run.Pipeline)
        {
            Load(run);
            run.Clock.AdvanceTo(T0 + 1_000);

            var view = Assert.Single(run.Views);
            Assert.Equal("ETHUSDT", view.Reference);
            Assert.Equal([0.5, 1.0], view.Betas); // the reference moves by the factor itself
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EstimatedBetas_FromOneMinuteReturnsOfTheMarks_UsedByTheView_OverrideWins(bool overridden)
    {
        // ETH's log return every minute is exactly 1.5 × BTC's: OLS over the window gives β = 1.5 (docs/beta-estimation.md).
        var options = new EngineOptions { SystemBetas = overridden ? new Dictionary<string, double> { ["ETHUSDT"] = 2 } : new Dictionary<string, double>() };
        var run = Start(options);
        using (run.Pipeline)
        {
            Load(run);
            var random = new Random(11);
            double btcLog = 0;
            for (var minute = 1; minute <= 40; minute++)
            {
                btcLog += 0.002 * ((2 * random.NextDouble()) - 1);
                var at = T0 + (minute * 60_000L) + 500;
                run.Clock.AdvanceTo(at - 100);
                run.Engine.ApplyMark(0, 60_000 * Math.Exp(btcLog), at);
                run.Engine.ApplyMark(1, 3_000 * Math.Exp(1.5 * btcLog), at);
            }

            run.Clock.AdvanceTo(T0 + (42 * 60_000L));
            var view = run.Views[^1];
            Assert.Equal("BTCUSDT", view.Reference);
            Assert.Equal(1.0, view.Betas[0]);
            Assert.Equal(overridden ? 2.0 : 1.5, view.Betas[1], 9);
            Assert.Equal(39, run.Engine.Betas!.Observations(1));
        }
    }

    [Fact]
    public void SystemicCascadeRisk_RaisedEscalatedResolved()
    {
        // No dwell (the views come once a second here; the dwell is AlertBookTests'), and a 7% threshold: 1.7% is a
        // warning (7% ÷ 1.7% = 4.1, past ∛10), 1.3% critical (5.4, past ∛100).
        var system = new AlertThresholds
        {
            SystemicCriticalShock = 0.07, RaiseDwell = TimeSpan.Zero, ResolveDwell = TimeSpan.Zero, UpdateMinInterval = TimeSpan.Zero,
        };
        var run = Start(new EngineOptions { Thresholds = new Dictionary<string, AlertThresholds> { [SystemView.AlertSymbol] = system } });
        using (run.Pipeline)
        {
            Load(run, whale: true);
            run.Clock.AdvanceTo(T0 + 1_000);
            var raised = Assert.Single(run.Alerts, a => a.Rule == AlertRule.SystemicCascadeRisk);
            Assert.Equal((AlertState.Raised, "SYSTEM", "down"), (raised.State, raised.Symbol, raised.Qualifier));
            Assert.Equal($"SystemicCascadeRisk:SYSTEM:down:{T0 + 1_000}", raised.Id);
            Assert.Equal(run.Views[^1].CriticalShockDown!.Value, raised.Metrics.Single(m => m.Name == "criticalShock").Value);
            Assert.Equal(AlertSeverity.Warning, raised.Severity);
            Assert.Contains("ETHUSDT -1.7% → -5.8% (runs away)", raised.Explanation, StringComparison.Ordinal);
            Assert.Contains("from elsewhere", raised.Explanation, StringComparison.Ordinal);
            Assert.Contains("Critical accounts: whale (+", raised.Explanation, StringComparison.Ordinal);

            // The cross accounts withdraw cash: a 1.3% shock sets the chain off.
            for (var j = 0; j < 50; j++)
            {
                run.Engine.ApplyBalance(new AccountId($"cross{j:00}"), 10_000 + (40 * j), T0 + 1_500);
            }

            run.Clock.AdvanceTo(T0 + 2_000);
            var escalated = run.Alerts.Last(a => a.Rule == AlertRule.SystemicCascadeRisk);
            Assert.Equal((AlertState.Escalated, AlertSeverity.Critical, raised.Id, 1), (escalated.State, escalated.Severity, escalated.Id, escalated.Sequence));

            // Deep bids on both books: nothing runs away any more.
            run.Engine.ApplyBookSnapshot(0, 2, [new PriceLevel(599_900, 1_000_000)], [new PriceLevel(600_100, 1_000_000)], T0 + 2_500);
            run.Engine.ApplyBookSnapshot(1, 2, [new PriceLevel(299_950, 10_000_000)], [new PriceLevel(300_050, 10_000_000)], T0 + 2_500);
            run.Clock.AdvanceTo(T0 + 3_000);
            var resolved = run.Alerts.Last(a => a.Rule == AlertRule.SystemicCascadeRisk);
            Assert.Equal((AlertState.Resolved, raised.Id, T0 + 3_000), (resolved.State, resolved.Id, resolved.EventTime));
            Assert.Null(run.Views[^1].CriticalShockDown);
        }
    }

    /// <summary>
    /// ETH's snapshot fills a venue depth limit: known to 3% (180 levels of 0.50 USD) the book covers ETH's 1.7% move at
    /// the system critical shock though the chain walks on past it into modelled depth, and the alert is a warning as on
    /// the complete book; known to 0.33% (20 levels) it is short of the move, and the alert is held at info.
    /// </summary>
    [Theory]
    [InlineData(180, 0.03, AlertSeverity.Warning)]
    [InlineData(20, 0.0033, AlertSeverity.Info)]
    public void SystemicCascadeRisk_WarmUp_ByTheKnownRangeOfTheWalkedBooks(int ethDepthLimit, double ethKnownRange, AlertSeverity expected)
    {
        var system = new AlertThresholds { SystemicCriticalShock = 0.07, RaiseDwell = TimeSpan.Zero };
        var run = Start(new EngineOptions { Thresholds = new Dictionary<string, AlertThresholds> { [SystemView.AlertSymbol] = system } });
        using (run.Pipeline)
        {
            Load(run, whale: true, ethDepthLimit: ethDepthLimit);
            run.Clock.AdvanceTo(T0 + 1_000);

            var view = run.Views[^1];
            Assert.Null(view.KnownRangesDown[0]);
            Assert.Equal(ethKnownRange, view.KnownRangesDown[1]!.Value, 3);
            Assert.Equal(ethKnownRange, view.KnownRangesUp[1]!.Value, 3);
            var eth = view.ChainDown!.Instruments[1];
            Assert.True(eth.LeftKnownBook);
            Assert.Equal(view.KnownRangesDown[1], eth.KnownRange); // net selling walked the bids
            Assert.Null(view.ChainDown.Instruments[0].KnownRange); // BTC's book is complete
            var raised = Assert.Single(run.Alerts, a => a.Rule == AlertRule.SystemicCascadeRisk);
            Assert.Equal(expected, raised.Severity);
            Assert.Equal(expected == AlertSeverity.Info, raised.Explanation.Contains("warm-up", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void SameEvents_SameViews()
    {
        string Views()
        {
            var run = Start();
            using (run.Pipeline)
            {
                Load(run);
                run.Engine.ApplyMark(1, 2_990, T0 + 1_200);
                run.Clock.AdvanceTo(T0 + 3_000);
                return string.Join('\n', run.Views.Select(v => System.Text.Json.JsonSerializer.Serialize(v)));
            }
        }

        Assert.Equal(Views(), Views());
    }
}
