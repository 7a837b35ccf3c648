using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Domain.Tests.Books;

/// <summary>Steady-state event application and the projector's queries allocate nothing.</summary>
public sealed class OrderBookAllocationTests
{
    [Fact]
    public void ApplyDiffAndQueries_SteadyState_ZeroBytesPerUpdate()
    {
        const int Updates = 20_000;
        var book = new OrderBook(new Symbol("BTCUSDT"), TickSize.FromDecimal(0.1m), expectedLevelsPerSide: 4096);
        var bids = Enumerable.Range(0, 1000).Select(i => new PriceLevel(600_000 - i, 1 + (i % 7))).ToArray();
        var asks = Enumerable.Range(1, 1000).Select(i => new PriceLevel(600_000 + i, 1 + (i % 5))).ToArray();

        // Every update inserts one level near the touch and deletes another, so levels shift as they do live.
        var diffBids = new PriceLevel[Updates][];
        var diffAsks = new PriceLevel[Updates][];
        for (var i = 0; i < Updates; i++)
        {
            var offset = i % 50;
            diffBids[i] = [new PriceLevel(600_000 - offset, i % 2 == 0 ? 0 : 2.5), new PriceLevel(599_000 - offset, 0.25)];
            diffAsks[i] = [new PriceLevel(600_001 + offset, i % 2 == 0 ? 0 : 1.5)];
        }

        book.ApplySnapshot(0, bids, asks);
        Run(book, diffBids, diffAsks, 0, 1000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sink = Run(book, diffBids, diffAsks, 1000, Updates);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(sink > 0, "every update applies");
    }

    [Fact]
    public void LoadAndProjectPartialSide_SteadyState_ZeroBytes()
    {
        // A partial book (the depth limit filled) is continued on the fitted model whenever a side changed; loads (fitted
        // after an update, copied by a second frozen side, kept when unchanged) and projections past the horizon
        // allocate nothing once the sides have grown to hold the modelled levels.
        var book = new OrderBook(new Symbol("BTCUSDT"), TickSize.FromDecimal(0.1m), expectedLevelsPerSide: 4096);
        book.DeclareDepthLimit(1000);
        var bids = Enumerable.Range(0, 1000).Select(i => new PriceLevel(600_000 - (i * 3 / 2), 0.01 + (i % 7 * 0.01))).ToArray();
        var asks = Enumerable.Range(1, 1000).Select(i => new PriceLevel(600_000 + (i * 3 / 2), 0.01 + (i % 5 * 0.01))).ToArray();
        book.ApplySnapshot(0, bids, asks);
        var ladder = new LiquidationLadder(longSide: true, 64);
        for (var i = 0; i < 40; i++)
        {
            ladder.Upsert(i, 60_000 * (1 - 0.005 - (i * 0.001)), 5, 60_000 * (1 - 0.006 - (i * 0.001)));
        }

        var depth = new SideDepth();
        var view = new SideDepth();
        var rounds = new CascadeRound[64];
        var update = new PriceLevel[1];
        double sink = 0;
        long id = 0;
        for (var i = 0; i < 10; i++)
        {
            sink += LoadAndProject(book, depth, view, ladder, rounds, update, ref id, i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            sink += LoadAndProject(book, depth, view, ladder, rounds, update, ref id, i);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(sink > 0, "the projections walk modelled depth");
    }

    private static double LoadAndProject(OrderBook book, SideDepth depth, SideDepth view, LiquidationLadder ladder, CascadeRound[] rounds, PriceLevel[] update, ref long id, int i)
    {
        update[0] = new PriceLevel(600_000 - 10 - (i % 500), 0.02 + (i % 3 * 0.01));
        book.ApplyDiff(new DepthUpdated(id + 1, id + 1, id, update, []));
        id++;
        depth.Load(book, BookSide.Bid);
        view.Load(book, BookSide.Bid);
        depth.Load(book, BookSide.Bid);
        return CascadeProjector.Project(60_000, CascadeDirection.Down, 0.02, ladder, depth, 1e6, null, rounds).ModelledNotional
            + (CascadeProjector.CriticalShock(60_000, CascadeDirection.Down, ladder, depth) ?? 0);
    }

    private static double Run(OrderBook book, PriceLevel[][] bids, PriceLevel[][] asks, int from, int to)
    {
        double sink = 0;
        for (var i = from; i < to; i++)
        {
            // An assertion here would allocate itself; a refused update shows up as a NaN sum instead.
            sink += book.ApplyDiff(new DepthUpdated(i, i + 1, i, bids[i], asks[i])) == DiffOutcome.Applied ? 0 : double.NaN;
            book.TryGetBest(BookSide.Bid, out var best);
            sink += best.Quantity;
            sink += book.DepthWithin(BookSide.Bid, 60_000, 0.01).Notional;
            sink += book.CursorOn(BookSide.Ask).Consume(25).Vwap;
            var cursor = book.CursorOn(BookSide.Bid);
            sink += cursor.Consume(3).Filled + cursor.Consume(4).Filled;
        }

        return sink;
    }
}
