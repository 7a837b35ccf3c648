namespace StreamRisk.Domain.Ladders;

/// <summary>
/// One side of one symbol's liquidation ladder as the cascade projector reads it: totals of the positions a mark
/// crosses (longs: LP ≥ price; shorts: LP ≤ price) and of those in a price band.
/// </summary>
public interface ILiquidationLadder
{
    bool IsLong { get; }

    int Count { get; }

    LadderTotals Total { get; }

    LadderTotals Crossed(double price);

    /// <summary>Totals with LP in [from, to).</summary>
    LadderTotals Between(double from, double to);

    /// <summary>
    /// Count and size of what <paramref name="price"/> crosses (as <see cref="Crossed"/>), for a caller whose prices move
    /// one way (the critical-shock sweep): <paramref name="cursor"/> remembers where the last answer was found, so the
    /// next is found from there. Any cursor gives the right answer; a fresh one (<c>default</c>) searches from scratch.
    /// </summary>
    (int Count, double Size) CrossedSize(double price, ref LadderCursor cursor)
    {
        var totals = Crossed(price);
        return (totals.Count, totals.Size);
    }

    /// <summary>
    /// A price no farther than the nearest position not crossed at <paramref name="price"/> (longs: the highest LP
    /// below it; shorts: the lowest above it): moving the price short of it crosses nothing new. −∞ (longs) or +∞
    /// (shorts) when nothing lies beyond. The default answers <paramref name="price"/> itself (no skipping).
    /// </summary>
    double NearestBeyond(double price, ref LadderCursor cursor) => price;
}

/// <summary>Where a ladder last found an answer (see <see cref="ILiquidationLadder.CrossedSize"/>); only a hint.</summary>
public struct LadderCursor
{
    // Stored plus one, so default (0) means "no hint".
    internal int BasePlusOne;
    internal int OverlayPlusOne;
}
