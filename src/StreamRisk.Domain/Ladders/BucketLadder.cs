namespace StreamRisk.Domain.Ladders;

/// <summary>
/// One side of one symbol's ladder merged from partial ladders (one per source: an account partition, or the whole
/// book in one process), bucketed by tick with exact integer sums (see <see cref="LadderBucket"/>). What the
/// projector reads: the same answers whichever way the accounts were split across instances.
/// </summary>
/// <remarks>
/// Sources set buckets to absolute totals, so an update applied twice changes nothing. Queries run on a sorted array
/// of the non-empty ticks with prefix sums, rebuilt on the first query after a change: O(B log B) for B buckets, then
/// O(log B) a query — a projection asks a few hundred questions after a batch of changes.
/// </remarks>
public sealed class BucketLadder : ILiquidationLadder
{
    private readonly Dictionary<int, Dictionary<long, LadderBucket>> _bySource = [];
    private readonly Dictionary<long, LadderBucket> _merged;
    private readonly Func<long>? _viewVersion;
    private long _seenVersion = -1;
    private long[] _ticks = [];
    private LadderBucket[] _values = [];
    private int[] _count = [0];
    private Int128[] _size = [Int128.Zero];
    private Int128[] _notional = [Int128.Zero];
    private Int128[] _bankruptcy = [Int128.Zero];
    private int _used;
    private bool _dirty;

    public BucketLadder(bool longSide, double tick)
        : this(longSide, tick, [], null)
    {
    }

    /// <summary>
    /// A read-only view of buckets someone else keeps (the account stage's own, in one process): no copy, no merge;
    /// <paramref name="version"/> changes whenever they do.
    /// </summary>
    internal BucketLadder(bool longSide, double tick, Dictionary<long, LadderBucket> buckets, Func<long>? version)
    {
        if (!(tick > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tick), tick, "a ladder needs a positive tick");
        }

        IsLong = longSide;
        Tick = tick;
        _merged = buckets;
        _viewVersion = version;
    }

    public bool IsLong { get; }

    /// <summary>The price step of the buckets.</summary>
    public double Tick { get; }

    public int Count
    {
        get
        {
            Refresh();
            return _count[_used];
        }
    }

    public LadderTotals Total
    {
        get
        {
            Refresh();
            return Sum(0, _used);
        }
    }

    /// <summary>Non-empty buckets (tick, totals), lowest price first.</summary>
    public IEnumerable<(long Tick, LadderBucket Bucket)> Buckets()
    {
        Refresh();
        for (var i = 0; i < _used; i++)
        {
            yield return (_ticks[i], _values[i]);
        }
    }

    /// <summary>Sets what <paramref name="source"/> holds on <paramref name="tick"/> (an empty bucket removes it).</summary>
    public void Set(int source, long tick, LadderBucket bucket)
    {
        if (_viewVersion is not null)
        {
            throw new InvalidOperationException("a view's buckets are set by their owner");
        }

        if (!_bySource.TryGetValue(source, out var own))
        {
            _bySource[source] = own = [];
        }

        own.TryGetValue(tick, out var old);
        if (old == bucket)
        {
            return;
        }

        if (bucket.IsEmpty)
        {
            own.Remove(tick);
        }
        else
        {
            own[tick] = bucket;
        }

        _merged.TryGetValue(tick, out var merged);
        merged = merged - old + bucket;
        if (merged.IsEmpty)
        {
            _merged.Remove(tick);
        }
        else
        {
            _merged[tick] = merged;
        }

        _dirty = true;
    }

    /// <summary>Everything <paramref name="source"/> held goes (its accounts are gone, or it sends its whole ladder again).</summary>
    public void ClearSource(int source)
    {
        if (!_bySource.TryGetValue(source, out var own))
        {
            return;
        }

        foreach (var tick in own.Keys.ToList())
        {
            Set(source, tick, default);
        }
    }

    public LadderTotals Crossed(double price)
    {
        Refresh();
        var first = LowerBound(price); // first bucket priced at or above price
        if (IsLong)
        {
            return Sum(first, _used);
        }

        // Shorts: LP ≤ price — everything below, plus a bucket exactly on the price.
        var end = first < _used && PriceAt(first) == price ? first + 1 : first;
        return Sum(0, end);
    }

    public LadderTotals Between(double from, double to)
    {
        Refresh();
        var a = LowerBound(from);
        var b = LowerBound(to);
        return b > a ? Sum(a, b) : default;
    }

    private double PriceAt(int index) => _ticks[index] * Tick;

    /// <summary>The first index whose price is ≥ <paramref name="price"/>.</summary>
    private int LowerBound(double price)
    {
        int lo = 0, hi = _used;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (PriceAt(mid) >= price)
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

    private LadderTotals Sum(int from, int to)
    {
        var count = _count[to] - _count[from];
        var size = _size[to] - _size[from];
        var notional = _notional[to] - _notional[from];
        var bankruptcy = _bankruptcy[to] - _bankruptcy[from];
        return new LadderTotals(count, (double)size * LadderQuanta.SizeUnit, (double)notional * LadderQuanta.SizeUnit * Tick,
            (double)bankruptcy * LadderQuanta.SizeUnit * Tick);
    }

    private void Refresh()
    {
        if (_viewVersion is not null)
        {
            var version = _viewVersion();
            _dirty |= version != _seenVersion;
            _seenVersion = version;
        }

        if (!_dirty)
        {
            return;
        }

        _dirty = false;
        _used = _merged.Count;
        if (_ticks.Length < _used)
        {
            var capacity = Math.Max(_used, _ticks.Length * 2);
            _ticks = new long[capacity];
            _values = new LadderBucket[capacity];
            _count = new int[capacity + 1];
            _size = new Int128[capacity + 1];
            _notional = new Int128[capacity + 1];
            _bankruptcy = new Int128[capacity + 1];
        }

        var i = 0;
        foreach (var (tick, bucket) in _merged)
        {
            _ticks[i] = tick;
            _values[i] = bucket;
            i++;
        }

        Array.Sort(_ticks, _values, 0, _used);
        for (i = 0; i < _used; i++)
        {
            var bucket = _values[i];
            _count[i + 1] = _count[i] + bucket.Count;
            _size[i + 1] = _size[i] + bucket.SizeUnits;
            _notional[i + 1] = _notional[i] + (bucket.SizeUnits * _ticks[i]);
            _bankruptcy[i + 1] = _bankruptcy[i] + bucket.BankruptcyUnits;
        }
    }
}
