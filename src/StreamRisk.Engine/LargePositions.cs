using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>
/// Positions large enough to matter for LargeAccountNearLiquidation, found at projection time without scanning every
/// account. Single writer: the engine thread.
/// </summary>
/// <remarks>
/// A mark does not tell the listeners about every holder (see <see cref="MarginBook.ApplyMark"/>), so membership
/// (notional at the current mark ≥ the symbol's minimum) cannot be kept per update. Instead every position is kept
/// ordered by |size| per instrument: at one price notional grows with |size|, so the large positions are a prefix
/// from the top, and the walk stops at the first that falls short — the very set an update per mark would have kept.
/// Only positions at or above a size floor are kept in order: a quarter of the minimum notional at the mark the floor was
/// set at. Notional per unit of size is proportional to the mark (linear) or to its inverse (inverse), so while the mark
/// stays within 4× of that mark no position under the floor can reach the minimum; outside it the floor is set again
/// from every filed size. Without the floor every position change of a million accounts shifted a sorted list of all of
/// them (the engine's largest cost at that size).
/// </remarks>
internal sealed class LargePositions(Func<int, double> minimumNotional, MarginBook book) : IMarginListener
{
    private const double FloorReach = 4;

    // Per instrument: |size| under which a position is filed but not ordered, and the mark it was set at (NaN: none
    // yet, everything is ordered).
    private double[] _floor = [];
    private double[] _floorMark = [];

    // Per instrument: something the large positions show may have changed since the last TakeChanged (a position at or
    // above the floor was updated or closed, the floor moved, or the instrument was repriced). True until first taken.
    private bool[] _changed = [];

    // Ascending by (|size|, slot); a sorted list rather than a tree so the walk from the top allocates nothing (it runs
    // at every mark).
    private readonly List<List<Entry>> _bySize = [];

    // Per instrument, the |size| each ordered position was filed at, by slot: exactly the entries of _bySize (every one
    // at or above the floor). A position under the floor is not filed anywhere: its size is read from the book when
    // the floor moves, so a million small positions cost nothing here.
    private readonly List<Dictionary<int, double>> _filed = [];
    private readonly List<AccountState> _holders = [];
    private double[] _minimum = [];

    public void PositionUpdated(AccountState account, int position)
    {
        var instrument = account.InstrumentIndexAt(position);
        var size = Math.Abs(account.Positions[position].Size);
        var filedOf = Filed(instrument);
        var floor = _floor[instrument];
        var wasOrdered = filedOf.TryGetValue(account.Slot, out var filed);
        if (size >= floor || wasOrdered)
        {
            _changed[instrument] = true;
        }

        if (wasOrdered && filed.Equals(size))
        {
            return;
        }

        var set = _bySize[instrument];
        if (wasOrdered)
        {
            Remove(set, new Entry(filed, account.Slot, account));
            filedOf.Remove(account.Slot);
        }

        if (size >= floor)
        {
            filedOf[account.Slot] = size;
            var at = set.BinarySearch(new Entry(size, account.Slot, account), EntryOrder.Instance);
            set.Insert(at < 0 ? ~at : at, new Entry(size, account.Slot, account));
        }
    }

    /// <summary>A mark moved figures, not sizes: no filing changes, only whether the large positions may show something new.</summary>
    public void PositionRepriced(AccountState account, int position) =>
        FlagIfOrdered(account.InstrumentIndexAt(position), account.Positions[position].Size);

    public void AccountRepriced(AccountState account)
    {
        var positions = account.Positions;
        for (var i = 0; i < positions.Length; i++)
        {
            FlagIfOrdered(account.InstrumentIndexAt(i), positions[i].Size);
        }
    }

    // A repriced position at or above the floor may have moved in or out of the large positions.
    private void FlagIfOrdered(int instrument, double size)
    {
        Filed(instrument);
        if (Math.Abs(size) >= _floor[instrument])
        {
            _changed[instrument] = true;
        }
    }

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        if (Filed(instrumentIndex).Remove(account.Slot, out var filed))
        {
            _changed[instrumentIndex] = true;
            Remove(_bySize[instrumentIndex], new Entry(filed, account.Slot, account));
        }
    }

    /// <summary>The instrument took a new mark: every large position's notional and distance moved.</summary>
    public void Repriced(int instrumentIndex)
    {
        Filed(instrumentIndex);
        _changed[instrumentIndex] = true;
    }

    /// <summary>True when the large positions of the instrument may differ from when this was last asked (then false until the next change).</summary>
    public bool TakeChanged(int instrumentIndex)
    {
        Filed(instrumentIndex);
        var changed = _changed[instrumentIndex];
        _changed[instrumentIndex] = false;
        return changed;
    }

    /// <summary>Sets the floor again when the mark has left the range the current one holds for (see the remarks).</summary>
    private void EnsureFloor(int instrument, double minimum)
    {
        var mark = book.MarkOf(instrument);
        if (!(mark > 0) || !(minimum > 0))
        {
            return; // before the first mark notionals are at each position's entry: everything stays ordered
        }

        var since = _floorMark[instrument];
        if (since > 0 && mark <= since * FloorReach && mark >= since / FloorReach)
        {
            return;
        }

        _changed[instrument] = true;
        _floorMark[instrument] = mark;
        _floor[instrument] = minimum / FloorReach / book.Catalog[instrument].Notional(1, mark);
        // Every position on the instrument at or above the new floor, from the book (a filed size is always the
        // position's size now: every size change is filed as it happens).
        var set = _bySize[instrument];
        var filedOf = _filed[instrument];
        set.Clear();
        filedOf.Clear();
        book.CollectHolders(instrument, _holders);
        foreach (var account in _holders)
        {
            var size = Math.Abs(account.Positions[IndexOf(account, instrument)].Size);
            if (size >= _floor[instrument])
            {
                set.Add(new Entry(size, account.Slot, account));
                filedOf[account.Slot] = size;
            }
        }

        _holders.Clear();
        set.Sort(EntryOrder.Instance);
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
        EnsureFloor(instrumentIndex, minimum);
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

        if (_floor.Length <= instrument)
        {
            var old = _floor.Length;
            Array.Resize(ref _floor, _bySize.Count);
            Array.Resize(ref _floorMark, _bySize.Count);
            Array.Fill(_floorMark, double.NaN, old, _floorMark.Length - old);
            Array.Resize(ref _changed, _bySize.Count);
            Array.Fill(_changed, true, old, _changed.Length - old);
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

    public void PositionRepriced(AccountState account, int position)
    {
        foreach (var listener in listeners)
        {
            listener.PositionRepriced(account, position);
        }
    }

    public void AccountRepriced(AccountState account)
    {
        foreach (var listener in listeners)
        {
            listener.AccountRepriced(account);
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
