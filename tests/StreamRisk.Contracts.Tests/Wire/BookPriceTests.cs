using StreamRisk.Contracts.Wire;

namespace StreamRisk.Contracts.Tests.Wire;

/// <summary>Book prices convert to ticks exactly, whether written as JSON numbers or decimal strings.</summary>
public sealed class BookPriceTests
{
    [Theory]
    [InlineData("BTCUSDT", "61800.2", 618_002)]
    [InlineData("BTCUSDT", "\"61800.2\"", 618_002)]
    [InlineData("BTCUSDT", "\"61800.20\"", 618_002)]
    [InlineData("BTCUSDT", "61800.200000000000000000000000", 618_002)]
    [InlineData("BTCUSDT", "6.18002e4", 618_002)]
    [InlineData("BTCUSDT", "\"618002E-1\"", 618_002)]
    [InlineData("BTCUSDT", "61800", 618_000)]
    [InlineData("BTCUSDT", "1e3", 10_000)]
    [InlineData("BTCUSDT", "0.3", 3)]
    [InlineData("ETHUSDT", "3000.07", 300_007)]
    [InlineData("ETHUSDT", "\"0.29\"", 29)]
    [InlineData("XBTUSD", "100.5", 201)]
    [InlineData("XBTUSD", "\"100\"", 200)]
    [InlineData("1000PEPEUSDT", "0.0123457", 123_457)]
    [InlineData("1000PEPEUSDT", "\"1.23457e-2\"", 123_457)]
    // 2^53 - 1 is exact at a tick of 1, and 2^53 is the highest price such a tick represents (TickSize.MaxTicks).
    [InlineData("WHOLE", "9007199254740991", 9_007_199_254_740_991)]
    [InlineData("WHOLE", "\"9007199254740992\"", 9_007_199_254_740_992)]
    public void DecodeBook_Price_ExactTicks(string symbol, string price, long ticks)
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8(
            "{\"v\":1,\"type\":\"delta\",\"symbol\":\"" + symbol + "\",\"eventTime\":1,\"firstId\":2,\"lastId\":2,\"prevId\":1,\"bids\":[[" + price + ",1]],\"asks\":[]}");

        var result = f.Decoder.DecodeBook(json, out var book);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(ticks, book.Bids[0].PriceTicks);
    }

    [Theory]
    [InlineData("BTCUSDT", "61800.25")]
    [InlineData("BTCUSDT", "\"0.01\"")]
    [InlineData("XBTUSD", "100.25")]
    [InlineData("ETHUSDT", "1e-400")]
    [InlineData("WHOLE", "9223372036854775808")]
    public void DecodeBook_PriceOffTheTickGrid_OffTick(string symbol, string price)
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8(
            "{\"v\":1,\"type\":\"snapshot\",\"symbol\":\"" + symbol + "\",\"eventTime\":1,\"lastId\":1,\"bids\":[],\"asks\":[[" + price + ",1]]}");

        var result = f.Decoder.DecodeBook(json, out _);

        Assert.True(result.Reason is "off-tick:price" or "out-of-range:price", result.ToString());
        Assert.StartsWith("asks[0]", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeBook_QuantityStringOrNumber_SameDouble()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"v":1,"type":"snapshot","symbol":"BTCUSDT","eventTime":1,"lastId":1,"bids":[[1,"0.1"],[2,0.1]],"asks":[[3,"1E-3"]]}""");

        Assert.True(f.Decoder.DecodeBook(json, out var book).IsValid);

        Assert.Equal(0.1, book.Bids[0].Quantity);
        Assert.Equal(0.1, book.Bids[1].Quantity);
        Assert.Equal(0.001, book.Asks[0].Quantity);
    }
}
