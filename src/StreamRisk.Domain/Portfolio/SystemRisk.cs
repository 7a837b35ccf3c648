using StreamRisk.Domain.Cascades;

namespace StreamRisk.Domain.Portfolio;

/// <summary>What instrument <c>From</c> moving alone did to instrument <c>To</c>.</summary>
/// <param name="Move">To's final move as a fraction of its mark (0 when nothing reached it).</param>
/// <param name="LiquidatedNotional">Notional liquidated on To.</param>
public readonly record struct ContagionEffect(int From, int To, double Move, double LiquidatedNotional);

/// <summary>An account whose forced liquidation at the current marks liquidates others.</summary>
/// <param name="AdditionalNotional">Notional liquidated beyond the account's own positions and beyond what the marks alone liquidate.</param>
/// <param name="OwnNotional">The account's own notional at the marks.</param>
/// <param name="Accounts">Other accounts its failure liquidates.</param>
public readonly record struct CriticalAccount(int Account, double AdditionalNotional, double OwnNotional, int Accounts);

/// <summary>
/// The system questions of docs/domain.md ("Portfolio cascade model") asked of a loaded portfolio (one
/// <see cref="PortfolioProjector"/>, or a <see cref="PartitionedPortfolio"/>):
/// factor scenarios, contagion (each instrument moving alone, both ways), critical accounts and the system critical
/// shock. Buffers are reused: after the first call at a given size nothing is allocated.
/// </summary>
public sealed class SystemRisk
{
    /// <summary>Resolution of the system critical-shock search: 0.1% of the reference.</summary>
    public const int ShockStepsPerUnit = CascadeProjector.ShockStepsPerUnit;

    /// <summary>Largest reference move the system critical-shock search tries: 50%.</summary>
    public const int MaxShockSteps = CascadeProjector.MaxShockSteps;

    private readonly IPortfolioProjection _projector;
    private readonly PortfolioOutcome _scratch = new();
    private double[] _moves = [];
    private ContagionEffect[] _contagion = [];
    private double[] _baseline = [];
    private int[] _candidates = [];
    private double[] _candidateNotional = [];

    public SystemRisk(IPortfolioProjection projector)
    {
        ArgumentNullException.ThrowIfNull(projector);
        _projector = projector;
    }

    public IPortfolioProjection Projector => _projector;

    /// <summary>Fills <paramref name="moves"/> with β_i × move; the reference always moves by exactly <paramref name="move"/>.</summary>
    public static void FactorMoves(int reference, double move, ReadOnlySpan<double> betas, Span<double> moves)
    {
        for (var i = 0; i < moves.Length; i++)
        {
            var beta = i < betas.Length ? betas[i] : 1.0;
            // A β large enough to push a price through zero stops at −99.9%: a price is positive.
            moves[i] = i == reference ? move : Math.Max(-0.999, beta * move);
        }
    }

    /// <summary>Projects the factor scenario "reference moves by <paramref name="move"/>" into <paramref name="outcome"/>.</summary>
    public void ProjectFactor(int reference, double move, ReadOnlySpan<double> betas, double insuranceFund, PortfolioOutcome outcome)
    {
        var moves = Moves();
        FactorMoves(reference, move, betas, moves);
        _projector.Project(moves, insuranceFund, outcome);
    }

    /// <summary>
    /// The smallest reference move, in 0.1% steps up to 50%, whose factor scenario makes any instrument run away
    /// (amplification ≥ 2 or its book exhausted); null when none does. Every step is projected in full: the outcome
    /// need not be monotone in the move, and the first runaway step is the answer.
    /// </summary>
    public double? CriticalShock(int reference, ReadOnlySpan<double> betas, CascadeDirection direction, double insuranceFund)
    {
        var sign = direction == CascadeDirection.Down ? -1.0 : 1.0;
        var moves = Moves();
        for (var k = 1; k <= MaxShockSteps; k++)
        {
            var shock = (double)k / ShockStepsPerUnit;
            FactorMoves(reference, sign * shock, betas, moves);
            _projector.Project(moves, insuranceFund, _scratch);
            if (_scratch.AnyRunaway)
            {
                return shock;
            }
        }

        return null;
    }

    /// <summary>
    /// Each instrument moving alone by ±<paramref name="move"/>: the effect on every other instrument. The returned
    /// span holds, for from = 0..n−1 and down then up, n − 1 effects (every other instrument in index order).
    /// </summary>
    public ReadOnlySpan<ContagionEffect> Contagion(double move, double insuranceFund)
    {
        var n = _projector.InstrumentCount;
        var perMove = Math.Max(0, n - 1);
        var need = 2 * n * perMove;
        if (_contagion.Length < need)
        {
            _contagion = new ContagionEffect[need];
        }

        var moves = Moves();
        var at = 0;
        for (var from = 0; from < n; from++)
        {
            for (var d = 0; d < 2; d++)
            {
                moves.Clear();
                moves[from] = d == 0 ? -move : move;
                _projector.Project(moves, insuranceFund, _scratch);
                for (var to = 0; to < n; to++)
                {
                    if (to == from)
                    {
                        continue;
                    }

                    ref readonly var effect = ref _scratch.Instrument(to);
                    _contagion[at++] = new ContagionEffect(from, to, effect.Move, effect.LiquidatedNotional);
                }
            }
        }

        return _contagion.AsSpan(0, at);
    }

    /// <summary>
    /// The accounts whose whole forced liquidation at the current marks liquidates the most notional beyond their own
    /// (and beyond what the marks alone liquidate), best first. Candidates are the <paramref name="candidates"/>
    /// accounts of largest notional: only an account whose own flow walks a book far can start a chain, and a full
    /// projection per account of a venue is out of reach at a one-second cadence.
    /// </summary>
    /// <returns>How many were written to <paramref name="top"/> (accounts with no additional liquidation are left out).</returns>
    public int CriticalAccounts(double insuranceFund, int candidates, Span<CriticalAccount> top)
    {
        var n = _projector.InstrumentCount;
        var accounts = _projector.AccountCount;
        candidates = Math.Min(candidates, accounts);
        if (candidates <= 0 || top.IsEmpty)
        {
            return 0;
        }

        if (_baseline.Length < n)
        {
            _baseline = new double[n];
        }

        var moves = Moves();
        moves.Clear();
        _projector.Project(moves, insuranceFund, _scratch);
        var baselineNotional = _scratch.LiquidatedNotional;
        var baselineAccounts = _scratch.LiquidatedAccounts;
        for (var i = 0; i < n; i++)
        {
            _baseline[i] = _scratch.Instrument(i).LiquidatedNotional;
        }

        SelectLargest(candidates);
        var written = 0;
        for (var c = 0; c < candidates; c++)
        {
            var account = _candidates[c];
            _projector.Project(moves, insuranceFund, _scratch, account);
            var additional = _scratch.LiquidatedNotional - _scratch.ForcedNotional - baselineNotional;
            // Rounding of the sums must not make an account look critical.
            if (!(additional > 1e-9 * Math.Max(1, _scratch.LiquidatedNotional)))
            {
                continue;
            }

            var others = Math.Max(0, _scratch.LiquidatedAccounts - baselineAccounts - 1);
            var entry = new CriticalAccount(account, additional, _scratch.ForcedNotional, others);
            written = Insert(top, written, entry);
        }

        return written;
    }

    /// <summary>
    /// Per instrument, the notional an account's forced liquidation liquidates beyond the marks alone (its own
    /// positions included): where its failure lands.
    /// </summary>
    public void ChainOf(int account, double insuranceFund, Span<double> byInstrument)
    {
        var moves = Moves();
        moves.Clear();
        _projector.Project(moves, insuranceFund, _scratch);
        var n = Math.Min(byInstrument.Length, _projector.InstrumentCount);
        for (var i = 0; i < n; i++)
        {
            byInstrument[i] = -_scratch.Instrument(i).LiquidatedNotional;
        }

        _projector.Project(moves, insuranceFund, _scratch, account);
        for (var i = 0; i < n; i++)
        {
            byInstrument[i] += _scratch.Instrument(i).LiquidatedNotional;
        }
    }

    /// <summary>Inserts by additional notional, largest first (an equal one after those already in); keeps at most top.Length.</summary>
    public static int Insert(Span<CriticalAccount> top, int count, CriticalAccount entry)
    {
        var at = count;
        while (at > 0 && top[at - 1].AdditionalNotional < entry.AdditionalNotional)
        {
            at--;
        }

        if (at >= top.Length)
        {
            return count;
        }

        var last = Math.Min(count, top.Length - 1);
        for (var k = last; k > at; k--)
        {
            top[k] = top[k - 1];
        }

        top[at] = entry;
        return Math.Min(count + 1, top.Length);
    }

    /// <summary>The indices of the <paramref name="count"/> accounts of largest notional into <c>_candidates</c> (<see cref="LargeAccounts.Select"/>).</summary>
    private void SelectLargest(int count)
    {
        if (_candidates.Length < count)
        {
            _candidates = new int[count];
            _candidateNotional = new double[count];
        }

        LargeAccounts.Select(_projector, _candidates.AsSpan(0, count), _candidateNotional.AsSpan(0, count));
    }

    private Span<double> Moves()
    {
        var n = _projector.InstrumentCount;
        if (_moves.Length < n)
        {
            _moves = new double[n];
        }

        return _moves.AsSpan(0, n);
    }
}
