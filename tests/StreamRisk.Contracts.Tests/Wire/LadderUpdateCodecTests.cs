using System.Text;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Contracts.Tests.Wire;

/// <summary>The ladders topic's message carries an update exactly (integer sums past 2⁵³, doubles bit for bit, NaN and ∞).</summary>
public sealed class LadderUpdateCodecTests
{
    private const string Valid = "{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}";

    [Fact]
    public void RoundTrip_KeepsEveryFieldExactly()
    {
        var update = new LadderUpdate
        {
            Source = 7, Instrument = 3, Number = 123_456, EventTime = 1_723_161_329_846, Tick = 0.1 / 1000, TouchesBefore = 1, TouchesAfter = 2,
            HasLarge = true, HasAdl = true, Replaces = true,
        };
        update.Buckets.Add((true, 600_001_234_567L, new LadderBucket(3, (Int128)long.MaxValue * 5, Int128.Parse("123456789012345678901234567", System.Globalization.CultureInfo.InvariantCulture))));
        update.Buckets.Add((false, 1, default));
        update.Buckets.Add((false, -7, new LadderBucket(1, -5, Int128.MinValue + 1)));
        update.Large.Add(new LargePosition("acct-1", -12.345678901234567, 750_000.1, double.NaN, double.NaN));
        update.Large.Add(new LargePosition("acct-ü\"\\", 0.1 + 0.2, 1e300, 58_000.1, 0.033));
        update.AdlLongs.Add(new AdlCandidate("a", double.PositiveInfinity, 1.5, 57_000));
        update.AdlShorts.Add(new AdlCandidate("b", -0.0000123, 2, double.NegativeInfinity));
        update.Settlements.Add(new FundSettlement(1, 1_723_161_329_000, -1_250.123456789012));
        update.Settlements.Add(new FundSettlement(2, 1_723_161_329_846, 0.1 + 0.2));

        var bytes = new LadderUpdateEncoder().Encode(update, "BTCUSDT").ToArray();
        var back = new LadderUpdate();
        var result = Decoder().DecodeLadderUpdate(bytes, back);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(1, back.Instrument); // the receiver's index of the symbol, not the sender's
        Assert.Equal((update.Source, update.Number, update.EventTime, update.Tick, update.TouchesBefore, update.TouchesAfter),
            (back.Source, back.Number, back.EventTime, back.Tick, back.TouchesBefore, back.TouchesAfter));
        Assert.Equal(update.Buckets, back.Buckets);
        Assert.Equal(update.Large, back.Large);
        Assert.Equal(update.AdlLongs, back.AdlLongs);
        Assert.Equal(update.AdlShorts, back.AdlShorts);
        Assert.Equal(update.Settlements, back.Settlements);
        Assert.True(back.HasLarge && back.HasAdl && back.Replaces);
        Assert.True(PayloadEventTime.TryRead(bytes, out var time) && time == update.EventTime);
    }

    [Fact]
    public void RoundTrip_WithoutLargeOrAdl_SaysNeitherWasReplaced()
    {
        var update = new LadderUpdate { Source = 1, Number = 2, EventTime = 3, Tick = 0.5, TouchesAfter = 1 };
        var back = new LadderUpdate();

        var result = Decoder().DecodeLadderUpdate(new LadderUpdateEncoder().Encode(update, "ETHUSDT").Span, back);

        Assert.True(result.IsValid, result.ToString());
        Assert.False(back.HasLarge || back.HasAdl || back.Replaces);
        Assert.Equal(0, back.Instrument);
    }

    [Theory]
    [InlineData("{\"eventTime\":1}", "missing:symbol")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":0,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}", "out-of-range:n")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":0,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"1\",\"1\"]]}", "out-of-range:tick")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"x\",\"1\"]]}", "bad-number:buckets")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"1\"]]}", "bad-value:buckets")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[2,5,1,\"1\",\"1\"]]}", "out-of-range:buckets")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"1\",\"1\",6]]}", "bad-value:buckets")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":{}}", "wrong-type:buckets")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"large\":[[7,1,1,1,1]]}", "wrong-type:large")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"large\":[[\"a\",\"x\",1,1,1]]}", "bad-number:large")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"adlLongs\":[]}", "missing:adlShorts")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"settled\":[[0,1,5]]}", "out-of-range:settled")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"settled\":[[1,1,\"NaN\"]]}", "out-of-range:settled")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"settled\":[[1,1,2e18]]}", "out-of-range:settled")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"settled\":[[1,1]]}", "bad-value:settled")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":-1,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}", "out-of-range:source")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1.5,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}", "not-integer:n")]
    [InlineData("{\"eventTime\":1,\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}", "duplicate:eventTime")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"DOGEUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}", "unknown-symbol")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]", "bad-json")]
    [InlineData("not json", "bad-json")]
    [InlineData("[]", "wrong-type:$")]
    public void Malformed_IsRefusedWithAReason(string json, string reason)
    {
        var update = new LadderUpdate();

        var result = Decoder().DecodeLadderUpdate(Encoding.UTF8.GetBytes(json), update);

        Assert.Equal(reason, result.Reason);
        Assert.NotEmpty(result.Detail);
        Assert.True(update.IsEmpty);
    }

    [Fact]
    public void Valid_MinimalMessage_Decodes()
    {
        var result = Decoder().DecodeLadderUpdate(Encoding.UTF8.GetBytes(Valid), new LadderUpdate());

        Assert.True(result.IsValid, result.ToString());
    }

    private static WireDecoder Decoder()
    {
        var symbols = new SymbolTable();
        symbols.Upsert(new Symbol("ETHUSDT"), TickSize.FromDecimal(0.01m));
        symbols.Upsert(new Symbol("BTCUSDT"), TickSize.FromDecimal(0.1m));
        return new WireDecoder(symbols, new AccountTable());
    }
}
