using System.Diagnostics;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Bench;

/// <summary>What the portfolio run measured.</summary>
internal sealed record PortfolioFigures(int Accounts, int Instruments, int Pools, double LoadMillis, double GridMillis, double ContagionMillis,
    double NaiveMillis, int Scenarios, long LiquidatedAccounts, double? CriticalShockDown, double? CriticalShockUp, double CriticalShockMillis);

/// <summary>
/// The system questions on a venue-like population (<see cref="PortfolioScenario"/>: 10 instruments, a third of the
/// accounts cross-margined over 2–3 of them): the factor grid (the engine's 9 shocks each way, betas 1.0–1.5) and
/// contagion (each instrument alone ±5 %) through <see cref="PortfolioProjector"/> and <see cref="SystemRisk"/> as the
/// engine runs them, against the list-and-scan <see cref="ReferencePortfolio"/> on the same scenarios. Both must give
/// the same outcomes, or the bench fails.
/// </summary>
internal static class PortfolioBench
{
    private const int Instruments = 10;
    private const double Fund = 50_000_000;
    private const double ContagionMove = 0.05;
    private static readonly double[] Grid = [.. Domain.Cascades.CascadeShocks.DefaultGrid];

    public static PortfolioFigures Run(int accounts, TimeSpan budget, Action<string> progress)
    {
        progress($"portfolio: {accounts:N0} accounts over {Instruments} instruments");
        var scenario = PortfolioScenario.Generate(accounts, Instruments);
        var projector = new PortfolioProjector(MarginProfile.Binance);
        var clock = Stopwatch.StartNew();
        scenario.LoadInto(projector);
        var loadMillis = clock.Elapsed.TotalMilliseconds;
        var system = new SystemRisk(projector);
        var betas = new double[Instruments];
        for (var i = 0; i < Instruments; i++)
        {
            betas[i] = i == 0 ? 1.0 : 1.0 + (0.05 * i);
        }

        var scenarios = Scenarios(betas);
        var outcome = new PortfolioOutcome();

        // Agreement first (also the warm-up).
        progress($"portfolio: {scenarios.Count} scenarios on the projector and the reference");
        var instruments = scenario.Instruments.Select((instrument, i) => new RefInstrument(instrument, scenario.Marks[i], scenario.Bids[i], scenario.Asks[i])).ToList();
        var people = scenario.Accounts.Select(a => new RefAccount(a.Balance, a.Positions.Select(p => new RefLeg(p.Instrument, p.Size, p.Entry, p.IsolatedMargin)).ToList())).ToList();
        long liquidated = 0;
        clock.Restart();
        var naive = new List<RefPortfolioOutcome>(scenarios.Count);
        foreach (var moves in scenarios)
        {
            naive.Add(ReferencePortfolio.Project(MarginProfile.Binance, instruments, people, moves, Fund));
        }

        var naiveMillis = clock.Elapsed.TotalMilliseconds;
        for (var s = 0; s < scenarios.Count; s++)
        {
            projector.Project(scenarios[s], Fund, outcome);
            Agree(s, outcome, naive[s]);
            liquidated += outcome.LiquidatedAccounts;
        }

        // The engine's calls, timed over repeated runs.
        var runs = 0;
        double gridTotal = 0, contagionTotal = 0;
        clock.Restart();
        while (runs == 0 || clock.Elapsed < budget)
        {
            var start = clock.Elapsed;
            foreach (var shock in Grid)
            {
                system.ProjectFactor(0, -shock, betas, Fund, outcome);
                system.ProjectFactor(0, shock, betas, Fund, outcome);
            }

            var mid = clock.Elapsed;
            system.Contagion(ContagionMove, Fund);
            gridTotal += (mid - start).TotalMilliseconds;
            contagionTotal += (clock.Elapsed - mid).TotalMilliseconds;
            runs++;
        }

        clock.Restart();
        var down = system.CriticalShock(0, betas, Domain.Cascades.CascadeDirection.Down, Fund);
        var up = system.CriticalShock(0, betas, Domain.Cascades.CascadeDirection.Up, Fund);
        var criticalMillis = clock.Elapsed.TotalMilliseconds;
        return new PortfolioFigures(accounts, Instruments, projector.PoolCount, loadMillis, gridTotal / runs, contagionTotal / runs, naiveMillis,
            scenarios.Count, liquidated, down, up, criticalMillis);
    }

    /// <summary>The grid's factor moves (down then up per shock) and contagion's single-instrument moves, as explicit vectors.</summary>
    private static List<double[]> Scenarios(double[] betas)
    {
        var list = new List<double[]>();
        foreach (var shock in Grid)
        {
            foreach (var sign in new[] { -1.0, 1.0 })
            {
                var moves = new double[Instruments];
                SystemRisk.FactorMoves(0, sign * shock, betas, moves);
                list.Add(moves);
            }
        }

        for (var i = 0; i < Instruments; i++)
        {
            foreach (var sign in new[] { -1.0, 1.0 })
            {
                var moves = new double[Instruments];
                moves[i] = sign * ContagionMove;
                list.Add(moves);
            }
        }

        return list;
    }

    private static void Agree(int scenario, PortfolioOutcome fast, RefPortfolioOutcome naive)
    {
        void Fail(string what, object a, object b) =>
            throw new InvalidOperationException($"bench: the portfolio projector and the reference disagree on scenario {scenario}: {what} {a} vs {b}");

        if (fast.RoundCount != naive.Rounds.Count)
        {
            Fail("rounds", fast.RoundCount, naive.Rounds.Count);
        }

        if (fast.LiquidatedAccounts != naive.LiquidatedAccounts || fast.LiquidatedUnits != naive.LiquidatedUnits)
        {
            Fail("liquidated accounts/units", (fast.LiquidatedAccounts, fast.LiquidatedUnits), (naive.LiquidatedAccounts, naive.LiquidatedUnits));
        }

        if (!Close(fast.InsuranceFundAfter, naive.InsuranceFundAfter))
        {
            Fail("fund after", fast.InsuranceFundAfter, naive.InsuranceFundAfter);
        }

        for (var i = 0; i < fast.InstrumentCount; i++)
        {
            ref readonly var f = ref fast.Instrument(i);
            var n = naive.Instruments[i];
            if (!Close(f.FinalPrice, n.FinalPrice) || f.LiquidatedPositions != n.LiquidatedPositions || f.BookExhausted != n.BookExhausted
                || !Close(f.LiquidatedNotional, n.LiquidatedNotional))
            {
                Fail($"instrument {i}", f, n);
            }
        }
    }

    private static bool Close(double a, double b) => a == b || Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
}
