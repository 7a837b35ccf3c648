namespace StreamRisk.Domain.Books;

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
