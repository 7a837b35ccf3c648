using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Engine.Tests;

public sealed class MonitorPipelineTests
{
    private const long T0 = 1_723_161_255_000;

    /// <summary>A thin book under a cluster of 50x longs (LP ≈ 98.5 on a 100 mark): a ~1.5% drop runs away.</summary>
    private static (RiskEngine Engine, EventClock Clock, List<AlertTransition> Alerts, List<SymbolRisk> Risks, MonitorPipeline Pipeline) Scenario(
        TimeSpan markAtOnceInterval = default)
    {
        // A small scenario: the cascade is ~20k of notional, below the default materiality floors of CascadeRisk. No
        // dwell: these tests follow the pipeline's projections one by one (the dwell is AlertBookTests').
        var engine = new RiskEngine(new EngineOptions
        {
            DefaultInsuranceFund = 1_000,
            DefaultThresholds = new AlertThresholds
            {
                CascadeMinNotional = 0, CascadeMinDepthShare = 0, RaiseDwell = TimeSpan.Zero, ResolveDwell = TimeSpan.Zero, UpdateMinInterval = TimeSpan.Zero,
            },
            MarkAtOnceInterval = markAtOnceInterval,
        });
        var clock = new EventClock();
        var alerts = new List<AlertTransition>();
        var risks = new List<SymbolRisk>();
        var pipeline = new MonitorPipeline(engine, clock, risks.Add, alerts.Add, ex => throw ex);
        clock.AdvanceTo(T0);
        var sym = engine.ApplyInstrument(new Instrument(new Symbol("XUSDT"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)));
        engine.ApplyBookSnapshot(sym, 1, [new PriceLevel(9_990, 5), new PriceLevel(9_950, 5), new PriceLevel(9_900, 5), new PriceLevel(9_000, 10_000)],
            [new PriceLevel(10_010, 10_000)], T0);
        for (var i = 0; i < 20; i++)
        {
            // 50x isolated longs: LP = (100 − 2)/(1 − 0.005) ≈ 98.49.
            engine.ApplyAccount(new AccountId($"lev{i:00}"), 0, [(sym, 10, 100, 20)], T0);
        }

        engine.ApplyMark(sym, 100, T0);
        return (engine, clock, alerts, risks, pipeline);
    }

    [Fact]
    public void ThinBookUnderFiftyTimesLongs_RaisesCriticalCascadeRiskDown()
    {
        var (engine, clock, alerts, risks, pipeline) = Scenario();
        using (pipeline)
        {
            clock.AdvanceTo(T0 + 1_000);

            // The projection of the first touch at T0 came before the first mark (nothing to project); the mark itself
            // projects at once (marks are not throttled), still at T0.
            var raised = Assert.Single(alerts, a => a.Rule == AlertRule.CascadeRisk);
            Assert.Equal(AlertState.Raised, raised.State);
            Assert.Equal("down", raised.Qualifier);
            Assert.Equal($"CascadeRisk:XUSDT:down:{T0}", raised.Id);
            // 200 of longs at LP ≈ 98.49 sell into 15 of bids then 9,000: 1.6% is the first step crossing them.
            Assert.Equal(0.016, raised.Metrics.Single(m => m.Name == "criticalShock").Value, 9);
            Assert.Equal(AlertSeverity.Info, raised.Severity); // 1.6%: 3% ÷ 1.6% = 1.9, under ∛10 past the threshold
            Assert.StartsWith("A 1.6% move down from 100.00 liquidates 20 positions", raised.Explanation, StringComparison.Ordinal);
            Assert.Equal(0.016, risks[^1].CriticalShockDown);
            Assert.Null(risks[^1].CriticalShockUp);
        }
    }

    [Fact]
    public void DeepBidsArrive_CascadeRiskResolvesAtTheNextThrottleSlot()
    {
        var (engine, clock, alerts, _, pipeline) = Scenario();
        using (pipeline)
        {
            // Raised by the mark's projection at T0; a book change 50 ms later is inside that projection's slot.
            Assert.Contains(alerts, a => a.Rule == AlertRule.CascadeRisk && a.State == AlertState.Raised);
            clock.AdvanceTo(T0 + 50);
            engine.ApplyBookSnapshot(0, 2, [new PriceLevel(9_990, 100_000)], [new PriceLevel(10_010, 10_000)], T0 + 50);
            var beforeSlot = alerts.Count;
            clock.AdvanceTo(T0 + 99);
            Assert.Equal(beforeSlot, alerts.Count);

            clock.AdvanceTo(T0 + 100);

            var resolved = alerts.Last(a => a.Rule == AlertRule.CascadeRisk);
            Assert.Equal(AlertState.Resolved, resolved.State);
            Assert.Equal(AlertRule.CascadeRisk, resolved.Rule);
            Assert.Equal(1, resolved.Sequence);
            Assert.Equal(T0 + 100, resolved.EventTime);
        }
    }

    [Fact]
    public void MarkInsideAThrottleSlot_ProjectsAtOnce_BookChangesWaitForTheSlot()
    {
        var (engine, clock, _, risks, pipeline) = Scenario();
        using (pipeline)
        {
            var projected = risks.Count;
            clock.AdvanceTo(T0 + 10);
            engine.ApplyBookSnapshot(0, 2, [new PriceLevel(9_990, 5)], [new PriceLevel(10_010, 10_000)], T0 + 10);
            Assert.Equal(projected, risks.Count); // the book change waits for the slot

            clock.AdvanceTo(T0 + 20);
            engine.ApplyMark(0, 99.9, T0 + 20); // a 0.1% move, far below the large-move trigger
            Assert.Equal(projected + 1, risks.Count);
            Assert.Equal(T0 + 20, risks[^1].EventTime);

            clock.AdvanceTo(T0 + 30);
            engine.ApplyMark(0, 99.8, T0 + 30); // and the next, 10 ms later, too (MarkAtOnceInterval 0)
            Assert.Equal(projected + 2, risks.Count);
            Assert.Equal(99.8, risks[^1].Mark);
        }
    }

    [Fact]
    public void MarkAtOnceInterval_MarksFasterThanIt_WaitForTheSlot()
    {
        var (engine, clock, _, risks, pipeline) = Scenario(TimeSpan.FromMilliseconds(500));
        using (pipeline)
        {
            // A book change after a quiet slot projects at once and opens a slot; the next one waits for it.
            clock.AdvanceTo(T0 + 600);
            engine.ApplyBookSnapshot(0, 2, [new PriceLevel(9_990, 5)], [new PriceLevel(10_010, 10_000)], T0 + 600);
            var projected = risks.Count;
            clock.AdvanceTo(T0 + 610);
            engine.ApplyBookSnapshot(0, 3, [new PriceLevel(9_990, 6)], [new PriceLevel(10_010, 10_000)], T0 + 610);
            Assert.Equal(projected, risks.Count); // the book change waits for the slot

            // The first mark since the one at T0 (≥ MarkAtOnceInterval ago) does not wait.
            clock.AdvanceTo(T0 + 620);
            engine.ApplyMark(0, 99.9, T0 + 620); // a 0.1% move, far below the large-move trigger
            Assert.Equal(projected + 1, risks.Count);
            Assert.Equal(T0 + 620, risks[^1].EventTime);
            Assert.Equal(99.9, risks[^1].Mark);

            // A mark faster than a venue's pace (50 ms later) waits for the slot like a book change.
            clock.AdvanceTo(T0 + 670);
            engine.ApplyMark(0, 99.95, T0 + 670);
            Assert.Equal(projected + 1, risks.Count);
            clock.AdvanceTo(T0 + 720);
            Assert.Equal(projected + 2, risks.Count);
            Assert.Equal(99.95, risks[^1].Mark);
        }
    }

    [Fact]
    public void SameScenarioTwice_GivesIdenticalTransitions()
    {
        string Run()
        {
            var (engine, clock, alerts, _, pipeline) = Scenario();
            using (pipeline)
            {
                engine.ApplyMark(0, 99.5, T0 + 500);
                clock.AdvanceTo(T0 + 500);
                engine.ApplyMark(0, 98.9, T0 + 700);
                clock.AdvanceTo(T0 + 5_000);
                return string.Join("\n", alerts.Select(a => $"{a.TransitionId} {a.State} {a.Severity} {a.EventTime} {string.Join(",", a.Metrics)}"));
            }
        }

        var first = Run();

        Assert.NotEmpty(first);
        Assert.Equal(first, Run());
    }
}
