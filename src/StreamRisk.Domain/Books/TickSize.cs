using System.Globalization;

namespace StreamRisk.Domain.Books;

/// <summary>
/// An instrument's price increment, held exactly as <see cref="Units"/> × 10^-<see cref="Scale"/> (0.1 is 1 × 10^-1,
/// 0.25 is 25 × 10^-2). Book levels are keyed by integer ticks of it, so decimal price text converts to ticks without
/// rounding and ticks convert back to the exact decimal. <c>default</c> is not a valid tick size: use the factories.
/// </summary>
public readonly record struct TickSize
{
    /// <summary>Most decimal places a tick size or a price may carry (10^18 still fits a long).</summary>
    public const int MaxScale = 18;

    // A price's ticks × units stay within 2^53, where every integer is an exact double: ToPrice is then one correctly
    // rounded division, and no tick arithmetic can overflow a long (a ladder's thousandth-of-a-tick buckets included).
    private const long MaxExactUnits = 1L << 53;

    private static readonly long[] PowersOfTen = BuildPowersOfTen();

    // Powers of ten up to 10^22 are exact doubles, so price = (ticks × units) / 10^scale is one correctly rounded
    // division: the double nearest the exact decimal price, and monotone in ticks.
    private static readonly double[] PowersOfTenDouble = BuildPowersOfTenDouble();

    private TickSize(long units, int scale)
    {
        Units = units;
        Scale = scale;
    }

    /// <summary>The tick is <see cref="Units"/> × 10^-<see cref="Scale"/>.</summary>
    public long Units { get; }

    /// <summary>Decimal places of the tick (1 for 0.1, 2 for 0.25).</summary>
    public int Scale { get; }

    /// <summary>
    /// The highest price, in ticks, the instrument represents (2^53 tick units: 9×10^14 at a tick of 0.1, 9×10^7 at
    /// 10^-8). Prices beyond it are refused at the decode boundary; <see cref="CeilTicks"/> and <see cref="FloorTicks"/>
    /// clamp to it.
    /// </summary>
    public long MaxTicks => MaxExactUnits / Units;

    /// <summary>The price of <see cref="MaxTicks"/>: the highest price the instrument represents.</summary>
    public double MaxPrice => ToPrice(MaxTicks);

    /// <summary>The tick as a decimal, e.g. 0.1.</summary>
    public decimal Value => new((int)Units, (int)(Units >> 32), 0, false, (byte)Scale);

    /// <summary>A tick size from its decimal value; trailing zeros are ignored (0.10 is 0.1).</summary>
    public static TickSize FromDecimal(decimal value)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A tick size must be positive.");
        }

        var scaled = value;
        var scale = 0;
        while (scaled != decimal.Truncate(scaled))
        {
            if (scale == MaxScale)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"A tick size may have at most {MaxScale} decimal places.");
            }

            scaled *= 10;
            scale++;
        }

        if (scaled > long.MaxValue / PowersOfTen[MaxScale - scale])
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The tick size is too large.");
        }

        if (scaled > MaxExactUnits)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The tick size has more significant digits than a price can carry.");
        }

        return new TickSize((long)scaled, scale);
    }

    /// <summary>The tick 10^-<paramref name="decimalPlaces"/> (2 gives 0.01).</summary>
    public static TickSize FromDecimalPlaces(int decimalPlaces)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimalPlaces);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(decimalPlaces, MaxScale);
        return new TickSize(1, decimalPlaces);
    }

    /// <summary>
    /// Converts the exact price <paramref name="mantissa"/> × 10^-<paramref name="scale"/> (how a decoder reads
    /// "61800.20": 6180020 and 2) to ticks. False when the price is not a whole number of ticks or is beyond
    /// <see cref="MaxTicks"/>.
    /// </summary>
    public bool TryToTicks(long mantissa, int scale, out long ticks)
    {
        ticks = 0;
        if (scale < 0 || mantissa < 0)
        {
            return false;
        }

        long inTickScale;
        if (scale <= Scale)
        {
            var factor = PowersOfTen[Scale - scale];
            if (mantissa > long.MaxValue / factor)
            {
                return false;
            }

            inTickScale = mantissa * factor;
        }
        else
        {
            // More decimals than the tick: only trailing zeros may go ("61800.20" with tick 0.1).
            var excess = scale - Scale;
            if (excess > MaxScale)
            {
                return mantissa == 0;
            }

            var divisor = PowersOfTen[excess];
            if (mantissa % divisor != 0)
            {
                return false;
            }

            inTickScale = mantissa / divisor;
        }

        if (inTickScale % Units != 0)
        {
            return false;
        }

        ticks = inTickScale / Units;
        if (ticks > MaxTicks)
        {
            ticks = 0;
            return false;
        }

        return true;
    }

    /// <summary>
    /// The price of <paramref name="ticks"/> as the double nearest its exact decimal value (within ±<see cref="MaxTicks"/>;
    /// beyond, the nearest double of the product, never a wrapped long).
    /// </summary>
    public double ToPrice(long ticks) => (double)ticks * Units / PowersOfTenDouble[Scale];

    /// <summary>The exact decimal price of <paramref name="ticks"/>, e.g. for display or comparison with venue text.</summary>
    public decimal ToDecimal(long ticks)
    {
        var value = checked(ticks * Units);
        var magnitude = (ulong)Math.Abs(value);
        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, value < 0, (byte)Scale);
    }

    /// <summary>
    /// The smallest tick whose <see cref="ToPrice"/> is at or above <paramref name="price"/>, within
    /// [−<see cref="MaxTicks"/>, <see cref="MaxTicks"/> + 1]: a price above <see cref="MaxPrice"/> (infinity too) gives
    /// MaxTicks + 1, past every representable level. Total for any price but NaN, which throws.
    /// </summary>
    public long CeilTicks(double price)
    {
        var max = MaxTicks;
        if (CheckedNotNaN(price) > ToPrice(max))
        {
            return max + 1;
        }

        if (price <= -ToPrice(max))
        {
            return -max;
        }

        var ticks = (long)Math.Clamp(Math.Ceiling(price * PowersOfTenDouble[Scale] / Units), -max, max);

        // The estimate can be one off after rounding; settle it on ToPrice itself so that band membership is decided
        // by the same double a level's price reads as. Both walks stay inside the range, so they end.
        while (ticks > -max && ToPrice(ticks - 1) >= price)
        {
            ticks--;
        }

        while (ticks < max && ToPrice(ticks) < price)
        {
            ticks++;
        }

        return ticks;
    }

    /// <summary>
    /// The largest tick whose <see cref="ToPrice"/> is at or below <paramref name="price"/>, within
    /// [−<see cref="MaxTicks"/> − 1, <see cref="MaxTicks"/>]: a price above <see cref="MaxPrice"/> gives MaxTicks. Total
    /// for any price but NaN, which throws.
    /// </summary>
    public long FloorTicks(double price)
    {
        var max = MaxTicks;
        if (CheckedNotNaN(price) >= ToPrice(max))
        {
            return max;
        }

        if (price < -ToPrice(max))
        {
            return -max - 1;
        }

        var ticks = (long)Math.Clamp(Math.Floor(price * PowersOfTenDouble[Scale] / Units), -max, max);
        while (ticks < max && ToPrice(ticks + 1) <= price)
        {
            ticks++;
        }

        while (ticks > -max && ToPrice(ticks) > price)
        {
            ticks--;
        }

        return ticks;
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    private static double CheckedNotNaN(double price) =>
        !double.IsNaN(price) ? price : throw new ArgumentOutOfRangeException(nameof(price), price, "A price must be a number.");

    private static long[] BuildPowersOfTen()
    {
        var powers = new long[MaxScale + 1];
        powers[0] = 1;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }

    private static double[] BuildPowersOfTenDouble()
    {
        var powers = new double[MaxScale + 1];
        for (var i = 0; i < powers.Length; i++)
        {
            powers[i] = PowersOfTen[i];
        }

        return powers;
    }
}
