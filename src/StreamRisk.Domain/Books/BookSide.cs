namespace StreamRisk.Domain.Books;

/// <summary>Which side of an order book: resting buy orders (bids) or resting sell orders (asks).</summary>
public enum BookSide
{
    /// <summary>Resting buy orders; a market sell (e.g. a long being liquidated) walks down through them.</summary>
    Bid,

    /// <summary>Resting sell orders; a market buy (e.g. a short being liquidated) walks up through them.</summary>
    Ask,
}
