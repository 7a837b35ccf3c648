using StreamRisk.Domain.Books;

namespace StreamRisk.Replay.Binance;

/// <summary>A depth update (<c>depthUpdate</c>) was applied to the book. Ids and times as Binance sent them.</summary>
public readonly struct DiffApplied(long firstUpdateId, long lastUpdateId, long previousUpdateId, long eventTime, long transactionTime, long receiveTimeNs)
{
    /// <summary><c>U</c>.</summary>
    public long FirstUpdateId { get; } = firstUpdateId;

    /// <summary><c>u</c>: the book's <see cref="OrderBook.LastUpdateId"/> after this update.</summary>
    public long LastUpdateId { get; } = lastUpdateId;

    /// <summary><c>pu</c>.</summary>
    public long PreviousUpdateId { get; } = previousUpdateId;

    /// <summary><c>E</c>, Unix milliseconds.</summary>
    public long EventTime { get; } = eventTime;

    /// <summary><c>T</c>, Unix milliseconds.</summary>
    public long TransactionTime { get; } = transactionTime;

    /// <summary>The recorder's local receive time, Unix nanoseconds (first field of the capture line).</summary>
    public long ReceiveTimeNs { get; } = receiveTimeNs;
}

/// <summary>
/// A <c>bookTicker</c> message: Binance's own best bid and ask as of update id <see cref="UpdateId"/>. Prices stay exact
/// decimals (they may arrive before the tick size is known); quantities parse to the same doubles the book stores.
/// </summary>
public readonly struct BookTickerReceived(
    long updateId,
    long eventTime,
    long transactionTime,
    decimal bidPrice,
    double bidQuantity,
    decimal askPrice,
    double askQuantity,
    long receiveTimeNs)
{
    /// <summary><c>u</c>.</summary>
    public long UpdateId { get; } = updateId;

    public long EventTime { get; } = eventTime;

    public long TransactionTime { get; } = transactionTime;

    public decimal BidPrice { get; } = bidPrice;

    public double BidQuantity { get; } = bidQuantity;

    public decimal AskPrice { get; } = askPrice;

    public double AskQuantity { get; } = askQuantity;

    public long ReceiveTimeNs { get; } = receiveTimeNs;
}

/// <summary>
/// Best bid and ask of a book as exact decimals; an empty side reads as price 0 and quantity 0.
/// Equal to a <see cref="BookTickerReceived"/> when both prices and both quantities are equal.
/// </summary>
public readonly record struct TopOfBook(decimal BidPrice, double BidQuantity, decimal AskPrice, double AskQuantity)
{
    public static TopOfBook Of(OrderBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        var hasBid = book.TryGetBest(BookSide.Bid, out var bid);
        var hasAsk = book.TryGetBest(BookSide.Ask, out var ask);
        return new TopOfBook(
            hasBid ? book.TickSize.ToDecimal(bid.PriceTicks) : 0,
            hasBid ? bid.Quantity : 0,
            hasAsk ? book.TickSize.ToDecimal(ask.PriceTicks) : 0,
            hasAsk ? ask.Quantity : 0);
    }

    public bool Matches(in BookTickerReceived ticker) =>
        BidPrice == ticker.BidPrice && BidQuantity == ticker.BidQuantity
        && AskPrice == ticker.AskPrice && AskQuantity == ticker.AskQuantity;
}

/// <summary>
/// Receives what a <see cref="BinanceBookImporter"/> replays, on the importer's thread, in capture order (updates
/// held for a snapshot are delivered when it arrives). The book passed in is live only for the call.
/// </summary>
public interface IBinanceBookObserver
{
    /// <param name="diff">The levels the update changed (quantity 0 = removed), valid only during the call.</param>
    void OnDiffApplied(in DiffApplied applied, OrderBook book, scoped in DepthUpdated diff);

    void OnBookTicker(in BookTickerReceived ticker);
}

/// <summary>
/// Counts of one import. <see cref="StaleAtEnd"/>: the capture ended without a usable book (no snapshot, or a gap not
/// followed by one). <see cref="BadLines"/>: lines reported and skipped (and gzip streams that ended unreadable).
/// </summary>
public sealed record BinanceImportSummary(
    long Applied,
    long Gaps,
    long Resyncs,
    long Skipped,
    long Snapshots,
    long SnapshotsIgnored,
    long BookTickers,
    long CrossedUpdates,
    int PendingAtEnd,
    bool StaleAtEnd,
    long BadLines = 0);
