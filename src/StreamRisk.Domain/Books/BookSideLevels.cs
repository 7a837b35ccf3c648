namespace StreamRisk.Domain.Books;

/// <summary>
/// One side's levels as two parallel sorted arrays, ordered worst to best so the best level is the last element:
/// the best price is O(1), a level is found by binary search (O(log n)), and an insert or delete shifts only the
/// levels between it and the best one — few, because activity clusters at the touch. Keys are ticks for bids and
/// negated ticks for asks, so one ascending order serves both sides. Arrays grow by doubling and never shrink:
/// steady-state updates allocate nothing. Owned by its <see cref="OrderBook"/>.
/// </summary>
internal sealed class BookSideLevels
{
    private readonly long _sign;
    private long[] _keys;
    private double[] _quantities;
    private int _count;

    public BookSideLevels(BookSide side, int capacity)
    {
        _sign = side == BookSide.Bid ? 1 : -1;
        _keys = new long[capacity];
        _quantities = new double[capacity];
    }

    public int Count => _count;

    /// <summary>Price in ticks of the level <paramref name="fromBest"/> places away from the best (0 = best).</summary>
    public long TicksAt(int fromBest) => _sign * _keys[_count - 1 - fromBest];

    public double QuantityAt(int fromBest) => _quantities[_count - 1 - fromBest];

    public void Clear() => _count = 0;

    /// <summary>Sets a level's absolute quantity; 0 deletes it (deleting an absent level is a no-op, as venues expect).</summary>
    public void Set(long ticks, double quantity)
    {
        var key = _sign * ticks;
        var index = Array.BinarySearch(_keys, 0, _count, key);
        if (index >= 0)
        {
            if (quantity > 0)
            {
                _quantities[index] = quantity;
            }
            else
            {
                RemoveAt(index);
            }

            return;
        }

        if (quantity > 0)
        {
            InsertAt(~index, key, quantity);
        }
    }

    /// <summary>Replaces all levels (a snapshot). Zero quantities are left out; two levels at one price are refused.</summary>
    public void Load(ReadOnlySpan<PriceLevel> levels)
    {
        EnsureCapacity(levels.Length);
        var count = 0;
        foreach (var level in levels)
        {
            if (level.Quantity > 0)
            {
                _keys[count] = _sign * level.PriceTicks;
                _quantities[count] = level.Quantity;
                count++;
            }
        }

        Array.Sort(_keys, _quantities, 0, count);
        for (var i = 1; i < count; i++)
        {
            if (_keys[i] == _keys[i - 1])
            {
                _count = 0;
                throw new ArgumentException($"The snapshot has two levels at price tick {_sign * _keys[i]}.", nameof(levels));
            }
        }

        _count = count;
    }

    /// <summary>
    /// How many levels, counted from the best, lie before the band [lowTicks, highTicks] starts (<paramref name="skip"/>)
    /// and how many lie inside it (<paramref name="take"/>). Levels in a price band are contiguous in either order.
    /// </summary>
    public void FindBand(long lowTicks, long highTicks, out int skip, out int take)
    {
        // In key order (ascending, best last) the band is [lowKey, highKey].
        var lowKey = _sign > 0 ? lowTicks : -highTicks;
        var highKey = _sign > 0 ? highTicks : -lowTicks;
        if (lowKey > highKey)
        {
            skip = 0;
            take = 0;
            return;
        }

        var first = LowerBound(lowKey);
        var end = LowerBound(highKey + 1);
        skip = _count - end;
        take = end - first;
    }

    private int LowerBound(long key)
    {
        var index = Array.BinarySearch(_keys, 0, _count, key);
        return index >= 0 ? index : ~index;
    }

    private void InsertAt(int index, long key, double quantity)
    {
        if (_count == _keys.Length)
        {
            EnsureCapacity(_count + 1);
        }

        if (index < _count)
        {
            Array.Copy(_keys, index, _keys, index + 1, _count - index);
            Array.Copy(_quantities, index, _quantities, index + 1, _count - index);
        }

        _keys[index] = key;
        _quantities[index] = quantity;
        _count++;
    }

    private void RemoveAt(int index)
    {
        _count--;
        if (index < _count)
        {
            Array.Copy(_keys, index + 1, _keys, index, _count - index);
            Array.Copy(_quantities, index + 1, _quantities, index, _count - index);
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _keys.Length)
        {
            return;
        }

        var capacity = Math.Max(needed, _keys.Length * 2);
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _quantities, capacity);
    }
}
