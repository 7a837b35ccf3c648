using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Liquidations;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine.Tests;

/// <summary>The venue liquidation engine: a mark crossing liquidation prices liquidates into the book, settles the fund, ADLs, drains the ladder.</summary>
public sealed class VenueLiquidationsTests
{
    private static readonly Instrument Btc = new(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004));

    // Isolated long 1 at 60,000 with 3,000: LP = (60,000 − 3,000) / (1 − 0.004) = 57,228.92, BP 57,000.
    // Cross long 1 at 59,000 with 2,500: LP = 56,500 / 0.996 = 56,726.91, BP 56,500.
    private static (RiskEngine Engine, int Btc) Engine(double fund, params PriceLevel[] bids)
    {
        var engine = new RiskEngine(new EngineOptions { LiquidationEngine = LiquidationEngineMode.Venue, DefaultInsuranceFund = fund });
        var btc = engine.ApplyInstrument(Btc);
        engine.ApplyBookSnapshot(btc, 1, bids, [new PriceLevel(600_100, 5)], 0);
        engine.ApplyMark(btc, 60_000, 0);
        engine.ApplyAccount(new AccountId("iso-long"), 0, [(btc, 1.0, 60_000.0, 3_000.0)], 0);
        engine.ApplyAccount(new AccountId("cross-long"), 2_500, [(btc, 1.0, 59_000.0, double.NaN)], 0);
        engine.ApplyAccount(new AccountId("short-winner"), 100_000, [(btc, -3.0, 62_000.0, double.NaN)], 0);
        return (engine, btc);
    }

    [Fact]
    public void ApplyMark_CrossesTwoLiquidationPrices_BothLiquidatedIntoTheBookAndTheFundGainsTheirCollateralLeft()
    {
        var (engine, btc) = Engine(1_000_000, new PriceLevel(571_000, 1), new PriceLevel(570_000, 1), new PriceLevel(560_000, 10));
        Assert.NotEmpty(engine.Accounts.Ladders.Buckets(btc, longSide: true));

        engine.ApplyMark(btc, 56_700, 1_000);

        var fills = engine.Liquidations!.Fills;
        Assert.Equal(2, fills.Count);
        // Most crossed first: the isolated long sells 1 at 57,100 → 3,000 + (57,100 − 60,000) = 100 to the fund.
        Assert.Equal(("iso-long", 57_100.0, 100.0, 1_000_100.0), (fills[0].Account, fills[0].Price, fills[0].ToFund, fills[0].FundAfter));
        // Then the cross long at the next level, 57,000 → 2,500 + (57,000 − 59,000) = 500.
        Assert.Equal(("cross-long", 57_000.0, 500.0, 1_000_600.0), (fills[1].Account, fills[1].Price, fills[1].ToFund, fills[1].FundAfter));
        Assert.Equal(1_000_600, engine.InsuranceFundOf(btc));
        Assert.Equal(1_000_600, engine.Project(btc, 1_000)!.InsuranceFund);

        // Closed in the margin state: no long left in the ladder, the cross wallet emptied into the fund.
        Assert.Empty(engine.Accounts.Ladders.Buckets(btc, longSide: true));
        Assert.True(engine.Margins.TryGetAccount(new AccountId("cross-long"), out var cross));
        Assert.Equal((0, 0.0), (cross.PositionCount, cross.Balance));
        Assert.True(engine.Margins.TryGetAccount(new AccountId("iso-long"), out var isolated));
        Assert.Equal(0, isolated.PositionCount);

        // Reported as realized liquidations: CascadeInProgress reads the rate (notional 57,100 + 57,000 in its window).
        var risk = engine.Project(btc, 1_000)!;
        Assert.Equal((57_100 + 57_000) / engine.Options.DefaultThresholds.CascadeWindow.TotalSeconds, risk.RealizedLiquidationRate, 6);
        Assert.Equal(57_100 + 57_000, engine.Liquidations.LiquidatedNotional);
    }

    [Fact]
    public void ApplyMark_NothingCrossed_NothingLiquidated()
    {
        var (engine, btc) = Engine(1_000_000, new PriceLevel(571_000, 1), new PriceLevel(560_000, 10));

        engine.ApplyMark(btc, 57_300, 1_000);

        Assert.Empty(engine.Liquidations!.Fills);
        Assert.Equal(1_000_000, engine.InsuranceFundOf(btc));
    }

    [Fact]
    public void ApplyMark_FillPastBankruptcyBeyondTheFund_ProfitableShortIsDeleveragedAtTheBankruptcyPrice()
    {
        var (engine, btc) = Engine(100, new PriceLevel(560_000, 10));

        engine.ApplyMark(btc, 56_900, 1_000);

        // The isolated long sells 1 at 56,000: 3,000 + (56,000 − 60,000) = −1,000; the fund pays its 100 and the 900
        // left is covered by ADL: 0.9 of the short taken over at the BP 57,000 (each unit covers 57,000 − 56,000).
        var fill = Assert.Single(engine.Liquidations!.Fills);
        Assert.Equal((-1_000.0, 0.9), (fill.ToFund, Math.Round(fill.AdlSize, 12)));
        // Exactly emptied, not a rounding hair under zero: an emptied fund is no standing deficit.
        Assert.Equal(0.0, fill.FundAfter);
        Assert.Equal(0.0, engine.InsuranceFundOf(btc));
        Assert.True(engine.Margins.TryGetAccount(new AccountId("short-winner"), out var winner));
        Assert.Equal(-2.1, winner.Positions[0].Size, 12);
        Assert.Equal(100_000 + (0.9 * 5_000), winner.Balance, 6); // realized at 57,000 against its 62,000 entry
        Assert.Equal(0.9 * 57_000, engine.Liquidations.AdlNotional, 6);
    }

    [Fact]
    public void ApplyMark_DeficitCoveredByAdl_LeavesTheFundAtExactlyZero_OnGeneratedFundsAndFills()
    {
        // Funds and fill prices of every size: whatever ADL's per-unit arithmetic rounds to, a deficit ADL covered in
        // full leaves the fund at zero, not a hair under it (which would read as a deficit left standing).
        var random = new Random(20);
        for (var i = 0; i < 300; i++)
        {
            // The isolated long's fill pays 500–1,000 (3,000 + bid − 60,000); the fund holds less than that.
            var fund = Math.Round(random.NextDouble() * 450, random.Next(0, 9));
            var bid = 560_000 + random.Next(0, 5_000);
            var (engine, btc) = Engine(fund, new PriceLevel(bid, 10));

            engine.ApplyMark(btc, 56_900, 1_000);

            var fill = engine.Liquidations!.Fills[0];
            Assert.True(fill.AdlSize > 0, $"case {i}: no ADL");
            Assert.True(fill.FundAfter == 0 && engine.InsuranceFundOf(btc) == 0, $"case {i}: fund {fund}, bid {bid}: after {fill.FundAfter:R}, then {engine.InsuranceFundOf(btc):R}");
        }
    }

    [Fact]
    public void ApplyMark_HyperliquidPositionOver100k_SlicesEvery30sThenTheBackstopTakesTheRest()
    {
        var engine = new RiskEngine(new EngineOptions { LiquidationEngine = LiquidationEngineMode.Venue, Profile = MarginProfile.Hyperliquid });
        var btc = engine.ApplyInstrument(Btc);
        engine.ApplyBookSnapshot(btc, 1, [new PriceLevel(570_000, 100)], [new PriceLevel(600_100, 5)], 0);
        engine.ApplyMark(btc, 60_000, 0);
        // 5 BTC isolated at 60,000 with 15,000: LP 57,228.92 as above, 285k notional there.
        engine.ApplyAccount(new AccountId("whale"), 0, [(btc, 5.0, 60_000.0, 15_000.0)], 0);

        engine.ApplyMark(btc, 57_200, 1_000); // a slice: 20% of 5
        engine.ApplyMark(btc, 57_200, 2_000); // in the cooldown
        engine.ApplyMark(btc, 57_200, 31_000); // a slice: 20% of 4
        var slices = engine.Liquidations!.Fills;
        Assert.Equal([(LiquidationAction.Slice, 1.0), (LiquidationAction.Slice, 0.8)], slices.Select(f => (f.Action, Math.Round(f.Size, 12))));
        Assert.True(engine.Margins.TryGetAccount(new AccountId("whale"), out var whale));
        Assert.Equal(3.2, whale.Positions[0].Size, 12);

        // At 56,000 the rest's equity 9,600 + 3.2 × (56,000 − 60,000) = −3,200 is under 2/3 of MM: the backstop takes it at the mark.
        engine.ApplyMark(btc, 56_000, 32_000);
        var backstop = engine.Liquidations.Fills[^1];
        Assert.Equal((LiquidationAction.Backstop, 3.2, 56_000.0), (backstop.Action, Math.Round(backstop.Size, 12), backstop.Price));
        Assert.Equal(0, whale.PositionCount);
        Assert.Empty(engine.Accounts.Ladders.Buckets(btc, longSide: true));
    }

    [Fact]
    public void Constructor_ScaledOutLayout_Refused()
    {
        var options = new EngineOptions { LiquidationEngine = LiquidationEngineMode.Venue };

        Assert.Throws<ArgumentException>(() => new RiskEngine(options, EngineLayout.Projector));
    }
}
