using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Portfolio;

/// <summary>
/// The market side of one portfolio scenario: the trigger vector, the books it walks (consumed depth stays consumed),
/// and the scenario's tally — per instrument the liquidated positions, sizes and notional, and the fund — built from
/// each round's exact sums (<see cref="PortfolioRound"/>). Whoever holds the accounts (one projector, or partitions
/// whose rounds are added) answers "what does the vector liquidate"; this walks the books with the answer and says
/// where the fills and the next vector are. One code path for both, so a split run is the one-process run.
/// </summary>
internal sealed class PortfolioRun
{
    private Instrument[] _instruments = [];
    private double[] _marks = [];
    private SideDepth[] _bids = [];
    private SideDepth[] _asks = [];
    private int _n;

    private double[] _price = [];
    private double[] _target = [];
    private double[] _consumedBids = [];
    private double[] _consumedAsks = [];
    private double[] _lastBid = [];
    private double[] _lastAsk = [];
    private double[] _fillLong = [];
    private double[] _fillShort = [];
    private int[] _positions = [];
    private Int128[] _longSize = [];
    private Int128[] _shortSize = [];
    private double[] _notional = [];
    private double[] _unfilled = [];
    private bool[] _exhausted = [];
    private double[] _modelled = [];
    private bool[] _leftKnown = [];
    private double _fund;
    private int _units;
    private PortfolioOutcome? _outcome;

    /// <summary>The trigger vector of the next round (the fills' walk moves it).</summary>
    public ReadOnlySpan<double> Prices => _price.AsSpan(0, _n);

    /// <summary>The last round's fill price of the liquidated longs per instrument (their sell order's average with the crossed shorts).</summary>
    public ReadOnlySpan<double> FillLong => _fillLong.AsSpan(0, _n);

    public ReadOnlySpan<double> FillShort => _fillShort.AsSpan(0, _n);

    /// <summary>The fund as settled so far.</summary>
    public double Fund => _fund;

    /// <summary>Starts a scenario: every instrument's trigger at mark × (1 + move) (beyond the span, no move).</summary>
    public void Begin(Instrument[] instruments, double[] marks, SideDepth[] bids, SideDepth[] asks, int n, ReadOnlySpan<double> moves,
        double insuranceFund, PortfolioOutcome outcome)
    {
        if (_price.Length < n)
        {
            var size = Math.Max(n, _price.Length * 2);
            _price = new double[size];
            _target = new double[size];
            _consumedBids = new double[size];
            _consumedAsks = new double[size];
            _lastBid = new double[size];
            _lastAsk = new double[size];
            _fillLong = new double[size];
            _fillShort = new double[size];
            _positions = new int[size];
            _longSize = new Int128[size];
            _shortSize = new Int128[size];
            _notional = new double[size];
            _unfilled = new double[size];
            _exhausted = new bool[size];
            _modelled = new double[size];
            _leftKnown = new bool[size];
        }

        _instruments = instruments;
        _marks = marks;
        _bids = bids;
        _asks = asks;
        _n = n;
        for (var i = 0; i < n; i++)
        {
            var target = TargetOf(marks[i], i < moves.Length ? moves[i] : 0);
            _target[i] = target;
            _price[i] = target;
            _consumedBids[i] = 0;
            _consumedAsks[i] = 0;
            _lastBid[i] = double.NaN;
            _lastAsk[i] = double.NaN;
            _positions[i] = 0;
            _longSize[i] = 0;
            _shortSize[i] = 0;
            _notional[i] = 0;
            _unfilled[i] = 0;
            _exhausted[i] = false;
            _modelled[i] = 0;
            _leftKnown[i] = false;
        }

        _fund = insuranceFund;
        _units = 0;
        _outcome = outcome;
        outcome.Reset(n);
        outcome.InsuranceFundBefore = insuranceFund;
    }

    /// <summary>The trigger a move starts an instrument at; the same expression wherever a scenario starts.</summary>
    public static double TargetOf(double mark, double move) => move == 0 ? mark : mark * (1 + move);

    /// <summary>
    /// Walks the books with a round every share has answered (units &gt; 0): per instrument the longs and shorts cross
    /// at the trigger, the net walks the book. Records the round's flows, settles its units into the fund at their
    /// fills, and moves the triggers. Returns whether any trigger moved.
    /// </summary>
    public bool Round(PortfolioRound round)
    {
        var outcome = _outcome!;
        var flows = outcome.AddRound(round.Accounts);
        _units += round.Units;
        var moved = false;
        // The round's collateral first, then each instrument's PnL at its fills, in instrument order: a fixed order of
        // terms that are themselves exact sums.
        var fund = PortfolioUnits.MoneyOf(round.Collateral);
        for (var i = 0; i < _n; i++)
        {
            var soldUnits = round.Sold(i);
            var boughtUnits = round.Bought(i);
            if (soldUnits == 0 && boughtUnits == 0)
            {
                continue;
            }

            var s = PortfolioUnits.SizeOf(soldUnits);
            var b = PortfolioUnits.SizeOf(boughtUnits);
            var price = _price[i];
            var net = s - b;
            double vwap = double.NaN, last = double.NaN;
            if (net == 0)
            {
                _fillLong[i] = price;
                _fillShort[i] = price;
            }
            else
            {
                var sell = net > 0;
                var depth = sell ? _bids[i] : _asks[i];
                var quantity = Math.Abs(net);
                ref var consumed = ref (sell ? ref _consumedBids[i] : ref _consumedAsks[i]);
                ref var lastTouched = ref (sell ? ref _lastBid[i] : ref _lastAsk[i]);
                // A side consumed up to the rounding of its running sums is empty: a fill of that residue would be
                // priced by the rounding (a VWAP off the book) and touch a level no quantity is left on.
                var remaining = depth.TotalQuantity - consumed;
                if (remaining <= depth.TotalQuantity * SideDepth.Dust)
                {
                    remaining = 0;
                }

                var fill = quantity - remaining > quantity * SideDepth.Dust ? remaining : quantity;
                var unfilled = quantity - fill;
                double walked = 0;
                if (fill > 0)
                {
                    var after = consumed + fill;
                    walked = depth.NotionalUpTo(after) - depth.NotionalUpTo(consumed);
                    if (depth.LeavesKnownBook(after))
                    {
                        _leftKnown[i] = true;
                        _modelled[i] += depth.ModelledNotionalBetween(consumed, after);
                    }

                    vwap = walked / fill;
                    lastTouched = depth.PriceAt(depth.LastLevelFor(after));
                    consumed = after;
                    last = lastTouched;
                }

                if (unfilled > 0)
                {
                    // Past a partial side's modelled range the book is not known to be used up.
                    _exhausted[i] |= depth.IsComplete;
                    _unfilled[i] += unfilled;
                }

                // The unfilled remainder is settled at the last level touched (the trigger when none ever was).
                var settle = double.IsNaN(lastTouched) ? price : lastTouched;
                var walkPrice = (walked + (unfilled * settle)) / quantity;
                var fillSide = ((Math.Min(s, b) * price) + (quantity * walkPrice)) / (sell ? s : b);
                _fillLong[i] = sell ? fillSide : price;
                _fillShort[i] = sell ? price : fillSide;
                // The next trigger follows this round's walk only: flow into a side already run out touches no level
                // and leaves the price (the side's earlier last level is for settling, not for pricing).
                if (!double.IsNaN(last))
                {
                    var next = sell ? Math.Min(price, last) : Math.Max(price, last);
                    if (next != price)
                    {
                        _price[i] = next;
                        moved = true;
                    }
                }
            }

            flows[i] = new RoundFlow(price, s, b, vwap, last);
            var instrument = _instruments[i];
            fund += Pnl(instrument, _marks[i], soldUnits, round.LongValue(i), _fillLong[i]) + Pnl(instrument, _marks[i], -boughtUnits, round.ShortValue(i), _fillShort[i]);
            _positions[i] += round.Positions(i);
            _longSize[i] += soldUnits;
            _shortSize[i] += boughtUnits;
            _notional[i] += instrument.Notional(PortfolioUnits.SizeOf(soldUnits + boughtUnits), price);
        }

        _fund += fund;
        return moved;
    }

    /// <summary>Σ PnL of one side's positions settled at one fill: Σ size and Σ value (<see cref="PortfolioUnits.Value"/>) suffice.</summary>
    private static double Pnl(Instrument instrument, double mark, Int128 sizeUnits, Int128 valueUnits, double fill)
    {
        if (sizeUnits == 0)
        {
            return 0;
        }

        var size = PortfolioUnits.SizeOf(sizeUnits);
        var value = PortfolioUnits.MoneyOf(valueUnits);
        var m = instrument.Multiplier;
        return instrument.Contract == ContractKind.Linear
            ? m * ((size * (fill - mark)) - value)
            : m * (value - (size * ((1 / fill) - (1 / mark))));
    }

    /// <summary>
    /// Writes the outcome. <paramref name="deficits"/> (the shares' deficits added) is read only when the fund ended
    /// negative: ADL then takes over the share of the bankrupt positions the fund cannot pay for, on every instrument alike.
    /// </summary>
    public void Finish(int accounts, PortfolioDeficits? deficits)
    {
        var outcome = _outcome!;
        var fund = _fund;
        var deficit = deficits is null ? 0 : PortfolioUnits.MoneyOf(deficits.Deficit);
        var uncovered = fund < 0 && deficit > 0 ? Math.Min(1, -fund / deficit) : 0;
        double notional = 0, adl = 0;
        for (var i = 0; i < _n; i++)
        {
            var deficitSize = deficits is null ? 0 : PortfolioUnits.SizeOf(deficits.Size(i));
            var adlNotional = uncovered > 0 && deficitSize > 0 ? _instruments[i].Notional(uncovered * deficitSize, _price[i]) : 0;
            outcome.InstrumentRef(i) = new InstrumentOutcome(_marks[i], _target[i], _price[i], _positions[i], PortfolioUnits.SizeOf(_longSize[i]),
                PortfolioUnits.SizeOf(_shortSize[i]), _notional[i], _exhausted[i], _unfilled[i], adlNotional,
                _modelled[i], _leftKnown[i]);
            notional += _notional[i];
            adl += adlNotional;
        }

        outcome.InsuranceFundAfter = fund;
        outcome.AdlNotional = adl;
        outcome.LiquidatedNotional = notional;
        outcome.LiquidatedAccounts = accounts;
        outcome.LiquidatedUnits = _units;
        _outcome = null;
    }
}
