namespace StreamRisk.Domain.Portfolio;

/// <summary>
/// Sorts items by double keys ascending, NaN first (the order <see cref="MemoryExtensions.Sort{TKey, TValue}(Span{TKey}, Span{TValue})"/>
/// gives; equal keys may come in another order): a least-significant-digit radix sort over the keys' bits, a byte a
/// pass, skipping the passes in which every key has the same byte. What a projector's load sorts — liquidation prices,
/// radii, thresholds — is tens of thousands of keys a view, where this is several times faster than a comparison sort.
/// Owns its buffers: nothing is allocated once they have grown.
/// </summary>
internal sealed class KeySort
{
    // Below this many keys the comparison sort is as fast.
    private const int Small = 64;

    private ulong[] _keys = [];
    private ulong[] _keysSwap = [];
    private int[] _items = [];
    private int[] _itemsSwap = [];
    private readonly int[] _counts = new int[8 * 256];

    public void Sort(Span<double> keys, Span<int> items)
    {
        if (keys.Length != items.Length)
        {
            throw new ArgumentException("a key per item", nameof(items));
        }

        var n = keys.Length;
        if (n < Small)
        {
            keys.Sort(items);
            return;
        }

        if (_keys.Length < n)
        {
            var size = Math.Max(n, _keys.Length * 2);
            _keys = new ulong[size];
            _keysSwap = new ulong[size];
            _items = new int[size];
            _itemsSwap = new int[size];
        }

        var counts = _counts.AsSpan();
        counts.Clear();
        for (var k = 0; k < n; k++)
        {
            var key = Ordered(keys[k]);
            _keys[k] = key;
            _items[k] = items[k];
            for (var b = 0; b < 8; b++)
            {
                counts[(b << 8) + (int)((key >> (8 * b)) & 0xFF)]++;
            }
        }

        var from = _keys;
        var fromItems = _items;
        var to = _keysSwap;
        var toItems = _itemsSwap;
        for (var b = 0; b < 8; b++)
        {
            var digit = counts.Slice(b << 8, 256);
            if (digit[(int)((from[0] >> (8 * b)) & 0xFF)] == n)
            {
                continue; // every key has this byte: the pass would not move anything
            }

            var sum = 0;
            for (var d = 0; d < 256; d++)
            {
                var c = digit[d];
                digit[d] = sum;
                sum += c;
            }

            var shift = 8 * b;
            for (var k = 0; k < n; k++)
            {
                var key = from[k];
                var at = digit[(int)((key >> shift) & 0xFF)]++;
                to[at] = key;
                toItems[at] = fromItems[k];
            }

            (from, to) = (to, from);
            (fromItems, toItems) = (toItems, fromItems);
        }

        for (var k = 0; k < n; k++)
        {
            keys[k] = FromOrdered(from[k]);
            items[k] = fromItems[k];
        }
    }

    /// <summary>The key's bits mapped so that unsigned order is numeric order; NaN below everything (0).</summary>
    private static ulong Ordered(double key)
    {
        if (double.IsNaN(key))
        {
            return 0;
        }

        var bits = BitConverter.DoubleToUInt64Bits(key);
        return (bits >> 63) != 0 ? ~bits : bits | (1UL << 63);
    }

    private static double FromOrdered(ulong key)
    {
        if (key == 0)
        {
            return double.NaN;
        }

        return BitConverter.UInt64BitsToDouble((key >> 63) != 0 ? key & ~(1UL << 63) : ~key);
    }
}
