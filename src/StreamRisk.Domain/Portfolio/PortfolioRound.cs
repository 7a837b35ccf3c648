using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Domain.Portfolio;

/// <summary>
/// Whole-number units the portfolio model sums in. Sizes are counted in <see cref="LadderQuanta.SizeUnit"/>s and money
/// (collateral, Σ size × entry, deficits) in <see cref="MoneyUnit"/>s, so every sum of a round is an integer: the same
/// liquidations give the same sums in any order — one projector holding every account, or the accounts split over
/// partitions whose shares are added — and so the same walks, prices and fund to the last bit.
/// </summary>
public static class PortfolioUnits
{
    /// <summary>
    /// Money is counted in 10⁻¹⁵ of the margin currency (a linear contract's quote, an inverse one's coin: an inverse
    /// position's deficit can be a few 10⁻⁶ coin, and ADL divides by it).
    /// </summary>
    public const double MoneyUnit = 1e-15;

    /// <summary>
    /// The largest |amount| of money one position or unit carries into a sum: 10¹⁶ (beyond it the amount is counted
    /// as this), so ten million units still sum within an Int128.
    /// </summary>
    public const double MaxMoney = 1e16;

    /// <summary>Signed size in size units (|size| is at most <see cref="LadderQuanta.MaxSize"/> at the decode boundary).</summary>
    public static long Size(double size) =>
        (long)Math.Round(Math.Clamp(size, -LadderQuanta.MaxSize, LadderQuanta.MaxSize) / LadderQuanta.SizeUnit);

    public static Int128 Money(double money) =>
        double.IsNaN(money) ? Int128.Zero : (Int128)Math.Round(Math.Clamp(money, -MaxMoney, MaxMoney) / MoneyUnit);

    public static double SizeOf(Int128 units) => (double)units * LadderQuanta.SizeUnit;

    public static double MoneyOf(Int128 units) => (double)units * MoneyUnit;

    /// <summary>
    /// What a position's entry adds to Σ PnL's constant part, taken against the instrument's mark so the sums stay
    /// small (no cancellation of two large sums): size × (entry − mark) for a linear contract, size × (1/entry − 1/mark)
    /// for an inverse one. Σ PnL at one fill is then Σ size × (fill − mark) − Σ value (linear), Σ value − Σ size × (1/fill − 1/mark) (inverse).
    /// </summary>
    public static double Value(Instrument instrument, double size, double entry, double mark) =>
        instrument.Contract == ContractKind.Linear ? size * (entry - mark) : size * ((1 / entry) - (1 / mark));
}

/// <summary>
/// One round's liquidations as exact sums: what a share of the accounts (all of them, or one partition's) takes at the
/// round's trigger vector. Shares add: the round of every account is the sum of the partitions' rounds.
/// </summary>
public sealed class PortfolioRound
{
    private Int128[] _soldSum = [];
    private Int128[] _boughtSum = [];
    private Int128[] _longValue = [];
    private Int128[] _shortValue = [];
    private int[] _positions = [];

    public int InstrumentCount { get; private set; }

    /// <summary>Margin units taken in the round.</summary>
    public int Units { get; internal set; }

    /// <summary>Distinct accounts with a unit taken in the round.</summary>
    public int Accounts { get; internal set; }

    /// <summary>Σ collateral of the units taken, in money units.</summary>
    public Int128 Collateral { get; internal set; }

    /// <summary>Σ size of the longs taken on the instrument (sold by the liquidation engine), in size units.</summary>
    public Int128 Sold(int instrument) => _soldSum[instrument];

    /// <summary>Σ |size| of the shorts taken on the instrument (bought back), in size units.</summary>
    public Int128 Bought(int instrument) => _boughtSum[instrument];

    /// <summary>Σ <see cref="PortfolioUnits.Value"/> of the longs taken, in money units.</summary>
    public Int128 LongValue(int instrument) => _longValue[instrument];

    /// <summary>The same for the shorts taken (negative: their sizes are).</summary>
    public Int128 ShortValue(int instrument) => _shortValue[instrument];

    /// <summary>Positions on the instrument taken (one per unit holding it).</summary>
    public int Positions(int instrument) => _positions[instrument];

    public void Reset(int instruments)
    {
        if (_soldSum.Length < instruments)
        {
            var size = Math.Max(instruments, _soldSum.Length * 2);
            _soldSum = new Int128[size];
            _boughtSum = new Int128[size];
            _longValue = new Int128[size];
            _shortValue = new Int128[size];
            _positions = new int[size];
        }

        InstrumentCount = instruments;
        Units = 0;
        Accounts = 0;
        Collateral = 0;
        Array.Clear(_soldSum, 0, instruments);
        Array.Clear(_boughtSum, 0, instruments);
        Array.Clear(_longValue, 0, instruments);
        Array.Clear(_shortValue, 0, instruments);
        Array.Clear(_positions, 0, instruments);
    }

    /// <summary>Adds another share's round (same instruments) to this one.</summary>
    public void Add(PortfolioRound other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.InstrumentCount != InstrumentCount)
        {
            throw new ArgumentException("rounds over different instruments", nameof(other));
        }

        Units += other.Units;
        Accounts += other.Accounts;
        Collateral += other.Collateral;
        for (var i = 0; i < InstrumentCount; i++)
        {
            _soldSum[i] += other._soldSum[i];
            _boughtSum[i] += other._boughtSum[i];
            _longValue[i] += other._longValue[i];
            _shortValue[i] += other._shortValue[i];
            _positions[i] += other._positions[i];
        }
    }

    /// <summary>Sets the sums of one instrument (a share's answer read back from the wire).</summary>
    public void Set(int instrument, Int128 sold, Int128 bought, Int128 longValue, Int128 shortValue, int positions)
    {
        _soldSum[instrument] = sold;
        _boughtSum[instrument] = bought;
        _longValue[instrument] = longValue;
        _shortValue[instrument] = shortValue;
        _positions[instrument] = positions;
    }

    public void SetTotals(int units, int accounts, Int128 collateral)
    {
        Units = units;
        Accounts = accounts;
        Collateral = collateral;
    }

    /// <summary>Takes one position: its size and value into its side's sums.</summary>
    internal void TakePosition(int instrument, long size, Int128 value)
    {
        _positions[instrument]++;
        if (size > 0)
        {
            _soldSum[instrument] += size;
            _longValue[instrument] += value;
        }
        else
        {
            _boughtSum[instrument] -= size;
            _shortValue[instrument] += value;
        }
    }

    /// <summary>Takes a stretch of single positions on one side at once (sums over the ladder's running totals).</summary>
    internal void TakeStretch(int instrument, int positions, Int128 size, Int128 value)
    {
        _positions[instrument] += positions;
        if (size > 0)
        {
            _soldSum[instrument] += size;
            _longValue[instrument] += value;
        }
        else
        {
            _boughtSum[instrument] -= size;
            _shortValue[instrument] += value;
        }
    }

    internal void AddCollateral(Int128 collateral) => Collateral += collateral;
}

/// <summary>
/// What the liquidated units of a scenario left unpaid (equity below zero at their fills), as exact sums, for
/// auto-deleveraging: read only when the fund ends negative.
/// </summary>
public sealed class PortfolioDeficits
{
    private Int128[] _size = [];

    public int InstrumentCount { get; private set; }

    /// <summary>Σ −equity over the units that left a deficit, in money units.</summary>
    public Int128 Deficit { get; internal set; }

    /// <summary>Σ |size| on the instrument of the positions of those units, in size units.</summary>
    public Int128 Size(int instrument) => _size[instrument];

    public void Reset(int instruments)
    {
        if (_size.Length < instruments)
        {
            _size = new Int128[Math.Max(instruments, _size.Length * 2)];
        }

        InstrumentCount = instruments;
        Deficit = 0;
        Array.Clear(_size, 0, instruments);
    }

    public void Add(PortfolioDeficits other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Deficit += other.Deficit;
        for (var i = 0; i < InstrumentCount; i++)
        {
            _size[i] += other._size[i];
        }
    }

    public void Set(int instrument, Int128 size) => _size[instrument] = size;

    public void SetDeficit(Int128 deficit) => Deficit = deficit;

    internal void AddUnit(Int128 deficit) => Deficit += deficit;

    internal void AddSize(int instrument, Int128 size) => _size[instrument] += size;
}
