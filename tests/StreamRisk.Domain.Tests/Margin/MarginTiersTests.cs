using CsCheck;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Tests.Margin;

public sealed class MarginTiersTests
{
    // docs/domain.md worked example 3: Hyperliquid testnet BTC tiers, mmr = 1/(2 × max leverage) with
    // max leverage 40x / 25x / 10x / 5x / 3x from 0 / 10k / 50k / 100k / 300k notional.
    private static readonly MarginTiers HyperliquidBtc = MarginTiers.Create(
    [
        (0, 1 / 80.0, null), (10_000, 1 / 50.0, null), (50_000, 1 / 20.0, null), (100_000, 1 / 10.0, null), (300_000, 1 / 6.0, null),
    ]);

    [Fact]
    public void Create_MissingDeductions_FollowTheRecursion_HyperliquidTestnetBtc()
    {
        Assert.Equal(0, HyperliquidBtc[0].Deduction, 9);
        Assert.Equal(75, HyperliquidBtc[1].Deduction, 9);     // 10,000 × (0.02 − 0.0125)
        Assert.Equal(1_575, HyperliquidBtc[2].Deduction, 9);  // 75 + 50,000 × (0.05 − 0.02)
        Assert.Equal(6_575, HyperliquidBtc[3].Deduction, 9);  // 1,575 + 100,000 × (0.1 − 0.05)
        Assert.Equal(26_575, HyperliquidBtc[4].Deduction, 6); // 6,575 + 300,000 × (1/6 − 0.1)
    }

    [Fact]
    public void Create_BinanceBrackets_DerivedCumEqualsPublishedMaintenanceAmounts()
    {
        // Binance's published "maintenance amount" (cum) column for BTCUSDT: 0, 50, 1,300, 16,300, 266,300, 1,266,300, 2,516,300, 5,016,300.
        double[] published = [0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300];
        for (var i = 0; i < published.Length; i++)
        {
            Assert.Equal(published[i], Fixtures.BinanceBtcUsdt[i].Deduction, 6);
        }
    }

    [Theory]
    [InlineData(9_999.99, 0)]
    [InlineData(10_000, 1)]
    [InlineData(49_999, 1)]
    [InlineData(300_000, 4)]
    [InlineData(1e12, 4)]
    public void IndexFor_FloorsAreInclusive(double notional, int tier) => Assert.Equal(tier, HyperliquidBtc.IndexFor(notional));

    [Fact]
    public void IndexFor_AnyNotional_IsTheHighestTierWhoseFloorItReaches()
    {
        // Reference: the highest tier (other than the first) whose floor is not above the notional, scanned from the top;
        // NaN reaches no floor's "below" test and lands on the last tier, ±∞ and negatives where their order puts them.
        static int Reference(MarginTiers tiers, double notional)
        {
            var i = tiers.Count - 1;
            while (i > 0 && notional < tiers.FloorAt(i))
            {
                i--;
            }

            return i;
        }

        MarginTiers[] tables = [HyperliquidBtc, Fixtures.BinanceBtcUsdt, MarginTiers.Flat(0.005)];
        var special = new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1, 0, double.Epsilon, double.MaxValue };
        Gen.Select(Gen.Int[0, tables.Length - 1], Gen.Double[-1e3, 1e9], Gen.Int[0, 20]).Sample((t, random, pick) =>
        {
            var tiers = tables[t];
            // Also every floor exactly and one ulp either side of it.
            var floor = tiers.FloorAt(pick % tiers.Count);
            foreach (var notional in special.Append(random).Append(floor).Append(Math.BitDecrement(floor)).Append(Math.BitIncrement(floor)))
            {
                Assert.Equal(Reference(tiers, notional), tiers.IndexFor(notional));
            }
        });
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(50_000)]
    [InlineData(100_000)]
    [InlineData(300_000)]
    public void MaintenanceMargin_IsContinuousAtEveryBoundary(double floor)
    {
        var below = HyperliquidBtc.MaintenanceMargin(floor - 1e-6);
        var at = HyperliquidBtc.MaintenanceMargin(floor);

        Assert.Equal(below, at, 4);
    }

    [Fact]
    public void MaintenanceMargin_TruncatedTableWithLargeDeduction_IsClampedAtZero()
    {
        var truncated = MarginTiers.Create([(0, 0.025, 16_300)]);

        Assert.Equal(0, truncated.MaintenanceMargin(15_000));
        Assert.Equal((1_000_000 * 0.025) - 16_300, truncated.MaintenanceMargin(1_000_000), 9);
    }

    [Fact]
    public void Create_InvalidTables_AreRefusedWithTheTierNamed()
    {
        Assert.Throws<ArgumentException>(() => MarginTiers.Create([]));
        Assert.Throws<ArgumentException>(() => MarginTiers.Create([(100, 0.01, null)]));
        Assert.Contains("tier 1", Assert.Throws<ArgumentException>(() => MarginTiers.Create([(0, 0.01, null), (0, 0.02, null)])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MarginTiers.Create([(0, 1.5, null)]));
        Assert.Throws<ArgumentException>(() => MarginTiers.Create([(0, double.NaN, null)]));
        Assert.Throws<ArgumentException>(() => MarginTiers.Create([(0, 0.01, -5.0)]));
    }
}
