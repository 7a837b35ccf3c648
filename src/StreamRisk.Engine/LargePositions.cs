using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>
/// Positions large enough to matter for LargeAccountNearLiquidation, found at projection time without scanning every
/// account. Single writer: the engine thread.
/// </summary>
/// <remarks>
/// A mark no longer tells the listeners about every holder (see <see cref="MarginBook.ApplyMark"/>), so membership
/// (notional at the current mark ≥ the symbol's minimum) cannot be kept per update. Instead every position is kept
/// ordered by |size| per instrument: at one price notional grows with |size|, so the large positions are a prefix
/// from the top, and the walk stops at the first that falls short — the very set an update per mark would have kept.
/// </remarks>
internal sealed class LargePositions(Func<int, double> minimumNotional) : IMarginListener
{
    private readonly List<SortedSet<Entry>> _bySize = [];

    // |size| last filed per (instrument, slot); NaN = not filed.
    private double[][] _filed = [];
    private double[] _minimum = [];

    public void PositionUpdated(AccountState account, int position)
    {
        var instrument = account.InstrumentIndexAt(position);
        var size = Math.Abs(account.Positions[position].Size);
        ref var filed = ref Filed(instrument, account.Slot);
        if (filed.Equals(size))
        {
            return;
        }

        var set = _bySize[instrument];
        if (!double.IsNaN(filed))
        {
            set.Remove(new Entry(filed, account.Slot, account));
        }

        filed = size;
        set.Add(new Entry(size, account.Slot, account));
    }

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        ref var filed = ref Filed(instrumentIndex, account.Slot);
        if (!double.IsNaN(filed))
        {
            _bySize[instrumentIndex].Remove(new Entry(filed, account.Slot, account));
            filed = double.NaN;
        }
    }

    /// <summary>Large positions on one instrument (notional at the current mark), as (account, position index) pairs.</summary>
    public IEnumerable<(AccountState Account, int Position)> On(int instrumentIndex)
    {
        if (instrumentIndex >= _bySize.Count)
        {
            yield break;
        }

        var minimum = MinimumOf(instrumentIndex);
        foreach (var entry in _bySize[instrumentIndex].Reverse())
        {
            var position = IndexOf(entry.Account, instrumentIndex);
            if (position < 0)
            {
                continue;
            }

            if (!(entry.Account.PositionMargins[position].Notional >= minimum))
            {
                yield break;
            }

            yield return (entry.Account, position);
        }
    }

    private double MinimumOf(int instrument)
    {
        if (instrument >= _minimum.Length)
        {
            var old = _minimum.Length;
            Array.Resize(ref _minimum, instrument + 1);
            Array.Fill(_minimum, double.NaN, old, _minimum.Length - old);
        }

        // Thresholds come from immutable options and an index never changes its symbol: cached.
        var minimum = _minimum[instrument];
        if (double.IsNaN(minimum))
        {
            minimum = _minimum[instrument] = minimumNotional(instrument);
        }

        return minimum;
    }

    private ref double Filed(int instrument, int slot)
    {
        while (_bySize.Count <= instrument)
        {
            _bySize.Add(new SortedSet<Entry>(EntryOrder.Instance));
        }

        if (instrument >= _filed.Length)
        {
            var old = _filed.Length;
            Array.Resize(ref _filed, instrument + 1);
            for (var i = old; i < _filed.Length; i++)
            {
                _filed[i] = NewFiled(1024, 0);
            }
        }

        ref var filed = ref _filed[instrument];
        if (slot >= filed.Length)
        {
            var old = filed.Length;
            Array.Resize(ref filed, Math.Max(slot + 1, old * 2));
            Array.Fill(filed, double.NaN, old, filed.Length - old);
        }

        return ref filed[slot];
    }

    private static double[] NewFiled(int length, int from)
    {
        var filed = new double[length];
        Array.Fill(filed, double.NaN, from, length - from);
        return filed;
    }

    private static int IndexOf(AccountState account, int instrument)
    {
        for (var i = 0; i < account.PositionCount; i++)
        {
            if (account.InstrumentIndexAt(i) == instrument)
            {
                return i;
            }
        }

        return -1;
    }

    private readonly record struct Entry(double Size, int Slot, AccountState Account);

    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry x, Entry y)
        {
            var bySize = x.Size.CompareTo(y.Size);
            return bySize != 0 ? bySize : x.Slot.CompareTo(y.Slot);
        }
    }
}

/// <summary>Fans one margin book's changes out to several listeners (ladders, large positions).</summary>
internal sealed class MarginListeners(params IMarginListener[] listeners) : IMarginListener
{
    public void PositionUpdated(AccountState account, int position)
    {
        foreach (var listener in listeners)
        {
            listener.PositionUpdated(account, position);
        }
    }

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        foreach (var listener in listeners)
        {
            listener.PositionClosed(account, instrumentIndex);
        }
    }
}
