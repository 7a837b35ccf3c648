using StreamRisk.Domain.Books;

namespace StreamRisk.Domain.Cascades;

/// <summary>
/// One side of a book frozen for projection, best level first, with running sums of quantity and notional, so
/// "walk a cumulative quantity Q" is a binary search instead of a level-by-level loop. Because consumed depth
/// stays consumed across a cascade's rounds, round k ends exactly where one order of the cumulative size would:
/// the rounds of every shock are answered from these sums without copying or mutating the book.
/// Reused across refreshes (no allocation once grown). Owned by the projector's caller (the engine thread), which also
/// owns the books it loads from: a book remembers the instance that last continued each of its sides, for another to copy.
/// <para>
/// A partial side (the book's <see cref="OrderBook.IsComplete"/> is false: the venue showed only part of it) is known out
/// to its horizon; past it the side continues on the <see cref="DepthModel"/> fitted to its known levels
/// (<see cref="DepthModel.Fit"/>), written as levels (<see cref="DepthModel.WriteLevels"/>) from the horizon out to
/// <see cref="ModelledRange"/> of the mid, <see cref="ModelledLevelsPerSegment"/> levels in each doubling of the distance.
/// Levels [0, <see cref="KnownLevels"/>) are the book's, the rest modelled: a walk past the known quantity left the known
/// book, and the notional it took beyond it is modelled (<see cref="ModelledNotionalBetween"/>). Band depth
/// (<see cref="NotionalWithin"/>) reads the known levels only.
/// </para>
/// </summary>
public sealed class SideDepth
{
    /// <summary>Relative remainder below which a walk counts as filled (double residue of decimal quantities).</summary>
    public const double Dust = 1e-12;

    /// <summary>How far from the mid (a fraction of it) a partial side is continued: 95%, past any shock the search tries.</summary>
    public const double ModelledRange = 0.95;

    /// <summary>Modelled levels in each doubling of the distance past the horizon (a level every ~3% of the distance).</summary>
    public const int ModelledLevelsPerSegment = 32;

    // Doublings from one tick of the smallest tick size to ModelledRange stay well under this.
    private const int MaxSegments = 64;

    private double[] _prices = new double[64];
    private double[] _cumQuantity = new double[64];
    private double[] _cumNotional = new double[64];

    // What the levels were loaded from (null: given levels, not a book) and at which inputs: see Load(OrderBook, BookSide).
    private OrderBook? _book;
    private BookSide _side;
    private long _version;
    private double _mid;
    private double _knownRange;

    public int Levels { get; private set; }

    /// <summary>Levels that are the book's (the rest are modelled); all of them on a complete side.</summary>
    public int KnownLevels { get; private set; }

    /// <summary>Whether the side is the whole book (nothing modelled): only then does running out of it mean the book is exhausted.</summary>
    public bool IsComplete { get; private set; } = true;

    /// <summary>How far from the mid the side is known (a fraction of it); +∞ on a complete side.</summary>
    public double KnownRange { get; private set; } = double.PositiveInfinity;

    /// <summary>The model a partial side continues on past its horizon (default on a complete side).</summary>
    public DepthModel Model { get; private set; }

    public double TotalQuantity => Levels == 0 ? 0 : _cumQuantity[Levels - 1];

    /// <summary>Quantity of the known levels.</summary>
    public double KnownQuantity => KnownLevels == 0 ? 0 : _cumQuantity[KnownLevels - 1];

    /// <summary>Notional of the known levels.</summary>
    public double KnownNotional => KnownLevels == 0 ? 0 : _cumNotional[KnownLevels - 1];

    public double PriceAt(int level) => _prices[level];

    /// <summary>Running quantity from the best level through <paramref name="level"/>.</summary>
    internal double QuantityThrough(int level) => _cumQuantity[level];

    /// <summary>Running notional from the best level through <paramref name="level"/>.</summary>
    internal double NotionalThrough(int level) => _cumNotional[level];

    /// <summary>Whether a walk of cumulative size <paramref name="quantity"/> reaches past the known levels.</summary>
    public bool LeavesKnownBook(double quantity) => !IsComplete && quantity - KnownQuantity > quantity * Dust;

    /// <summary>
    /// Notional taken from modelled levels by the walk between cumulative sizes <paramref name="from"/> and
    /// <paramref name="to"/> (<paramref name="from"/> ≤ <paramref name="to"/>): 0 on a complete side. O(log levels).
    /// </summary>
    public double ModelledNotionalBetween(double from, double to)
    {
        if (IsComplete || !(to > KnownQuantity))
        {
            return 0;
        }

        var start = Math.Max(from, KnownQuantity);
        return Math.Max(0, NotionalUpTo(to) - (start == KnownQuantity ? KnownNotional : NotionalUpTo(start)));
    }

    /// <summary>
    /// Loads one side of an order book (bids for a down move, asks for an up move); a partial side is continued past its
    /// horizon on the fitted model, around the book's mid (the mean of the best bid and ask, or the side's best alone).
    /// <para>
    /// A load depends only on the side's levels, horizon and completeness (all fixed while <see cref="OrderBook.SideVersion"/>
    /// stays) and, for a partial side, on the mid and the known range. A reload of what this instance already holds costs
    /// nothing, and a partial side another instance fitted at the same version, mid and range is copied from it instead of
    /// being fitted and written again (the same arithmetic on the same inputs: the same bits). Anything else loads afresh.
    /// </para>
    /// </summary>
    public void Load(OrderBook book, BookSide side)
    {
        ArgumentNullException.ThrowIfNull(book);
        var version = book.SideVersion(side);
        var complete = book.IsComplete(side);
        var mid = complete ? double.NaN : Mid(book);
        var knownRange = complete ? double.PositiveInfinity : book.KnownRange(side, mid);
        if (Holds(book, side, version, mid, knownRange))
        {
            return;
        }

        if (!complete && book.ExtendedBy(side) is { } fitted && !ReferenceEquals(fitted, this) && fitted.Holds(book, side, version, mid, knownRange))
        {
            CopyFrom(fitted);
            return;
        }

        var count = book.LevelCount(side);
        if (!complete && book.TryGetHorizon(side, out var horizon))
        {
            // The known part ends at the horizon: levels a lone update placed beyond it are replaced by the model.
            while (count > 0 && (side == BookSide.Bid ? book.LevelAt(side, count - 1).PriceTicks < horizon : book.LevelAt(side, count - 1).PriceTicks > horizon))
            {
                count--;
            }
        }

        EnsureCapacity(complete ? count : count + (MaxSegments * ModelledLevelsPerSegment));
        double q = 0, n = 0;
        for (var i = 0; i < count; i++)
        {
            var level = book.LevelAt(side, i);
            var price = book.TickSize.ToPrice(level.PriceTicks);
            q += level.Quantity;
            n += level.Quantity * price;
            _prices[i] = price;
            _cumQuantity[i] = q;
            _cumNotional[i] = n;
        }

        Levels = count;
        KnownLevels = count;
        IsComplete = true;
        KnownRange = double.PositiveInfinity;
        Model = default;
        if (!complete)
        {
            Extend(side, mid, knownRange, book.TickSize);
            book.Extended(side, this);
        }

        _book = book;
        _side = side;
        _version = version;
        _mid = mid;
        _knownRange = knownRange;
    }

    /// <summary>The book's mid: the mean of the best bid and ask, or the one best there is; NaN for an empty book.</summary>
    private static double Mid(OrderBook book)
    {
        var haveBid = book.TryGetBest(BookSide.Bid, out var bid);
        var haveAsk = book.TryGetBest(BookSide.Ask, out var ask);
        return haveBid && haveAsk ? (book.TickSize.ToPrice(bid.PriceTicks) + book.TickSize.ToPrice(ask.PriceTicks)) / 2
            : haveBid ? book.TickSize.ToPrice(bid.PriceTicks)
            : haveAsk ? book.TickSize.ToPrice(ask.PriceTicks)
            : double.NaN;
    }

    /// <summary>Whether this instance holds what a load of the book side at these inputs gives (doubles compared as values, NaN equal to NaN).</summary>
    private bool Holds(OrderBook book, BookSide side, long version, double mid, double knownRange) =>
        ReferenceEquals(_book, book) && _side == side && _version == version && _mid.Equals(mid) && _knownRange.Equals(knownRange);

    private void CopyFrom(SideDepth other)
    {
        var levels = other.Levels;
        EnsureCapacity(levels);
        Array.Copy(other._prices, _prices, levels);
        Array.Copy(other._cumQuantity, _cumQuantity, levels);
        Array.Copy(other._cumNotional, _cumNotional, levels);
        Levels = levels;
        KnownLevels = other.KnownLevels;
        IsComplete = other.IsComplete;
        KnownRange = other.KnownRange;
        Model = other.Model;
        _book = other._book;
        _side = other._side;
        _version = other._version;
        _mid = other._mid;
        _knownRange = other._knownRange;
    }

    /// <summary>
    /// Loads a partial side given best first as (price, quantity), known out to <paramref name="knownRange"/> of
    /// <paramref name="mid"/> and continued past it on the fitted model (levels with no quantity are skipped). An infinite
    /// range loads a complete side.
    /// </summary>
    public void Load(ReadOnlySpan<(double Price, double Quantity)> levels, BookSide side, double mid, double knownRange, TickSize tick)
    {
        EnsureCapacity(levels.Length + (MaxSegments * ModelledLevelsPerSegment));
        Load(levels);
        if (!double.IsPositiveInfinity(knownRange))
        {
            Extend(side, mid, knownRange, tick);
        }
    }

    /// <summary>Loads a complete side given best first as (price, quantity); levels with no quantity are skipped.</summary>
    public void Load(ReadOnlySpan<(double Price, double Quantity)> levels)
    {
        _book = null;
        EnsureCapacity(levels.Length);
        double q = 0, n = 0;
        var count = 0;
        foreach (var (price, quantity) in levels)
        {
            if (!(quantity > 0))
            {
                continue;
            }

            q += quantity;
            n += quantity * price;
            _prices[count] = price;
            _cumQuantity[count] = q;
            _cumNotional[count] = n;
            count++;
        }

        Levels = count;
        KnownLevels = count;
        IsComplete = true;
        KnownRange = double.PositiveInfinity;
        Model = default;
    }

    /// <summary>
    /// Marks the loaded levels as the known part of a partial side and appends the modelled levels past the horizon
    /// (the horizon, or the farthest known level if that lies farther, out to <see cref="ModelledRange"/>). Capacity was
    /// reserved by the caller.
    /// </summary>
    private void Extend(BookSide side, double mid, double knownRange, TickSize tick)
    {
        IsComplete = false;
        KnownRange = double.IsFinite(knownRange) ? Math.Max(0, knownRange) : 0;
        if (!(mid > 0) || Levels == 0)
        {
            return;
        }

        var from = Math.Max(KnownRange, Math.Abs(_prices[Levels - 1] - mid) / mid);
        Model = DepthModel.Fit(_prices.AsSpan(0, Levels), _cumNotional.AsSpan(0, Levels), mid, from);
        if (!(Model.NotionalWithin1Pct > 0) || !(from > 0) || from >= ModelledRange)
        {
            return;
        }

        var bids = side == BookSide.Bid;
        Span<PriceLevel> written = stackalloc PriceLevel[ModelledLevelsPerSegment];
        var q = _cumQuantity[Levels - 1];
        var n = _cumNotional[Levels - 1];
        var count = Levels;
        var carry = 0.0; // notional of a modelled level that fell on or inside the last level (tick rounding): added to the next
        var segments = 0;
        for (var near = from; near < ModelledRange && segments < MaxSegments; segments++)
        {
            var far = Math.Min(near * 2, ModelledRange);
            var count1 = Model.WriteLevels(side, mid, tick, near, far, written);
            for (var i = 0; i < count1; i++)
            {
                var price = tick.ToPrice(written[i].PriceTicks);
                var notional = (written[i].Quantity * price) + carry;
                if (bids ? price >= _prices[count - 1] : price <= _prices[count - 1])
                {
                    carry = notional;
                    continue;
                }

                carry = 0;
                q += notional / price;
                n += notional;
                _prices[count] = price;
                _cumQuantity[count] = q;
                _cumNotional[count] = n;
                count++;
            }

            near = far;
        }

        Levels = count;
    }

    /// <summary>
    /// Notional of the levels from the best outward whose price is still on this side of <paramref name="limit"/>
    /// (bids: at or above it; asks: at or below it) — summed as <see cref="OrderBook.DepthWithin"/> sums them (from
    /// the best level, the same products in the same order), so equal to it bit for bit whenever no level lies beyond
    /// the band's other edge. O(log levels).
    /// </summary>
    /// <param name="bids">Which side this is (prices fall from the best bid, rise from the best ask).</param>
    public double NotionalWithin(double limit, bool bids)
    {
        int lo = 0, hi = KnownLevels;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (bids ? _prices[mid] >= limit : _prices[mid] <= limit)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo == 0 ? 0 : _cumNotional[lo - 1];
    }

    /// <summary>Price of the best level; NaN for an empty side.</summary>
    public double BestPrice => Levels == 0 ? double.NaN : _prices[0];

    /// <summary>Index of the last level an order of cumulative size <paramref name="quantity"/> touches; −1 for none.</summary>
    public int LastLevelFor(double quantity)
    {
        if (!(quantity > 0) || Levels == 0)
        {
            return -1;
        }

        var target = quantity * (1 - Dust);
        int lo = 0, hi = Levels - 1;
        if (_cumQuantity[hi] < target)
        {
            return hi;
        }

        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_cumQuantity[mid] >= target)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>Notional of the first <paramref name="quantity"/> (capped at the side's total) walked from the best level.</summary>
    public double NotionalUpTo(double quantity)
    {
        var last = LastLevelFor(quantity);
        if (last < 0)
        {
            return 0;
        }

        var before = last == 0 ? 0 : _cumQuantity[last - 1];
        var beforeNotional = last == 0 ? 0 : _cumNotional[last - 1];
        var take = Math.Min(quantity, _cumQuantity[last]) - before;
        return beforeNotional + (take * _prices[last]);
    }

    private void EnsureCapacity(int count)
    {
        if (count > _prices.Length)
        {
            var size = Math.Max(count, _prices.Length * 2);
            _prices = new double[size];
            _cumQuantity = new double[size];
            _cumNotional = new double[size];
        }
    }
}
