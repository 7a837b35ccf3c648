using StreamRisk.Domain.Books;

namespace StreamRisk.Domain.Cascades;

/// <summary>
/// One side of a book frozen for projection, best level first, with running sums of quantity and notional, so
/// "walk a cumulative quantity Q" is a binary search instead of a level-by-level loop. Because consumed depth
/// stays consumed across a cascade's rounds, round k ends exactly where one order of the cumulative size would:
/// the rounds of every shock are answered from these sums without copying or mutating the book.
/// Reused across refreshes (no allocation once grown). Owned by the projector's caller (the engine thread).
/// </summary>
public sealed class SideDepth
{
    /// <summary>Relative remainder below which a walk counts as filled (double residue of decimal quantities).</summary>
    public const double Dust = 1e-12;

    private double[] _prices = new double[64];
    private double[] _cumQuantity = new double[64];
    private double[] _cumNotional = new double[64];

    public int Levels { get; private set; }

    public double TotalQuantity => Levels == 0 ? 0 : _cumQuantity[Levels - 1];

    public double PriceAt(int level) => _prices[level];

    /// <summary>Loads one side of an order book (bids for a down move, asks for an up move).</summary>
    public void Load(OrderBook book, BookSide side)
    {
        ArgumentNullException.ThrowIfNull(book);
        var count = book.LevelCount(side);
        EnsureCapacity(count);
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
    }

    /// <summary>Loads levels given best first as (price, quantity); levels with no quantity are skipped.</summary>
    public void Load(ReadOnlySpan<(double Price, double Quantity)> levels)
    {
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
        int lo = 0, hi = Levels;
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
