using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;

namespace StreamRisk.Domain.Tests.Cascades;

/// <summary>
/// A side loaded again from its book is kept (nothing the load reads changed) or copied from the side that last fitted
/// it; either way it must be what a fresh load gives, bit for bit, however the book moved in between.
/// </summary>
public sealed class SideDepthCacheTests
{
    private static readonly TickSize Tick = TickSize.FromDecimal(0.1m);
    private const long Touch = 600_000; // 60,000.0 in ticks

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Load_AfterEveryChangeOfTheBook_KeptOrCopiedSideEqualsAFreshLoad(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 40; trial++)
        {
            var limit = random.Next(20, 200);
            var book = new OrderBook(new Symbol("BTCUSDT"), Tick);
            book.DeclareDepthLimit(limit);
            var updateId = 100L;
            Snapshot(book, random, limit, ref updateId);

            // The symbol's projection and the system view each keep their own sides and load them from the same book,
            // in either order: the second of them copies what the first fitted.
            SideDepth[] kept = [new(), new(), new(), new()];
            for (var step = 0; step < 60; step++)
            {
                Change(book, random, limit, ref updateId);
                var first = random.Next(2);
                foreach (var side in new[] { BookSide.Bid, BookSide.Ask })
                {
                    var pair = side == BookSide.Bid ? 0 : 2;
                    var fresh = Fresh(book, side);
                    kept[pair + first].Load(book, side);
                    kept[pair + 1 - first].Load(book, side);
                    var context = $"seed {seed}, trial {trial}, step {step}, {side}";
                    AssertSame(fresh, kept[pair + first], context + ", first loader");
                    AssertSame(fresh, kept[pair + 1 - first], context + ", second loader");
                }
            }
        }
    }

    [Fact]
    public void Load_GivenLevelsBetweenLoadsOfTheSameBook_LoadsTheBookAgain()
    {
        var book = new OrderBook(new Symbol("BTCUSDT"), Tick);
        book.DeclareDepthLimit(50);
        var updateId = 1L;
        Snapshot(book, new Random(7), 50, ref updateId);
        var depth = new SideDepth();
        var fresh = Fresh(book, BookSide.Bid);

        depth.Load(book, BookSide.Bid);
        depth.Load([(59_000.0, 1.0)]);
        depth.Load(book, BookSide.Bid);

        AssertSame(fresh, depth, "reloaded after given levels");
    }

    /// <summary>
    /// The side loaded from its levels, mid and known range as the book gives them, through the load that keeps nothing:
    /// the known part (the book's levels out to the horizon) and, for a partial side, the model past it.
    /// </summary>
    private static SideDepth Fresh(OrderBook book, BookSide side)
    {
        var hasBid = book.TryGetBest(BookSide.Bid, out var bid);
        var hasAsk = book.TryGetBest(BookSide.Ask, out var ask);
        var mid = hasBid && hasAsk ? (Tick.ToPrice(bid.PriceTicks) + Tick.ToPrice(ask.PriceTicks)) / 2
            : hasBid ? Tick.ToPrice(bid.PriceTicks) : hasAsk ? Tick.ToPrice(ask.PriceTicks) : double.NaN;
        var complete = book.IsComplete(side);
        var hasHorizon = book.TryGetHorizon(side, out var horizon);
        var levels = new List<(double, double)>();
        for (var i = 0; i < book.LevelCount(side); i++)
        {
            var level = book.LevelAt(side, i);
            if (!complete && hasHorizon && (side == BookSide.Bid ? level.PriceTicks < horizon : level.PriceTicks > horizon))
            {
                break;
            }

            levels.Add((Tick.ToPrice(level.PriceTicks), level.Quantity));
        }

        var fresh = new SideDepth();
        fresh.Load(levels.ToArray(), side, mid, book.KnownRange(side, mid), Tick);
        return fresh;
    }

    /// <summary>A snapshot whose sides fill the limit (partial) or fall short of it (complete), at random.</summary>
    private static void Snapshot(OrderBook book, Random random, int limit, ref long updateId)
    {
        book.ApplySnapshot(++updateId, Levels(random, BookSide.Bid, random.Next(3) == 0 ? random.Next(1, limit) : limit),
            Levels(random, BookSide.Ask, random.Next(3) == 0 ? random.Next(1, limit) : limit));
    }

    private static PriceLevel[] Levels(Random random, BookSide side, int count)
    {
        var levels = new PriceLevel[count];
        long offset = random.Next(0, 3);
        for (var i = 0; i < count; i++)
        {
            levels[i] = new PriceLevel(side == BookSide.Bid ? Touch - offset : Touch + 1 + offset, Math.Round((random.NextDouble() * 2) + 0.001, 3));
            offset += random.Next(1, 4);
        }

        return levels;
    }

    /// <summary>
    /// One change: an update on the bids, the asks or both (quantities changed, levels removed, a new best, levels next
    /// to the horizon or far beyond it), a gap, or a new snapshot.
    /// </summary>
    private static void Change(OrderBook book, Random random, int limit, ref long updateId)
    {
        if (book.IsStale)
        {
            Snapshot(book, random, limit, ref updateId);
            return;
        }

        switch (random.Next(8))
        {
            case 0:
                // A gap: the book turns stale and keeps its levels until the next snapshot.
                Assert.Equal(DiffOutcome.Gap, book.ApplyDiff(new DepthUpdated(updateId + 5, updateId + 5, updateId + 3, Edits(book, random, BookSide.Bid), [])));
                return;
            case 1:
                Snapshot(book, random, limit, ref updateId);
                return;
            case 2:
                // Nothing on either side (a venue's empty update).
                book.ApplyDiff(new DepthUpdated(updateId + 1, updateId + 1, updateId, [], []));
                updateId++;
                return;
            default:
                var which = random.Next(3);
                var bids = which != 1 ? Edits(book, random, BookSide.Bid) : [];
                var asks = which != 0 ? Edits(book, random, BookSide.Ask) : [];
                Assert.Equal(DiffOutcome.Applied, book.ApplyDiff(new DepthUpdated(updateId + 1, updateId + 1, updateId, bids, asks)));
                updateId++;
                return;
        }
    }

    private static PriceLevel[] Edits(OrderBook book, Random random, BookSide side)
    {
        var edits = new PriceLevel[random.Next(1, 4)];
        var bid = side == BookSide.Bid;
        var count = book.LevelCount(side);
        for (var i = 0; i < edits.Length; i++)
        {
            long ticks;
            switch (random.Next(5))
            {
                case 0 when count > 0:
                    // An existing level changed or removed.
                    ticks = book.LevelAt(side, random.Next(count)).PriceTicks;
                    edits[i] = new PriceLevel(ticks, random.Next(3) == 0 ? 0 : Math.Round(random.NextDouble() * 2, 3) + 0.001);
                    continue;
                case 1 when count > 0:
                    // A new best or the best taken away: the mid moves, and the other side's model with it.
                    var best = book.LevelAt(side, 0).PriceTicks;
                    if (random.Next(2) == 0)
                    {
                        edits[i] = new PriceLevel(best, 0);
                        continue;
                    }

                    ticks = bid ? best + random.Next(1, 4) : best - random.Next(1, 4);
                    break;
                case 2 when book.TryGetHorizon(side, out var horizon):
                    // Next to the horizon: extends it.
                    ticks = bid ? horizon - random.Next(1, 20) : horizon + random.Next(1, 20);
                    break;
                case 3:
                    // A lone level far beyond the known part.
                    ticks = bid ? Touch - random.Next(20_000, 40_000) : Touch + random.Next(20_000, 40_000);
                    break;
                default:
                    ticks = bid ? Touch - random.Next(0, 300) : Touch + 1 + random.Next(0, 300);
                    break;
            }

            edits[i] = new PriceLevel(ticks, Math.Round(random.NextDouble() * 2, 3) + 0.001);
        }

        return edits;
    }

    private static void AssertSame(SideDepth expected, SideDepth actual, string context)
    {
        Assert.True(expected.Levels == actual.Levels, $"{context}: {actual.Levels} levels, expected {expected.Levels}");
        Assert.True(expected.KnownLevels == actual.KnownLevels, $"{context}: {actual.KnownLevels} known levels, expected {expected.KnownLevels}");
        Assert.True(expected.IsComplete == actual.IsComplete, $"{context}: complete {actual.IsComplete}");
        Assert.True(expected.KnownRange.Equals(actual.KnownRange), $"{context}: known range {actual.KnownRange}, expected {expected.KnownRange}");
        Assert.True(expected.Model == actual.Model, $"{context}: model {actual.Model}, expected {expected.Model}");
        for (var i = 0; i < expected.Levels; i++)
        {
            Assert.True(expected.PriceAt(i).Equals(actual.PriceAt(i)) && expected.QuantityThrough(i).Equals(actual.QuantityThrough(i))
                && expected.NotionalThrough(i).Equals(actual.NotionalThrough(i)), $"{context}: level {i} differs");
        }
    }
}
