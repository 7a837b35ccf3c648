using System.Text;
using StreamRisk.Replay.Binance;

namespace StreamRisk.Replay.Tests.Binance;

public sealed class BinanceMessageDecoderTests
{
    [Theory]
    [InlineData("61800.20", 6180020, 2)]
    [InlineData("0.001", 1, 3)]
    [InlineData("1000", 1000, 0)]
    [InlineData("5.", 5, 0)]
    public void TryParsePlainDecimal_Decimal_ExactMantissaAndScale(string text, long mantissa, int scale)
    {
        Assert.True(BinanceMessageDecoder.TryParsePlainDecimal(Encoding.UTF8.GetBytes(text), out var m, out var s));
        Assert.Equal(mantissa, m);
        Assert.Equal(scale, s);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("-1.0")]
    [InlineData("1e5")]
    [InlineData("1.2.3")]
    [InlineData("99999999999999999999")]
    public void TryParsePlainDecimal_NotPlainDecimal_Refused(string text) =>
        Assert.False(BinanceMessageDecoder.TryParsePlainDecimal(Encoding.UTF8.GetBytes(text), out _, out _));

    [Fact]
    public void FinestPriceDecimals_Snapshot_TrailingZerosIgnored()
    {
        var json = """{"lastUpdateId":1,"bids":[["61800.20","1.000"],["61800.10","2.000"]],"asks":[["61800.30","0.100"]]}"""u8;

        Assert.Equal(1, BinanceMessageDecoder.FinestPriceDecimals(json));
    }
}
