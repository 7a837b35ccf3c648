using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Domain.Tests.Portfolio;

/// <summary>The optimised <see cref="PortfolioProjector"/> against the list-and-scan <see cref="ReferencePortfolio"/>.</summary>
public sealed class PortfolioProjectorPropertyTests(ITestOutputHelper output)
{
    /// <summary>
    /// A unit whose equity − MM at a vector it was judged at lies within this share of its size may rightly be decided
    /// the other way by the projector's liquidation-price test (the two agree except at exact ties); such scenarios are
    /// counted, not compared.
    /// </summary>
    private const double Tie = 1e-9;

    [Fact]
    public void Project_EqualsReference_OnGeneratedScenarios()
    {
        // One projector per margin profile and one outcome for every state and scenario: what one load or projection
        // leaves behind must not leak into the next (consumed depth, stamps, frontiers, rounds, per-instrument results).
        var projectors = new Dictionary<MarginProfile, PortfolioProjector>();
        var outcome = new PortfolioOutcome();
        int compared = 0, ties = 0, cascades = 0, exhausted = 0, adl = 0, multiRound = 0, laterPools = 0;
        for (var seed = 0; seed < 2_500; seed++)
        {
            var random = new Random(seed);
            var state = PortfolioCases.State(random);
            if (!projectors.TryGetValue(state.Profile, out var byProfile))
            {
                byProfile = projectors[state.Profile] = new PortfolioProjector(state.Profile);
            }

            state.Load(byProfile);
            var scenario = state;
            for (var k = 0; k < 3; k++, scenario = PortfolioCases.Scenario(random, state))
            {
                var reference = scenario.Reference();
                if (reference.SmallestMarginGap < Tie)
                {
                    ties++;
                    continue;
                }

                scenario.Project(byProfile, outcome);
                Compare(scenario, reference, outcome, $"seed {seed}, scenario {k}");
                compared++;
                cascades += reference.Rounds.Count > 0 ? 1 : 0;
                multiRound += reference.Rounds.Count > 1 ? 1 : 0;
                exhausted += reference.Instruments.Any(x => x.BookExhausted) ? 1 : 0;
                adl += reference.AdlNotional > 0 ? 1 : 0;
                laterPools += reference.Rounds.Skip(1).Any(r => r.PoolUnits > 0) ? 1 : 0;
            }
        }

        output.WriteLine($"{compared} compared ({ties} ties skipped): {cascades} cascades, {multiRound} of several rounds, {exhausted} with a book run out, {adl} with ADL, {laterPools} with a cross pool of several positions liquidated after round 1");
        // The generator must reach what the model does: cascades of several rounds, books running out, ADL.
        Assert.True(ties < compared / 100, $"{ties} ties in {compared}");
        Assert.True(multiRound > compared / 10, $"{multiRound} multi-round cascades in {compared}");
        Assert.True(exhausted > compared / 20, $"{exhausted} exhausted books in {compared}");
        Assert.True(adl > compared / 50, $"{adl} ADL in {compared}");
        Assert.True(cascades > compared / 2, $"{cascades} cascades in {compared}");
    }

    [Fact]
    public void Project_OneInstrumentPerAccount_EqualsTheSingleInstrumentProjector()
    {
        // Every account holds one position on one instrument (isolated, or a cross pool of one): the portfolio model is
        // the single-instrument model of each instrument alone. A down move liquidates longs into the bids, an up move
        // shorts into the asks; only the liquidated side is held, so nothing crosses.
        var projector = new PortfolioProjector(MarginProfile.Binance);
        var outcome = new PortfolioOutcome();
        var rounds = new CascadeRound[512];
        int compared = 0, cascades = 0, exhausted = 0;
        for (var seed = 0; seed < 1_500; seed++)
        {
            var random = new Random(seed);
            var profile = new[] { MarginProfile.Binance, MarginProfile.Bybit, MarginProfile.Okx }[random.Next(3)];
            if (projector.Profile != profile)
            {
                projector = new PortfolioProjector(profile);
            }

            var down = random.NextDouble() < 0.5;
            var state = SingleInstrumentState(random, profile, down);
            state.Load(projector);
            var shock = 0.001 + (0.2 * random.NextDouble());
            var fund = 1_000 * random.NextDouble();
            var scenario = state with { Moves = [down ? -shock : shock], Fund = fund };
            var x = state.Instruments[0];

            var ladder = new LiquidationLadder(longSide: down);
            for (var a = 0; a < state.Accounts.Length; a++)
            {
                var leg = state.Accounts[a].Positions[0];
                var collateral = double.IsNaN(leg.IsolatedMargin) ? state.Accounts[a].Balance : leg.IsolatedMargin;
                var terms = new PositionTerms(x.Instrument, leg.Size, leg.Entry, leg.IsolatedMargin, x.Mark);
                var lp = MarginCalculator.LiquidationPrice(profile.TierBasis, in terms, collateral, 0);
                Assert.False(double.IsNaN(lp));
                ladder.Upsert(a, lp, Math.Abs(leg.Size), MarginCalculator.BankruptcyPrice(in terms, collateral));
            }

            var depth = new SideDepth();
            depth.Load((down ? x.Bids : x.Asks).ToArray());
            var single = CascadeProjector.Project(x.Mark, down ? CascadeDirection.Down : CascadeDirection.Up, shock, ladder, depth, fund,
                AdlQueue.Empty(longs: !down), rounds);
            scenario.Project(projector, outcome);
            var result = outcome.Instrument(0);
            var context = $"seed {seed}";

            Assert.Equal(single.BookExhausted, result.BookExhausted);
            Close(single.FinalPrice, result.FinalPrice, x.Mark, context + " final price");
            compared++;
            cascades += single.RoundCount > 0 ? 1 : 0;
            if (single.BookExhausted)
            {
                // The single model stops at the round that runs the book out; the portfolio model goes on with the flow
                // unfilled and settles the remainder for the fund at the last level.
                exhausted++;
                continue;
            }

            Assert.True(single.RoundCount == outcome.RoundCount, $"{context}: rounds {single.RoundCount} vs {outcome.RoundCount}");
            Assert.True(single.LiquidatedAccounts == result.LiquidatedPositions, $"{context}: positions {single.LiquidatedAccounts} vs {result.LiquidatedPositions}");
            Assert.Equal(single.LiquidatedAccounts, outcome.LiquidatedAccounts);
            var size = down ? result.LiquidatedLongSize : result.LiquidatedShortSize;
            Close(single.LiquidatedSize, size, single.LiquidatedSize, context + " size");
            double notional = 0;
            for (var r = 0; r < single.RoundCount; r++)
            {
                Close(rounds[r].TriggerPrice, outcome.Flow(r, 0).Price, x.Mark, context + " trigger");
                notional += rounds[r].TriggerPrice * rounds[r].Size;
            }

            Close(notional, result.LiquidatedNotional, notional, context + " notional");
            var scale = fund + state.Accounts.Sum(a => Math.Abs(a.Positions[0].Size) * x.Mark);
            Close(single.InsuranceFundAfter, outcome.InsuranceFundAfter, scale, context + " fund");
        }

        Assert.True(cascades > compared / 2, $"{cascades} cascades in {compared}");
        Assert.True(exhausted > compared / 20 && exhausted < compared / 2, $"{exhausted} exhausted in {compared}");
    }

    /// <summary>One linear instrument at 100; 1–60 accounts each holding one long (or one short), isolated or cross.</summary>
    private static PortfolioCase SingleInstrumentState(Random random, MarginProfile profile, bool longs)
    {
        const double mark = 100;
        var tiers = random.NextDouble() < 0.5
            ? MarginTiers.Flat(0.002 + (0.02 * random.NextDouble()))
            : MarginTiers.Create([(0, 0.005, null), (200 + (800 * random.NextDouble()), 0.01 + (0.01 * random.NextDouble()), null), (2_000, 0.05, null)]);
        var instrument = new Instrument(new Symbol("X"), ContractKind.Linear, 0.01, 0.001, tiers);
        var side = longs ? 1 : -1;
        var accounts = new RefAccount[random.Next(1, 61)];
        for (var a = 0; a < accounts.Length; a++)
        {
            var size = side * Math.Round(0.5 + (20 * random.NextDouble()), 3); // whole lots of 0.001
            var entry = mark * (1 + (0.06 * (random.NextDouble() - 0.5)));
            var margin = Math.Abs(size) * entry / (2 + (48 * random.NextDouble()));
            accounts[a] = random.NextDouble() < 0.5
                ? new RefAccount(0, [new RefLeg(0, size, entry, margin)])
                : new RefAccount(margin, [new RefLeg(0, size, entry, double.NaN)]);
        }

        (double, double)[] Levels(int direction)
        {
            var levels = new (double, double)[random.Next(1, 80)];
            var price = mark;
            for (var k = 0; k < levels.Length; k++)
            {
                price += direction * (0.05 + (1.5 * random.NextDouble()));
                levels[k] = (price, 0.5 + (30 * random.NextDouble()));
            }

            return levels;
        }

        return new PortfolioCase(profile, [new RefInstrument(instrument, mark, Levels(-1), Levels(1))], accounts, [], 0, -1);
    }

    private static void Compare(PortfolioCase scenario, RefPortfolioOutcome expected, PortfolioOutcome actual, string context)
    {
        var n = scenario.Instruments.Length;
        var fundScale = Math.Abs(scenario.Fund) + scenario.Accounts.Sum(a => Math.Abs(a.Balance) + a.Positions.Sum(p =>
            Math.Abs(p.IsolatedMargin is var m && double.IsNaN(m) ? 0 : m) + scenario.Instruments[p.Instrument].Instrument.Notional(p.Size, p.Entry) * 2));
        void Check(bool ok, string what)
        {
            if (!ok)
            {
                Assert.Fail($"{context}: {what}\n{scenario.Describe()}");
            }
        }

        void Near(double e, double a, double scale, string what) =>
            Check(IsClose(e, a, scale), $"{what}: expected {e:R}, got {a:R}");

        Check(expected.Rounds.Count == actual.RoundCount, $"rounds: expected {expected.Rounds.Count}, got {actual.RoundCount}");
        Check(expected.LiquidatedAccounts == actual.LiquidatedAccounts, $"liquidated accounts: expected {expected.LiquidatedAccounts}, got {actual.LiquidatedAccounts}");
        Check(expected.LiquidatedUnits == actual.LiquidatedUnits, $"liquidated units: expected {expected.LiquidatedUnits}, got {actual.LiquidatedUnits}");
        Check(n == actual.InstrumentCount, "instrument count");
        var sizeScale = new double[n];
        var notionalScale = new double[n];
        foreach (var p in scenario.Accounts.SelectMany(a => a.Positions))
        {
            sizeScale[p.Instrument] += Math.Abs(p.Size);
            notionalScale[p.Instrument] += scenario.Instruments[p.Instrument].Instrument.Notional(p.Size, p.Entry) * 2;
        }

        for (var i = 0; i < n; i++)
        {
            var (e, a) = (expected.Instruments[i], actual.Instrument(i));
            var mark = e.Mark;
            var what = $"instrument {i} ";
            Near(e.Mark, a.Mark, mark, what + "mark");
            Near(e.TargetPrice, a.TargetPrice, mark, what + "target");
            Near(e.FinalPrice, a.FinalPrice, mark, what + "final price");
            Check(e.LiquidatedPositions == a.LiquidatedPositions, $"{what}liquidated positions: expected {e.LiquidatedPositions}, got {a.LiquidatedPositions}");
            Near(e.LiquidatedLongSize, a.LiquidatedLongSize, sizeScale[i], what + "long size");
            Near(e.LiquidatedShortSize, a.LiquidatedShortSize, sizeScale[i], what + "short size");
            Near(e.LiquidatedNotional, a.LiquidatedNotional, notionalScale[i], what + "notional");
            Check(e.BookExhausted == a.BookExhausted, $"{what}exhausted: expected {e.BookExhausted}, got {a.BookExhausted}");
            Near(e.Unfilled, a.Unfilled, sizeScale[i], what + "unfilled");
            Near(e.AdlNotional, a.AdlNotional, notionalScale[i], what + "ADL notional");
        }

        for (var r = 0; r < expected.Rounds.Count; r++)
        {
            var round = expected.Rounds[r];
            Check(round.Accounts == actual.RoundAccounts(r), $"round {r} accounts: expected {round.Accounts}, got {actual.RoundAccounts(r)}");
            for (var i = 0; i < n; i++)
            {
                var (e, a) = (round.Flows[i], actual.Flow(r, i));
                var what = $"round {r} instrument {i} ";
                Check(e.HasFlow == a.HasFlow, what + "has flow");
                if (!e.HasFlow)
                {
                    continue;
                }

                var mark = expected.Instruments[i].Mark;
                Near(e.Price, a.Price, mark, what + "price");
                Near(e.Sold, a.Sold, sizeScale[i], what + "sold");
                Near(e.Bought, a.Bought, sizeScale[i], what + "bought");
                Check(double.IsNaN(e.Vwap) == double.IsNaN(a.Vwap), $"{what}VWAP: expected {e.Vwap:R}, got {a.Vwap:R}");
                if (!double.IsNaN(e.Vwap))
                {
                    Near(e.Vwap, a.Vwap, mark, what + "VWAP");
                }

                Check(double.IsNaN(e.LastPrice) ? double.IsNaN(a.LastPrice) : e.LastPrice == a.LastPrice, $"{what}last price: expected {e.LastPrice:R}, got {a.LastPrice:R}");
            }
        }

        Near(expected.InsuranceFundAfter, actual.InsuranceFundAfter, fundScale, "fund after");
        Near(expected.AdlNotional, actual.AdlNotional, notionalScale.Sum(), "ADL notional");
        Near(scenario.Fund, actual.InsuranceFundBefore, 1, "fund before");
    }

    private static bool IsClose(double expected, double actual, double scale) =>
        expected == actual || Math.Abs(expected - actual) <= 1e-9 * Math.Max(Math.Max(1e-300, Math.Abs(scale)), Math.Abs(expected));

    private static void Close(double expected, double actual, double scale, string what) =>
        Assert.True(IsClose(expected, actual, scale), $"{what}: expected {expected:R}, got {actual:R}");
}
