using System.Collections;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StreamRisk.Domain.Ladders;

/// <summary>
/// The non-empty buckets of one ladder side in tick order, in leaves of at most <see cref="LeafCapacity"/> entries
/// (sorted runs, each starting above the previous one's end) under a flat index of the leaves' first ticks: a lookup is
/// a binary search of the index and a count over one leaf, an insert or removal shifts at most one leaf, and a full
/// leaf passes entries to a neighbour with room before it splits, so leaves stay ~75 % full under random inserts. Nearly every position sits alone in its
/// thousandth-of-a-tick bucket, so an entry is one position's cost: 40 bytes (its tick, and count, size and bankruptcy
/// sums), ~55 at the leaves' fill, against a dictionary's 64 a slot plus its table, ~95 at its average fill.
/// </summary>
/// <remarks>
/// The sums are exact as <see cref="LadderBucket"/> keeps them (128-bit, wrapping as Int128 does): a bankruptcy sum
/// is held in full; a size sum in 96 bits, which any sum of the 63-bit sizes of up to 2³¹ positions fits; a wider
/// one (only an update from elsewhere can carry it) is held whole in a side table. Single writer.
/// </remarks>
internal sealed class SortedBuckets : IEnumerable<(long Tick, LadderBucket Bucket)>
{
    /// <summary>Entries a leaf holds: an insert shifts ~half a leaf (~1.3 KB), the index has one slot per ~50 buckets.</summary>
    internal const int LeafCapacity = 64;

    // A full leaf passes entries to a neighbour holding at most this many; else it splits in two.
    private const int LendTo = LeafCapacity * 3 / 4;

    // A leaf and a neighbour holding at most this many between them become one.
    private const int JoinAt = LeafCapacity / 2;

    // The high word of a size held in the side table (never a compact size's: those are above it).
    private const int WideSize = int.MinValue;

    private long[] _firstTicks = new long[4];
    // A leaf's ticks apart from its sums: the search reads 512 bytes of ticks, not 2.5 KB of entries. Free slots hold
    // long.MaxValue, so the ticks below a key are counted over the whole leaf without minding its size.
    private long[][] _ticks = new long[4][];
    private Sums[][] _sums = new Sums[4][];
    private int[] _sizes = new int[4];
    private int _leafCount;
    private readonly Stack<(long[] Ticks, Sums[] Sums)> _spareLeaves = new();
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
            bucket = Read(tick, in _sums[leaf][index]);
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
            var old = Read(tick, in _sums[leaf][index]);
            Replace(leaf, index, tick, subtract ? old - delta : old + delta);
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
            Replace(leaf, index, tick, bucket);
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
    /// <remarks>
    /// Without branches on the ticks (a ladder's ticks come in no order a predictor could learn; a mispredicted step
    /// costs more than its load): the index by a binary search whose comparison is a 0/1 multiplier, the leaf by
    /// counting its ticks below the key four at a time.
    /// </remarks>
    private bool Find(long tick, out int leaf, out int index)
    {
        if (_leafCount == 0)
        {
            (leaf, index) = (-1, 0);
            return false;
        }

        int lo = 0, n = _leafCount;
        var firstTicks = _firstTicks;
        while (n > 1)
        {
            var half = n >> 1;
            lo += (firstTicks[lo + half] <= tick ? 1 : 0) * half;
            n -= half;
        }

        leaf = lo;
        var ticks = _ticks[lo];
        ref var start = ref MemoryMarshal.GetArrayDataReference(ticks);
        var key = Vector256.Create(tick);
        var below = 0;
        for (nuint i = 0; i < LeafCapacity; i += (nuint)Vector256<long>.Count)
        {
            below += BitOperations.PopCount(Vector256.LessThan(Vector256.LoadUnsafe(ref start, i), key).ExtractMostSignificantBits());
        }

        index = below;
        return below < _sizes[lo] && ticks[below] == tick;
    }

    private void Replace(int leaf, int index, long tick, in LadderBucket bucket)
    {
        ref var sums = ref _sums[leaf][index];
        if (sums.SizeHigh == WideSize)
        {
            _wideSizes!.Remove(tick);
        }

        if (bucket.IsEmpty)
        {
            RemoveAt(leaf, index);
            return;
        }

        Write(ref sums, tick, bucket);
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

        var (ticks, sums) = (_ticks[leaf], _sums[leaf]);
        var size = _sizes[leaf];
        if (index < size)
        {
            // Spans copy straight through memmove (Array.Copy first checks the arrays' types: ~10 % of a move).
            ticks.AsSpan(index, size - index).CopyTo(ticks.AsSpan(index + 1));
            sums.AsSpan(index, size - index).CopyTo(sums.AsSpan(index + 1));
        }

        ticks[index] = tick;
        Write(ref sums[index], tick, bucket);
        _sizes[leaf] = size + 1;
        if (index == 0)
        {
            _firstTicks[leaf] = tick;
        }

        Count++;
    }

    private void RemoveAt(int leaf, int index)
    {
        var (ticks, sums) = (_ticks[leaf], _sums[leaf]);
        var size = _sizes[leaf] - 1;
        ticks.AsSpan(index + 1, size - index).CopyTo(ticks.AsSpan(index));
        sums.AsSpan(index + 1, size - index).CopyTo(sums.AsSpan(index));
        ticks[size] = long.MaxValue;
        _sizes[leaf] = size;
        Count--;
        if (size == 0)
        {
            DropLeaf(leaf);
            return;
        }

        if (index == 0)
        {
            _firstTicks[leaf] = ticks[0];
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
        var (sa, sb) = (_sizes[left], _sizes[right]);
        var keep = (sa + sb + 1) / 2;
        if (sa > keep)
        {
            Shift(_ticks[left], _ticks[right], sa, sb, keep, long.MaxValue);
            Shift(_sums[left], _sums[right], sa, sb, keep, default);
        }
        else if (sa < keep)
        {
            Pull(_ticks[left], _ticks[right], sa, sb, keep, long.MaxValue);
            Pull(_sums[left], _sums[right], sa, sb, keep, default);
        }

        _sizes[left] = keep;
        _sizes[right] = sa + sb - keep;
        _firstTicks[left] = _ticks[left][0];
        _firstTicks[right] = _ticks[right][0];

        // The left one's entries from keep on go to the front of the right one.
        static void Shift<T>(T[] a, T[] b, int sa, int sb, int keep, T free)
        {
            var moved = sa - keep;
            Array.Copy(b, 0, b, moved, sb);
            Array.Copy(a, keep, b, 0, moved);
            Array.Fill(a, free, keep, moved);
        }

        // The right one's first entries go to the end of the left one, up to keep.
        static void Pull<T>(T[] a, T[] b, int sa, int sb, int keep, T free)
        {
            var moved = keep - sa;
            Array.Copy(b, 0, a, sa, moved);
            Array.Copy(b, moved, b, 0, sb - moved);
            Array.Fill(b, free, sb - moved, moved);
        }
    }

    /// <summary>Leaf <paramref name="left"/> takes the next one's entries; the emptied leaf goes.</summary>
    private void Join(int left)
    {
        var right = left + 1;
        var (sa, sb) = (_sizes[left], _sizes[right]);
        Array.Copy(_ticks[right], 0, _ticks[left], sa, sb);
        Array.Copy(_sums[right], 0, _sums[left], sa, sb);
        Array.Fill(_ticks[right], long.MaxValue, 0, sb);
        Array.Clear(_sums[right], 0, sb);
        _sizes[left] = sa + sb;
        _sizes[right] = 0;
        DropLeaf(right);
    }

    /// <summary>An empty leaf put in the index at <paramref name="at"/>; returns <paramref name="at"/>.</summary>
    private int AddLeaf(int at)
    {
        if (_leafCount == _ticks.Length)
        {
            var capacity = _leafCount * 2;
            Array.Resize(ref _firstTicks, capacity);
            Array.Resize(ref _ticks, capacity);
            Array.Resize(ref _sums, capacity);
            Array.Resize(ref _sizes, capacity);
        }

        var moved = _leafCount - at;
        Array.Copy(_firstTicks, at, _firstTicks, at + 1, moved);
        Array.Copy(_ticks, at, _ticks, at + 1, moved);
        Array.Copy(_sums, at, _sums, at + 1, moved);
        Array.Copy(_sizes, at, _sizes, at + 1, moved);
        if (_spareLeaves.TryPop(out var spare))
        {
            (_ticks[at], _sums[at]) = spare;
        }
        else
        {
            _ticks[at] = new long[LeafCapacity];
            Array.Fill(_ticks[at], long.MaxValue);
            _sums[at] = new Sums[LeafCapacity];
        }

        _sizes[at] = 0;
        _leafCount++;
        return at;
    }

    /// <summary>The empty leaf at <paramref name="at"/> leaves the index (its arrays kept for the next split).</summary>
    private void DropLeaf(int at)
    {
        _spareLeaves.Push((_ticks[at], _sums[at]));
        var moved = _leafCount - at - 1;
        Array.Copy(_firstTicks, at + 1, _firstTicks, at, moved);
        Array.Copy(_ticks, at + 1, _ticks, at, moved);
        Array.Copy(_sums, at + 1, _sums, at, moved);
        Array.Copy(_sizes, at + 1, _sizes, at, moved);
        _leafCount--;
        _ticks[_leafCount] = null!;
        _sums[_leafCount] = null!;
    }

    private LadderBucket Read(long tick, in Sums sums)
    {
        var size = sums.SizeHigh == WideSize
            ? _wideSizes![tick]
            : new Int128((ulong)(long)sums.SizeHigh, sums.SizeLow);
        return new LadderBucket(sums.Count, size, new Int128((ulong)sums.BankruptcyHigh, sums.BankruptcyLow));
    }

    private void Write(ref Sums sums, long tick, in LadderBucket bucket)
    {
        sums.Count = bucket.Count;
        var sizeHigh = (long)(bucket.SizeUnits >> 64);
        sums.SizeLow = (ulong)bucket.SizeUnits;
        if (sizeHigh is > WideSize and <= int.MaxValue)
        {
            sums.SizeHigh = (int)sizeHigh;
        }
        else
        {
            sums.SizeHigh = WideSize;
            (_wideSizes ??= [])[tick] = bucket.SizeUnits;
        }

        sums.BankruptcyLow = (ulong)bucket.BankruptcyUnits;
        sums.BankruptcyHigh = (long)(bucket.BankruptcyUnits >> 64);
    }

    /// <summary>A bucket's sums, 32 bytes: the size's high word beside the count keeps the 8-byte fields unpadded.</summary>
    private struct Sums
    {
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
                var tick = _buckets._ticks[_leaf][_index];
                return (tick, _buckets.Read(tick, in _buckets._sums[_leaf][_index]));
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
