using StreamRisk.Contracts.Wire;

namespace StreamRisk.Contracts.Tests.Wire;

public sealed class MalformedMessageTests
{
    private const string Mark = """{"v":1,"symbol":"BTCUSDT","eventTime":1760130900000,"price":""";
    private const string Snapshot = """{"v":1,"type":"snapshot","symbol":"BTCUSDT","eventTime":1,"lastId":10,""";
    private const string Delta = """{"v":1,"type":"delta","symbol":"BTCUSDT","eventTime":1,""";
    private const string Position = """{"v":1,"type":"position","account":"alice","seq":3,"eventTime":1,""";
    private const string Account = """{"v":1,"type":"account","account":"alice","seq":3,"eventTime":1,"balance":100,""";
    private const string Liquidation = """{"v":1,"symbol":"BTCUSDT","eventTime":1,""";
    private const string Instrument = """{"v":1,"symbol":"SOLUSDT",""";

    [Theory]
    // Not JSON, or not a message.
    [InlineData("marks", "", "bad-json")]
    [InlineData("marks", "{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"price\":61800", "bad-json")]
    [InlineData("marks", Mark + "61800} x", "bad-json")]
    [InlineData("marks", Mark + "61800,}", "bad-json")]
    [InlineData("marks", Mark + "61800 /* c */}", "bad-json")]
    [InlineData("marks", "[1,2]", "wrong-type:$")]
    [InlineData("marks", "\"BTCUSDT\"", "wrong-type:$")]
    // Version.
    [InlineData("marks", """{"v":2,"symbol":"BTCUSDT","eventTime":1,"price":1}""", "unsupported-version")]
    [InlineData("marks", """{"symbol":"NOPE","price":"x","v":2}""", "unsupported-version")]
    [InlineData("marks", """{"v":1.5,"symbol":"BTCUSDT","eventTime":1,"price":1}""", "unsupported-version")]
    [InlineData("marks", """{"v":"1","symbol":"BTCUSDT","eventTime":1,"price":1}""", "wrong-type:v")]
    [InlineData("marks", """{"symbol":"BTCUSDT","eventTime":1,"price":1}""", "missing:v")]
    // Field shape.
    [InlineData("marks", """{"v":1,"v":1,"symbol":"BTCUSDT","eventTime":1,"price":1}""", "duplicate:v")]
    [InlineData("marks", Mark + "1,\"price\":2}", "duplicate:price")]
    [InlineData("marks", """{"v":1,"symbol":"BTCUSDT","eventTime":1}""", "missing:price")]
    [InlineData("marks", """{"v":1,"symbol":"BTCUSDT","eventTime":1,"price":null}""", "wrong-type:price")]
    [InlineData("marks", Mark + "true}", "wrong-type:price")]
    [InlineData("marks", Mark + "[61800]}", "wrong-type:price")]
    [InlineData("marks", Mark + "\"abc\"}", "bad-number:price")]
    [InlineData("marks", Mark + "\" 61800\"}", "bad-number:price")]
    [InlineData("marks", Mark + "\"0x10\"}", "bad-number:price")]
    [InlineData("marks", Mark + "\"6\\u0031\"}", "bad-number:price")]
    [InlineData("marks", Mark + "\"NaN\"}", "not-finite:price")]
    [InlineData("marks", Mark + "\"-Infinity\"}", "not-finite:price")]
    [InlineData("marks", Mark + "1e400}", "not-finite:price")]
    [InlineData("marks", Mark + "\"1e400\"}", "not-finite:price")]
    [InlineData("marks", Mark + "-5}", "negative:price")]
    [InlineData("marks", Mark + "0}", "zero:price")]
    [InlineData("marks", Mark + "-0.0}", "zero:price")]
    // Beyond what the instrument's ticks represent (2^53 tick units: 9.007e14 at BTCUSDT's tick of 0.1).
    [InlineData("marks", Mark + "1e308}", "out-of-range:price")]
    [InlineData("marks", Mark + "9.1e14}", "out-of-range:price")]
    [InlineData("marks", Mark + "\"90000000000000000\"}", "out-of-range:price")]
    [InlineData("book", Snapshot + "\"bids\":[[\"910000000000000\",1]],\"asks\":[]}", "out-of-range:price")]
    [InlineData("book", Snapshot + "\"bids\":[[61800,1e11]],\"asks\":[]}", "out-of-range:qty")]
    [InlineData("liquidations", Liquidation + "\"side\":\"long\",\"price\":1e300,\"size\":1}", "out-of-range:price")]
    [InlineData("liquidations", Liquidation + "\"side\":\"long\",\"price\":61800,\"size\":1e11}", "out-of-range:size")]
    [InlineData("positions", Position + "\"symbol\":\"BTCUSDT\",\"size\":1,\"entry\":1e308}", "out-of-range:entry")]
    [InlineData("positions", Position + "\"symbol\":\"BTCUSDT\",\"size\":-1e11,\"entry\":5}", "out-of-range:size")]
    [InlineData("positions", Account + "\"positions\":[{\"symbol\":\"BTCUSDT\",\"size\":1,\"entry\":1e20}]}", "out-of-range:entry")]
    [InlineData("marks", """{"v":1,"symbol":"BTCUSDT","eventTime":-1,"price":1}""", "negative:eventTime")]
    [InlineData("marks", """{"v":1,"symbol":"BTCUSDT","eventTime":1.5,"price":1}""", "not-integer:eventTime")]
    [InlineData("marks", """{"v":1,"symbol":"BTCUSDT","eventTime":1e30,"price":1}""", "not-integer:eventTime")]
    [InlineData("marks", """{"v":1,"symbol":"BTCUSDT","eventTime":"1","price":1}""", "wrong-type:eventTime")]
    [InlineData("marks", """{"v":1,"symbol":42,"eventTime":1,"price":1}""", "wrong-type:symbol")]
    [InlineData("marks", """{"v":1,"symbol":"","eventTime":1,"price":1}""", "bad-value:symbol")]
    [InlineData("marks", """{"v":1,"symbol":"NOPE","eventTime":1,"price":1}""", "unknown-symbol")]
    [InlineData("marks", """{"v":1,"symbol":"btcusdt","eventTime":1,"price":1}""", "unknown-symbol")]
    [InlineData("marks", """{"v":1,"symbol":"BTCUSDT","eventTime":1,"price":1,"x":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}""", "too-deep")]
    [InlineData("marks", """{"v":1,"symbol":"BTCUSDT","eventTime":1,"price":1,"x":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":{"m":{"n":{"o":{}}}}}}}}}}}}}}}}}""", "too-deep")]
    // Book.
    [InlineData("book", Snapshot + "\"bids\":[[\"61800.25\",1]],\"asks\":[]}", "off-tick:price")]
    [InlineData("book", Snapshot + "\"bids\":[[61800.25,1]],\"asks\":[]}", "off-tick:price")]
    [InlineData("book", Snapshot + "\"bids\":[[-61800,1]],\"asks\":[]}", "negative:price")]
    [InlineData("book", Snapshot + "\"bids\":[[\"-61800\",1]],\"asks\":[]}", "negative:price")]
    [InlineData("book", Snapshot + "\"bids\":[[0,1]],\"asks\":[]}", "zero:price")]
    [InlineData("book", Snapshot + "\"bids\":[[1e400,1]],\"asks\":[]}", "not-finite:price")]
    [InlineData("book", Snapshot + "\"bids\":[[\"Infinity\",1]],\"asks\":[]}", "not-finite:price")]
    [InlineData("book", Snapshot + "\"bids\":[[99999999999999999999999,1]],\"asks\":[]}", "out-of-range:price")]
    [InlineData("book", Snapshot + "\"bids\":[[null,1]],\"asks\":[]}", "wrong-type:price")]
    [InlineData("book", Snapshot + "\"bids\":[[61800,-1]],\"asks\":[]}", "negative:qty")]
    [InlineData("book", Snapshot + "\"bids\":[[61800,\"NaN\"]],\"asks\":[]}", "not-finite:qty")]
    [InlineData("book", Snapshot + "\"bids\":[[61800,1e999]],\"asks\":[]}", "not-finite:qty")]
    [InlineData("book", Snapshot + "\"bids\":[[61800,{}]],\"asks\":[]}", "wrong-type:qty")]
    [InlineData("book", Snapshot + "\"bids\":[[61800]],\"asks\":[]}", "wrong-type:bids")]
    [InlineData("book", Snapshot + "\"bids\":[[]],\"asks\":[]}", "wrong-type:bids")]
    [InlineData("book", Snapshot + "\"bids\":[[61800,1,2]],\"asks\":[]}", "wrong-type:bids")]
    [InlineData("book", Snapshot + "\"bids\":[61800],\"asks\":[]}", "wrong-type:bids")]
    [InlineData("book", Snapshot + "\"bids\":{},\"asks\":[]}", "wrong-type:bids")]
    [InlineData("book", Snapshot + "\"bids\":[]}", "missing:asks")]
    [InlineData("book", Snapshot + "\"bids\":[[61800,1],[\"61800.0\",2]],\"asks\":[]}", "duplicate-level:bids")]
    [InlineData("book", """{"v":1,"type":"trade","symbol":"BTCUSDT","eventTime":1,"lastId":1,"bids":[],"asks":[]}""", "unknown-type")]
    [InlineData("book", """{"v":1,"symbol":"BTCUSDT","eventTime":1,"lastId":1,"bids":[],"asks":[]}""", "missing:type")]
    [InlineData("book", Delta + "\"firstId\":5,\"lastId\":6,\"bids\":[],\"asks\":[]}", "missing:prevId")]
    [InlineData("book", Delta + "\"firstId\":7,\"lastId\":6,\"prevId\":4,\"bids\":[],\"asks\":[]}", "out-of-range:firstId")]
    [InlineData("book", Delta + "\"firstId\":5,\"lastId\":6,\"prevId\":5,\"bids\":[],\"asks\":[]}", "out-of-range:prevId")]
    [InlineData("book", Delta + "\"firstId\":5,\"lastId\":6,\"prevId\":-1,\"bids\":[],\"asks\":[]}", "negative:prevId")]
    // Positions.
    [InlineData("positions", """{"v":1,"type":"trade","account":"alice","seq":1,"eventTime":1}""", "unknown-type")]
    [InlineData("positions", """{"v":1,"type":"balance","seq":1,"eventTime":1,"balance":1}""", "missing:account")]
    [InlineData("positions", """{"v":1,"type":"balance","account":"alice","eventTime":1,"balance":1}""", "missing:seq")]
    [InlineData("positions", """{"v":1,"type":"balance","account":"alice","seq":-1,"eventTime":1,"balance":1}""", "negative:seq")]
    [InlineData("positions", """{"v":1,"type":"balance","account":"alice","seq":1,"eventTime":1,"balance":"x"}""", "bad-number:balance")]
    [InlineData("positions", """{"v":1,"type":"balance","account":"alice","seq":1,"eventTime":1,"balance":-1e400}""", "not-finite:balance")]
    [InlineData("positions", """{"v":1,"type":"balance","account":"","seq":1,"eventTime":1,"balance":1}""", "bad-value:account")]
    [InlineData("positions", """{"v":1,"type":"balance","account":"\uD800","seq":1,"eventTime":1,"balance":1}""", "bad-utf8:account")]
    [InlineData("positions", Position + "\"symbol\":\"BTCUSDT\",\"size\":1,\"entry\":0}", "zero:entry")]
    [InlineData("positions", Position + "\"symbol\":\"BTCUSDT\",\"size\":1,\"entry\":-5}", "negative:entry")]
    [InlineData("positions", Position + "\"symbol\":\"BTCUSDT\",\"size\":\"NaN\",\"entry\":5}", "not-finite:size")]
    [InlineData("positions", Position + "\"symbol\":\"BTCUSDT\",\"size\":1e400,\"entry\":5}", "not-finite:size")]
    [InlineData("positions", Position + "\"symbol\":\"BTCUSDT\",\"size\":1,\"entry\":5,\"isolatedMargin\":-1}", "negative:isolatedMargin")]
    [InlineData("positions", Position + "\"symbol\":\"BTCUSDT\",\"size\":1}", "missing:entry")]
    [InlineData("positions", Position + "\"symbol\":\"NOPE\",\"size\":1,\"entry\":5}", "unknown-symbol")]
    [InlineData("positions", Account + "\"positions\":[{\"symbol\":\"BTCUSDT\",\"size\":1,\"entry\":5},{\"symbol\":\"BTCUSDT\",\"size\":2,\"entry\":5}]}", "duplicate-symbol:positions")]
    [InlineData("positions", Account + "\"positions\":[{\"symbol\":\"NOPE\",\"size\":1,\"entry\":5}]}", "unknown-symbol")]
    [InlineData("positions", Account + "\"positions\":[{\"symbol\":\"BTCUSDT\",\"size\":1}]}", "missing:entry")]
    [InlineData("positions", Account + "\"positions\":[{\"symbol\":\"BTCUSDT\",\"size\":1,\"entry\":5,\"size\":2}]}", "duplicate:size")]
    [InlineData("positions", Account + "\"positions\":[1]}", "wrong-type:positions")]
    [InlineData("positions", Account + "\"positions\":{}}", "wrong-type:positions")]
    [InlineData("positions", """{"v":1,"type":"account","account":"alice","seq":3,"eventTime":1,"positions":[]}""", "missing:balance")]
    // Liquidations.
    [InlineData("liquidations", Liquidation + "\"side\":\"up\",\"price\":1,\"size\":1}", "bad-value:side")]
    [InlineData("liquidations", Liquidation + "\"side\":1,\"price\":1,\"size\":1}", "wrong-type:side")]
    [InlineData("liquidations", Liquidation + "\"side\":\"long\",\"price\":1,\"size\":0}", "zero:size")]
    [InlineData("liquidations", Liquidation + "\"side\":\"long\",\"price\":\"-1\",\"size\":1}", "negative:price")]
    [InlineData("liquidations", Liquidation + "\"side\":\"long\",\"price\":1}", "missing:size")]
    [InlineData("liquidations", Liquidation + "\"side\":\"short\",\"price\":1,\"size\":1,\"account\":7}", "wrong-type:account")]
    // Insurance.
    [InlineData("insurance", """{"v":1,"fund":"BTCUSDT","eventTime":1,"balance":-5}""", "negative:balance")]
    [InlineData("insurance", """{"v":1,"fund":"BTCUSDT","eventTime":1}""", "missing:balance")]
    [InlineData("insurance", """{"v":1,"eventTime":1,"balance":5}""", "missing:fund")]
    [InlineData("insurance", """{"v":1,"fund":7,"eventTime":1,"balance":5}""", "wrong-type:fund")]
    [InlineData("insurance", """{"v":1,"fund":"USDT pool\u001b[31m","eventTime":1,"balance":5}""", "bad-value:fund")]
    [InlineData("insurance", """{"v":1,"fund":"BTCUSDT","eventTime":1,"balance":"1e400"}""", "not-finite:balance")]
    [InlineData("insurance", """{"v":1,"fund":"BTCUSDT","fund":"ETHUSDT","eventTime":1,"balance":5}""", "duplicate:fund")]
    // Instruments.
    // Symbols: A-Z, a-z, 0-9, '.', '_' and '-', at most 32 bytes.
    [InlineData("instruments", """{"v":1,"symbol":"BTC\u001b[31mUSDT","tiers":[{"floor":0,"mmr":0.01}]}""", "bad-value:symbol")]
    [InlineData("instruments", """{"v":1,"symbol":"BTC\"USDT","tiers":[{"floor":0,"mmr":0.01}]}""", "bad-value:symbol")]
    [InlineData("instruments", """{"v":1,"symbol":"BTC USDT","tiers":[{"floor":0,"mmr":0.01}]}""", "bad-value:symbol")]
    [InlineData("instruments", """{"v":1,"symbol":"BTC:USDT","tiers":[{"floor":0,"mmr":0.01}]}""", "bad-value:symbol")]
    [InlineData("instruments", """{"v":1,"symbol":"ÄUSDT","tiers":[{"floor":0,"mmr":0.01}]}""", "bad-value:symbol")]
    [InlineData("instruments", """{"v":1,"symbol":"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456","tiers":[{"floor":0,"mmr":0.01}]}""", "too-long:symbol")]
    [InlineData("instruments", Instrument + "\"contract\":\"perp\",\"tiers\":[{\"floor\":0,\"mmr\":0.01}]}", "bad-value:contract")]
    [InlineData("instruments", Instrument + "\"tiers\":[{\"floor\":10,\"mmr\":0.01}]}", "bad-value:tiers")]
    [InlineData("instruments", Instrument + "\"tiers\":[]}", "bad-value:tiers")]
    [InlineData("instruments", Instrument + "\"tiers\":[{\"floor\":0}]}", "missing:mmr")]
    [InlineData("instruments", Instrument + "\"tiers\":[{\"floor\":0,\"mmr\":-0.1}]}", "negative:mmr")]
    [InlineData("instruments", Instrument + "\"tickSize\":0,\"tiers\":[{\"floor\":0,\"mmr\":0.01}]}", "zero:tickSize")]
    [InlineData("instruments", Instrument + "\"tickSize\":\"0.0000000000000000001\",\"tiers\":[{\"floor\":0,\"mmr\":0.01}]}", "out-of-range:tickSize")]
    [InlineData("instruments", Instrument + "\"lotSize\":-1,\"tiers\":[{\"floor\":0,\"mmr\":0.01}]}", "negative:lotSize")]
    [InlineData("instruments", Instrument + "\"contract\":\"linear\"}", "missing:tiers")]
    [InlineData("instruments", """{"v":1,"tiers":[{"floor":0,"mmr":0.01}]}""", "missing:symbol")]
    public void Decode_MalformedMessage_RefusedWithReason(string topic, string json, string reason)
    {
        using var f = new WireFixture();

        var result = f.Decode(topic, WireFixture.Utf8(json));

        Assert.False(result.IsValid);
        Assert.Equal(reason, result.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Detail));
        Assert.DoesNotContain('\n', result.Detail);
    }

    [Fact]
    public void Decode_MessageOverSizeLimit_TooLarge()
    {
        using var f = new WireFixture(new WireDecoderOptions { MaxMessageBytes = 64 });
        var json = WireFixture.Utf8("""{"v":1,"symbol":"BTCUSDT","eventTime":1760130900000,"price":61800.1,"pad":"xxxxxxxx"}""");

        var result = f.Decoder.DecodeMark(json, out _);

        Assert.Equal("too-large", result.Reason);
    }

    [Fact]
    public void Decode_DefaultSizeLimit_IsOneMebibyte()
    {
        using var f = new WireFixture();
        var padding = new string('x', (1024 * 1024) - 80);
        var justUnder = WireFixture.Utf8("{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"price\":1,\"pad\":\"" + padding + "\"}");
        var over = WireFixture.Utf8("{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"price\":1,\"pad\":\"" + padding + new string('x', 100) + "\"}");

        Assert.True(f.Decoder.DecodeMark(justUnder, out _).IsValid);
        Assert.Equal("too-large", f.Decoder.DecodeMark(over, out _).Reason);
    }

    [Fact]
    public void Decode_NestingAtTheLimit_Accepted_OneDeeper_TooDeep()
    {
        using var f = new WireFixture(new WireDecoderOptions { MaxDepth = 5 });
        static byte[] Nested(int arrays) => WireFixture.Utf8(
            "{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"price\":1,\"x\":" + new string('[', arrays) + new string(']', arrays) + "}");

        Assert.True(f.Decoder.DecodeMark(Nested(4), out _).IsValid);
        Assert.Equal("too-deep", f.Decoder.DecodeMark(Nested(5), out _).Reason);
        Assert.Equal("too-deep", f.Decoder.DecodeMark(Nested(10_000), out _).Reason);
    }

    [Fact]
    public void Decode_MoreLevelsOrPositionsThanTheLimit_TooMany()
    {
        using var f = new WireFixture(new WireDecoderOptions { MaxLevelsPerSide = 2, MaxPositions = 1 });
        var book = WireFixture.Utf8("""{"v":1,"type":"snapshot","symbol":"BTCUSDT","eventTime":1,"lastId":1,"bids":[],"asks":[[1,1],[2,1],[3,1]]}""");
        var account = WireFixture.Utf8("""
            {"v":1,"type":"account","account":"alice","seq":1,"eventTime":1,"balance":1,
             "positions":[{"symbol":"BTCUSDT","size":1,"entry":1},{"symbol":"ETHUSDT","size":1,"entry":1}]}
            """);

        Assert.Equal("too-many:asks", f.Decoder.DecodeBook(book, out _).Reason);
        Assert.Equal("too-many:positions", f.Decoder.DecodePositions(account, out _).Reason);
    }

    [Fact]
    public void Decode_IdentifiersOverTheLimit_TooLong()
    {
        using var f = new WireFixture();
        var symbol = WireFixture.Utf8("{\"v\":1,\"symbol\":\"" + new string('S', 65) + "\",\"eventTime\":1,\"price\":1}");
        var account = WireFixture.Utf8("{\"v\":1,\"type\":\"balance\",\"account\":\"" + new string('a', 129) + "\",\"seq\":1,\"eventTime\":1,\"balance\":1}");

        Assert.Equal("too-long:symbol", f.Decoder.DecodeMark(symbol, out _).Reason);
        Assert.Equal("too-long:account", f.Decoder.DecodePositions(account, out _).Reason);
    }

    [Fact]
    public void Decode_AccountThatIsNotUtf8_BadUtf8AndNotAdded()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"v":1,"type":"balance","account":"##","seq":1,"eventTime":1,"balance":1}""");
        json[Array.IndexOf(json, (byte)'#')] = 0xFF;

        var result = f.Decoder.DecodePositions(json, out _);

        Assert.Equal("bad-utf8:account", result.Reason);
        Assert.Equal(2, f.Accounts.Count);
    }

    [Fact]
    public void Decode_RefusedMessage_AddsNoAccount()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"v":1,"type":"balance","account":"mallory","seq":1,"eventTime":1,"balance":"NaN"}""");

        Assert.False(f.Decoder.DecodePositions(json, out _).IsValid);
        Assert.False(f.Accounts.TryGetSlot("mallory"u8, out _));
    }

    [Fact]
    public void Decode_RefusedBook_LeavesNoLevels()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"v":1,"type":"snapshot","symbol":"BTCUSDT","eventTime":1,"lastId":1,"bids":[[1,1]],"asks":[[2,-1]]}""");

        var result = f.Decoder.DecodeBook(json, out var book);

        Assert.Equal("negative:qty", result.Reason);
        Assert.StartsWith("asks[0]: ", result.Detail, StringComparison.Ordinal);
        Assert.True(book.Bids.IsEmpty && f.Decoder.Bids.IsEmpty);
    }

    [Fact]
    public void Decode_UnknownFieldsAndAnyFieldOrder_Accepted()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"price":"61800.5","extra":{"nested":[1,{"a":null}]},"eventTime":7,"symbol":"BTCUSDT","v":1}""");

        var result = f.Decoder.DecodeMark(json, out var mark);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(new MarkUpdated(f.Btc, 7, 61_800.5), mark);
    }

    [Fact]
    public void Decode_EscapedNamesAndIdentifiers_ReadAsTheirCharacters()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"\u0076":1,"type":"position","acc\u006Funt":"b\u006Fb","seq":1,"eventTime":1,"symbol":"BTC\u0055SDT","size":1,"entry":2}""");

        var result = f.Decoder.DecodePositions(json, out var message);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(f.Bob, message.AccountSlot);
        Assert.Equal(f.Btc, message.Position.InstrumentIndex);
    }

    [Fact]
    public void Decode_BookPricesBeforeTheSymbol_StillConvertWithItsTick()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"bids":[["3000.07",1]],"asks":[],"v":1,"type":"snapshot","eventTime":1,"lastId":1,"symbol":"ETHUSDT"}""");

        var result = f.Decoder.DecodeBook(json, out var book);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(300_007, book.Bids[0].PriceTicks);
    }

    [Fact]
    public void Decode_ZeroQuantityInSnapshotAtSamePriceAsLiveLevel_NotADuplicate()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"v":1,"type":"snapshot","symbol":"BTCUSDT","eventTime":1,"lastId":1,"bids":[[100,0],[100,1]],"asks":[]}""");

        Assert.True(f.Decoder.DecodeBook(json, out _).IsValid);
    }

    [Fact]
    public void PositionsMessage_ReadingAnotherKindsEvent_Throws()
    {
        using var f = new WireFixture();
        var json = f.Encode((e, o) => e.WriteBalance(o, new BalanceChanged(f.Alice, 1, 1, 1)));
        Assert.True(f.Decoder.DecodePositions(json, out var message).IsValid);

        Assert.Throws<InvalidOperationException>(() => message.Position);
    }
}
