using StreamRisk.Contracts.Documents;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Portfolio;

namespace StreamRisk.Engine.Scenarios;

/// <summary>
/// The portfolio use cases: <c>project</c> of a multi-instrument document and <c>stress</c> of named scenarios on a
/// state (a document, or an engine a capture was replayed into). Each loads one <see cref="PortfolioProjector"/> and
/// asks it the system questions of docs/domain.md ("Portfolio cascade model").
/// </summary>
public static class PortfolioProjection
{
    /// <summary>
    /// Critical accounts are searched among this many accounts of largest notional (<see cref="SystemRisk.CriticalAccounts"/>):
    /// a full projection per candidate.
    /// </summary>
    public const int CriticalCandidates = 1_000;

    /// <summary>Every scenario, the contagion table, the system critical shock and the critical accounts of a document.</summary>
    public static PortfolioResult Compute(PortfolioRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var projector = Load(request);
        var risk = new SystemRisk(projector);
        var fund = request.InsuranceFund;
        var n = projector.InstrumentCount;
        var outcome = new PortfolioOutcome();
        var moves = new double[n];

        var scenarios = new List<PortfolioScenarioResult>(request.Scenarios.Count);
        foreach (var scenario in request.Scenarios)
        {
            // The document's symbols were checked against its instruments when it was read.
            _ = MovesOf(projector, scenario, moves);
            projector.Project(moves, fund, outcome);
            scenarios.Add(ScenarioResult(projector, scenario.Name, outcome));
        }

        var contagion = Contagion(projector, risk, request.ContagionMove, fund);

        // The system critical shock moves the first factor scenario's reference with its betas; without one, the first
        // instrument with every β = 1.
        var reference = 0;
        var betas = new double[n];
        Array.Fill(betas, 1.0);
        if (request.Scenarios.Select(s => s.Factor).FirstOrDefault(f => f is not null) is { } factor)
        {
            reference = IndexOf(projector, factor.Reference);
            FillBetas(projector, factor, betas);
        }

        var critical = new CriticalShockResult(
            risk.CriticalShock(reference, betas, CascadeDirection.Down, fund),
            risk.CriticalShock(reference, betas, CascadeDirection.Up, fund));

        var top = new CriticalAccount[request.CriticalAccounts];
        var count = risk.CriticalAccounts(fund, CriticalCandidates, top);
        var chain = new double[n];
        var accounts = new List<CriticalAccountResult>(count);
        for (var k = 0; k < count; k++)
        {
            risk.ChainOf(top[k].Account, fund, chain);
            var symbols = new List<string>();
            for (var i = 0; i < n; i++)
            {
                if (chain[i] > 0)
                {
                    symbols.Add(projector.InstrumentAt(i).Symbol.Value);
                }
            }

            accounts.Add(new CriticalAccountResult(projector.AccountAt(top[k].Account).Value, top[k].AdditionalNotional, symbols));
        }

        return new PortfolioResult(scenarios, contagion, critical, accounts);
    }

    /// <summary>Each named scenario's system outcome on a loaded projector; scenarios that cannot apply to its instruments are skipped with the reason.</summary>
    public static IReadOnlyList<StressScenarioResult> Stress(PortfolioProjector projector, double insuranceFund, IReadOnlyList<ScenarioDocument> scenarios)
    {
        ArgumentNullException.ThrowIfNull(projector);
        ArgumentNullException.ThrowIfNull(scenarios);
        var outcome = new PortfolioOutcome();
        var moves = new double[projector.InstrumentCount];
        var results = new List<StressScenarioResult>(scenarios.Count);
        foreach (var scenario in scenarios)
        {
            if (MovesOf(projector, scenario, moves) is { } skipped)
            {
                results.Add(new StressScenarioResult(scenario.Name, skipped, [], 0, insuranceFund, 0));
                continue;
            }

            projector.Project(moves, insuranceFund, outcome);
            var instruments = new List<StressInstrumentResult>(projector.InstrumentCount);
            for (var i = 0; i < projector.InstrumentCount; i++)
            {
                ref readonly var o = ref outcome.Instrument(i);
                instruments.Add(new StressInstrumentResult(projector.InstrumentAt(i).Symbol.Value, o.Move, o.FinalPrice, o.LiquidatedNotional, o.BookExhausted));
            }

            results.Add(new StressScenarioResult(scenario.Name, null, instruments, outcome.LiquidatedAccounts, outcome.InsuranceFundAfter, outcome.AdlNotional));
        }

        return results;
    }

    /// <summary>A sealed projector holding the document's instruments (in its order), marks, books and accounts.</summary>
    public static PortfolioProjector Load(PortfolioRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var projector = new PortfolioProjector(request.Profile);
        var n = request.Catalog.Count;
        projector.Reset(n);
        for (var i = 0; i < n; i++)
        {
            projector.SetInstrument(i, request.Catalog[i], request.Marks[i]);
            projector.BidsOf(i).Load(request.Bids[i]);
            projector.AsksOf(i).Load(request.Asks[i]);
        }

        foreach (var account in request.Accounts)
        {
            var a = projector.AddAccount(account.Id, account.Balance);
            foreach (var p in account.Positions)
            {
                projector.AddPosition(a, p.InstrumentIndex, p.Size, p.Entry, p.IsolatedMargin);
            }
        }

        projector.Seal();
        return projector;
    }

    /// <summary>
    /// A sealed projector holding what <paramref name="engine"/> holds now: every instrument with a mark, its book (no
    /// book: no depth) and every account. An instrument without a mark yet has no price to move from: it is left out,
    /// and so are positions on it. The insurance fund is the sum of the included instruments' funds.
    /// </summary>
    public static (PortfolioProjector Projector, double InsuranceFund) Load(RiskEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var catalog = engine.Catalog;
        var included = new int[catalog.Count];
        var n = 0;
        for (var i = 0; i < catalog.Count; i++)
        {
            included[i] = engine.Margins.MarkOf(i) is var mark && mark > 0 && double.IsFinite(mark) ? n++ : -1;
        }

        var projector = new PortfolioProjector(engine.Options.Profile);
        projector.Reset(n);
        double fund;
        for (var i = 0; i < catalog.Count; i++)
        {
            var at = included[i];
            if (at < 0)
            {
                continue;
            }

            projector.SetInstrument(at, catalog[i], engine.Margins.MarkOf(i));
            if (engine.BookOf(i) is { } book)
            {
                projector.BidsOf(at).Load(book, BookSide.Bid);
                projector.AsksOf(at).Load(book, BookSide.Ask);
            }
            else
            {
                projector.BidsOf(at).Load(ReadOnlySpan<(double, double)>.Empty);
                projector.AsksOf(at).Load(ReadOnlySpan<(double, double)>.Empty);
            }

        }

        // A venue-wide fund covering several instruments counts once.
        fund = engine.Projector.Funds.TotalOf(Enumerable.Range(0, catalog.Count).Where(i => included[i] >= 0));

        foreach (var account in engine.Margins.Accounts)
        {
            var a = projector.AddAccount(account.Id, account.Balance);
            var positions = account.Positions;
            for (var k = 0; k < positions.Length; k++)
            {
                var at = included[account.InstrumentIndexAt(k)];
                if (at >= 0)
                {
                    projector.AddPosition(a, at, positions[k].Size, positions[k].Entry, positions[k].IsolatedMargin);
                }
            }
        }

        projector.Seal();
        return (projector, fund);
    }

    /// <summary>
    /// Fills <paramref name="moves"/> for <paramref name="scenario"/>; returns why it cannot apply to the projector's
    /// instruments (null when it can). Symbols it names that the projector does not hold are passed over.
    /// </summary>
    private static string? MovesOf(PortfolioProjector projector, ScenarioDocument scenario, double[] moves)
    {
        Array.Clear(moves);
        if (scenario.Factor is { } factor)
        {
            var reference = IndexOf(projector, factor.Reference);
            if (reference < 0)
            {
                return $"reference {factor.Reference.Value} is not among the instruments";
            }

            var betas = new double[moves.Length];
            Array.Fill(betas, 1.0);
            FillBetas(projector, factor, betas);
            SystemRisk.FactorMoves(reference, factor.Move, betas, moves);
            return null;
        }

        var matched = 0;
        foreach (var (symbol, move) in scenario.Moves ?? [])
        {
            var i = IndexOf(projector, symbol);
            if (i >= 0)
            {
                moves[i] = move;
                matched++;
            }
        }

        return matched > 0 ? null : "none of its instruments is in the state";
    }

    private static void FillBetas(PortfolioProjector projector, FactorScenario factor, double[] betas)
    {
        foreach (var (symbol, beta) in factor.Betas)
        {
            var i = IndexOf(projector, symbol);
            if (i >= 0)
            {
                betas[i] = beta;
            }
        }
    }

    private static int IndexOf(PortfolioProjector projector, Symbol wanted)
    {
        for (var i = 0; i < projector.InstrumentCount; i++)
        {
            if (projector.InstrumentAt(i).Symbol == wanted)
            {
                return i;
            }
        }

        return -1;
    }

    private static PortfolioScenarioResult ScenarioResult(PortfolioProjector projector, string name, PortfolioOutcome outcome)
    {
        var n = projector.InstrumentCount;
        var instruments = new List<InstrumentOutcomeResult>(n);
        for (var i = 0; i < n; i++)
        {
            ref readonly var o = ref outcome.Instrument(i);
            instruments.Add(new InstrumentOutcomeResult(projector.InstrumentAt(i).Symbol.Value, o.Mark, o.TargetPrice, o.FinalPrice, o.LiquidatedPositions,
                o.LiquidatedLongSize, o.LiquidatedShortSize, o.LiquidatedNotional, o.BookExhausted, o.Unfilled, o.AdlNotional));
        }

        var rounds = new List<PortfolioRoundResult>(outcome.RoundCount);
        for (var r = 0; r < outcome.RoundCount; r++)
        {
            var flows = new List<RoundFlowResult>();
            for (var i = 0; i < n; i++)
            {
                ref readonly var flow = ref outcome.Flow(r, i);
                if (flow.HasFlow)
                {
                    flows.Add(new RoundFlowResult(projector.InstrumentAt(i).Symbol.Value, flow.Price, flow.Sold, flow.Bought, Finite(flow.Vwap), Finite(flow.LastPrice)));
                }
            }

            rounds.Add(new PortfolioRoundResult(outcome.RoundAccounts(r), flows));
        }

        return new PortfolioScenarioResult(name, instruments, rounds, outcome.LiquidatedAccounts, outcome.InsuranceFundAfter, outcome.AdlNotional);
    }

    private static List<ContagionResult> Contagion(PortfolioProjector projector, SystemRisk risk, double move, double fund)
    {
        var n = projector.InstrumentCount;
        var effects = risk.Contagion(move, fund);
        var results = new List<ContagionResult>(2 * n);
        var perMove = n - 1;
        for (var from = 0; from < n; from++)
        {
            for (var d = 0; d < 2; d++)
            {
                var to = new List<ContagionEffectResult>(perMove);
                foreach (var effect in effects.Slice(((2 * from) + d) * perMove, perMove))
                {
                    to.Add(new ContagionEffectResult(projector.InstrumentAt(effect.To).Symbol.Value, effect.Move, effect.LiquidatedNotional));
                }

                results.Add(new ContagionResult(projector.InstrumentAt(from).Symbol.Value, d == 0 ? "down" : "up", d == 0 ? -move : move, to));
            }
        }

        return results;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
