using StreamRisk.Domain.Alerts;

namespace StreamRisk.Domain.Portfolio;

/// <summary>What a system view asks, besides the state: the reference, the betas, the questions' settings.</summary>
/// <param name="EventTime">The cadence boundary the view is made at.</param>
/// <param name="Reference">Index of the reference instrument.</param>
/// <param name="Symbols">Every instrument's symbol, by index.</param>
/// <param name="Marks">Every instrument's mark, by index.</param>
/// <param name="Betas">β per instrument (the reference's 1).</param>
/// <param name="InsuranceFund">The one fund the projections settle into.</param>
/// <param name="ShockGrid">The factor grid's moves (each asked down and up).</param>
/// <param name="ContagionMove">The move each instrument makes alone.</param>
/// <param name="CriticalAccounts">How many critical accounts the view lists.</param>
/// <param name="CriticalAccountCandidates">How many of the largest accounts are forced to find them.</param>
/// <param name="KnownRangesDown">Every instrument's bids: how far from the mid they are known (<see cref="Cascades.SideDepth.KnownRange"/>, +∞ complete), by index.</param>
/// <param name="KnownRangesUp">Every instrument's asks, likewise.</param>
public sealed record SystemViewRequest(long EventTime, int Reference, IReadOnlyList<string> Symbols, IReadOnlyList<double> Marks, IReadOnlyList<double> Betas,
    double InsuranceFund, IReadOnlyList<double> ShockGrid, double ContagionMove, int CriticalAccounts, int CriticalAccountCandidates,
    IReadOnlyList<double> KnownRangesDown, IReadOnlyList<double> KnownRangesUp);

/// <summary>
/// Builds the system view (docs/domain.md, "Portfolio cascade model") from batches of scenarios: the factor grid both
/// ways, contagion, the baseline and every critical-account candidate forced whole in one batch; the critical-shock
/// scan in blocks of <see cref="IPortfolioBatches.ShockStepsPerBatch"/> steps (both directions side by side, each
/// stopping at its first runaway step); the chains at the critical shocks in one more. The same answers as asking
/// <see cref="SystemRisk"/> one question at a time; batches are what lets accounts split over partitions answer a
/// whole view in a few exchanges.
/// </summary>
public static class SystemViewBuilder
{
    private const string Down = "down";
    private const string Up = "up";

    public static SystemView Build(IPortfolioBatches portfolio, SystemViewRequest request)
    {
        ArgumentNullException.ThrowIfNull(portfolio);
        ArgumentNullException.ThrowIfNull(request);
        var n = portfolio.InstrumentCount;
        var symbols = request.Symbols;
        var betas = request.Betas.ToArray();
        var fund = request.InsuranceFund;
        var reference = request.Reference;

        // One batch: the grid (down moves, then up), contagion (each instrument down then up), the baseline, the candidates.
        var scenarios = new List<BatchScenario>();
        foreach (var sign in (ReadOnlySpan<double>)[-1.0, 1.0])
        {
            foreach (var shock in request.ShockGrid)
            {
                scenarios.Add(new BatchScenario(Factor(reference, sign * shock, betas, n)));
            }
        }

        var contagionAt = scenarios.Count;
        for (var from = 0; from < n; from++)
        {
            foreach (var sign in (ReadOnlySpan<double>)[-1.0, 1.0])
            {
                var moves = new double[n];
                moves[from] = sign * request.ContagionMove;
                scenarios.Add(new BatchScenario(moves));
            }
        }

        var baselineAt = scenarios.Count;
        scenarios.Add(new BatchScenario(new double[n]));
        var candidates = request.CriticalAccounts > 0 ? portfolio.LargestAccounts(Math.Min(request.CriticalAccountCandidates, portfolio.AccountCount)) : [];
        foreach (var candidate in candidates)
        {
            scenarios.Add(new BatchScenario(new double[n], candidate.Id));
        }

        var outcomes = portfolio.Project(scenarios, fund);
        var grid = new List<SystemScenario>(2 * request.ShockGrid.Count);
        var at = 0;
        foreach (var direction in (ReadOnlySpan<string>)[Down, Up])
        {
            var sign = direction == Down ? -1.0 : 1.0;
            foreach (var shock in request.ShockGrid)
            {
                var o = outcomes[at++];
                var instruments = new SystemInstrumentOutcome[n];
                for (var j = 0; j < n; j++)
                {
                    ref readonly var x = ref o.Instrument(j);
                    instruments[j] = new SystemInstrumentOutcome(symbols[j], x.Move, x.LiquidatedNotional, x.IsRunaway);
                }

                grid.Add(new SystemScenario(sign * shock, direction, instruments, o.LiquidatedAccounts, o.LiquidatedNotional, o.InsuranceFundAfter));
            }
        }

        var contagion = new List<SystemContagion>(2 * n * Math.Max(0, n - 1));
        for (var from = 0; from < n; from++)
        {
            for (var d = 0; d < 2; d++)
            {
                var o = outcomes[contagionAt + (2 * from) + d];
                for (var to = 0; to < n; to++)
                {
                    if (to != from)
                    {
                        ref readonly var x = ref o.Instrument(to);
                        contagion.Add(new SystemContagion(symbols[from], d == 0 ? Down : Up, symbols[to], x.Move, x.LiquidatedNotional));
                    }
                }
            }
        }

        var critical = CriticalAccounts(outcomes, baselineAt, candidates, request, n);

        var (shockDown, shockUp) = CriticalShocks(portfolio, reference, betas, fund, n);
        var chainDown = shockDown is { } d0 ? Chain(portfolio, Down, -d0, d0, betas, fund, request) : null;
        var chainUp = shockUp is { } u0 ? Chain(portfolio, Up, u0, u0, betas, fund, request) : null;

        return new SystemView
        {
            EventTime = request.EventTime,
            Reference = symbols[reference],
            Symbols = [.. symbols],
            Marks = [.. request.Marks],
            Betas = betas,
            KnownRangesDown = KnownRanges(request.KnownRangesDown, n),
            KnownRangesUp = KnownRanges(request.KnownRangesUp, n),
            InsuranceFund = fund,
            Accounts = portfolio.AccountCount,
            Grid = grid,
            CriticalShockDown = shockDown,
            CriticalShockUp = shockUp,
            ChainDown = chainDown,
            ChainUp = chainUp,
            ContagionMove = request.ContagionMove,
            Contagion = contagion,
            CriticalAccounts = critical,
        };
    }

    private static double[] Factor(int reference, double move, double[] betas, int n)
    {
        var moves = new double[n];
        SystemRisk.FactorMoves(reference, move, betas, moves);
        return moves;
    }

    /// <summary>
    /// Each candidate forced whole at the marks against the baseline: ranked by the notional liquidated beyond its own
    /// and beyond the baseline's (as <see cref="SystemRisk.CriticalAccounts"/>), each with where its failure lands
    /// (as <see cref="SystemRisk.ChainOf"/>).
    /// </summary>
    private static SystemCriticalAccount[] CriticalAccounts(IReadOnlyList<PortfolioOutcome> outcomes, int baselineAt, IReadOnlyList<LargeAccount> candidates,
        SystemViewRequest request, int n)
    {
        var baseline = outcomes[baselineAt];
        var top = new CriticalAccount[Math.Max(0, request.CriticalAccounts)];
        var written = 0;
        for (var c = 0; c < candidates.Count; c++)
        {
            var o = outcomes[baselineAt + 1 + c];
            var additional = o.LiquidatedNotional - o.ForcedNotional - baseline.LiquidatedNotional;
            // Rounding of the sums must not make an account look critical.
            if (!(additional > 1e-9 * Math.Max(1, o.LiquidatedNotional)))
            {
                continue;
            }

            var others = Math.Max(0, o.LiquidatedAccounts - baseline.LiquidatedAccounts - 1);
            written = SystemRisk.Insert(top, written, new CriticalAccount(c, additional, o.ForcedNotional, others));
        }

        var accounts = new SystemCriticalAccount[written];
        for (var k = 0; k < written; k++)
        {
            var entry = top[k];
            var o = outcomes[baselineAt + 1 + entry.Account];
            var lands = new List<SystemNotional>();
            for (var j = 0; j < n; j++)
            {
                var landing = -baseline.Instrument(j).LiquidatedNotional + o.Instrument(j).LiquidatedNotional;
                if (landing > 1e-9 * Math.Max(1, entry.OwnNotional))
                {
                    lands.Add(new SystemNotional(request.Symbols[j], landing));
                }
            }

            lands.Sort((a, b) => b.Notional != a.Notional ? b.Notional.CompareTo(a.Notional) : string.CompareOrdinal(a.Symbol, b.Symbol));
            accounts[k] = new SystemCriticalAccount(candidates[entry.Account].Id, entry.AdditionalNotional, entry.OwnNotional, entry.Accounts, lands);
        }

        return accounts;
    }

    /// <summary>The critical-shock scan of <see cref="SystemRisk.CriticalShock"/>, both directions, in blocks of steps.</summary>
    private static (double? Down, double? Up) CriticalShocks(IPortfolioBatches portfolio, int reference, double[] betas, double fund, int n)
    {
        double? down = null, up = null;
        bool downOpen = true, upOpen = true;
        var block = Math.Max(1, portfolio.ShockStepsPerBatch);
        var scenarios = new List<BatchScenario>(2 * block);
        var steps = new List<(int Step, bool IsDown)>(2 * block);
        for (var first = 1; first <= SystemRisk.MaxShockSteps && (downOpen || upOpen); first += block)
        {
            scenarios.Clear();
            steps.Clear();
            var last = Math.Min(SystemRisk.MaxShockSteps, first + block - 1);
            foreach (var isDown in (ReadOnlySpan<bool>)[true, false])
            {
                if (isDown ? !downOpen : !upOpen)
                {
                    continue;
                }

                for (var k = first; k <= last; k++)
                {
                    var shock = (double)k / SystemRisk.ShockStepsPerUnit;
                    scenarios.Add(new BatchScenario(Factor(reference, isDown ? -shock : shock, betas, n)));
                    steps.Add((k, isDown));
                }
            }

            var outcomes = portfolio.Project(scenarios, fund);
            for (var s = 0; s < steps.Count; s++)
            {
                var (k, isDown) = steps[s];
                if ((isDown ? downOpen : upOpen) && outcomes[s].AnyRunaway)
                {
                    var shock = (double)k / SystemRisk.ShockStepsPerUnit;
                    if (isDown)
                    {
                        (down, downOpen) = (shock, false);
                    }
                    else
                    {
                        (up, upOpen) = (shock, false);
                    }
                }
            }
        }

        return (down, up);
    }

    /// <summary>
    /// The factor scenario at a critical shock, and per instrument its liquidation when it alone moves by the same β ×
    /// shock: the difference is what the other instruments brought to it. Each instrument carries the known range of the
    /// book side its net orders walked in the factor scenario (the warm-up of SystemicCascadeRisk reads it).
    /// </summary>
    private static SystemChain Chain(IPortfolioBatches portfolio, string direction, double move, double shock, double[] betas, double fund,
        SystemViewRequest request)
    {
        var n = portfolio.InstrumentCount;
        var symbols = request.Symbols;
        var moves = Factor(request.Reference, move, betas, n);
        var scenarios = new List<BatchScenario>(n + 1);
        for (var j = 0; j < n; j++)
        {
            var alone = new double[n];
            alone[j] = moves[j];
            scenarios.Add(new BatchScenario(alone));
        }

        scenarios.Add(new BatchScenario(moves));
        var outcomes = portfolio.Project(scenarios, fund);
        var all = outcomes[n];
        var instruments = new SystemChainInstrument[n];
        for (var j = 0; j < n; j++)
        {
            var landing = outcomes[j].Instrument(j).LiquidatedNotional;
            ref readonly var o = ref all.Instrument(j);
            instruments[j] = new SystemChainInstrument(symbols[j], moves[j], o.Move, o.LiquidatedNotional, landing, o.LiquidatedNotional - landing, o.IsRunaway,
                o.ModelledNotional, o.LeftKnownBook, WalkedKnownRange(all, j, request.KnownRangesDown[j], request.KnownRangesUp[j]));
        }

        return new SystemChain(direction, shock, instruments, all.LiquidatedAccounts, all.LiquidatedNotional, all.InsuranceFundAfter);
    }

    /// <summary>
    /// The known range of the side(s) an instrument's net orders walked over a scenario's rounds (net selling walks the
    /// bids, net buying the asks; the nearer if both): null when no round sent a net order into a partial side.
    /// </summary>
    private static double? WalkedKnownRange(PortfolioOutcome outcome, int instrument, double bids, double asks)
    {
        bool sold = false, bought = false;
        for (var r = 0; r < outcome.RoundCount; r++)
        {
            ref readonly var flow = ref outcome.Flow(r, instrument);
            sold |= flow.Sold > flow.Bought;
            bought |= flow.Bought > flow.Sold;
        }

        var range = Math.Min(sold ? bids : double.PositiveInfinity, bought ? asks : double.PositiveInfinity);
        return double.IsPositiveInfinity(range) ? null : range;
    }

    /// <summary>The view's known ranges: null for a complete side (+∞ in the request).</summary>
    private static double?[] KnownRanges(IReadOnlyList<double> ranges, int n)
    {
        var known = new double?[n];
        for (var j = 0; j < n; j++)
        {
            known[j] = double.IsPositiveInfinity(ranges[j]) ? null : ranges[j];
        }

        return known;
    }
}
