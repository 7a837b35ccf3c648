using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using static StreamRisk.Domain.Tests.Margin.Fixtures;

namespace StreamRisk.Domain.Tests.Margin;

public sealed class MarginCalculatorTests
{
    [Fact]
    public void Bybit_IsolatedLong50x_DomainExample1_Lp19700()
    {
        // docs/domain.md example 1 (Bybit docs, USDT isolated): long 1 BTC at 20,000, 50x (IM 400), mmr 0.5% → MM 100, LP 19,700.
        var btc = Linear("BTCUSDT", MarginTiers.Flat(0.005));

        var (_, positions) = Compute(MarginProfile.Bybit, 0, Isolated(btc, 1, 20_000, 400, 20_000));

        Assert.Equal(100, positions[0].MaintenanceMargin, 9);
        Assert.Equal(19_700, positions[0].LiquidationPrice, 6);
        Assert.Equal(19_600, positions[0].BankruptcyPrice, 6);
    }

    [Fact]
    public void Hyperliquid_IsolatedLong10x_DomainExample2_Lp91139_24()
    {
        // docs/domain.md example 2 (Hyperliquid docs): long 1 BTC at 100,000, isolated margin 10,000, max leverage 40x → mmr 1.25%.
        var btc = Linear("BTC", MarginTiers.Flat(0.0125));

        var (account, positions) = Compute(MarginProfile.Hyperliquid, 0, Isolated(btc, 1, 100_000, 10_000, 100_000));
        var lp = positions[0].LiquidationPrice;
        var (atLp, _) = Compute(MarginProfile.Hyperliquid, 0, Isolated(btc, 1, 100_000, 10_000, lp));

        Assert.Equal(91_139.24, Math.Round(lp, 2));
        Assert.Equal(1_250, account.MaintenanceMargin, 9);
        Assert.Equal(1_139.24, Math.Round(atLp.Equity, 2));
        Assert.Equal(atLp.Equity, atLp.MaintenanceMargin, 6);
    }

    [Fact]
    public void Binance_CrossLong20x_SupportFaqExample_Lp25100_40()
    {
        // Binance Futures FAQ ("How to avoid liquidation"): wallet balance 500 USDT, long BTCUSDT worth 1,000 USDT at
        // 50,000 (0.02 BTC), first bracket mmr 0.4% → liquidation price 25,100.40.
        var btc = Linear("BTCUSDT", BinanceBtcUsdt);

        var (_, positions) = Compute(MarginProfile.Binance, 500, Cross(btc, 0.02, 50_000, 50_000));

        Assert.Equal(25_100.40, Math.Round(positions[0].LiquidationPrice, 2));
    }

    [Fact]
    public void Binance_SinglePosition_MatchesPublishedClosedForm()
    {
        // Binance USDⓈ-M one-way formula (docs/domain.md, example 4):
        // LP = (WB − TMM + UPNL + cum − side·size·entry) / (size·mmr − side·size), other positions contributing TMM and UPNL.
        var btc = Linear("BTCUSDT", BinanceBtcUsdt);
        var eth = Linear("ETHUSDT", MarginTiers.Flat(0.005));
        var ethTerms = Cross(eth, -20, 3_000, 3_100);
        var (_, positions) = Compute(MarginProfile.Binance, 20_000, Cross(btc, 3, 60_000, 58_000), ethTerms);

        var ethUpnl = -20 * (3_100 - 3_000.0);
        var ethMm = 20 * 3_100 * 0.005;
        // At the LP (~54k) the BTC notional (~162k) sits in the 50k–250k bracket: mmr 0.5%, cum 50.
        var expected = (20_000 - ethMm + ethUpnl + 50 - (3 * 60_000.0)) / ((3 * 0.005) - 3);

        Assert.Equal(expected, positions[0].LiquidationPrice, 6);
    }

    [Fact]
    public void Binance_TierChangesBetweenMarkAndLp_SolverUsesTheTierAtTheLp()
    {
        // 1.2 BTC at a 50,000 mark is 60,000 notional (0.5% bracket); the LP near 41.7k is ~50,040 notional, still
        // in the 0.5% bracket. With 1.05 BTC the mark notional (52,500) is in the 0.5% bracket but the LP's is not.
        var btc = Linear("BTCUSDT", BinanceBtcUsdt);

        var (_, positions) = Compute(MarginProfile.Binance, 10_000, Cross(btc, 1.05, 50_000, 50_000));
        var lp = positions[0].LiquidationPrice;
        var lpNotional = 1.05 * lp;
        var (atLp, _) = Compute(MarginProfile.Binance, 10_000, Cross(btc, 1.05, 50_000, lp));

        Assert.True(lpNotional < 50_000, $"LP notional {lpNotional} should have dropped into the first bracket");
        Assert.Equal((10_000 - (1.05 * 50_000)) / ((1.05 * 0.004) - 1.05), lp, 6);
        Assert.Equal(atLp.Equity, atLp.MaintenanceMargin, 6);
    }

    [Fact]
    public void Binance_CoinMIsolatedLong_MatchesInverseClosedForm()
    {
        // Binance COIN-M isolated, one-way: LP = (size·mmr + side·size) / (WB + cum + side·size/entry),
        // size in USD face value (contracts × 100 USD). 100 contracts long at 50,000 with 0.02 BTC margin, mmr 0.5%.
        var btcusd = Inverse("BTCUSD_PERP", MarginTiers.Flat(0.005), multiplier: 100);

        var (_, positions) = Compute(MarginProfile.Binance, 0, Isolated(btcusd, 100, 50_000, 0.02, 50_000));

        Assert.Equal(10_050 / 0.22, positions[0].LiquidationPrice, 6);
        Assert.Equal(10_000 / 0.22, positions[0].BankruptcyPrice, 6);
        Assert.Equal(0.2, positions[0].Notional, 12); // coin
    }

    [Fact]
    public void Inverse_Short_LiquidatesAboveEntryAndEquityIsInCoin()
    {
        var btcusd = Inverse("BTCUSD_PERP", MarginTiers.Flat(0.004), multiplier: 100);

        var (account, positions) = Compute(MarginProfile.Binance, 0.5, Cross(btcusd, -500, 60_000, 61_000));
        var lp = positions[0].LiquidationPrice;
        var (atLp, _) = Compute(MarginProfile.Binance, 0.5, Cross(btcusd, -500, 60_000, lp));

        Assert.True(lp > 61_000);
        Assert.Equal(0.5 + (-50_000 * ((1 / 60_000.0) - (1 / 61_000.0))), account.Equity, 12);
        Assert.Equal(atLp.Equity, atLp.MaintenanceMargin, 9);
    }

    [Fact]
    public void Okx_TierFixedAtMark_DiffersFromBinanceWhenTheLpCrossesATier()
    {
        var btc = Linear("BTCUSDT", BinanceBtcUsdt);
        var terms = Cross(btc, 1.05, 50_000, 50_000);

        var (_, binance) = Compute(MarginProfile.Binance, 10_000, terms);
        var (_, okx) = Compute(MarginProfile.Okx, 10_000, terms);

        // OKX keeps the mark's bracket (0.5%, deduction 50) at the LP.
        Assert.Equal((-50 - 10_000 + (1.05 * 50_000)) / (1.05 - (1.05 * 0.005)), okx[0].LiquidationPrice, 6);
        Assert.NotEqual(binance[0].LiquidationPrice, okx[0].LiquidationPrice, 3);
    }

    [Fact]
    public void CrossAccount_TwoPositions_LiquidationPriceAccountsForTheOther()
    {
        var btc = Linear("BTCUSDT", BinanceBtcUsdt);
        var eth = Linear("ETHUSDT", MarginTiers.Flat(0.005));

        var (_, alone) = Compute(MarginProfile.Binance, 5_000, Cross(btc, 0.5, 60_000, 60_000));
        var (_, withLosingEth) = Compute(MarginProfile.Binance, 5_000, Cross(btc, 0.5, 60_000, 60_000), Cross(eth, 5, 3_000, 2_800));
        var (_, withWinningEth) = Compute(MarginProfile.Binance, 5_000, Cross(btc, 0.5, 60_000, 60_000), Cross(eth, -5, 3_000, 2_800));

        Assert.True(withLosingEth[0].LiquidationPrice > alone[0].LiquidationPrice);
        Assert.True(withWinningEth[0].LiquidationPrice < alone[0].LiquidationPrice);
    }

    [Fact]
    public void IsolatedPosition_IgnoresCrossBalanceAndOtherPositions()
    {
        var btc = Linear("BTCUSDT", MarginTiers.Flat(0.005));
        var eth = Linear("ETHUSDT", MarginTiers.Flat(0.005));

        var (_, poor) = Compute(MarginProfile.Generic, 10, Isolated(btc, 1, 50_000, 5_000, 50_000), Cross(eth, 10, 3_000, 2_000));
        var (_, rich) = Compute(MarginProfile.Generic, 1_000_000, Isolated(btc, 1, 50_000, 5_000, 50_000));

        Assert.Equal(rich[0].LiquidationPrice, poor[0].LiquidationPrice, 9);
    }

    [Fact]
    public void Account_Liquidatable_WhenEquityBelowMaintenanceMargin()
    {
        var btc = Linear("BTCUSDT", MarginTiers.Flat(0.01));

        var (safe, _) = Compute(MarginProfile.Generic, 1_000, Cross(btc, 1, 50_000, 49_500));
        var (underwater, positions) = Compute(MarginProfile.Generic, 1_000, Cross(btc, 1, 50_000, 49_400));

        Assert.False(safe.Liquidatable);
        Assert.True(underwater.Liquidatable);            // equity 400 < MM 494
        Assert.True(positions[0].DistanceToLiquidation < 0);
        Assert.Equal(494 / 400.0, underwater.MarginRatio, 12);
    }

    [Fact]
    public void FullyCollateralisedLong_HasNoLiquidationPrice()
    {
        var btc = Linear("BTCUSDT", MarginTiers.Flat(0.005));

        var (account, positions) = Compute(MarginProfile.Binance, 100_000, Cross(btc, 1, 50_000, 50_000));

        Assert.False(positions[0].HasLiquidationPrice);
        Assert.True(double.IsNaN(positions[0].BankruptcyPrice));
        Assert.False(account.Liquidatable);
    }

    [Fact]
    public void TruncatedTierTable_OneBracketCopiedAlone_ClampsMaintenanceMarginAndLiquidatesAtBankruptcy()
    {
        // One Binance bracket copied alone as a liqprice tier table: (floor 0, 2.5%, deduction 16,300) at 15,000 notional gives MM 0.
        var btc = Linear("BTCUSDT", MarginTiers.Create([(0, 0.025, 16_300)]));

        var (account, positions) = Compute(MarginProfile.Binance, 1_000, Cross(btc, 0.5, 30_000, 29_500));

        Assert.Equal(0, account.MaintenanceMargin);
        Assert.Equal(750, account.Equity, 9);
        Assert.Equal(28_000, positions[0].LiquidationPrice, 6);
        Assert.Equal(28_000, positions[0].BankruptcyPrice, 6);
    }

    [Fact]
    public void CrossAccountUnderMaintenanceAtEveryPrice_ShortHasNoLiquidationPrice()
    {
        // Found by the LP property test (seed a2uZGjvS5AA2): a deeply losing SOL long drags the cross pool below MM
        // at any BTC price, so the BTC short has no LP; a tier with a large deduction once gave an inconsistent one.
        var sol = Linear("SOLUSDT", MarginTiers.Flat(0.01));
        var btc = Linear("BTCUSDT", BinanceBtcUsdt);

        var (account, positions) = Compute(MarginProfile.Binance, 3_560.14,
            Cross(sol, 3_333.33, 171.77, 128.34), Cross(btc, -1.0256, 58_712.13, 60_000));

        Assert.True(account.Liquidatable);
        Assert.False(positions[1].HasLiquidationPrice);
    }
}
