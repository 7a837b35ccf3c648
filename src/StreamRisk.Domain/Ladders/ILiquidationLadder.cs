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
}
