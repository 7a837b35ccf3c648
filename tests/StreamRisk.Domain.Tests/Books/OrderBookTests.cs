using StreamRisk.Domain.Books;

namespace StreamRisk.Domain.Tests.Books;

public sealed class OrderBookTests
{
    private static readonly TickSize Tenth = TickSize.FromDecimal(0.1m);

    [Fact]
    public void ApplySnapshot_UnsortedLevels_BestLevelsFirst()
    {
        var book = Snapshot(100, bids: [(999, 1), (1000, 2), (998, 3)], asks: [(1003, 4), (1001, 5), (1002, 6)]);

        Assert.Equal(new PriceLevel(10000, 2), book.LevelAt(BookSide.Bid, 0));
        Assert.Equal(new PriceLevel(9990, 1), book.LevelAt(BookSide.Bid, 1));
        Assert.Equal(new PriceLevel(9980, 3), book.LevelAt(BookSide.Bid, 2));
        Assert.True(book.TryGetBest(BookSide.Ask, out var ask));
        Assert.Equal(new PriceLevel(10010, 5), ask);
        Assert.Equal(new PriceLevel(10030, 4), book.LevelAt(BookSide.Ask, 2));
        Assert.False(book.IsStale);
        Assert.False(book.IsCrossed);
        Assert.Equal(100, book.LastUpdateId);
    }

    [Fact]
    public void ApplySnapshot_ZeroQuantity_LevelLeftOut()
    {
        var book = Snapshot(1, bids: [(1000, 0), (999, 1)], asks: []);

        Assert.Equal(1, book.LevelCount(BookSide.Bid));
        Assert.False(book.TryGetBest(BookSide.Ask, out _));
    }

    [Fact]
    public void ApplySnapshot_TwoLevelsAtOnePrice_Refused()
    {
        var book = new OrderBook(new Symbol("BTCUSDT"), Tenth);

        Assert.Throws<ArgumentException>(() => book.ApplySnapshot(1, [new PriceLevel(10, 1), new PriceLevel(10, 2)], []));
    }

    [Fact]
    public void ApplyDiff_NewAndChangedLevels_Applied()
    {
        var book = Snapshot(100, bids: [(1000, 2), (999, 1)], asks: [(1001, 5)]);

        var outcome = Diff(book, 95, 105, 90, bids: [(1000, 7), (1000.5, 0), (998, 3)], asks: [(1001, 0), (1002, 4)]);

        Assert.Equal(DiffOutcome.Applied, outcome);
        Assert.Equal(105, book.LastUpdateId);
        Assert.Equal(new PriceLevel(10000, 7), book.LevelAt(BookSide.Bid, 0));
        Assert.Equal(new PriceLevel(9980, 3), book.LevelAt(BookSide.Bid, 2));
        Assert.Equal(1, book.LevelCount(BookSide.Ask));
        Assert.Equal(new PriceLevel(10020, 4), book.LevelAt(BookSide.Ask, 0));
    }

    [Fact]
    public void ApplyDiff_ZeroQuantity_DeletesLevel()
    {
        var book = Snapshot(100, bids: [(1000, 2), (999, 1)], asks: [(1001, 5)]);

        Diff(book, 100, 101, 99, bids: [(1000, 0)], asks: []);

        Assert.Equal(1, book.LevelCount(BookSide.Bid));
        Assert.Equal(new PriceLevel(9990, 1), book.LevelAt(BookSide.Bid, 0));
    }

    [Fact]
    public void ApplyDiff_BeforeAnySnapshot_AwaitingSnapshot()
    {
        var book = new OrderBook(new Symbol("BTCUSDT"), Tenth);

        Assert.True(book.IsStale);
        Assert.Equal(DiffOutcome.AwaitingSnapshot, Diff(book, 1, 2, 0, bids: [(1, 1)], asks: []));
        Assert.Equal(0, book.LevelCount(BookSide.Bid));
    }

    [Theory]
    [InlineData(90, 99, DiffOutcome.Outdated)]
    [InlineData(90, 100, DiffOutcome.Applied)]
    [InlineData(100, 110, DiffOutcome.Applied)]
    [InlineData(101, 110, DiffOutcome.Gap)]
    public void ApplyDiff_FirstAfterSnapshot_MustSpanSnapshotId(long first, long last, DiffOutcome expected)
    {
        var book = Snapshot(100, bids: [(1000, 1)], asks: [(1001, 1)]);

        Assert.Equal(expected, Diff(book, first, last, first - 7, bids: [(999, 1)], asks: []));
        Assert.Equal(expected == DiffOutcome.Applied ? 2 : 1, book.LevelCount(BookSide.Bid));
    }

    [Fact]
    public void ApplyDiff_FirstAfterSnapshotContinuingItsId_Applied()
    {
        var book = Snapshot(100, bids: [(1000, 1)], asks: [(1001, 1)]);

        Assert.Equal(DiffOutcome.Applied, Diff(book, 101, 110, 100, bids: [(999, 1)], asks: []));
        Assert.False(book.IsStale);
        Assert.Equal(DiffOutcome.Applied, Diff(book, 111, 112, 110, bids: [(998, 1)], asks: []));
        Assert.Equal(3, book.LevelCount(BookSide.Bid));
    }

    [Fact]
    public void ApplyDiff_PreviousIdNotLastApplied_GapMarksStaleAndRequestsResync()
    {
        var book = Snapshot(100, bids: [(1000, 1)], asks: [(1001, 1)]);
        Diff(book, 95, 105, 94, bids: [], asks: []);

        var outcome = Diff(book, 110, 120, 107, bids: [(999, 1)], asks: []);

        Assert.Equal(DiffOutcome.Gap, outcome);
        Assert.True(book.IsStale);
        Assert.True(book.ResyncRequested);
        Assert.Equal(1, book.Gaps);
        Assert.Equal(105, book.LastUpdateId);
        Assert.Equal(DiffOutcome.AwaitingSnapshot, Diff(book, 121, 130, 120, bids: [], asks: []));

        book.ApplySnapshot(125, [new PriceLevel(1000, 3)], [new PriceLevel(1001, 4)]);

        Assert.False(book.IsStale);
        Assert.False(book.ResyncRequested);
        Assert.Equal(DiffOutcome.Applied, Diff(book, 121, 130, 120, bids: [], asks: []));
        Assert.Equal(DiffOutcome.Applied, Diff(book, 131, 132, 130, bids: [], asks: []));
    }

    [Fact]
    public void ApplyDiff_RedeliveredOldUpdate_OutdatedNotGap()
    {
        var book = Snapshot(100, bids: [(1000, 1)], asks: [(1001, 1)]);
        Diff(book, 95, 105, 94, bids: [], asks: []);
        Diff(book, 106, 110, 105, bids: [], asks: []);

        Assert.Equal(DiffOutcome.Outdated, Diff(book, 106, 110, 105, bids: [(1000, 9)], asks: []));
        Assert.False(book.IsStale);
        Assert.Equal(1, book.LevelAt(BookSide.Bid, 0).Quantity);
    }

    [Fact]
    public void ApplyDiff_BidAtOrAboveAsk_FlaggedCrossedUntilResolved()
    {
        var book = Snapshot(100, bids: [(1000, 1)], asks: [(1001, 1)]);

        Diff(book, 100, 101, 99, bids: [(1001, 2)], asks: []);
        Assert.True(book.IsCrossed);

        Diff(book, 102, 102, 101, bids: [(1001, 0)], asks: []);
        Assert.False(book.IsCrossed);
    }

    [Fact]
    public void DepthWithin_Band_SumsLevelsInsideBoundsIncluded()
    {
        // Reference 100.0, ±1%: [99.0, 101.0] (bounds included).
        var book = Snapshot(1, bids: [(100, 1), (99.5, 2), (99, 3), (98.9, 4)], asks: [(100.1, 5), (101, 6), (101.1, 7)]);

        var bids = book.DepthWithin(BookSide.Bid, 100, 0.01);
        var asks = book.DepthWithin(BookSide.Ask, 100, 0.01);

        Assert.Equal(new BookDepth(6, (100 * 1) + (99.5 * 2) + (99 * 3), 3), bids);
        Assert.Equal(2, asks.Levels);
        Assert.Equal(11, asks.Quantity, 12);
        Assert.Equal((100.1 * 5) + (101 * 6), asks.Notional, 9);
    }

    [Fact]
    public void DepthWithin_BandAwayFromBook_Empty()
    {
        var book = Snapshot(1, bids: [(100, 1)], asks: [(100.1, 5)]);

        Assert.Equal(default, book.DepthWithin(BookSide.Bid, 200, 0.01));
    }

    [Fact]
    public void CursorConsume_EndsInsideLevel_VwapAndLastLevel()
    {
        var book = Snapshot(1, bids: [(100, 1), (99, 2), (98, 4)], asks: [(101, 1)]);

        var walk = book.CursorOn(BookSide.Bid).Consume(2);

        Assert.Equal(2, walk.Filled);
        Assert.Equal(0, walk.Unfilled);
        Assert.Equal(199, walk.Notional, 9);
        Assert.Equal(99.5, walk.Vwap, 9);
        Assert.Equal(99, walk.LastPrice);
        Assert.Equal(990, walk.LastPriceTicks);
        Assert.Equal(2, walk.LevelsTouched);
        Assert.False(walk.SideExhausted);
        Assert.Equal(new PriceLevel(990, 2), book.LevelAt(BookSide.Bid, 1));
    }

    [Fact]
    public void CursorConsume_LargerThanSide_ReportsUnfilled()
    {
        var book = Snapshot(1, bids: [(100, 1)], asks: [(101, 1), (102, 1)]);

        var walk = book.CursorOn(BookSide.Ask).Consume(5);

        Assert.Equal(2, walk.Filled);
        Assert.Equal(3, walk.Unfilled);
        Assert.True(walk.SideExhausted);
        Assert.Equal(101.5, walk.Vwap, 9);
        Assert.Equal(102, walk.LastPrice);
    }

    [Fact]
    public void CursorConsume_EmptySide_NothingFilled()
    {
        var book = Snapshot(1, bids: [], asks: [(101, 1)]);

        var walk = book.CursorOn(BookSide.Bid).Consume(1);

        Assert.Equal(0, walk.Filled);
        Assert.Equal(1, walk.Unfilled);
        Assert.True(double.IsNaN(walk.Vwap));
        Assert.True(double.IsNaN(walk.LastPrice));
    }

    [Fact]
    public void CursorConsume_TwoRounds_SecondStartsWhereFirstStopped()
    {
        var book = Snapshot(1, bids: [(100, 1), (99, 2), (98, 4)], asks: [(101, 1)]);
        var cursor = book.CursorOn(BookSide.Bid);

        var first = cursor.Consume(2);
        var second = cursor.Consume(3);

        Assert.Equal(99, first.LastPrice);
        Assert.Equal(3, second.Filled);
        Assert.Equal(99 + (98 * 2), second.Notional, 9);
        Assert.Equal(98, second.LastPrice);
        Assert.Equal(2, second.LevelsTouched);
        Assert.Equal(2, cursor.LevelsConsumed);

        var third = cursor.Consume(10);
        Assert.Equal(2, third.Filled);
        Assert.Equal(8, third.Unfilled);
        Assert.True(cursor.SideExhausted);

        cursor.Reset();
        Assert.Equal(first, cursor.Consume(2));
    }

    [Fact]
    public void CursorConsume_DecimalQuantities_NoDustLevelLeftBehind()
    {
        var book = Snapshot(1, bids: [(100, 0.3), (99, 1)], asks: []);
        var cursor = book.CursorOn(BookSide.Bid);

        cursor.Consume(0.1);
        var second = cursor.Consume(0.2);
        var third = cursor.Consume(0.5);

        Assert.Equal(100, second.LastPrice);
        Assert.Equal(1, third.LevelsTouched);
        Assert.Equal(99, third.LastPrice);
    }

    [Fact]
    public void CursorConsume_BookChanged_Refused()
    {
        var book = Snapshot(1, bids: [(100, 1)], asks: [(101, 1)]);
        var cursor = book.CursorOn(BookSide.Bid);
        Diff(book, 1, 2, 0, bids: [(100, 5)], asks: []);

        try
        {
            cursor.Consume(1);
            Assert.Fail("a cursor over a changed book must refuse to walk");
        }
        catch (InvalidOperationException)
        {
        }

        cursor.Reset();
        Assert.Equal(1, cursor.Consume(1).Filled);
    }

    private static OrderBook Snapshot(long lastUpdateId, (double Price, double Quantity)[] bids, (double Price, double Quantity)[] asks)
    {
        var book = new OrderBook(new Symbol("BTCUSDT"), Tenth, expectedLevelsPerSide: 4);
        book.ApplySnapshot(lastUpdateId, Levels(bids), Levels(asks));
        return book;
    }

    private static DiffOutcome Diff(OrderBook book, long first, long last, long previous, (double Price, double Quantity)[] bids, (double Price, double Quantity)[] asks) =>
        book.ApplyDiff(new DepthUpdated(first, last, previous, Levels(bids), Levels(asks)));

    private static PriceLevel[] Levels((double Price, double Quantity)[] levels) =>
        [.. levels.Select(l => new PriceLevel((long)Math.Round(l.Price * 10), l.Quantity))];
}
