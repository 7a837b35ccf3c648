using StreamRisk.Domain.Books;
using Xunit;

namespace StreamRisk.Domain.Tests.Books;

public sealed class DepthModelTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(1.6)]
    [InlineData(0.7)]
    public void NotionalWithin_IsThePowerLaw_AndLevelsHoldIt(double alpha)
    {
        var model = new DepthModel(2_000_000, alpha);
        Assert.Equal(2_000_000, model.NotionalWithin(0.01), 6);
        Assert.Equal(2_000_000 * Math.Pow(3, alpha), model.NotionalWithin(0.03), 3);
        Assert.Equal(0, model.NotionalWithin(0));

        var tick = TickSize.FromDecimal(0.1m);
        Span<PriceLevel> bids = stackalloc PriceLevel[200];
        var n = model.WriteLevels(BookSide.Bid, 60_000, tick, 0.0005, 0.05, bids);
        Assert.Equal(200, n);
        double notional = 0;
        for (var i = 0; i < n; i++)
        {
            notional += tick.ToPrice(bids[i].PriceTicks) * bids[i].Quantity;
            Assert.True(i == 0 || bids[i].PriceTicks < bids[i - 1].PriceTicks, "bids fall away from the mid");
        }

        Assert.Equal(model.NotionalBetween(0.0005, 0.05), notional, 1e-6 * notional);
    }

    [Fact]
    public void WriteLevels_OnACoarseTick_MergesIntervalsAndKeepsTheNotional()
    {
        var model = new DepthModel(1_000_000, 1.2);
        var tick = TickSize.FromDecimal(1m);
        Span<PriceLevel> asks = stackalloc PriceLevel[500];
        var n = model.WriteLevels(BookSide.Ask, 100, tick, 0, 0.1, asks);
        Assert.Equal(10, n); // 101..110: one level a tick
        double notional = 0;
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(101 + i, asks[i].PriceTicks);
            notional += tick.ToPrice(asks[i].PriceTicks) * asks[i].Quantity;
        }

        Assert.Equal(model.NotionalWithin(0.1), notional, 1e-6 * notional);
    }
}
