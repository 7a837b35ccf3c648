using System.Diagnostics;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Reference;

namespace StreamRisk.Host.Benchmarking;

/// <summary>What the projection run measured.</summary>
internal sealed record ProjectionFigures(int Positions, double GridMicros, double NaiveGridMicros, double? CriticalShockDown, double? CriticalShockUp);

/// <summary>
/// The full two-sided grid (9 shocks a side) plus both critical-shock searches on one symbol, optimised
/// (<see cref="CascadeProjector"/> over <see cref="LiquidationLadder"/> and <see cref="SideDepth"/>) against the
/// list-and-scan <see cref="ReferenceCascade"/>, on the scenario of the BenchmarkDotNet <c>CascadeBenchmarks</c>:
/// liquidation prices clustered where 5x–100x leverage puts them, nobody past liquidation, a 1,000-level book per side (its depth scaled to the population)
/// thinning towards the touch. Both must give the same chains, or the bench fails.
/// </summary>
internal static class ProjectionBench
{
    private const double Mark = 60_000;
    private const double Fund = 1_000_000;
    private static readonly double[] Shocks = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2];

    public static ProjectionFigures Run(int positions, TimeSpan budget, Action<string> progress)
    {
        progress($"projection: {positions:N0} positions on one symbol");
        var random = new Random(7);
        var longs = new LiquidationLadder(longSide: true, positions / 2);
        var shorts = new LiquidationLadder(longSide: false, positions / 2);
        var refLongs = new List<RefPosition>(positions / 2);
        var refShorts = new List<RefPosition>(positions / 2);
        double[] leverages = [100, 50, 25, 20, 10, 5];
        for (var i = 0; i < positions; i++)
        {
            var isLong = (i & 1) == 0;
            var leverage = leverages[random.Next(leverages.Length)];
            var distance = Math.Max(0.003, (1 / leverage) - 0.005 + (0.004 * (random.NextDouble() - 0.5)));
            var lp = isLong ? Mark * (1 - distance) : Mark * (1 + distance);
            var bp = isLong ? lp * 0.995 : lp * 1.005;
            var size = 0.001 + (0.05 * random.NextDouble() * random.NextDouble());
            (isLong ? longs : shorts).Upsert(i / 2, lp, size, bp);
            (isLong ? refLongs : refShorts).Add(new RefPosition(i, lp, size, bp));
        }

        // Depth scales with the population, so a smaller run (--quick) keeps the shape of the 1M scenario (critical
        // shock 0.4 % each way) instead of a book no shock can exhaust.
        var depthScale = positions / 1_000_000.0;
        var bidLevels = new (double, double)[1000];
        var askLevels = new (double, double)[1000];
        for (var i = 0; i < 1000; i++)
        {
            var quantity = (0.5 + (i * 0.02)) * depthScale;
            bidLevels[i] = (Mark - ((i + 1) * 6), quantity);
            askLevels[i] = (Mark + ((i + 1) * 6), quantity);
        }

        var bids = new SideDepth();
        bids.Load(bidLevels);
        var asks = new SideDepth();
        asks.Load(askLevels);
        var rounds = new CascadeRound[1024];

        // Agreement first (also the warm-up of both).
        var fast = Grid(longs, shorts, bids, asks, rounds);
        progress("projection: naive reference grid");
        var clock = Stopwatch.StartNew();
        var naive = NaiveGrid(refLongs, refShorts, bidLevels, askLevels);
        var naiveMicros = clock.Elapsed.TotalMicroseconds;
        Agree(fast, naive);

        // More naive runs while they fit in half the budget; the optimised grid is timed over many runs.
        var naiveRuns = 1;
        clock.Restart();
        while (clock.Elapsed + TimeSpan.FromMicroseconds(naiveMicros / naiveRuns) < budget / 2)
        {
            NaiveGrid(refLongs, refShorts, bidLevels, askLevels);
            naiveRuns++;
        }

        if (naiveRuns > 1)
        {
            naiveMicros = clock.Elapsed.TotalMicroseconds / (naiveRuns - 1);
        }

        var runs = 0;
        clock.Restart();
        while (clock.Elapsed < budget / 4)
        {
            Grid(longs, shorts, bids, asks, rounds);
            runs++;
        }

        var gridMicros = clock.Elapsed.TotalMicroseconds / runs;
        return new ProjectionFigures(positions, gridMicros, naiveMicros, fast.CriticalDown, fast.CriticalUp);
    }

    private readonly record struct Outcome(double Final, int Rounds, int Accounts, bool Exhausted);

    private sealed record GridResult(Outcome[] Shocks, double? CriticalDown, double? CriticalUp);

    private static GridResult Grid(LiquidationLadder longs, LiquidationLadder shorts, SideDepth bids, SideDepth asks, CascadeRound[] rounds)
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
