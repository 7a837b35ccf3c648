using System.Diagnostics;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Reference;

namespace StreamRisk.Bench;

/// <summary>What the projection run measured, and over which ladder.</summary>
internal sealed record ProjectionFigures(int Positions, string Ladder, int Buckets, double GridMicros, double NaiveGridMicros, double? CriticalShockDown, double? CriticalShockUp);

/// <summary>
/// The full two-sided grid (9 shocks a side) plus both critical-shock searches on one symbol, as the engine projects
/// (<see cref="CascadeProjector"/> over <see cref="BucketLadder"/>, positions filed on it as the engine files them, and
/// <see cref="SideDepth"/>) against the list-and-scan <see cref="ReferenceCascade"/> over the same positions, on the
/// <see cref="CascadeScenario"/> of the BenchmarkDotNet <c>CascadeBenchmarks</c>. Both must give the same chains, or
/// the bench fails.
/// </summary>
internal static class ProjectionBench
{
    private const double Mark = CascadeScenario.Mark;
    private const double Fund = 1_000_000;

    /// <summary>The instrument's price tick (BTCUSDT's); the ladder's buckets are a thousandth of it, as in the engine.</summary>
    private const double InstrumentTick = 0.1;

    private const double BucketWidth = InstrumentTick / LadderQuanta.BucketsPerTick;
    private static readonly double[] Shocks = [.. CascadeShocks.DefaultGrid];

    public static ProjectionFigures Run(int positions, TimeSpan budget, Action<string> progress)
    {
        progress($"projection: {positions:N0} positions on one symbol");
        var scenario = CascadeScenario.Generate(positions);
        var (bids, asks, bidLevels, askLevels) = (scenario.Bids, scenario.Asks, scenario.BidLevels, scenario.AskLevels);
        var (longs, refLongs, longBuckets) = Filed(scenario.RefLongs, isLong: true);
        var (shorts, refShorts, shortBuckets) = Filed(scenario.RefShorts, isLong: false);
        var rounds = new CascadeRound[1024];

        // Agreement first (also the warm-up of both).
        var fast = Grid(longs, shorts, bids, asks, rounds);
        progress("projection: naive reference grid");
        var clock = Stopwatch.StartNew();
        var naive = NaiveGrid(refLongs, refShorts, bidLevels, askLevels);
        var naiveMicros = clock.Elapsed.TotalMicroseconds;
        Agree(fast, naive);

        // More naive runs while another fits in half the budget (the first is also its warm-up); the optimised grid is
        // timed over many runs.
        var first = TimeSpan.FromMicroseconds(naiveMicros);
        var naiveRuns = 0;
        clock.Restart();
        while (clock.Elapsed + first < budget / 2)
        {
            NaiveGrid(refLongs, refShorts, bidLevels, askLevels);
            naiveRuns++;
        }

        if (naiveRuns > 0)
        {
            naiveMicros = clock.Elapsed.TotalMicroseconds / naiveRuns;
        }

        var runs = 0;
        clock.Restart();
        while (clock.Elapsed < budget / 4)
        {
            Grid(longs, shorts, bids, asks, rounds);
            runs++;
        }

        var gridMicros = clock.Elapsed.TotalMicroseconds / runs;
        return new ProjectionFigures(positions, nameof(BucketLadder), longBuckets + shortBuckets, gridMicros, naiveMicros, fast.CriticalDown, fast.CriticalUp);
    }

    /// <summary>
    /// The positions on a <see cref="BucketLadder"/> as the engine's ladders hold them (liquidation and bankruptcy
    /// prices on their buckets, rounded toward liquidation; sizes in size units), and the same positions at those
    /// prices and sizes for the reference, so both models answer for the very input the projector sees.
    /// </summary>
    internal static (BucketLadder Ladder, List<RefPosition> Reference, int Buckets) Filed(List<RefPosition> positions, bool isLong)
    {
        var buckets = new Dictionary<long, LadderBucket>();
        var reference = new List<RefPosition>(positions.Count);
        foreach (var p in positions)
        {
            var at = LadderQuanta.TickOf(p.Lp, BucketWidth, isLong);
            var bankruptcy = LadderQuanta.TickOf(p.Bp, BucketWidth, isLong);
            var units = LadderQuanta.UnitsOf(p.Size);
            buckets[at] = buckets.GetValueOrDefault(at) + new LadderBucket(1, units, (Int128)units * bankruptcy);
            reference.Add(new RefPosition(p.Account, at * BucketWidth, units * LadderQuanta.SizeUnit, bankruptcy * BucketWidth));
        }

        var ladder = new BucketLadder(isLong, BucketWidth);
        foreach (var (tick, bucket) in buckets)
        {
            ladder.Set(0, tick, bucket);
        }

        return (ladder, reference, buckets.Count);
    }

    internal readonly record struct Outcome(double Final, int Rounds, int Accounts, bool Exhausted);

    internal sealed record GridResult(Outcome[] Shocks, double? CriticalDown, double? CriticalUp);

    internal static GridResult Grid(BucketLadder longs, BucketLadder shorts, SideDepth bids, SideDepth asks, CascadeRound[] rounds)
    {
        var outcomes = new Outcome[Shocks.Length * 2];
        for (var i = 0; i < Shocks.Length; i++)
        {
            var down = CascadeProjector.Project(Mark, CascadeDirection.Down, Shocks[i], longs, bids, Fund, null, rounds);
            var up = CascadeProjector.Project(Mark, CascadeDirection.Up, Shocks[i], shorts, asks, Fund, null, rounds);
            outcomes[2 * i] = new Outcome(down.FinalPrice, down.RoundCount, down.LiquidatedAccounts, down.BookExhausted);
            outcomes[(2 * i) + 1] = new Outcome(up.FinalPrice, up.RoundCount, up.LiquidatedAccounts, up.BookExhausted);
        }

        return new GridResult(outcomes,
            CascadeProjector.CriticalShock(Mark, CascadeDirection.Down, longs, bids),
            CascadeProjector.CriticalShock(Mark, CascadeDirection.Up, shorts, asks));
    }

    private static GridResult NaiveGrid(List<RefPosition> longs, List<RefPosition> shorts, (double, double)[] bids, (double, double)[] asks)
    {
        var outcomes = new Outcome[Shocks.Length * 2];
        for (var i = 0; i < Shocks.Length; i++)
        {
            var down = ReferenceCascade.Project(Mark, CascadeDirection.Down, Shocks[i], longs, bids, Fund);
            var up = ReferenceCascade.Project(Mark, CascadeDirection.Up, Shocks[i], shorts, asks, Fund);
            outcomes[2 * i] = new Outcome(down.Final, down.Rounds.Count, down.Accounts, down.Exhausted);
            outcomes[(2 * i) + 1] = new Outcome(up.Final, up.Rounds.Count, up.Accounts, up.Exhausted);
        }

        return new GridResult(outcomes,
            ReferenceCascade.CriticalShock(Mark, CascadeDirection.Down, longs, bids),
            ReferenceCascade.CriticalShock(Mark, CascadeDirection.Up, shorts, asks));
    }

    /// <summary>Rounds, liquidated positions, exhaustion and critical shocks exactly; final prices are book prices, so exactly too.</summary>
    private static void Agree(GridResult fast, GridResult naive)
    {
        for (var i = 0; i < fast.Shocks.Length; i++)
        {
            if (fast.Shocks[i] != naive.Shocks[i])
            {
                var direction = i % 2 == 0 ? "down" : "up";
                throw new InvalidOperationException($"bench: the projector and the reference disagree on the {Shocks[i / 2]:P1} {direction} shock: {fast.Shocks[i]} vs {naive.Shocks[i]}");
            }
        }

        if (fast.CriticalDown != naive.CriticalDown || fast.CriticalUp != naive.CriticalUp)
        {
            throw new InvalidOperationException($"bench: critical shocks disagree: projector {fast.CriticalDown}/{fast.CriticalUp}, reference {naive.CriticalDown}/{naive.CriticalUp}");
        }
    }
}
