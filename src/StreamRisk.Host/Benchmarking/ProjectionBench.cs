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
/// list-and-scan <see cref="ReferenceCascade"/>, on the <see cref="CascadeScenario"/> of the BenchmarkDotNet
/// <c>CascadeBenchmarks</c>. Both must give the same chains, or the bench fails.
/// </summary>
internal static class ProjectionBench
{
    private const double Mark = CascadeScenario.Mark;
    private const double Fund = 1_000_000;
    private static readonly double[] Shocks = [.. CascadeShocks.DefaultGrid];

    public static ProjectionFigures Run(int positions, TimeSpan budget, Action<string> progress)
    {
        progress($"projection: {positions:N0} positions on one symbol");
        var scenario = CascadeScenario.Generate(positions);
        var (longs, shorts, bids, asks) = (scenario.Longs, scenario.Shorts, scenario.Bids, scenario.Asks);
        var (refLongs, refShorts, bidLevels, askLevels) = (scenario.RefLongs, scenario.RefShorts, scenario.BidLevels, scenario.AskLevels);
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
