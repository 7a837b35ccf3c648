using StreamRisk.Domain.Books;

namespace StreamRisk.Domain.Tests.Books;

public sealed class TickSizeTests
{
    [Theory]
    [InlineData("0.1", 1, 1)]
    [InlineData("0.10", 1, 1)]
    [InlineData("0.25", 25, 2)]
    [InlineData("5", 5, 0)]
    [InlineData("0.00000001", 1, 8)]
    public void FromDecimal_Value_UnitsAndScale(string text, long units, int scale)
    {
        var tick = TickSize.FromDecimal(decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(units, tick.Units);
        Assert.Equal(scale, tick.Scale);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.1)]
    public void FromDecimal_NotPositive_Refused(double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TickSize.FromDecimal((decimal)value));

    [Theory]
    [InlineData(6180020, 2, true, 618002)]   // "61800.20" at tick 0.1
    [InlineData(618002, 1, true, 618002)]    // "61800.2"
    [InlineData(61800, 0, true, 618000)]     // "61800"
    [InlineData(6180025, 2, false, 0)]       // "61800.25" is between ticks
    [InlineData(0, 3, true, 0)]
    public void TryToTicks_DecimalText_ExactTicksOrRefused(long mantissa, int scale, bool ok, long ticks)
    {
        var tick = TickSize.FromDecimal(0.1m);

        Assert.Equal(ok, tick.TryToTicks(mantissa, scale, out var result));
        Assert.Equal(ticks, result);
    }

    [Fact]
    public void TryToTicks_QuarterTick_MultiplesOnly()
    {
        var tick = TickSize.FromDecimal(0.25m);

        Assert.True(tick.TryToTicks(1075, 2, out var ticks));
        Assert.Equal(43, ticks);
        Assert.False(tick.TryToTicks(1010, 2, out _));
    }

    [Fact]
    public void ToDecimalAndToPrice_Ticks_ExactValue()
    {
        var tick = TickSize.FromDecimal(0.01m);

        Assert.Equal(2681.62m, tick.ToDecimal(268162));
        Assert.Equal(2681.62, tick.ToPrice(268162));
        Assert.Equal(61800.2, TickSize.FromDecimal(0.1m).ToPrice(618002));
    }

    [Theory]
    [InlineData(99.0, 990, 990)]
    [InlineData(99.05, 991, 990)]
    [InlineData(98.99999999999999, 990, 989)]
    public void CeilAndFloorTicks_Price_DecidedOnToPrice(double price, long ceil, long floor)
    {
        var tick = TickSize.FromDecimal(0.1m);

        Assert.Equal(ceil, tick.CeilTicks(price));
        Assert.Equal(floor, tick.FloorTicks(price));
        Assert.True(tick.ToPrice(tick.CeilTicks(price)) >= price && tick.ToPrice(tick.CeilTicks(price) - 1) < price);
        Assert.True(tick.ToPrice(tick.FloorTicks(price)) <= price && tick.ToPrice(tick.FloorTicks(price) + 1) > price);
    }

    [Theory]
    [InlineData("0.1")]
    [InlineData("0.00000001")]
    [InlineData("0.25")]
    public void CeilAndFloorTicks_PriceBeyondRange_ClampedAtOnce(string text)
    {
        var tick = TickSize.FromDecimal(decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture));

        foreach (var price in new[] { 1e308, 9.3e16, double.MaxValue, double.PositiveInfinity, tick.MaxPrice * 1.0000001 })
        {
            Assert.Equal(tick.MaxTicks + 1, tick.CeilTicks(price));
            Assert.Equal(tick.MaxTicks, tick.FloorTicks(price));
        }

        foreach (var price in new[] { -1e308, double.NegativeInfinity })
        {
            Assert.Equal(-tick.MaxTicks, tick.CeilTicks(price));
            Assert.Equal(-tick.MaxTicks - 1, tick.FloorTicks(price));
        }

        Assert.Equal(tick.MaxTicks, tick.CeilTicks(tick.MaxPrice));
        Assert.Equal(tick.MaxTicks, tick.FloorTicks(tick.MaxPrice));
        Assert.Throws<ArgumentOutOfRangeException>(() => tick.CeilTicks(double.NaN));
    }

    [Fact]
    public void TryToTicks_BeyondMaxTicks_Refused()
    {
        var tick = TickSize.FromDecimal(0.1m);

        Assert.True(tick.TryToTicks(tick.MaxTicks, 1, out var ticks));
        Assert.Equal(tick.MaxTicks, ticks);
        Assert.False(tick.TryToTicks(tick.MaxTicks + 1, 1, out _));
    }

    [Fact]
    public void ToPrice_TicksBeyondLongProduct_NoWrapAround() =>
        Assert.True(TickSize.FromDecimal(0.25m).ToPrice(long.MaxValue / 2) > 0);
}
