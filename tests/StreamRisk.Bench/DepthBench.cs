using System.Diagnostics;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Reference;

namespace StreamRisk.Bench;

/// <summary>What the partial-book projection run measured (µs per projection, the system view's loads included).</summary>
internal sealed record DepthFigures(int Positions, int Projections, double KnownRange, int Levels, int KnownLevels,
    double CachedMicros, double RefitMicros, double CompleteMicros, double FitLoadMicros, double CopyLoadMicros, double KeptLoadNanos);

/// <summary>
/// Projection of one symbol whose feed shows only part of its book (a Binance-like snapshot: 1,000 levels a side within
/// ±0.25 % of a 60,000 mark, the instrument's depth limit 1,000), as the engine runs it after each book update: an update
/// on one side (alternately bids and asks, away from the touch), then both sides loaded (<see cref="SideDepth.Load(OrderBook, BookSide)"/>),
/// the 18-shock grid and both critical-shock searches over <see cref="BucketLadder"/>s, and every tenth projection the
/// system view loading the same book into its own sides (a view a second against ~10 projections). Three runs over
/// the same updates: the sides kept and copied from the book side versions (what the engine does), every load fitting
/// and writing the model afresh (loads alternate between identical books, so nothing is kept: what a load cost when
/// any change of the book refitted both sides), and the same levels as a full-depth book (nothing modelled). The first
/// two must project the same, or the bench fails.
/// </summary>
internal static class DepthBench
{
    private const int Levels = 1000;
    private const int SystemViewEvery = 10;
    private const double Mark = CascadeScenario.Mark;
    private static readonly TickSize Tick = TickSize.FromDecimal(0.1m);

    private enum Mode
    {
        Kept,
        Refit,
        Complete,
    }

    public static DepthFigures Run(int positions, TimeSpan budget, Action<string> progress)
    {
        progress($"depth: partial-book projection over {positions:N0} positions");
        var scenario = CascadeScenario.Generate(positions);
        var (longs, _, _) = ProjectionBench.Filed(scenario.RefLongs, isLong: true);
        var (shorts, _, _) = ProjectionBench.Filed(scenario.RefShorts, isLong: false);
        var (bids, asks) = Snapshot(positions);
        var updates = Updates(bids, asks, Math.Max(1_000, (int)(budget.TotalSeconds * 500)));
        var rounds = new CascadeRound[1024];

        // Three rounds of the three runs, each figure the best of its rounds: the first round is also the warm-up (tiered
        // JIT), and a run the shared machine slowed does not stand for its mode.
        double kept = double.MaxValue, refit = double.MaxValue, complete = double.MaxValue;
        Outcome last = default;
        for (var round = 0; round < 3; round++)
        {
            last = Project(Mode.Kept, bids, asks, updates, longs, shorts, rounds);
            var refitted = Project(Mode.Refit, bids, asks, updates, longs, shorts, rounds);
            if (last.Checksum != refitted.Checksum)
            {
                throw new InvalidOperationException("bench: the partial-book projections disagree between kept and refitted sides");
            }

            kept = Math.Min(kept, last.Micros);
            refit = Math.Min(refit, refitted.Micros);
            complete = Math.Min(complete, Project(Mode.Complete, bids, asks, updates, longs, shorts, rounds).Micros);
        }

        var (fit, copy, keep) = Loads(bids, asks, updates);
        return new DepthFigures(positions, updates.Length, last.KnownRange, last.Levels, last.KnownLevels, kept, refit, complete, fit, copy, keep);
    }

    private readonly record struct Outcome(double Micros, long Checksum, double KnownRange, int Levels, int KnownLevels);

    private static Outcome Project(Mode mode, PriceLevel[] bids, PriceLevel[] asks, ReadOnlySpan<PriceLevel> updates, BucketLadder longs, BucketLadder shorts, CascadeRound[] rounds)
    {
        var limit = mode == Mode.Complete ? 0 : Levels;
        // Identical books: the refitting run projects from the first two in turn and views the third, so no load finds
        // its side kept or fitted by another; every run applies each update to all three.
        OrderBook[] books = [Book(bids, asks, limit), Book(bids, asks, limit), Book(bids, asks, limit)];
        SideDepth projectedBids = new(), projectedAsks = new(), viewBids = new(), viewAsks = new();
        long checksum = 17;
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < updates.Length; k++)
        {
            var update = updates.Slice(k, 1);
            var bidUpdate = k % 2 == 0;
            foreach (var book in books)
            {
                book.ApplyDiff(new DepthUpdated(k + 2, k + 2, k + 1, bidUpdate ? update : [], bidUpdate ? [] : update));
            }

            var projected = books[mode == Mode.Refit ? k % 2 : 0];
            projectedBids.Load(projected, BookSide.Bid);
            projectedAsks.Load(projected, BookSide.Ask);
            var grid = ProjectionBench.Grid(longs, shorts, projectedBids, projectedAsks, rounds);
            checksum = Mix(checksum, grid);
            if (k % SystemViewEvery == 0)
            {
                var viewed = mode == Mode.Refit ? books[2] : projected;
                viewBids.Load(viewed, BookSide.Bid);
                viewAsks.Load(viewed, BookSide.Ask);
            }
        }

        var micros = clock.Elapsed.TotalMicroseconds / updates.Length;
        return new Outcome(micros, checksum, projectedBids.KnownRange, projectedBids.Levels, projectedBids.KnownLevels);
    }

    /// <summary>
    /// One partial side's load alone, after each bid update: fitted (the side changed), copied by a second instance (the
    /// system view after the projection) and kept (loaded again unchanged). Best of three rounds, as above.
    /// </summary>
    private static (double FitMicros, double CopyMicros, double KeptNanos) Loads(PriceLevel[] bids, PriceLevel[] asks, PriceLevel[] updates)
    {
        double fit = double.MaxValue, copy = double.MaxValue, kept = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var book = Book(bids, asks, Levels);
            SideDepth fitter = new(), copier = new();
            long fitTicks = 0, copyTicks = 0, keptTicks = 0;
            var count = 0;
            for (var k = 0; k < updates.Length; k += 2)
            {
                book.ApplyDiff(new DepthUpdated(count + 2, count + 2, count + 1, updates.AsSpan(k, 1), []));
                count++;
                var start = Stopwatch.GetTimestamp();
                fitter.Load(book, BookSide.Bid);
                var fitted = Stopwatch.GetTimestamp();
                copier.Load(book, BookSide.Bid);
                var copied = Stopwatch.GetTimestamp();
                fitter.Load(book, BookSide.Bid);
                var end = Stopwatch.GetTimestamp();
                fitTicks += fitted - start;
                copyTicks += copied - fitted;
                keptTicks += end - copied;
            }

            var perLoad = 1e6 / Stopwatch.Frequency / count;
            fit = Math.Min(fit, fitTicks * perLoad);
            copy = Math.Min(copy, copyTicks * perLoad);
            kept = Math.Min(kept, keptTicks * perLoad * 1_000);
        }

        return (fit, copy, kept);
    }

    private static long Mix(long checksum, ProjectionBench.GridResult grid)
    {
        foreach (var shock in grid.Shocks)
        {
            checksum = (checksum * 31) + BitConverter.DoubleToInt64Bits(shock.Final) + shock.Rounds + (shock.Accounts * 7L) + (shock.Exhausted ? 1 : 0);
        }

        checksum = (checksum * 31) + BitConverter.DoubleToInt64Bits(grid.CriticalDown ?? -1);
        return (checksum * 31) + BitConverter.DoubleToInt64Bits(grid.CriticalUp ?? -1);
    }

    private static OrderBook Book(PriceLevel[] bids, PriceLevel[] asks, int limit)
    {
        var book = new OrderBook(new Symbol("BTCUSDT"), Tick, expectedLevelsPerSide: 2 * Levels);
        book.DeclareDepthLimit(limit);
        book.ApplySnapshot(1, bids, asks);
        return book;
    }

    /// <summary>1,000 levels a side 1.5 ticks apart on average (±0.25 % of the mark), thickening away from the touch, sized with the population.</summary>
    private static (PriceLevel[] Bids, PriceLevel[] Asks) Snapshot(int positions)
    {
        var touch = Tick.FloorTicks(Mark);
        var scale = positions / 1_000_000.0;
        var bids = new PriceLevel[Levels];
        var asks = new PriceLevel[Levels];
        for (var i = 0; i < Levels; i++)
        {
            long offset = i * 3 / 2;
            var quantity = (0.5 + (i * 0.02)) * scale;
            bids[i] = new PriceLevel(touch - offset, quantity);
            asks[i] = new PriceLevel(touch + 1 + offset, quantity);
        }

        return (bids, asks);
    }

    /// <summary>Update k changes one level of the bids (k even) or the asks (k odd), never the best, so the mid stays.</summary>
    private static PriceLevel[] Updates(PriceLevel[] bids, PriceLevel[] asks, int count)
    {
        var random = new Random(11);
        var updates = new PriceLevel[count];
        for (var k = 0; k < count; k++)
        {
            var level = (k % 2 == 0 ? bids : asks)[random.Next(1, Levels)];
            updates[k] = level with { Quantity = level.Quantity * (0.5 + random.NextDouble()) };
        }

        return updates;
    }
}
