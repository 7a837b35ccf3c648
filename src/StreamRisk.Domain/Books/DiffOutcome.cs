namespace StreamRisk.Domain.Books;

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
