using System.Collections;

namespace StreamRisk.Domain.Ladders;

/// <summary>
/// The non-empty buckets of one ladder side in tick order, in leaves of at most <see cref="LeafCapacity"/> entries
/// (sorted runs, each starting above the previous one's end) under a flat index of the leaves' first ticks: a lookup is
/// two binary searches, an insert or removal shifts at most one leaf, and a full leaf passes entries to a neighbour
/// with room before it splits, so leaves stay ~80 % full under random inserts. Nearly every position sits alone in its
/// thousandth-of-a-tick bucket, so an entry is one position's cost: 40 bytes (tick, count, size and bankruptcy sums;
/// a dictionary entry was 64 plus its table), against ~95 for a dictionary at its average fill.
/// </summary>
/// <remarks>
/// The sums are exact as <see cref="LadderBucket"/> keeps them (128-bit, wrapping as Int128 does): a bankruptcy sum
/// is held in full; a size sum in 96 bits, which any sum of the 63-bit sizes of up to 2³¹ positions fits; a wider
/// one (only an update from elsewhere can carry it) is held whole in a side table. Single writer.
/// </remarks>
internal sealed class SortedBuckets : IEnumerable<(long Tick, LadderBucket Bucket)>
{
    /// <summary>Entries a leaf holds: an insert shifts ~half a leaf (~1 KB), the index has one slot per ~50 buckets.</summary>
    internal const int LeafCapacity = 64;

    // A full leaf passes entries to a neighbour holding at most this many; else it splits in two.
    private const int LendTo = LeafCapacity * 3 / 4;

    // A leaf and a neighbour holding at most this many between them become one.
    private const int JoinAt = LeafCapacity / 2;

    // The high word of a size held in the side table (never a compact size's: those are above it).
    private const int WideSize = int.MinValue;

    private long[] _firstTicks = new long[4];
    private Entry[][] _leaves = new Entry[4][];
    private int[] _sizes = new int[4];
    private int _leafCount;
    private readonly Stack<Entry[]> _spareLeaves = new();
    private Dictionary<long, Int128>? _wideSizes;

    /// <summary>Non-empty buckets.</summary>
    public int Count { get; private set; }

    /// <summary>Leaves in use (for the memory estimate: <see cref="LeafCapacity"/> entries of 40 bytes each).</summary>
    internal int Leaves => _leafCount;

    /// <summary>The bucket on <paramref name="tick"/>; false (and an empty bucket) when there is none.</summary>
    public bool TryGetValue(long tick, out LadderBucket bucket)
    {
        if (Find(tick, out var leaf, out var index))
        {
            bucket = Read(in _leaves[leaf][index]);
            return true;
        }

        bucket = default;
        return false;
    }

    /// <summary>Adds <paramref name="delta"/> to the bucket on <paramref name="tick"/> (or takes it out), dropping the bucket once empty.</summary>
    public void Add(long tick, in LadderBucket delta, bool subtract)
    {
        if (Find(tick, out var leaf, out var index))
        {
            var old = Read(in _leaves[leaf][index]);
            Replace(leaf, index, subtract ? old - delta : old + delta);
            return;
        }

        var value = subtract ? default(LadderBucket) - delta : delta;
        if (!value.IsEmpty)
        {
            Insert(leaf, index, tick, value);
        }
    }

    /// <summary>Sets the bucket on <paramref name="tick"/>; an empty one removes it.</summary>
    public void Set(long tick, in LadderBucket bucket)
    {
        if (Find(tick, out var leaf, out var index))
        {
            Replace(leaf, index, bucket);
        }
        else if (!bucket.IsEmpty)
        {
            Insert(leaf, index, tick, bucket);
        }
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<(long Tick, LadderBucket Bucket)> IEnumerable<(long Tick, LadderBucket Bucket)>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Where <paramref name="tick"/> is, or would go: the last leaf starting at or below it (the first leaf when none
    /// does; -1 with no leaves) and the index in it of the first entry at or above it.
    /// </summary>
    private bool Find(long tick, out int leaf, out int index)
    {
        if (_leafCount == 0)
        {
            (leaf, index) = (-1, 0);
            return false;
        }

        int lo = 0, hi = _leafCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (_firstTicks[mid] <= tick)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        leaf = lo;
        var entries = _leaves[lo];
        int a = 0, b = _sizes[lo];
        while (a < b)
        {
            var mid = (a + b) >>> 1;
            if (entries[mid].Tick < tick)
            {
                a = mid + 1;
            }
            else
            {
                b = mid;
            }
        }

        index = a;
        return a < _sizes[lo] && entries[a].Tick == tick;
    }

    private void Replace(int leaf, int index, in LadderBucket bucket)
    {
        ref var entry = ref _leaves[leaf][index];
        if (entry.SizeHigh == WideSize)
        {
            _wideSizes!.Remove(entry.Tick);
        }

        if (bucket.IsEmpty)
        {
            RemoveAt(leaf, index);
            return;
        }

        Write(ref entry, entry.Tick, bucket);
    }

    private void Insert(int leaf, int index, long tick, in LadderBucket bucket)
    {
        if (leaf < 0)
        {
            leaf = AddLeaf(0);
        }
        else if (_sizes[leaf] == LeafCapacity)
        {
            MakeRoom(leaf);
            Find(tick, out leaf, out index);
        }

        var entries = _leaves[leaf];
        var size = _sizes[leaf];
        if (index < size)
        {
            Array.Copy(entries, index, entries, index + 1, size - index);
        }

        Write(ref entries[index], tick, bucket);
        _sizes[leaf] = size + 1;
        if (index == 0)
        {
            _firstTicks[leaf] = tick;
        }

        Count++;
    }

    private void RemoveAt(int leaf, int index)
    {
        var entries = _leaves[leaf];
        var size = _sizes[leaf] - 1;
        Array.Copy(entries, index + 1, entries, index, size - index);
        entries[size] = default;
        _sizes[leaf] = size;
        Count--;
        if (size == 0)
        {
            DropLeaf(leaf);
            return;
        }

        if (index == 0)
        {
            _firstTicks[leaf] = entries[0].Tick;
        }

        if (leaf + 1 < _leafCount && size + _sizes[leaf + 1] <= JoinAt)
        {
            Join(leaf);
        }
        else if (leaf > 0 && size + _sizes[leaf - 1] <= JoinAt)
        {
            Join(leaf - 1);
        }
    }

    /// <summary>A full leaf: entries lent to a neighbour with room (the two share them evenly), or the leaf split in two.</summary>
    private void MakeRoom(int leaf)
    {
        if (leaf + 1 < _leafCount && _sizes[leaf + 1] <= LendTo)
        {
            Even(leaf);
        }
        else if (leaf > 0 && _sizes[leaf - 1] <= LendTo)
        {
            Even(leaf - 1);
        }
        else
        {
            AddLeaf(leaf + 1);
            Even(leaf);
        }
    }

    /// <summary>Leaves <paramref name="left"/> and the next one share their entries evenly (order kept).</summary>
    private void Even(int left)
    {
        var right = left + 1;
        var (a, b) = (_leaves[left], _leaves[right]);
        var (sa, sb) = (_sizes[left], _sizes[right]);
        var keep = (sa + sb + 1) / 2;
        if (sa > keep)
        {
            var moved = sa - keep;
            Array.Copy(b, 0, b, moved, sb);
            Array.Copy(a, keep, b, 0, moved);
            Array.Clear(a, keep, moved);
        }
        else if (sa < keep)
        {
            var moved = keep - sa;
            Array.Copy(b, 0, a, sa, moved);
            Array.Copy(b, moved, b, 0, sb - moved);
            Array.Clear(b, sb - moved, moved);
        }

        _sizes[left] = keep;
        _sizes[right] = sa + sb - keep;
        _firstTicks[left] = a[0].Tick;
        _firstTicks[right] = b[0].Tick;
    }

    /// <summary>Leaf <paramref name="left"/> takes the next one's entries; the emptied leaf goes.</summary>
    private void Join(int left)
    {
        var right = left + 1;
        var (sa, sb) = (_sizes[left], _sizes[right]);
        Array.Copy(_leaves[right], 0, _leaves[left], sa, sb);
        Array.Clear(_leaves[right], 0, sb);
        _sizes[left] = sa + sb;
        _sizes[right] = 0;
        DropLeaf(right);
    }

    /// <summary>An empty leaf put in the index at <paramref name="at"/>; returns <paramref name="at"/>.</summary>
    private int AddLeaf(int at)
    {
        if (_leafCount == _leaves.Length)
        {
            var capacity = _leafCount * 2;
            Array.Resize(ref _firstTicks, capacity);
            Array.Resize(ref _leaves, capacity);
            Array.Resize(ref _sizes, capacity);
        }

        var moved = _leafCount - at;
        Array.Copy(_firstTicks, at, _firstTicks, at + 1, moved);
        Array.Copy(_leaves, at, _leaves, at + 1, moved);
        Array.Copy(_sizes, at, _sizes, at + 1, moved);
        _leaves[at] = _spareLeaves.Count > 0 ? _spareLeaves.Pop() : new Entry[LeafCapacity];
        _sizes[at] = 0;
        _leafCount++;
        return at;
    }

    /// <summary>The empty leaf at <paramref name="at"/> leaves the index (its array kept for the next split).</summary>
    private void DropLeaf(int at)
    {
        _spareLeaves.Push(_leaves[at]);
        var moved = _leafCount - at - 1;
        Array.Copy(_firstTicks, at + 1, _firstTicks, at, moved);
        Array.Copy(_leaves, at + 1, _leaves, at, moved);
        Array.Copy(_sizes, at + 1, _sizes, at, moved);
        _leafCount--;
        _leaves[_leafCount] = null!;
    }

    private LadderBucket Read(in Entry entry)
    {
        var size = entry.SizeHigh == WideSize
            ? _wideSizes![entry.Tick]
            : new Int128((ulong)(long)entry.SizeHigh, entry.SizeLow);
        return new LadderBucket(entry.Count, size, new Int128((ulong)entry.BankruptcyHigh, entry.BankruptcyLow));
    }

    private void Write(ref Entry entry, long tick, in LadderBucket bucket)
    {
        entry.Tick = tick;
        entry.Count = bucket.Count;
        var sizeHigh = (long)(bucket.SizeUnits >> 64);
        entry.SizeLow = (ulong)bucket.SizeUnits;
        if (sizeHigh is > WideSize and <= int.MaxValue)
        {
            entry.SizeHigh = (int)sizeHigh;
        }
        else
        {
            entry.SizeHigh = WideSize;
            (_wideSizes ??= [])[tick] = bucket.SizeUnits;
        }

        entry.BankruptcyLow = (ulong)bucket.BankruptcyUnits;
        entry.BankruptcyHigh = (long)(bucket.BankruptcyUnits >> 64);
    }

    /// <summary>One bucket, 40 bytes: the size's high word beside the count keeps the 8-byte fields unpadded.</summary>
    private struct Entry
    {
        public long Tick;
        public ulong SizeLow;
        public ulong BankruptcyLow;
        public long BankruptcyHigh;
        public int Count;
        public int SizeHigh;
    }

    /// <summary>The buckets in tick order; the collection must not change during the enumeration.</summary>
    public struct Enumerator : IEnumerator<(long Tick, LadderBucket Bucket)>
    {
        private readonly SortedBuckets _buckets;
        private int _leaf;
        private int _index;

        internal Enumerator(SortedBuckets buckets)
        {
            _buckets = buckets;
            _leaf = 0;
            _index = -1;
        }

        public readonly (long Tick, LadderBucket Bucket) Current
        {
            get
            {
                ref readonly var entry = ref _buckets._leaves[_leaf][_index];
                return (entry.Tick, _buckets.Read(in entry));
            }
        }

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_leaf >= _buckets._leafCount)
            {
                return false;
            }

            if (++_index < _buckets._sizes[_leaf])
            {
                return true;
            }

            _index = 0;
            return ++_leaf < _buckets._leafCount;
        }

        public void Reset() => (_leaf, _index) = (0, -1);

        public readonly void Dispose()
        {
        }
    }
}
