using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Liquidations;

/// <summary>A position a mark crossed: its account, instrument, the LP it was filed under and its side.</summary>
public readonly record struct CrossedPosition(AccountState Account, int Instrument, double LiquidationPrice, bool IsLong);

/// <summary>
/// Which positions a mark has crossed: per instrument and side, the positions ordered by liquidation price (longs
/// highest first, shorts lowest first), kept in step with a <see cref="MarginBook"/> as its listener. A position whose
/// LP moves is filed again under the new price; the old entry is dropped when it reaches the top (it no longer matches
/// what the position holds), and the queues are rebuilt when dropped entries outnumber live ones.
/// </summary>
/// <remarks>Owner: the engine thread (the margin book's single writer calls it). A mark costs O(log n) per crossed
/// position and nothing else; the queues allocate only as they grow.</remarks>
public sealed class LiquidationWatch : IMarginListener
{
    private readonly MarginBook _book;
    private readonly List<Side> _longs = [];
    private readonly List<Side> _shorts = [];

    /// <summary>The LP each position is filed under, by (account slot, instrument).</summary>
    private readonly Dictionary<(int Slot, int Instrument), double> _filed = [];

    public LiquidationWatch(MarginBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        _book = book;
    }

    /// <summary>Positions filed (each once, under its current LP).</summary>
    public int Count => _filed.Count;

    public void PositionUpdated(AccountState account, int position) => File(account, position);

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        _filed.Remove((account.Slot, instrumentIndex));
    }

    /// <summary>
    /// Takes every position of <paramref name="instrument"/> whose liquidation price <paramref name="mark"/> has
    /// crossed (long: LP ≥ mark, short: LP ≤ mark) out of the watch into <paramref name="crossed"/>, longs first, each by
    /// LP from the most crossed; the caller liquidates them, and files again (<see cref="Refile"/>) those that stay open.
    /// </summary>
    public void TakeCrossed(int instrument, double mark, List<CrossedPosition> crossed)
    {
        ArgumentNullException.ThrowIfNull(crossed);
        if (instrument < _longs.Count)
        {
            Take(_longs[instrument], instrument, mark, isLong: true, crossed);
            Take(_shorts[instrument], instrument, mark, isLong: false, crossed);
        }
    }

    /// <summary>Files a position again under its current LP (one taken out by <see cref="TakeCrossed"/> and left open).</summary>
    public void Refile(AccountState account, int instrument)
    {
        var position = account.IndexOf(instrument);
        if (position >= 0)
        {
            _filed.Remove((account.Slot, instrument));
            File(account, position);
        }
    }

    private void File(AccountState account, int position)
    {
        var instrument = account.InstrumentIndexAt(position);
        ref readonly var margin = ref account.MarginRefAt(position);
        var key = (account.Slot, instrument);
        var lp = margin.LiquidationPrice;
        if (!margin.HasLiquidationPrice)
        {
            _filed.Remove(key);
            return;
        }

        if (_filed.TryGetValue(key, out var was) && was == lp)
        {
            return; // most recomputations leave the LP where it was
        }

        _filed[key] = lp;
        while (_longs.Count <= instrument)
        {
            _longs.Add(new Side());
            _shorts.Add(new Side());
        }

        var isLong = account.TermsRefAt(position).Size > 0;
        var side = isLong ? _longs[instrument] : _shorts[instrument];
        side.Queue.Enqueue((account.Slot, lp), isLong ? -lp : lp);
        if (side.Queue.Count > 1024 && side.Queue.Count > 4 * _filed.Count)
        {
            Rebuild(side, instrument, isLong);
        }
    }

    private void Take(Side side, int instrument, double mark, bool isLong, List<CrossedPosition> crossed)
    {
        var start = crossed.Count;
        while (side.Queue.TryPeek(out var entry, out _) && (isLong ? entry.Lp >= mark : entry.Lp <= mark))
        {
            side.Queue.Dequeue();
            // Current only if the position is still filed under this price, on this side.
            var account = _book.AccountAt(entry.Slot);
            var position = account.IndexOf(instrument);
            if (position < 0 || !_filed.TryGetValue((entry.Slot, instrument), out var lp) || lp != entry.Lp
                || (account.TermsRefAt(position).Size > 0) != isLong)
            {
                continue;
            }

            _filed.Remove((entry.Slot, instrument));
            crossed.Add(new CrossedPosition(account, instrument, entry.Lp, isLong));
        }

        // Most crossed first, ties by account slot: the order does not hang on the queue's handling of equal keys.
        crossed.Sort(start, crossed.Count - start, isLong ? CrossedOrder.Longs : CrossedOrder.Shorts);
    }

    private sealed class CrossedOrder(bool longs) : IComparer<CrossedPosition>
    {
        public static readonly CrossedOrder Longs = new(true);
        public static readonly CrossedOrder Shorts = new(false);

        public int Compare(CrossedPosition x, CrossedPosition y)
        {
            var byPrice = longs ? y.LiquidationPrice.CompareTo(x.LiquidationPrice) : x.LiquidationPrice.CompareTo(y.LiquidationPrice);
            return byPrice != 0 ? byPrice : x.Account.Slot.CompareTo(y.Account.Slot);
        }
    }

    private void Rebuild(Side side, int instrument, bool isLong)
    {
        side.Queue.Clear();
        foreach (var ((slot, filedInstrument), lp) in _filed)
        {
            if (filedInstrument != instrument)
            {
                continue;
            }

            var account = _book.AccountAt(slot);
            var position = account.IndexOf(instrument);
            if (position >= 0 && (account.TermsRefAt(position).Size > 0) == isLong)
            {
                side.Queue.Enqueue((slot, lp), isLong ? -lp : lp);
            }
        }
    }

    private sealed class Side
    {
        public PriorityQueue<(int Slot, double Lp), double> Queue { get; } = new();
    }
}
