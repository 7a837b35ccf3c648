using System.Text;

namespace StreamRisk.Contracts.Wire;

/// <summary>How a piece of number text read.</summary>
internal enum DecimalStatus
{
    Ok,

    /// <summary>Not a JSON number (<c>-?int(.frac)?([eE][+-]?digits)?</c>).</summary>
    Malformed,

    /// <summary>NaN or Infinity spelled out, or a magnitude of 10^309 or more (no double holds it: <c>1e400</c>).</summary>
    NotFinite,

    /// <summary>A finite number whose exact digits do not fit a 64-bit mantissa at scale ≥ 0.</summary>
    OutOfRange,
}

/// <summary>
/// Reads JSON number text (a number token, or the inside of a decimal string) exactly, as
/// mantissa × 10^-scale, straight from its UTF-8 bytes: prices become integer ticks without ever passing through a
/// double, where 0.1 + 0.2 style rounding would put a level on the wrong tick.
/// </summary>
internal static class DecimalText
{
    // 10^309 is beyond double's range (≈ 1.8e308); anything that large is "not finite", as a double parse would say.
    private const int MaxFiniteDigitsBeforePoint = 309;

    // Exponents are clamped while read: beyond this every nonzero value is NotFinite or off any tick anyway.
    private const int ExponentClamp = 100_000;

    // Mantissas are handed out as long (what TickSize.TryToTicks takes).
    private const ulong MaxMantissa = long.MaxValue;

    /// <summary>True for the JSON number grammar, which is also what the wire allows inside a decimal string.</summary>
    public static bool IsNumber(ReadOnlySpan<byte> text) => Scan(text, out _);

    /// <summary>NaN, Infinity or inf (any case, optional sign): what producers that stringify doubles emit.</summary>
    public static bool IsNamedNonFinite(ReadOnlySpan<byte> text)
    {
        if (text.Length > 0 && (text[0] == (byte)'-' || text[0] == (byte)'+'))
        {
            text = text[1..];
        }

        return Ascii.EqualsIgnoreCase(text, "nan"u8) || Ascii.EqualsIgnoreCase(text, "infinity"u8) || Ascii.EqualsIgnoreCase(text, "inf"u8);
    }

    /// <summary>
    /// The exact value of <paramref name="text"/> as (−1)^negative × mantissa × 10^-scale with mantissa ≥ 0 and
    /// scale ≥ 0; trailing zeros of the fraction are dropped ("61800.20" is 618002 × 10^-1, "6.18e4" is 61800 × 10^0).
    /// Zero reads as mantissa 0, scale 0 (a "-0" keeps its sign flag).
    /// </summary>
    public static DecimalStatus Parse(ReadOnlySpan<byte> text, out bool negative, out long mantissa, out int scale)
    {
        mantissa = 0;
        scale = 0;
        negative = false;
        if (IsNamedNonFinite(text))
        {
            return DecimalStatus.NotFinite;
        }

        if (!Scan(text, out var parts))
        {
            return DecimalStatus.Malformed;
        }

        negative = parts.Negative;

        // Trailing zeros of the fraction do not change the value; dropping them keeps "0.100000000000000000000" exact.
        var fractionEnd = parts.FractionEnd;
        while (fractionEnd > parts.FractionStart && text[fractionEnd - 1] == (byte)'0')
        {
            fractionEnd--;
        }

        ulong digits = 0;
        var significant = 0;
        var overflow = false;
        Accumulate(text[parts.IntegerStart..parts.IntegerEnd], ref digits, ref significant, ref overflow);
        Accumulate(text[parts.FractionStart..fractionEnd], ref digits, ref significant, ref overflow);
        if (significant == 0)
        {
            return DecimalStatus.Ok;
        }

        // value = digits × 10^-s, and digits has `significant` digits, so the value lies in [10^(n-s-1), 10^(n-s)).
        var s = (fractionEnd - parts.FractionStart) - parts.Exponent;
        if (significant - s > MaxFiniteDigitsBeforePoint)
        {
            return DecimalStatus.NotFinite;
        }

        if (overflow)
        {
            return DecimalStatus.OutOfRange;
        }

        while (s < 0)
        {
            if (digits > MaxMantissa / 10)
            {
                return DecimalStatus.OutOfRange;
            }

            digits *= 10;
            s++;
        }

        mantissa = (long)digits;
        scale = s;
        return DecimalStatus.Ok;
    }

    /// <summary>The exact decimal text of mantissa × 10^-scale, for error details (not on the hot path).</summary>
    public static string Format(bool negative, long mantissa, int scale)
    {
        var digits = mantissa.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (scale > 0)
        {
            digits = digits.Length > scale
                ? digits[..^scale] + "." + digits[^scale..]
                : "0." + new string('0', scale - digits.Length) + digits;
        }

        return negative ? "-" + digits : digits;
    }

    private static void Accumulate(ReadOnlySpan<byte> text, ref ulong digits, ref int significant, ref bool overflow)
    {
        foreach (var c in text)
        {
            var digit = (uint)(c - '0');
            if (digits == 0 && digit == 0 && significant == 0)
            {
                continue;
            }

            significant++;
            if (overflow || digits > (MaxMantissa - digit) / 10)
            {
                overflow = true;
                continue;
            }

            digits = (digits * 10) + digit;
        }
    }

    private static bool Scan(ReadOnlySpan<byte> text, out NumberParts parts)
    {
        parts = default;
        var i = 0;
        if (i < text.Length && text[i] == (byte)'-')
        {
            parts.Negative = true;
            i++;
        }

        parts.IntegerStart = i;
        if (i >= text.Length || !IsDigit(text[i]))
        {
            return false;
        }

        // JSON allows no leading zeros: "0" alone, or a non-zero digit first.
        if (text[i] == (byte)'0')
        {
            i++;
        }
        else
        {
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }
        }

        parts.IntegerEnd = i;
        parts.FractionStart = parts.FractionEnd = i;
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            parts.FractionStart = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }

            parts.FractionEnd = i;
            if (parts.FractionEnd == parts.FractionStart)
            {
                return false;
            }
        }

        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            i++;
            var exponentNegative = false;
            if (i < text.Length && (text[i] == (byte)'+' || text[i] == (byte)'-'))
            {
                exponentNegative = text[i] == (byte)'-';
                i++;
            }

            var exponentStart = i;
            var exponent = 0;
            while (i < text.Length && IsDigit(text[i]))
            {
                if (exponent < ExponentClamp)
                {
                    exponent = (exponent * 10) + (text[i] - '0');
                }

                i++;
            }

            if (i == exponentStart)
            {
                return false;
            }

            parts.Exponent = exponentNegative ? -exponent : exponent;
        }

        return i == text.Length;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private struct NumberParts
    {
        public bool Negative;
        public int IntegerStart;
        public int IntegerEnd;
        public int FractionStart;
        public int FractionEnd;
        public int Exponent;
    }
}
