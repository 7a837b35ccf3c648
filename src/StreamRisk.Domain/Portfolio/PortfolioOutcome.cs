namespace StreamRisk.Domain.Portfolio;

/// <summary>
/// What one scenario did to one instrument (docs/domain.md, "Portfolio cascade model", outputs).
/// </summary>
/// <param name="Mark">The mark the scenario started from (P0).</param>
/// <param name="TargetPrice">P0 × (1 + move): the scenario's trigger price before any liquidation.</param>
/// <param name="FinalPrice">The price after the last round.</param>
/// <param name="LiquidatedPositions">Positions on this instrument liquidated (one per liquidated unit holding it).</param>
/// <param name="LiquidatedLongSize">Σ size of the liquidated longs.</param>
/// <param name="LiquidatedShortSize">Σ |size| of the liquidated shorts.</param>
/// <param name="LiquidatedNotional">Σ |size| × the trigger price of the round that liquidated it.</param>
/// <param name="BookExhausted">A net order ran out of a complete book on this instrument (a partial book walks on into modelled depth).</param>
/// <param name="Unfilled">Net size the book could not absorb (settled for the fund at the last level touched).</param>
/// <param name="AdlNotional">Notional taken over by auto-deleveraging on this instrument (at the final price).</param>
/// <param name="ModelledNotional">Fill notional the net orders took past the known book, from modelled depth.</param>
/// <param name="LeftKnownBook">A net order reached past the known levels of a partial book side.</param>
public readonly record struct InstrumentOutcome(
    double Mark,
    double TargetPrice,
    double FinalPrice,
    int LiquidatedPositions,
    double LiquidatedLongSize,
    double LiquidatedShortSize,
    double LiquidatedNotional,
    bool BookExhausted,
    double Unfilled,
    double AdlNotional,
    double ModelledNotional = 0,
    bool LeftKnownBook = false)
{
    /// <summary>(P0 − final)/(P0 − target) in the move's direction; NaN when the scenario does not move this instrument.</summary>
    public double Amplification => TargetPrice == Mark ? double.NaN : (FinalPrice - Mark) / (TargetPrice - Mark);

    /// <summary>The final move as a fraction of the mark (negative down).</summary>
    public double Move => (FinalPrice - Mark) / Mark;

    /// <summary>The runaway test of the system critical shock: amplification ≥ 2 or the book ran out.</summary>
    public bool IsRunaway => BookExhausted || Amplification >= Cascades.CascadeProjector.RunawayAmplification;
}

/// <summary>One instrument's flow in one round. An instrument without liquidations in the round has Sold = Bought = 0.</summary>
/// <param name="Price">The trigger price the round evaluated units at.</param>
/// <param name="Sold">Size of the round's liquidated longs (sold by the liquidation engine).</param>
/// <param name="Bought">Size of the round's liquidated shorts (bought back).</param>
/// <param name="Vwap">Average fill of the net order in the book; NaN when the longs and shorts crossed exactly or nothing filled.</param>
/// <param name="LastPrice">Last book level the net order touched; NaN when it touched none.</param>
public readonly record struct RoundFlow(double Price, double Sold, double Bought, double Vwap, double LastPrice)
{
    public bool HasFlow => Sold > 0 || Bought > 0;
}

/// <summary>
/// The outcome of one portfolio scenario, written by <see cref="PortfolioProjector.Project"/> into buffers it reuses
/// (no allocation per projection once grown). Read it before the next projection into the same outcome.
/// </summary>
public sealed class PortfolioOutcome
{
    private InstrumentOutcome[] _instruments = new InstrumentOutcome[4];
    private RoundFlow[] _flows = new RoundFlow[16];
    private int[] _roundAccounts = new int[4];

    public int InstrumentCount { get; private set; }

    /// <summary>Rounds that liquidated at least one unit.</summary>
    public int RoundCount { get; private set; }

    /// <summary>Distinct accounts with at least one unit liquidated.</summary>
    public int LiquidatedAccounts { get; internal set; }

    /// <summary>Margin units liquidated (isolated positions and whole cross pools).</summary>
    public int LiquidatedUnits { get; internal set; }

    public double InsuranceFundBefore { get; internal set; }

    public double InsuranceFundAfter { get; internal set; }

    public double AdlNotional { get; internal set; }

    /// <summary>Σ over instruments of the liquidated notional.</summary>
    public double LiquidatedNotional { get; internal set; }

    /// <summary>The account forced into liquidation at the start (−1 for none) and the notional of its own positions.</summary>
    public int ForcedAccount { get; internal set; } = -1;

    public double ForcedNotional { get; internal set; }

    public ref readonly InstrumentOutcome Instrument(int index) => ref _instruments[index];

    /// <summary>Distinct accounts with a unit liquidated in the round.</summary>
    public int RoundAccounts(int round) => _roundAccounts[round];

    public ref readonly RoundFlow Flow(int round, int instrument) => ref _flows[(round * InstrumentCount) + instrument];

    /// <summary>True when any instrument ran away (see <see cref="InstrumentOutcome.IsRunaway"/>).</summary>
    public bool AnyRunaway
    {
        get
        {
            for (var i = 0; i < InstrumentCount; i++)
            {
                if (_instruments[i].IsRunaway)
                {
                    return true;
                }
            }

            return false;
        }
    }

    internal void Reset(int instruments)
    {
        InstrumentCount = instruments;
        if (_instruments.Length < instruments)
        {
            _instruments = new InstrumentOutcome[Math.Max(instruments, _instruments.Length * 2)];
        }

        RoundCount = 0;
        LiquidatedAccounts = 0;
        LiquidatedUnits = 0;
        AdlNotional = 0;
        LiquidatedNotional = 0;
        ForcedAccount = -1;
        ForcedNotional = 0;
    }

    internal ref InstrumentOutcome InstrumentRef(int index) => ref _instruments[index];

    /// <summary>Opens a round and returns its flows (every instrument's, cleared).</summary>
    internal Span<RoundFlow> AddRound(int accounts)
    {
        var round = RoundCount++;
        if (_roundAccounts.Length < RoundCount)
        {
            Array.Resize(ref _roundAccounts, _roundAccounts.Length * 2);
        }

        var need = RoundCount * InstrumentCount;
        if (_flows.Length < need)
        {
            Array.Resize(ref _flows, Math.Max(need, _flows.Length * 2));
        }

        _roundAccounts[round] = accounts;
        var flows = _flows.AsSpan(round * InstrumentCount, InstrumentCount);
        flows.Clear();
        return flows;
    }
}
