namespace StreamRisk.Domain.Ladders;

/// <summary>
/// Exact totals of the positions whose liquidation price falls on one price tick of a ladder side. Sizes are counted
/// in <see cref="LadderQuanta.SizeUnit"/>s and prices in ticks, so every sum is an integer: adding partial ladders
/// from several instances, in any order, gives the very totals one instance would have (floating-point sums would
/// differ in the last bits with the order, and so would every projection built on them).
/// </summary>
/// <param name="Count">Positions on the tick.</param>
/// <param name="SizeUnits">Σ |size| in size units.</param>
/// <param name="BankruptcyUnits">Σ |size| units × bankruptcy price in ticks.</param>
public readonly record struct LadderBucket(int Count, Int128 SizeUnits, Int128 BankruptcyUnits)
{
    public bool IsEmpty => Count == 0 && SizeUnits == 0 && BankruptcyUnits == 0;

    /// <summary>One position of <paramref name="sizeUnits"/> with bankruptcy bucket <paramref name="bankruptcyTick"/>.</summary>
    internal static LadderBucket OfPosition(long sizeUnits, long bankruptcyTick)
    {
        // long × long into 128 bits with one widening multiply (the same value Int128's general multiply gives).
        var high = Math.BigMul(sizeUnits, bankruptcyTick, out var low);
        return new LadderBucket(1, sizeUnits, new Int128((ulong)high, (ulong)low));
    }

    public static LadderBucket operator +(LadderBucket a, LadderBucket b) =>
        new(a.Count + b.Count, a.SizeUnits + b.SizeUnits, a.BankruptcyUnits + b.BankruptcyUnits);

    public static LadderBucket operator -(LadderBucket a, LadderBucket b) =>
        new(a.Count - b.Count, a.SizeUnits - b.SizeUnits, a.BankruptcyUnits - b.BankruptcyUnits);
}

/// <summary>How a position is put on a bucketed ladder.</summary>
public static class LadderQuanta
{
    /// <summary>Sizes are counted in 10⁻⁸ contracts (finer than any venue's lot size).</summary>
    public const double SizeUnit = 1e-8;

    /// <summary>
    /// The largest |size| (and book quantity) the monitor takes: 9×10¹⁰ contracts, so a size in <see cref="SizeUnit"/>s
    /// still fits a long (9.2×10¹⁸). Larger values are refused at the decode boundary.
    /// </summary>
    public const double MaxSize = 9e10;

    /// <summary>
    /// Buckets per price tick of the instrument: a thousandth of a tick keeps the ladder within 0.001 tick of the exact
    /// liquidation prices (no projection moves by a 0.1% shock step for it) while sums stay exact integers.
    /// </summary>
    public const int BucketsPerTick = 1000;

    /// <summary>
    /// The bucket a liquidation (or bankruptcy) price is filed on, rounded toward liquidation: a long's price up, a
    /// short's down — a mark reaches the filed price no later than the exact one, so the ladder errs by at most one
    /// bucket on the side of caution. A price within 10⁻⁹ of a tick is that tick (binary fractions of decimal ticks).
    /// </summary>
    public static long TickOf(double price, double tick, bool isLong)
    {
        var ticks = price / tick;
        var nearest = Math.Round(ticks);
        if (Math.Abs(ticks - nearest) <= 1e-9 * Math.Max(1, Math.Abs(nearest)))
        {
            return (long)nearest;
        }

        return (long)(isLong ? Math.Ceiling(ticks) : Math.Floor(ticks));
    }

    /// <summary>|size| in size units.</summary>
    public static long UnitsOf(double size) => (long)Math.Round(Math.Abs(size) / SizeUnit);
}

/// <summary>
/// What one position adds to its symbol's bucketed ladder: its liquidation bucket, size in 10⁻⁸ units and bankruptcy
/// bucket (see <see cref="LadderBucket"/>); not present when it has no liquidation price.
/// </summary>
internal readonly record struct LadderContribution(bool Present, bool IsLong, long Tick, long SizeUnits, long BankruptcyTick);
