namespace StreamRisk.Domain.Books;

/// <summary>Resting quantity and its notional (Σ price × quantity, in quote units) over a set of levels.</summary>
public readonly record struct BookDepth(double Quantity, double Notional, int Levels);

/// <summary>
/// The result of walking a market order through one side of the book. <see cref="LastPrice"/> is the price of the last
/// level the order took quantity from (NaN when nothing filled); <see cref="Unfilled"/> is what the side could not
/// absorb (non-zero only when the side ran out).
/// </summary>
public readonly record struct BookWalk(
    double Requested,
    double Filled,
    double Notional,
    double Unfilled,
    long LastPriceTicks,
    double LastPrice,
    int LevelsTouched)
{
    /// <summary>Volume-weighted average fill price; NaN when nothing filled.</summary>
    public double Vwap => Filled > 0 ? Notional / Filled : double.NaN;

    /// <summary>The side ran out before the order was filled.</summary>
    public bool SideExhausted => Unfilled > 0;
}
