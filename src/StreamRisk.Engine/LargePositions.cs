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
    // Ascending by (|size|, slot); a sorted list rather than a tree so the walk from the top allocates nothing (it runs
    // at every mark).
    private readonly List<List<Entry>> _bySize = [];

    // |size| last filed per instrument by slot (absent = not filed); sparse, so an account costs only its positions.
    private readonly List<Dictionary<int, double>> _filed = [];
    private double[] _minimum = [];

    public void PositionUpdated(AccountState account, int position)
    {
        var instrument = account.InstrumentIndexAt(position);
        var size = Math.Abs(account.Positions[position].Size);
        var filedOf = Filed(instrument);
        var wasFiled = filedOf.TryGetValue(account.Slot, out var filed);
        if (wasFiled && filed.Equals(size))
        {
            return;
        }

        var set = _bySize[instrument];
        if (wasFiled)
        {
            Remove(set, new Entry(filed, account.Slot, account));
        }

        filedOf[account.Slot] = size;
        var at = set.BinarySearch(new Entry(size, account.Slot, account), EntryOrder.Instance);
        set.Insert(at < 0 ? ~at : at, new Entry(size, account.Slot, account));
    }

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        if (Filed(instrumentIndex).Remove(account.Slot, out var filed))
        {
            Remove(_bySize[instrumentIndex], new Entry(filed, account.Slot, account));
        }
    }

    /// <summary>Large positions on one instrument (notional at the current mark), as (account, position index) pairs, into <paramref name="into"/>.</summary>
    public void CollectOn(int instrumentIndex, List<(AccountState Account, int Position)> into)
    {
        into.Clear();
        if (instrumentIndex >= _bySize.Count)
        {
            return;
        }

        var minimum = MinimumOf(instrumentIndex);
        var set = _bySize[instrumentIndex];
        for (var i = set.Count - 1; i >= 0; i--)
        {
            var entry = set[i];
            var position = IndexOf(entry.Account, instrumentIndex);
            if (position < 0)
            {
                continue;
            }

            if (!(entry.Account.PositionMargins[position].Notional >= minimum))
            {
                return;
            }

            into.Add((entry.Account, position));
        }
    }

    /// <summary>The large positions on one instrument, in a new list (tests and tools).</summary>
    public List<(AccountState Account, int Position)> On(int instrumentIndex)
    {
        var list = new List<(AccountState Account, int Position)>();
        CollectOn(instrumentIndex, list);
        return list;
    }

    private static void Remove(List<Entry> set, Entry entry)
    {
        var at = set.BinarySearch(entry, EntryOrder.Instance);
        if (at >= 0)
        {
            set.RemoveAt(at);
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

    private Dictionary<int, double> Filed(int instrument)
    {
        while (_bySize.Count <= instrument)
        {
            _bySize.Add([]);
            _filed.Add([]);
        }

        return _filed[instrument];
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
