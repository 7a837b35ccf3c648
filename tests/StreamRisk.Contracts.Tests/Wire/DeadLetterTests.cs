using System.Text;
using StreamRisk.Contracts.Wire;

namespace StreamRisk.Contracts.Tests.Wire;

public sealed class DeadLetterTests
{
    [Fact]
    public void Of_RefusedMessage_HeadersCarryReasonDetailAndSource()
    {
        using var f = new WireFixture();
        var result = f.Decoder.DecodeMark("""{"v":1,"symbol":"BTCUSDT","eventTime":1,"price":"NaN"}"""u8, out _);

        var headers = DeadLetter.Of(result, "streamrisk.marks", 4, 123_456).ToHeaders();

        Assert.Equal(
            ["streamrisk-reason", "streamrisk-detail", "streamrisk-source-topic", "streamrisk-source-partition", "streamrisk-source-offset"],
            headers.Select(h => h.Name));
        Assert.Equal("not-finite:price", Text(headers[0].Value));
        Assert.Contains("price", Text(headers[1].Value), StringComparison.Ordinal);
        Assert.Equal("streamrisk.marks", Text(headers[2].Value));
        Assert.Equal("4", Text(headers[3].Value));
        Assert.Equal("123456", Text(headers[4].Value));
    }

    [Fact]
    public void ToHeaders_ThenTryFromHeaders_SameDeadLetter()
    {
        var letter = new DeadLetter("unknown-symbol", "symbol \"X\" is not known", "streamrisk.book", 0, 9);

        Assert.True(DeadLetter.TryFromHeaders(letter.ToHeaders(), out var read));

        Assert.Equal(letter, read);
    }

    [Fact]
    public void ToHeaders_MultiLineOrLongDetail_OneBoundedLine()
    {
        var letter = new DeadLetter("bad-json", "line one\r\nline two\t" + new string('x', 2_000), "t", 1, 2);

        var detail = Text(letter.ToHeaders()[1].Value);

        Assert.DoesNotContain('\n', detail);
        Assert.DoesNotContain('\r', detail);
        Assert.StartsWith("line one  line two ", detail, StringComparison.Ordinal);
        Assert.Equal(DeadLetter.MaxDetailLength, detail.Length);
    }

    [Fact]
    public void TryFromHeaders_MissingHeader_False()
    {
        var headers = new DeadLetter("bad-json", "d", "t", 1, 2).ToHeaders().Where(h => h.Name != DeadLetter.SourceOffsetHeader);

        Assert.False(DeadLetter.TryFromHeaders(headers, out _));
    }

    [Fact]
    public void Of_ValidResult_Throws() =>
        Assert.Throws<ArgumentException>(() => DeadLetter.Of(DecodeResult.Valid, "t", 0, 0));

    private static string Text(byte[] value) => Encoding.UTF8.GetString(value);
}
