namespace StreamRisk.Domain.Ladders;

/// <summary>
/// One side of one symbol's ladder merged from partial ladders (one per source: an account partition, or the whole
/// book in one process), bucketed by tick with exact integer sums (see <see cref="LadderBucket"/>). What the
/// projector reads: the same answers whichever way the accounts were split across instances.
/// </summary>
/// <remarks>
/// Sources set buckets to absolute totals, so an update applied twice changes nothing. Queries run on a sorted array
/// of the non-empty ticks with prefix sums (the base) plus an overlay of the ticks changed since, with prefix sums of
/// their differences; both are brought up to date on the first query after a change. A few changes (a position moved)
/// rebuild only the overlay, O(c log B); many (a mark revalued the cross holders) rebuild the base by a merge,
/// O(B + c log c). A query is then two binary searches — a projection asks a few hundred questions.
/// </remarks>
public sealed class BucketLadder : ILiquidationLadder
{
    private readonly Dictionary<int, Dictionary<long, LadderBucket>> _bySource = [];
    // Every bucket by tick (merged from the sources, or the owner's); null when the ladder owns its buckets.
    private readonly Dictionary<long, LadderBucket>? _merged;

    // An owned ladder is its own store (see Owned): the moves since the last refresh as a log of signed contributions,
    // and how many changes the base has had since it was built (what the refresh decides on, as _changed.Count does).
    private readonly bool _owned;
    private LogEntry[] _log = [];
    private int _logUsed;
    private int _changedCount;
    // The base took in moves before a read (to bound the log): the next refresh rebuilds, as it would have anyway.
    private bool _rebuildDue;
    private int[] _inserted = [];
    private readonly LogSorter _sorter = null!;
    private long[] _nextOverlayTicks = [];
    private PrefixSums _nextOverlaySums = new();
    // Changed ticks, repeats allowed (dropped after the sort in Merge): a HashSet's Clear zeroes its whole bucket
    // table, sized by the largest batch it ever held, on every refresh — 2 % of a replay.
    private readonly List<long> _changed = [];
    private long[] _changedSorted = [];
    private bool _full = true;
    // The base: sorted ticks and prefix sums (a bucket is the difference of two neighbours), and the arrays the next
    // rebuild writes into while it reads these — a merge keeps an unchanged bucket's sums without recomputing them.
    private long[] _ticks = [];
    private long[] _nextTicks = [];
    private PrefixSums _sums = new();
    private PrefixSums _nextSums = new();
    private LadderBucket[] _sortScratch = [];
    private int _used;
    private bool _dirty = true;

    // The overlay: what the changed ticks add to (or take from) the sorted base since it was last rebuilt, as sorted
    // ticks with prefix sums of the differences. A projection after a few position changes then costs
    // O(c log B) instead of rebuilding the base's O(B) arrays; the integer sums are exact, so base + overlay gives the
    // very totals a rebuilt base would.
    private long[] _overlayTicks = [];
    private PrefixSums _overlaySums = new();
    private int _overlayUsed;

    public BucketLadder(bool longSide, double tick)
        : this(longSide, tick, [])
    {
    }

    private BucketLadder(bool longSide, double tick, Dictionary<long, LadderBucket>? buckets, LogSorter? sorter = null)
    {
        if (!(tick > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tick), tick, "a ladder needs a positive tick");
        }

        IsLong = longSide;
        Tick = tick;
        _merged = buckets;
        _owned = buckets is null;
        if (_owned)
        {
            _sorter = sorter ?? new LogSorter();
        }
    }

    /// <summary>
    /// A ladder that is the store of one partial ladder (the account stage's own buckets): positions move on it through
    /// <see cref="Move"/>, and the projector reads it directly in one process. A move only appends to a log (no lookup
    /// of a bucket among hundreds of thousands, one per position, for every leg of every revalued holder); the first
    /// query after moves sorts the log and sums it per tick into the overlay or, after many, merges it into the base,
    /// with the very rule and results a dictionary of buckets gave (the sums are exact integers, so order is free).
    /// </summary>
    /// <param name="sorter">Sorts the log when it is read: one for all the ladders of a partial ladder (one writer), so
    /// they share its scratch arrays.</param>
    internal static BucketLadder Owned(bool longSide, double tick, LogSorter? sorter = null) => new(longSide, tick, null, sorter);

    /// <summary>
    /// An owned ladder's position contribution added (<paramref name="sign"/> +1) or taken out (−1): one of
    /// <paramref name="sizeUnits"/> on <paramref name="tick"/> with bankruptcy bucket <paramref name="bankruptcyTick"/>.
    /// </summary>
    internal void Move(long tick, long sizeUnits, long bankruptcyTick, int sign)
    {
        if (_logUsed == _log.Length)
        {
            MakeLogRoom();
        }

        _log[_logUsed++] = new LogEntry(tick, sizeUnits, bankruptcyTick, sign);
        if (!_full)
        {
            if (_changedCount > _used)
            {
                _full = true; // the next refresh merges everything into the base
            }
            else
            {
                _changedCount++;
            }
        }

        _dirty = true;
    }

    /// <summary>The bucket on <paramref name="tick"/> changed (a source's <see cref="Set"/>).</summary>
    private void Changed(long tick)
    {
        if (!_full)
        {
            if (_changed.Count > _used)
            {
                // More changes (repeats included) than buckets: a sort of every tick is no dearer than a merge of
                // these, so stop recording them.
                _full = true;
                _changed.Clear();
            }
            else
            {
                _changed.Add(tick);
            }
        }

        _dirty = true;
    }

    public bool IsLong { get; }

    /// <summary>The price step of the buckets.</summary>
    public double Tick { get; }

    public int Count
    {
        get
        {
            Refresh();
            return _sums.Count[_used] + _overlaySums.Count[_overlayUsed];
        }
    }

    public LadderTotals Total
    {
        get
        {
            Refresh();
            return Sum(0, _used, 0, _overlayUsed);
        }
    }

    /// <summary>Non-empty buckets (tick, totals), lowest price first.</summary>
    public IEnumerable<(long Tick, LadderBucket Bucket)> Buckets()
    {
        if (_owned)
        {
            return OwnedBuckets();
        }

        return RefreshedBuckets();
    }

    private IEnumerable<(long Tick, LadderBucket Bucket)> RefreshedBuckets()
    {
        Refresh();
        if (_overlayUsed > 0)
        {
            // The enumeration reads the base's buckets: fold the overlay in first.
            Rebuild();
        }

        for (var i = 0; i < _used; i++)
        {
            yield return (_ticks[i], BaseAt(i));
        }
    }

    /// <summary>Sets what <paramref name="source"/> holds on <paramref name="tick"/> (an empty bucket removes it).</summary>
    public void Set(int source, long tick, LadderBucket bucket)
    {
        if (_merged is null)
        {
            throw new InvalidOperationException("an owned ladder's buckets move with its positions (Move), not by source");
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

        Changed(tick);
    }

    /// <summary>Everything <paramref name="source"/> held goes (it sends its whole ladder again: see <c>LadderUpdate.Replaces</c>).</summary>
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
        var cursor = default(LadderCursor); // no hint: a plain binary search
        var (from, to, overlayFrom, overlayTo) = CrossedRange(price, ref cursor);
        return Sum(from, to, overlayFrom, overlayTo);
    }

    public LadderTotals Between(double from, double to)
    {
        Refresh();
        var a = LowerBound(_ticks, _used, from);
        var b = LowerBound(_ticks, _used, to);
        var overlayA = LowerBound(_overlayTicks, _overlayUsed, from);
        var overlayB = LowerBound(_overlayTicks, _overlayUsed, to);
        return Sum(a, Math.Max(a, b), overlayA, Math.Max(overlayA, overlayB));
    }

    /// <inheritdoc/>
    public (int Count, double Size) CrossedSize(double price, ref LadderCursor cursor)
    {
        Refresh();
        var (from, to, overlayFrom, overlayTo) = CrossedRange(price, ref cursor);

        // Only what a descent reads: no notional or bankruptcy sums (exact integers turned into doubles as Sum does).
        var count = _sums.Count[to] - _sums.Count[from] + (_overlaySums.Count[overlayTo] - _overlaySums.Count[overlayFrom]);
        var size = _sums.Size[to] - _sums.Size[from] + (_overlaySums.Size[overlayTo] - _overlaySums.Size[overlayFrom]);
        return (count, (double)size * LadderQuanta.SizeUnit);
    }

    /// <inheritdoc/>
    /// <remarks>A bucket the overlay emptied may still be answered: nearer than the truth, never farther.</remarks>
    public double NearestBeyond(double price, ref LadderCursor cursor)
    {
        Refresh();
        var first = Locate(_ticks, _used, price, ref cursor.BasePlusOne);
        var overlayFirst = Locate(_overlayTicks, _overlayUsed, price, ref cursor.OverlayPlusOne);
        return IsLong
            ? Math.Max(Below(_ticks, first), Below(_overlayTicks, overlayFirst))
            : Math.Min(Above(_ticks, _used, first), Above(_overlayTicks, _overlayUsed, overlayFirst));

        // Longs: the bucket just under the first one priced at or above the price.
        double Below(long[] ticks, int at) => at > 0 ? ticks[at - 1] * Tick : double.NegativeInfinity;

        // Shorts: the first bucket priced above the price (one exactly on it is crossed already).
        double Above(long[] ticks, int used, int at)
        {
            var end = ShortsEnd(ticks, used, at, price);
            return end < used ? ticks[end] * Tick : double.PositiveInfinity;
        }
    }

    /// <summary>
    /// The base and overlay index ranges <paramref name="price"/> crosses: longs (LP ≥ price) from the first bucket
    /// priced at or above it to the end; shorts (LP ≤ price) from the start to that bucket, included when exactly on it.
    /// </summary>
    private (int From, int To, int OverlayFrom, int OverlayTo) CrossedRange(double price, ref LadderCursor cursor)
    {
        var first = Locate(_ticks, _used, price, ref cursor.BasePlusOne);
        var overlayFirst = Locate(_overlayTicks, _overlayUsed, price, ref cursor.OverlayPlusOne);
        return IsLong
            ? (first, _used, overlayFirst, _overlayUsed)
            : (0, ShortsEnd(_ticks, _used, first, price), 0, ShortsEnd(_overlayTicks, _overlayUsed, overlayFirst, price));
    }

    /// <summary>Past the last bucket a short side crosses at <paramref name="price"/>, from the first priced at or above it.</summary>
    private int ShortsEnd(long[] ticks, int used, int first, double price) =>
        first < used && ticks[first] * Tick == price ? first + 1 : first;

    /// <summary>
    /// <see cref="LowerBound"/> searched from a hint (stored plus one; 0 = none) by galloping out from it, then a binary
    /// search in the bracket found: O(log d) for an answer d places from the hint. The hint is updated.
    /// </summary>
    private int Locate(long[] ticks, int used, double price, ref int hintPlusOne)
    {
        var h = hintPlusOne - 1;
        int lo, hi;
        if (h < 0 || h > used)
        {
            (lo, hi) = (0, used);
        }
        else if (h > 0 && ticks[h - 1] * Tick >= price)
        {
            // The answer is at or below h − 1.
            hi = h - 1;
            var step = 1;
            lo = hi - step;
            while (lo > 0 && ticks[lo] * Tick >= price)
            {
                hi = lo;
                step *= 2;
                lo = hi - step;
            }

            lo = Math.Max(lo, 0);
        }
        else if (h == used || ticks[h] * Tick >= price)
        {
            hintPlusOne = h + 1;
            return h;
        }
        else
        {
            // The answer is above h.
            lo = h + 1;
            var step = 1;
            hi = Math.Min(lo + step, used);
            while (hi < used && ticks[hi] * Tick < price)
            {
                lo = hi + 1;
                step *= 2;
                hi = Math.Min(lo + step, used);
            }
        }

        var at = LowerBound(ticks, lo, hi, price);
        hintPlusOne = at + 1;
        return at;
    }

    /// <summary>The first index of <paramref name="ticks"/> whose price is ≥ <paramref name="price"/>.</summary>
    private int LowerBound(long[] ticks, int used, double price) => LowerBound(ticks, 0, used, price);

    /// <summary>The first index in [<paramref name="lo"/>, <paramref name="hi"/>) whose price is ≥ <paramref name="price"/>; <paramref name="hi"/> if none.</summary>
    private int LowerBound(long[] ticks, int lo, int hi, double price)
    {
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ticks[mid] * Tick >= price)
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

    /// <summary>Base buckets [from, to) plus the overlay's differences [overlayFrom, overlayTo), summed exactly, then scaled.</summary>
    private LadderTotals Sum(int from, int to, int overlayFrom, int overlayTo)
    {
        var count = _sums.Count[to] - _sums.Count[from] + (_overlaySums.Count[overlayTo] - _overlaySums.Count[overlayFrom]);
        var size = _sums.Size[to] - _sums.Size[from] + (_overlaySums.Size[overlayTo] - _overlaySums.Size[overlayFrom]);
        var notional = _sums.Notional[to] - _sums.Notional[from] + (_overlaySums.Notional[overlayTo] - _overlaySums.Notional[overlayFrom]);
        var bankruptcy = _sums.Bankruptcy[to] - _sums.Bankruptcy[from] + (_overlaySums.Bankruptcy[overlayTo] - _overlaySums.Bankruptcy[overlayFrom]);
        return new LadderTotals(count, (double)size * LadderQuanta.SizeUnit, (double)notional * LadderQuanta.SizeUnit * Tick,
            (double)bankruptcy * LadderQuanta.SizeUnit * Tick);
    }

    /// <summary>
    /// Brings the sorted buckets and prefix sums up to date: a merge of the previous sorted buckets with the sorted
    /// changed ticks, O(B + c log c) — a mark moves thousands of positions but rarely most of the ladder — or, after
    /// many changes, a sort of every tick.
    /// </summary>
    private void Refresh()
    {
        if (!_dirty)
        {
            return;
        }

        _dirty = false;
        // Up to one change in eight buckets the overlay answers (its rebuild sorts and looks up every change since the
        // base: cheaper than a merge over all buckets); beyond it a merge folds the changes into the base.
        if (!_full && !_rebuildDue && (_owned ? _changedCount : _changed.Count) * 8 <= _used)
        {
            BuildOverlay();
            return;
        }

        Rebuild();
    }

    /// <summary>The base rebuilt from every bucket (after many changes a merge or a sort), the overlay emptied.</summary>
    private void Rebuild()
    {
        if (_merged is null)
        {
            RebuildOwned();
            return;
        }

        var used = _merged.Count;
        Ensure(ref _nextTicks, used);
        _nextSums.Ensure(used);

        if (_full)
        {
            // Ticks and buckets sorted together: no lookup of each sorted tick's bucket afterwards.
            Ensure(ref _sortScratch, used);
            var i = 0;
            foreach (var (tick, bucket) in _merged)
            {
                _nextTicks[i] = tick;
                _sortScratch[i++] = bucket;
            }

            Array.Sort(_nextTicks, _sortScratch, 0, used);
            for (i = 0; i < used; i++)
            {
                _nextSums.Append(i, _sortScratch[i], _sortScratch[i].SizeUnits * _nextTicks[i]);
            }
        }
        else
        {
            Merge();
        }

        _full = false;
        _changed.Clear();
        _overlayUsed = 0;
        (_ticks, _nextTicks) = (_nextTicks, _ticks);
        (_sums, _nextSums) = (_nextSums, _sums);
        _used = used;
    }

    /// <summary>The base's bucket at <paramref name="index"/>: the difference of its neighbouring prefix sums.</summary>
    private LadderBucket BaseAt(int index) => _sums.At(index);

    /// <summary>
    /// The overlay from every tick changed since the base was built: each one's current bucket minus the base's, in
    /// tick order, with prefix sums. The base is left as it was.
    /// </summary>
    private void BuildOverlay()
    {
        if (_merged is null)
        {
            FoldLog(); // the overlay of an owned ladder is its log since the base, summed per tick
            return;
        }

        var c = SortChanged();
        Ensure(ref _overlayTicks, c);
        _overlaySums.Ensure(c);

        var o = 0;
        for (var b = 0; b < c; b++)
        {
            var tick = _changedSorted[b];
            if (b > 0 && _changedSorted[b - 1] == tick)
            {
                continue; // the same bucket changed more than once
            }

            _merged!.TryGetValue(tick, out var now);
            var at = Array.BinarySearch(_ticks, 0, _used, tick);
            var difference = at >= 0 ? now - BaseAt(at) : now;
            if (difference.IsEmpty)
            {
                continue; // changed and changed back
            }

            _overlayTicks[o] = tick;
            _overlaySums.Append(o++, difference, difference.SizeUnits * tick);
        }

        _overlayUsed = o;
    }

    /// <summary>
    /// Previous sorted buckets (unchanged ones kept, their sums carried over as they were) merged with the changed
    /// ticks' current buckets, into the next arrays.
    /// </summary>
    private void Merge()
    {
        var c = SortChanged();
        int a = 0, b = 0, o = 0;
        while (a < _used || b < c)
        {
            if (b == c || (a < _used && _ticks[a] < _changedSorted[b]))
            {
                // Unchanged since the last refresh: kept as it was.
                _nextTicks[o] = _ticks[a];
                _nextSums.Append(o++, BaseAt(a), _sums.Notional[a + 1] - _sums.Notional[a]);
                a++;
                continue;
            }

            var tick = _changedSorted[b++];
            while (b < c && _changedSorted[b] == tick)
            {
                b++; // the same bucket changed more than once
            }

            if (a < _used && _ticks[a] == tick)
            {
                a++; // replaced by its current value (or gone)
            }

            if (_merged!.TryGetValue(tick, out var bucket))
            {
                _nextTicks[o] = tick;
                _nextSums.Append(o++, bucket, bucket.SizeUnits * tick);
            }
        }
    }

    /// <summary>The changed ticks (repeats included) sorted into <see cref="_changedSorted"/>; returns how many.</summary>
    private int SortChanged()
    {
        var c = _changed.Count;
        Ensure(ref _changedSorted, c);
        _changed.CopyTo(_changedSorted);
        Array.Sort(_changedSorted, 0, c);
        return c;
    }

    /// <summary>
    /// An owned ladder's log sorted by tick, summed per tick and added to the overlay (the differences from the base):
    /// afterwards the log is empty and base + overlay hold every bucket as it is now. What the overlay holds does not
    /// depend on when this runs, so folding early (to bound the log) changes no answer.
    /// </summary>
    private void FoldLog()
    {
        var n = _logUsed;
        if (n == 0)
        {
            return;
        }

        var log = SortLogByTick(n);
        Ensure(ref _nextOverlayTicks, _overlayUsed + n);
        _nextOverlaySums.Ensure(_overlayUsed + n);

        // Merge the overlay with the sorted log, summing a tick's entries; a tick whose sum is empty is dropped.
        int a = 0, b = 0, o = 0;
        while (a < _overlayUsed || b < n)
        {
            long tick;
            LadderBucket sum;
            if (b == n || (a < _overlayUsed && _overlayTicks[a] < log[b].Tick))
            {
                tick = _overlayTicks[a];
                sum = _overlaySums.At(a++);
            }
            else
            {
                tick = log[b].Tick;
                sum = a < _overlayUsed && _overlayTicks[a] == tick ? _overlaySums.At(a++) : default;
                for (; b < n && log[b].Tick == tick; b++)
                {
                    sum += log[b].Bucket;
                }
            }

            if (!sum.IsEmpty)
            {
                _nextOverlayTicks[o] = tick;
                _nextOverlaySums.Append(o++, sum, sum.SizeUnits * tick);
            }
        }

        (_overlayTicks, _nextOverlayTicks) = (_nextOverlayTicks, _overlayTicks);
        (_overlaySums, _nextOverlaySums) = (_nextOverlaySums, _overlaySums);
        _overlayUsed = o;
        _logUsed = 0;
    }

    /// <summary>The first <paramref name="n"/> log entries sorted by tick (see <see cref="LogSorter"/>); returns the log.</summary>
    private LogEntry[] SortLogByTick(int n)
    {
        _sorter.Sort(_log, n);
        return _log;
    }

    /// <summary>
    /// An owned ladder's base merged with its log and overlay, in place (a ladder holds one set of arrays, not a second
    /// to merge into: at a million positions that second set was ~60 B a position): the overlay and log emptied.
    /// Three passes: forward, the base's buckets turned into their values with the overlay's changes added and emptied
    /// ones dropped (a write never passes the read); backward, the overlay's new buckets inserted; forward, prefix sums.
    /// </summary>
    private void RebuildOwned()
    {
        FoldLog();
        var sums = _sums;
        var overlay = _overlayUsed;
        Ensure(ref _inserted, overlay);
        int a = 0, b = 0, kept = 0, inserts = 0;
        var previous = sums.Entry(0);
        while (a < _used)
        {
            var tick = _ticks[a];
            var entry = sums.Entry(a + 1);
            var bucket = entry - previous;
            previous = entry;
            a++;
            for (; b < overlay && _overlayTicks[b] < tick; b++)
            {
                _inserted[inserts++] = b;
            }

            if (b < overlay && _overlayTicks[b] == tick)
            {
                bucket += _overlaySums.At(b++);
            }

            if (!bucket.IsEmpty)
            {
                _ticks[kept] = tick;
                sums.SetEntry(++kept, bucket);
            }
        }

        for (; b < overlay; b++)
        {
            _inserted[inserts++] = b;
        }

        var used = kept + inserts;
        if (_ticks.Length < used)
        {
            // A quarter more room at a time: the arrays are the ladder's memory, and they are kept.
            var capacity = Math.Max(used, _ticks.Length + (_ticks.Length / 4));
            Array.Resize(ref _ticks, capacity);
            sums.Grow(capacity);
        }

        for (int i = kept - 1, j = inserts - 1, w = used - 1; j >= 0; w--)
        {
            var from = _inserted[j];
            if (i >= 0 && _ticks[i] > _overlayTicks[from])
            {
                _ticks[w] = _ticks[i];
                sums.MoveEntry(w + 1, i + 1);
                i--;
            }
            else
            {
                _ticks[w] = _overlayTicks[from];
                sums.SetEntry(w + 1, _overlaySums.At(from));
                j--;
            }
        }

        for (var i = 0; i < used; i++)
        {
            sums.Accumulate(i, _ticks[i]);
        }

        _full = false;
        _rebuildDue = false;
        _changedCount = 0;
        _overlayUsed = 0;
        _used = used;
    }

    /// <summary>
    /// The log folded: into the overlay, or into the base when the next refresh rebuilds it anyway (more changes since
    /// the base than the overlay answers), so the overlay stays small and no answer changes.
    /// </summary>
    private void Settle()
    {
        if (_full || _changedCount * 8 > _used)
        {
            RebuildOwned();
            _rebuildDue = true;
            return;
        }

        FoldLog();
    }

    /// <summary>
    /// Room in a full log: it grows to a quarter of the buckets (a settle may merge them all, so each logged move pays a
    /// bounded share) and is settled when it is that long.
    /// </summary>
    private void MakeLogRoom()
    {
        if (_logUsed >= Math.Max(4096, _used / 4))
        {
            Settle();
            return;
        }

        Array.Resize(ref _log, Math.Max(64, _log.Length * 2));
    }

    /// <summary>An owned ladder's buckets, lowest price first, without changing what it answers.</summary>
    private IEnumerable<(long Tick, LadderBucket Bucket)> OwnedBuckets()
    {
        Settle();
        int a = 0, b = 0;
        while (a < _used || b < _overlayUsed)
        {
            long tick;
            LadderBucket bucket;
            if (b == _overlayUsed || (a < _used && _ticks[a] < _overlayTicks[b]))
            {
                tick = _ticks[a];
                bucket = BaseAt(a++);
            }
            else
            {
                tick = _overlayTicks[b];
                bucket = _overlaySums.At(b++);
                if (a < _used && _ticks[a] == tick)
                {
                    bucket += BaseAt(a++);
                }
            }

            if (!bucket.IsEmpty)
            {
                yield return (tick, bucket);
            }
        }
    }

    /// <summary>
    /// Sorts an owned ladder's log by tick (equal ticks in any order: their sums are exact) with a least-significant-
    /// digit radix sort over the ticks' offsets from the lowest, a byte a pass: one pass counts every byte, and a byte
    /// every tick shares is not sorted on — the moves of a revaluation lie near the marks, so two or three passes sort
    /// them, several times faster than a comparison sort. Shared by the ladders of one writer: its scratch log is the
    /// only one, however many ladders there are (at 200 instruments a scratch per ladder was ~50 MB).
    /// </summary>
    internal sealed class LogSorter
    {
        private readonly int[] _counts = new int[8 * 256];
        private LogEntry[] _scratch = [];

        /// <summary>Sorts <paramref name="log"/>[0, <paramref name="n"/>) in place.</summary>
        public void Sort(LogEntry[] log, int n)
        {
            if (n < 256)
            {
                // Below a few hundred entries the comparison sort is as fast as the passes over the digits.
                log.AsSpan(0, n).Sort(static (x, y) => x.Tick.CompareTo(y.Tick));
                return;
            }

            var min = long.MaxValue;
            for (var i = 0; i < n; i++)
            {
                min = Math.Min(min, log[i].Tick);
            }

            var counts = _counts.AsSpan();
            counts.Clear();
            var bytes = 0;
            for (var i = 0; i < n; i++)
            {
                var key = (ulong)(log[i].Tick - min);
                for (var b = 0; key != 0; b++, key >>= 8)
                {
                    counts[(b << 8) + (int)(key & 0xFF)]++;
                    bytes = Math.Max(bytes, b + 1);
                }
            }

            // A byte beyond a key's highest is 0 and was not counted: it is counted as 0 here.
            for (var b = 0; b < bytes; b++)
            {
                var digit = counts.Slice(b << 8, 256);
                var counted = 0;
                foreach (var c in digit)
                {
                    counted += c;
                }

                digit[0] += n - counted;
            }

            if (_scratch.Length < n)
            {
                _scratch = new LogEntry[Math.Max(n, _scratch.Length * 2)];
            }

            var from = log;
            var to = _scratch;
            for (var b = 0; b < bytes; b++)
            {
                var digit = counts.Slice(b << 8, 256);
                var shift = 8 * b;
                if (digit[(int)(((ulong)(from[0].Tick - min) >> shift) & 0xFF)] == n)
                {
                    continue; // every key has this byte: the pass would not move anything
                }

                var sum = 0;
                for (var d = 0; d < 256; d++)
                {
                    (digit[d], sum) = (sum, sum + digit[d]);
                }

                for (var i = 0; i < n; i++)
                {
                    to[digit[(int)(((ulong)(from[i].Tick - min) >> shift) & 0xFF)]++] = from[i];
                }

                (from, to) = (to, from);
            }

            if (!ReferenceEquals(from, log))
            {
                // Copied back rather than swapped: a swap would hand a small ladder the largest ladder's array.
                from.AsSpan(0, n).CopyTo(log);
            }
        }
    }

    /// <summary>A logged move: ± one position of <see cref="SizeUnits"/> on <see cref="Tick"/>, bankruptcy bucket <see cref="BankruptcyTick"/>.</summary>
    internal readonly record struct LogEntry(long Tick, long SizeUnits, long BankruptcyTick, int Sign)
    {
        public LadderBucket Bucket
        {
            get
            {
                var bucket = LadderBucket.OfPosition(SizeUnits, BankruptcyTick);
                return Sign > 0 ? bucket : default(LadderBucket) - bucket;
            }
        }
    }

    private static void Ensure<T>(ref T[] array, int length)
    {
        if (array.Length < length)
        {
            array = new T[Math.Max(length, array.Length * 2)];
        }
    }

    /// <summary>
    /// Prefix sums of a sorted run of buckets — count, size units, size units × tick (notional) and bankruptcy units;
    /// entry i sums the first i buckets, so entry 0 is always zero and a bucket is the difference of two neighbours.
    /// </summary>
    private sealed class PrefixSums
    {
        public int[] Count { get; private set; } = [0];
        public Int128[] Size { get; private set; } = [Int128.Zero];
        public Int128[] Notional { get; private set; } = [Int128.Zero];
        public Int128[] Bankruptcy { get; private set; } = [Int128.Zero];

        /// <summary>Room for <paramref name="buckets"/> buckets (the arrays only grow; entry 0 stays zero).</summary>
        public void Ensure(int buckets)
        {
            if (Count.Length >= buckets + 1)
            {
                return;
            }

            var capacity = Math.Max(buckets + 1, Count.Length * 2);
            Count = new int[capacity];
            Size = new Int128[capacity];
            Notional = new Int128[capacity];
            Bankruptcy = new Int128[capacity];
        }

        /// <summary>Bucket <paramref name="index"/> (its sums from the previous one's); <paramref name="notional"/> is its size units × tick.</summary>
        public void Append(int index, LadderBucket bucket, Int128 notional)
        {
            Count[index + 1] = Count[index] + bucket.Count;
            Size[index + 1] = Size[index] + bucket.SizeUnits;
            Notional[index + 1] = Notional[index] + notional;
            Bankruptcy[index + 1] = Bankruptcy[index] + bucket.BankruptcyUnits;
        }

        /// <summary>Bucket <paramref name="index"/> back from its neighbouring sums.</summary>
        public LadderBucket At(int index) =>
            new(Count[index + 1] - Count[index], Size[index + 1] - Size[index], Bankruptcy[index + 1] - Bankruptcy[index]);

        // An in-place rebuild holds a bucket's own values (not sums) at entry index + 1 until Accumulate.

        /// <summary>Entry <paramref name="index"/> as it is (a sum, or a bucket's own values mid-rebuild).</summary>
        public LadderBucket Entry(int index) => new(Count[index], Size[index], Bankruptcy[index]);

        public void SetEntry(int index, LadderBucket bucket)
        {
            Count[index] = bucket.Count;
            Size[index] = bucket.SizeUnits;
            Bankruptcy[index] = bucket.BankruptcyUnits;
        }

        public void MoveEntry(int to, int from)
        {
            Count[to] = Count[from];
            Size[to] = Size[from];
            Bankruptcy[to] = Bankruptcy[from];
        }

        /// <summary>Bucket <paramref name="index"/>'s own values (entry index + 1) turned into sums, the ones before it being sums.</summary>
        public void Accumulate(int index, long tick)
        {
            var size = Size[index + 1];
            Notional[index + 1] = Notional[index] + (size * tick);
            Size[index + 1] = Size[index] + size;
            Count[index + 1] += Count[index];
            Bankruptcy[index + 1] += Bankruptcy[index];
        }

        /// <summary>Room for <paramref name="buckets"/> buckets, keeping every entry.</summary>
        public void Grow(int buckets)
        {
            if (Count.Length >= buckets + 1)
            {
                return;
            }

            var count = Count;
            var size = Size;
            var notional = Notional;
            var bankruptcy = Bankruptcy;
            Array.Resize(ref count, buckets + 1);
            Array.Resize(ref size, buckets + 1);
            Array.Resize(ref notional, buckets + 1);
            Array.Resize(ref bankruptcy, buckets + 1);
            (Count, Size, Notional, Bankruptcy) = (count, size, notional, bankruptcy);
        }
    }
}
