using StreamRisk.Domain.Liquidations;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Tests.Liquidations;

/// <summary>Per-profile liquidation policies: whole units, and Hyperliquid's slices, cooldown and backstop.</summary>
public sealed class LiquidationPolicyTests
{
    private static readonly LiquidationPolicy Hyperliquid = LiquidationPolicy.For(MarginProfile.Hyperliquid);

    [Fact]
    public void Decide_BinanceLargePosition_Whole()
    {
        var step = LiquidationPolicy.For(MarginProfile.Binance).Decide(5_000_000, 10_000, 20_000, 1, null, 0);

        Assert.Equal(LiquidationStep.Whole, step);
    }

    [Fact]
    public void Decide_HyperliquidPositionOf100kOrLess_Whole()
    {
        Assert.Equal(LiquidationStep.Whole, Hyperliquid.Decide(100_000, 900, 1_000, 1, null, 0));
        Assert.Equal(LiquidationStep.Whole, Hyperliquid.Decide(60_000, 900, 1_000, 1, null, 0));
    }

    [Fact]
    public void Decide_HyperliquidPositionOver100k_SliceOfAFifth()
    {
        // Equity 900 of MM 1,000: past the LP, above the 2/3 backstop (666.67).
        var step = Hyperliquid.Decide(250_000, 900, 1_000, 1, null, 0);

        Assert.Equal(LiquidationAction.Slice, step.Action);
        Assert.Equal(0.2, step.Fraction);
    }

    [Theory]
    [InlineData(1_000, LiquidationAction.Wait)]
    [InlineData(29_999, LiquidationAction.Wait)]
    [InlineData(30_000, LiquidationAction.Slice)]
    [InlineData(45_000, LiquidationAction.Slice)]
    public void Decide_HyperliquidSliceAgain_WaitsOutThe30sCooldown(long sinceLastSlice, LiquidationAction expected)
    {
        var step = Hyperliquid.Decide(250_000, 900, 1_000, 1, 100_000, 100_000 + sinceLastSlice);

        Assert.Equal(expected, step.Action);
    }

    [Fact]
    public void Decide_HyperliquidUnderTwoThirdsOfMm_BackstopTakesTheRestEvenInCooldown()
    {
        // 2/3 of 1,200 = 800: equity 799 is under it.
        var step = Hyperliquid.Decide(250_000, 799, 1_200, 1, 100_000, 101_000);

        Assert.Equal(LiquidationStep.Backstop, step);
        Assert.Equal(LiquidationAction.Slice, Hyperliquid.Decide(250_000, 800, 1_200, 1, null, 0).Action);
    }

    [Fact]
    public void Decide_HyperliquidCrossAccountOfSeveralPositions_Whole()
    {
        var step = Hyperliquid.Decide(250_000, 900, 1_000, 2, null, 0);

        Assert.Equal(LiquidationStep.Whole, step);
    }
}
