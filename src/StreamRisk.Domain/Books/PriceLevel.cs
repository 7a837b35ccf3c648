namespace StreamRisk.Domain.Books;

/// <summary>
/// One L2 price level: a price in integer ticks of the instrument's <see cref="TickSize"/> and the quantity resting
/// there. In a depth update a quantity of 0 deletes the level.
/// </summary>
public readonly record struct PriceLevel(long PriceTicks, double Quantity);

/// <summary>
/// A depth update as venues send it: absolute quantities for the levels that changed, and the update ids that
/// order it. <see cref="PreviousUpdateId"/> is the last id of the update this one follows (Binance futures send it as
/// <c>pu</c>; for a venue whose ids are contiguous it is <c>FirstUpdateId - 1</c>).
/// A ref struct so the levels can live in the decoder's reused buffers: applying an update allocates nothing.
/// </summary>
public readonly ref struct DepthUpdated(
    long firstUpdateId,
    long lastUpdateId,
    long previousUpdateId,
    ReadOnlySpan<PriceLevel> bids,
    ReadOnlySpan<PriceLevel> asks)
{
    public long FirstUpdateId { get; } = firstUpdateId;

    public long LastUpdateId { get; } = lastUpdateId;

    public long PreviousUpdateId { get; } = previousUpdateId;

    public ReadOnlySpan<PriceLevel> Bids { get; } = bids;

    public ReadOnlySpan<PriceLevel> Asks { get; } = asks;
}

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
