using CsCheck;
using StreamRisk.Domain.Books;

namespace StreamRisk.Domain.Tests.Books;

/// <summary>The optimised book against a naive model (sorted dictionaries, linear scans) over generated update streams.</summary>
public sealed class OrderBookPropertyTests
{
    private static readonly Gen<double> Quantity = Gen.Frequency(
        (1, Gen.Const(0.0)),
        (4, Gen.Int[1, 5000].Select(lots => lots / 1000.0)));

    // Bid and ask ranges overlap a little so crossed books happen too.
    private static readonly Gen<Change[]> BidChanges = Gen.Select(Gen.Long[940, 1005], Quantity, (t, q) => new Change(t, q)).Array[0, 8];
    private static readonly Gen<Change[]> AskChanges = Gen.Select(Gen.Long[995, 1060], Quantity, (t, q) => new Change(t, q)).Array[0, 8];

    private static readonly Gen<Step> Steps = Gen.Select(
        BidChanges,
        AskChanges,
        Gen.Select(Gen.Long[930, 1070], Gen.Int[0, 9], (t, f) => t + (f / 10.0)),
        Gen.OneOf(Gen.Const(0.0), Gen.Const(0.001), Gen.Const(0.005), Gen.Const(0.02)),
        Gen.Int[0, 30_000].Select(lots => lots / 1000.0),
        Gen.Int[0, 8_000].Select(lots => lots / 1000.0),
        Gen.Int[0, 8_000].Select(lots => lots / 1000.0),
        (bids, asks, reference, band, walk, round1, round2) => new Step(bids, asks, reference, band, walk, round1, round2));

    private static readonly Gen<Scenario> Scenarios = Gen.Select(
        Gen.OneOf(Gen.Const(0.1m), Gen.Const(0.01m), Gen.Const(0.25m), Gen.Const(1m)),
        Gen.Select(Gen.Long[940, 1005], Gen.Int[0, 5000].Select(lots => lots / 1000.0), (t, q) => new Change(t, q)).Array[0, 40],
        Gen.Select(Gen.Long[995, 1060], Gen.Int[0, 5000].Select(lots => lots / 1000.0), (t, q) => new Change(t, q)).Array[0, 40],
        Steps.Array[1, 40],
        (tick, bids, asks, steps) => new Scenario(tick, bids, asks, steps));

    [Fact]
    public void OptimisedBook_GeneratedUpdates_AgreesWithReferenceModelAfterEveryUpdate() =>
        Scenarios.Sample(Check, iter: 300);

    private static void Check(Scenario scenario)
    {
        var tick = TickSize.FromDecimal(scenario.Tick);
        var model = new ReferenceBook(tick);

        // Venues send snapshots with distinct prices; keep the generated order (unsorted) but drop repeats.
        var snapshotBids = Distinct(scenario.SnapshotBids);
        var snapshotAsks = Distinct(scenario.SnapshotAsks);
        var book = new OrderBook(new Symbol("TEST"), tick, expectedLevelsPerSide: 4);
        book.ApplySnapshot(1000, snapshotBids, snapshotAsks);
        model.Load(snapshotBids, snapshotAsks);
        AssertAgree(book, model, scenario.Steps[0]);

        long lastId = 1000;
        foreach (var step in scenario.Steps)
        {
            var bids = step.Bids.Select(c => new PriceLevel(c.Ticks, c.Quantity)).ToArray();
            var asks = step.Asks.Select(c => new PriceLevel(c.Ticks, c.Quantity)).ToArray();
            var outcome = book.ApplyDiff(new DepthUpdated(lastId, lastId + 3, lastId, bids, asks));
            model.Apply(bids, asks);
            lastId += 3;

            Assert.Equal(DiffOutcome.Applied, outcome);
            AssertAgree(book, model, step);
        }
    }

    private static void AssertAgree(OrderBook book, ReferenceBook model, Step step)
    {
        var referencePrice = step.ReferenceTicks * (double)book.TickSize.Value;
        foreach (var side in new[] { BookSide.Bid, BookSide.Ask })
        {
            var levels = model.Levels(side);
            Assert.Equal(levels.Count, book.LevelCount(side));
            Assert.Equal(levels.Count > 0, book.TryGetBest(side, out var best));
            if (levels.Count > 0)
            {
                Assert.Equal(levels[0], best);
            }

            Assert.Equal(model.Depth(side, referencePrice, step.Band), book.DepthWithin(side, referencePrice, step.Band));
            Assert.Equal(new ReferenceCursor(levels, book.TickSize).Consume(step.Walk), book.CursorOn(side).Consume(step.Walk));

            var cursor = book.CursorOn(side);
            var reference = new ReferenceCursor(levels, book.TickSize);
            Assert.Equal(reference.Consume(step.FirstRound), cursor.Consume(step.FirstRound));
            Assert.Equal(reference.Consume(step.SecondRound), cursor.Consume(step.SecondRound));
        }

        Assert.Equal(model.IsCrossed, book.IsCrossed);
    }

    private static PriceLevel[] Distinct(Change[] changes) =>
        [.. changes.DistinctBy(c => c.Ticks).Select(c => new PriceLevel(c.Ticks, c.Quantity))];

    private sealed record Change(long Ticks, double Quantity);

    private sealed record Step(Change[] Bids, Change[] Asks, double ReferenceTicks, double Band, double Walk, double FirstRound, double SecondRound);

    private sealed record Scenario(decimal Tick, Change[] SnapshotBids, Change[] SnapshotAsks, Step[] Steps);

    /// <summary>The naive model: a sorted dictionary per side, queries by linear scans from the best level.</summary>
    private sealed class ReferenceBook(TickSize tick)
    {
        private readonly SortedDictionary<long, double> _bids = new(Comparer<long>.Create((a, b) => b.CompareTo(a)));
        private readonly SortedDictionary<long, double> _asks = [];

        public bool IsCrossed => _bids.Count > 0 && _asks.Count > 0 && _bids.First().Key >= _asks.First().Key;

        public void Load(PriceLevel[] bids, PriceLevel[] asks)
        {
            _bids.Clear();
            _asks.Clear();
            Apply(bids, asks);
        }

        public void Apply(PriceLevel[] bids, PriceLevel[] asks)
        {
            foreach (var level in bids)
            {
                Set(_bids, level);
            }

            foreach (var level in asks)
            {
                Set(_asks, level);
            }
        }

        public List<PriceLevel> Levels(BookSide side) =>
            [.. (side == BookSide.Bid ? _bids : _asks).Select(kv => new PriceLevel(kv.Key, kv.Value))];

        public BookDepth Depth(BookSide side, double referencePrice, double band)
        {
            var low = referencePrice * (1 - band);
            var high = referencePrice * (1 + band);
            double quantity = 0, notional = 0;
            var count = 0;
            foreach (var level in Levels(side))
            {
                var price = tick.ToPrice(level.PriceTicks);
                if (low <= price && price <= high)
                {
                    quantity += level.Quantity;
                    notional += level.Quantity * price;
                    count++;
                }
            }

            return new BookDepth(quantity, notional, count);
        }

        private static void Set(SortedDictionary<long, double> side, PriceLevel level)
        {
            if (level.Quantity > 0)
            {
                side[level.PriceTicks] = level.Quantity;
            }
            else
            {
                side.Remove(level.PriceTicks);
            }
        }
    }

    /// <summary>Consumption as a plain array of what is left at each level, best first.</summary>
    private sealed class ReferenceCursor(List<PriceLevel> levels, TickSize tick)
    {
        private readonly double[] _left = [.. levels.Select(l => l.Quantity)];
        private int _next;

        public BookWalk Consume(double quantity)
        {
            var remaining = quantity;
            double filled = 0, notional = 0;
            long lastTicks = 0;
            var touched = 0;
            while (remaining > 0 && _next < levels.Count)
            {
                var level = levels[_next];
                double take;
                if (_left[_next] <= remaining)
                {
                    take = _left[_next];
                    _left[_next] = 0;
                    _next++;
                }
                else
                {
                    take = remaining;
                    _left[_next] -= remaining;
                    if (_left[_next] <= level.Quantity * DepthCursor.Dust)
                    {
                        _next++;
                    }
                }

                filled += take;
                notional += take * tick.ToPrice(level.PriceTicks);
                remaining -= take;
                lastTicks = level.PriceTicks;
                touched++;
                if (remaining <= quantity * DepthCursor.Dust)
                {
                    remaining = 0;
                }
            }

            return new BookWalk(quantity, filled, notional, remaining, lastTicks, touched > 0 ? tick.ToPrice(lastTicks) : double.NaN, touched);
        }
    }
}
