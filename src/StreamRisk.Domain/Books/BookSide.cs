namespace StreamRisk.Domain.Books;

/// <summary>Which side of an order book: resting buy orders (bids) or resting sell orders (asks).</summary>
public enum BookSide
{
    /// <summary>Resting buy orders; a market sell (e.g. a long being liquidated) walks down through them.</summary>
    Bid,

    /// <summary>Resting sell orders; a market buy (e.g. a short being liquidated) walks up through them.</summary>
    Ask,
}

/// <summary>What <see cref="OrderBook.ApplyDiff"/> did with one depth update.</summary>
public enum DiffOutcome
{
    /// <summary>The update followed the book's last update id and was applied.</summary>
    Applied,

    /// <summary>The update is older than the book (its last id precedes the book's); dropped, nothing changed.</summary>
    Outdated,

    /// <summary>The update does not follow the book: the book is now stale and asks for a resync (a new snapshot).</summary>
    Gap,

    /// <summary>The book is stale (no snapshot yet, or after a gap); the caller keeps the update for the next snapshot.</summary>
    AwaitingSnapshot,
}
