using StreamRisk.Domain.Books;

namespace StreamRisk.Domain.Tests.Books;

/// <summary>Liquidation orders walk the book less what earlier ones consumed; consumed depth comes back linearly; the book itself is untouched.</summary>
public sealed class DepthOverlayTests
{
    private static readonly TickSize One = TickSize.FromDecimal(1m);

    private static OrderBook Book()
    {
        var book = new OrderBook(new Symbol("BTCUSDT"), One);
        book.ApplySnapshot(10, [new PriceLevel(100, 1), new PriceLevel(99, 2), new PriceLevel(98, 4)], [new PriceLevel(101, 3)]);
        return book;
    }

    [Fact]
    public void Walk_SellIntoBids_BestFirstWithAveragePrice()
    {
        var walk = new DepthOverlay(TimeSpan.FromSeconds(30)).Walk(Book(), BookSide.Bid, 2, 0);

        Assert.Equal(2, walk.Filled);
        Assert.Equal(199, walk.Notional); // 1 × 100 + 1 × 99
        Assert.Equal(99.5, walk.AveragePrice);
        Assert.Equal(99, walk.LastPrice);
        Assert.Equal(0, walk.Unfilled);
    }

    [Fact]
    public void Walk_AgainAtOnce_ConsumedDepthStaysConsumedAndTheBookIsUntouched()
    {
        var book = Book();
        var overlay = new DepthOverlay(TimeSpan.FromSeconds(30));
        overlay.Walk(book, BookSide.Bid, 2, 0);

        var second = overlay.Walk(book, BookSide.Bid, 2, 0);

        Assert.Equal(197, second.Notional); // 1 × 99 (the rest of the level) + 1 × 98
        Assert.Equal(new PriceLevel(100, 1), book.LevelAt(BookSide.Bid, 0));
        Assert.Equal(new PriceLevel(99, 2), book.LevelAt(BookSide.Bid, 1));
    }

    [Fact]
    public void Walk_HalfTheRecoveryLater_HalfTheConsumedDepthIsBack()
    {
        var book = Book();
        var overlay = new DepthOverlay(TimeSpan.FromSeconds(30));
        overlay.Walk(book, BookSide.Bid, 3, 0); // takes all of 100 and 99

        Assert.Equal(0.5, overlay.ConsumedAt(BookSide.Bid, 100, 15_000));
        Assert.Equal(1.0, overlay.ConsumedAt(BookSide.Bid, 99, 15_000));
        var walk = overlay.Walk(book, BookSide.Bid, 1, 15_000);
        Assert.Equal(0.5 * 100 + 0.5 * 99, walk.Notional);
        Assert.Equal(0, overlay.ConsumedAt(BookSide.Bid, 99, 45_001));
    }

    [Fact]
    public void Walk_MoreThanTheSide_RemainderUnfilled()
    {
        var walk = new DepthOverlay(TimeSpan.FromSeconds(30)).Walk(Book(), BookSide.Ask, 5, 0);

        Assert.Equal(3, walk.Filled);
        Assert.Equal(2, walk.Unfilled);
        Assert.Equal(101, walk.LastPrice);
    }

    [Fact]
    public void Walk_AVenueDiffAfterAnOrder_AppliesExactlyToTheVenuesLevels()
    {
        var book = Book();
        var overlay = new DepthOverlay(TimeSpan.FromSeconds(30));
        overlay.Walk(book, BookSide.Bid, 1, 0);

        // The venue says level 100 now holds 5: the book takes it as sent; 1 of it is still consumed.
        Assert.Equal(DiffOutcome.Applied, book.ApplyDiff(new DepthUpdated(10, 11, 9, [new PriceLevel(100, 5)], [])));

        Assert.Equal(new PriceLevel(100, 5), book.LevelAt(BookSide.Bid, 0));
        Assert.Equal(400, overlay.Walk(book, BookSide.Bid, 4, 0).Notional);
    }
}
