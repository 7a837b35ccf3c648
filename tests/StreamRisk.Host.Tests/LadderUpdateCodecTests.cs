using System.Text;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Engine;
using StreamRisk.Host.Monitoring;

namespace StreamRisk.Host.Tests;

/// <summary>The ladders topic's message carries an update exactly (integer sums past 2⁵³, doubles bit for bit, NaN and ∞).</summary>
public sealed class LadderUpdateCodecTests
{
    [Fact]
    public void RoundTrip_KeepsEveryFieldExactly()
    {
        var update = new LadderUpdate
        {
            Source = 7, Instrument = 3, Number = 123_456, EventTime = 1_723_161_329_846, Tick = 0.1 / 1000, TouchesBefore = 1, TouchesAfter = 2,
            HasLarge = true, HasAdl = true,
        };
        update.Buckets.Add((true, 600_001_234_567L, new LadderBucket(3, (Int128)long.MaxValue * 5, Int128.Parse("123456789012345678901234567", System.Globalization.CultureInfo.InvariantCulture))));
        update.Buckets.Add((false, 1, default));
        update.Large.Add(new LargePosition("acct-1", -12.345678901234567, 750_000.1, double.NaN, double.NaN));
        update.Large.Add(new LargePosition("acct-ü", 0.1 + 0.2, 1e300, 58_000.1, 0.033));
        update.AdlLongs.Add(new AdlCandidate("a", double.PositiveInfinity, 1.5, 57_000));
        update.AdlShorts.Add(new AdlCandidate("b", -0.0000123, 2, double.NegativeInfinity));

        var bytes = new LadderUpdateCodec().Encode(update, "BTCUSDT").ToArray();
        var back = new LadderUpdate();
        Assert.True(LadderUpdateCodec.TryDecode(bytes, back, out var symbol, out var reason), reason);

        Assert.Equal("BTCUSDT", symbol);
        Assert.Equal((update.Source, update.Number, update.EventTime, update.Tick, update.TouchesBefore, update.TouchesAfter),
            (back.Source, back.Number, back.EventTime, back.Tick, back.TouchesBefore, back.TouchesAfter));
        Assert.Equal(update.Buckets, back.Buckets);
        Assert.Equal(update.Large, back.Large);
        Assert.Equal(update.AdlLongs, back.AdlLongs);
        Assert.Equal(update.AdlShorts, back.AdlShorts);
        Assert.True(back.HasLarge && back.HasAdl);
        Assert.True(Contracts.Wire.PayloadEventTime.TryRead(bytes, out var time) && time == update.EventTime);
    }

    [Theory]
    [InlineData("{\"eventTime\":1}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"X\",\"source\":0,\"n\":0,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"X\",\"source\":0,\"n\":1,\"tick\":0,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"1\",\"1\"]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"X\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"x\",\"1\"]]}")]
    [InlineData("not json")]
    public void Malformed_IsRefusedWithAReason(string json)
    {
        var update = new LadderUpdate();
        Assert.False(LadderUpdateCodec.TryDecode(Encoding.UTF8.GetBytes(json), update, out _, out var reason));
        Assert.NotEmpty(reason);
        Assert.True(update.IsEmpty);
    }
}
