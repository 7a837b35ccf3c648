using System.Text;
using StreamRisk.Contracts.Wire;

namespace StreamRisk.Contracts.Tests.Wire;

public sealed class DecimalTextTests
{
    [Theory]
    [InlineData("61800.20", false, 618_002, 1)]
    [InlineData("0", false, 0, 0)]
    [InlineData("-0", true, 0, 0)]
    [InlineData("0.001", false, 1, 3)]
    [InlineData("-12.5", true, 125, 1)]
    [InlineData("1E+3", false, 1000, 0)]
    [InlineData("5e-7", false, 5, 7)]
    [InlineData("0e999999999999", false, 0, 0)]
    [InlineData("1200", false, 1200, 0)]
    [InlineData("12e2", false, 1200, 0)]
    [InlineData("0.000000000000000000000000000000000000001", false, 1, 39)]
    public void Parse_Number_ExactMantissaAndScale(string text, bool negative, long mantissa, int scale)
    {
        Assert.Equal(DecimalStatus.Ok, DecimalText.Parse(Encoding.UTF8.GetBytes(text), out var n, out var m, out var s));
        Assert.Equal((negative, mantissa, scale), (n, m, s));
    }

    [Theory]
    [InlineData("", "Malformed")]
    [InlineData("-", "Malformed")]
    [InlineData(".5", "Malformed")]
    [InlineData("5.", "Malformed")]
    [InlineData("05", "Malformed")]
    [InlineData("+5", "Malformed")]
    [InlineData("1e", "Malformed")]
    [InlineData("1e+", "Malformed")]
    [InlineData("1.2.3", "Malformed")]
    [InlineData(" 1", "Malformed")]
    [InlineData("1_000", "Malformed")]
    [InlineData("NaN", "NotFinite")]
    [InlineData("-inf", "NotFinite")]
    [InlineData("Infinity", "NotFinite")]
    [InlineData("1e400", "NotFinite")]
    [InlineData("-1e999999999999999", "NotFinite")]
    [InlineData("99999999999999999999", "OutOfRange")]
    [InlineData("9223372036854775808", "OutOfRange")]
    [InlineData("1E+21", "OutOfRange")]
    [InlineData("9223372036854775807", "Ok")]
    public void Parse_Edge_Status(string text, string status) =>
        Assert.Equal(Enum.Parse<DecimalStatus>(status), DecimalText.Parse(Encoding.UTF8.GetBytes(text), out _, out _, out _));

    [Theory]
    [InlineData(false, 618_002, 1, "61800.2")]
    [InlineData(true, 5, 3, "-0.005")]
    [InlineData(false, 7, 0, "7")]
    public void Format_MantissaAndScale_DecimalText(bool negative, long mantissa, int scale, string text) =>
        Assert.Equal(text, DecimalText.Format(negative, mantissa, scale));
}
