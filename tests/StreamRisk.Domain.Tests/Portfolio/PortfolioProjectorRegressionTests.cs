using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Domain.Tests.Portfolio;

/// <summary>Cases the generated comparison with <see cref="ReferencePortfolio"/> found, cut down to their cause.</summary>
public sealed class PortfolioProjectorRegressionTests
{
    [Fact]
    public void Project_AfterReloadingMoreUnits_CountsEveryLiquidatedAccount()
    {
        // A projector's first load (one account) and projection stamp account 0 as liquidated in that scenario. A second
        // load with more units than the first grows the per-unit buffers; the next projection must still count account 0
        // when it is liquidated again (found by the generated comparison with the reference: 10 accounts against 11).
        var tiers = MarginTiers.Flat(0.01);
        var instrument = new Instrument(new Symbol("X"), ContractKind.Linear, 0.01, 0.001, tiers);
        (double, double)[] bids = [(99, 1_000)];
        (double, double)[] asks = [(101, 1_000)];
        RefAccount Underwater() => new(0, [new RefLeg(0, 1, 100, 1)]); // margin 1 against MM 0.99 at 99: liquidated by a 1% drop
        var projector = new PortfolioProjector(MarginProfile.Binance);
        var outcome = new PortfolioOutcome();
        var small = new PortfolioCase(MarginProfile.Binance, [new RefInstrument(instrument, 100, bids, asks)], [Underwater()], [-0.01], 0, -1);
        small.Load(projector);
        small.Project(projector, outcome);
        Assert.Equal(1, outcome.LiquidatedAccounts);

        var large = small with { Accounts = [.. Enumerable.Range(0, 40).Select(_ => Underwater())] };
        large.Load(projector);
        large.Project(projector, outcome);

        Assert.Equal(40, outcome.LiquidatedUnits);
        Assert.Equal(40, outcome.LiquidatedAccounts);
        Assert.Equal(40, large.Reference().LiquidatedAccounts);
    }

    [Fact]
    public void Project_PoolLegCrossingATierBoundary_DecidedWithTheTierAtItsPrice()
    {
        // A cross pool long 4.1 BTC at 60,000 (246,000 notional: the 2.5 % tier up to 250,000, 5 % above) and short 120 ETH
        // at 3,000. Both 5 % up: BTC's leg is in the next tier, its MM 207.5 above what the mark's tier would give, and the
        // pool is liquidatable below a balance of 13,505 (13,297.5 with the mark's tier). Balances 5 apart sweep through
        // that window. Down 5 % in between keeps the leg in
        // its tier, so a tier remembered from the mark or from an earlier scenario shows as a different verdict.
        var tiers = MarginTiers.Create([(0.0, 0.01, null), (50_000.0, 0.025, null), (250_000.0, 0.05, null)]);
        var btc = new Instrument(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, tiers);
        var eth = new Instrument(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005));
        (double, double)[] Levels(double mark, int side) => [.. Enumerable.Range(1, 50).Select(k => (mark * (1 + (side * 0.001 * k)), 1_000_000.0))];
        // The books stand where the 5 % rally puts the prices, so a round's flow moves them one level from there.
        RefInstrument[] instruments = [new(btc, 60_000, Levels(63_000, -1), Levels(63_000, 1)), new(eth, 3_000, Levels(3_150, -1), Levels(3_150, 1))];
        var accounts = Enumerable.Range(0, 800)
            .Select(k => new RefAccount(12_000 + (5.0 * k), [new RefLeg(0, 4.1, 60_000, double.NaN), new RefLeg(1, -120, 3_000, double.NaN)]))
            .ToArray();
        var projector = new PortfolioProjector(MarginProfile.Binance);
        var outcome = new PortfolioOutcome();
        var up = new PortfolioCase(MarginProfile.Binance, instruments, accounts, [0.05, 0.05], 1_000_000, -1);
        var down = up with { Moves = [-0.05, -0.05] };
        up.Load(projector);

        foreach (var scenario in new[] { up, down, up })
        {
            scenario.Project(projector, outcome);
            var reference = scenario.Reference();
            Assert.Equal(reference.LiquidatedUnits, outcome.LiquidatedUnits);
            Assert.Equal(reference.Instruments[0].FinalPrice, outcome.Instrument(0).FinalPrice);
            if (scenario == up)
            {
                Assert.True(reference.LiquidatedUnits is > 0 and < 800, $"the sweep does not straddle the boundary: {reference.LiquidatedUnits}");
            }
        }
    }

    [Fact]
    public void Project_FlowIntoAnExhaustedSide_LeavesThePriceWhereItIs()
    {
        // mmr 0 (liquidatable when equity < 0), no moves. X: bids 99 × 1, asks 101 × 1,000. Y: bids 95 × 1, 90 × 1, 80 × 1,000.
        // Round 1: F is forced: sells 1 X at 99 (the bids are now empty: X → 99) and 1 Y at 95 (Y → 95).
        // Round 2 at (99, 95): P (long Y, short X, balance 2) has 2 − 5 − 1 < 0: sells 1 Y at 90 (Y → 90), buys 1 X at 101
        // (X → 101). Q (long Y, long X, balance 7) has 7 − 5 − 1 = 1: safe.
        // Round 3 at (101, 90): Q has 7 − 10 + 1 < 0: sells 1 Y at 80 (Y → 80) and 1 X into the empty bids: unfilled,
        // touching no level, so X stays at 101 (the bid at 99 an earlier round took is no price this round's walk made).
        var flat = MarginTiers.Flat(0);
        var x = new RefInstrument(new Instrument(new Symbol("X"), ContractKind.Linear, 0.01, 0.001, flat), 100, [(99, 1)], [(101, 1_000)]);
        var y = new RefInstrument(new Instrument(new Symbol("Y"), ContractKind.Linear, 0.01, 0.001, flat), 100, [(95, 1), (90, 1), (80, 1_000)], [(105, 1_000)]);
        var scenario = new PortfolioCase(MarginProfile.Binance, [x, y],
        [
            new RefAccount(1_000, [new RefLeg(0, 1, 100, double.NaN), new RefLeg(1, 1, 100, double.NaN)]),
            new RefAccount(2, [new RefLeg(1, 1, 100, double.NaN), new RefLeg(0, -1, 100, double.NaN)]),
            new RefAccount(7, [new RefLeg(1, 1, 100, double.NaN), new RefLeg(0, 1, 100, double.NaN)]),
        ], [], 0, 0);
        var projector = new PortfolioProjector(MarginProfile.Binance);
        scenario.Load(projector);
        var outcome = new PortfolioOutcome();

        scenario.Project(projector, outcome);

        Assert.Equal(3, outcome.RoundCount);
        Assert.True(double.IsNaN(outcome.Flow(2, 0).LastPrice));
        Assert.Equal(101, outcome.Instrument(0).FinalPrice);
        Assert.True(outcome.Instrument(0).BookExhausted);
        Assert.Equal(1, outcome.Instrument(0).Unfilled);
        Assert.Equal(80, outcome.Instrument(1).FinalPrice);
        Assert.Equal(101, scenario.Reference().Instruments[0].FinalPrice);
    }

    [Fact]
    public void Project_SideEmptiedUpToRounding_FillsNothingMore()
    {
        // mmr 0, X at 10 moves −5% to 9.5. Bids 10 × 0.1 and 9 × 0.2, whose running sum is 0.30000000000000004. A (long 0.3,
        // margin 0.06, LP 9.8) sells 0.3: the whole side, X → 9. B (long 1, margin 0.7, LP 9.3) follows at 9 and meets an
        // empty side: nothing fills, no VWAP, no level (not a fill of the sums' 5.5e-17 residue priced by their rounding).
        var x = new RefInstrument(new Instrument(new Symbol("X"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0)), 10, [(10, 0.1), (9, 0.2)], [(11, 10)]);
        var scenario = new PortfolioCase(MarginProfile.Binance, [x],
            [new RefAccount(0, [new RefLeg(0, 0.3, 10, 0.06)]), new RefAccount(0, [new RefLeg(0, 1, 10, 0.7)])], [-0.05], 0, -1);
        var projector = new PortfolioProjector(MarginProfile.Binance);
        scenario.Load(projector);
        var outcome = new PortfolioOutcome();

        scenario.Project(projector, outcome);

        Assert.Equal(2, outcome.RoundCount);
        Assert.Equal(9, outcome.Flow(0, 0).LastPrice);
        Assert.True(double.IsNaN(outcome.Flow(1, 0).Vwap), $"VWAP {outcome.Flow(1, 0).Vwap:R}");
        Assert.True(double.IsNaN(outcome.Flow(1, 0).LastPrice));
        Assert.Equal(1, outcome.Instrument(0).Unfilled);
        var reference = scenario.Reference();
        Assert.True(double.IsNaN(reference.Rounds[1].Flows[0].Vwap));
        Assert.Equal(1, reference.Instruments[0].Unfilled);
    }
    [Fact]
    public void Project_ForcedAccountWithAUnitOffTheLadders_TakesTheOtherUnitsOfTheStretch()
    {
        // mmr 1 %, mark 100. U: long 1 at 100 on an isolated margin of 0.5 against an MM of 1 — under water at the mark,
        // the first long of the ladder. F: long 1 at 100 on an isolated margin of 1,000 — no liquidation price (never
        // liquidatable at a positive price), so its unit sits on no ladder. Forcing F at the marks takes F and U; U's
        // stretch must not be reduced as if it held F's unit.
        var instrument = new Instrument(new Symbol("X"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.01));
        (double, double)[] bids = [.. Enumerable.Range(1, 20).Select(k => (100 - (0.5 * k), 1.0))];
        (double, double)[] asks = [.. Enumerable.Range(1, 20).Select(k => (100 + (0.5 * k), 1.0))];
        RefAccount[] accounts = [new(0, [new RefLeg(0, 1, 100, 0.5)]), new(0, [new RefLeg(0, 1, 100, 1_000)])];
        var scenario = new PortfolioCase(MarginProfile.Binance, [new RefInstrument(instrument, 100, bids, asks)], accounts, [0.0], 1_000_000, 1);
        var projector = new PortfolioProjector(MarginProfile.Binance);
        var outcome = new PortfolioOutcome();
        scenario.Load(projector);

        scenario.Project(projector, outcome);

        var reference = scenario.Reference();
        Assert.Equal(2, reference.Instruments[0].LiquidatedPositions);
        Assert.Equal(reference.LiquidatedUnits, outcome.LiquidatedUnits);
        Assert.Equal(reference.Instruments[0].LiquidatedPositions, outcome.Instrument(0).LiquidatedPositions);
        Assert.Equal(reference.Instruments[0].LiquidatedLongSize, outcome.Instrument(0).LiquidatedLongSize, 9);
        Assert.Equal(reference.Instruments[0].FinalPrice, outcome.Instrument(0).FinalPrice, 9);
        Assert.Equal(reference.Instruments[0].LiquidatedNotional, outcome.Instrument(0).LiquidatedNotional, 6);
    }
}
