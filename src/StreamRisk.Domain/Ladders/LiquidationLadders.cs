using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Ladders;

/// <summary>
/// The liquidation ladders of every symbol (a long and a short side each), kept in step with a
/// <see cref="MarginBook"/> as its <see cref="IMarginListener"/>. Positions without a finite liquidation
/// price are not on any ladder (no mark move liquidates them). Single writer: the engine thread.
/// </summary>
public sealed class LiquidationLadders : IMarginListener
{
    private readonly List<(LiquidationLadder Longs, LiquidationLadder Shorts)> _bySymbol = [];
    // Position id + 1 (0 = none) by instrument then account slot: a mark looks the id of every holder up, so this is an
    // array index rather than a hash lookup. Slots and instrument indexes are dense, so the arrays stay compact.
    private int[][] _ids = [];
    private readonly Stack<int> _freeIds = new();
    private (double Lp, double Size, double Bp)[] _last = new (double, double, double)[64];
    private int _nextId;

    /// <summary>Creates ladders that follow <paramref name="book"/> from now on (attach before the first event).</summary>
    public static LiquidationLadders Follow(MarginBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        var ladders = new LiquidationLadders();
        book.Listener = ladders;
        return ladders;
    }

    /// <summary>One side of one instrument's ladder (empty if the instrument has no positions yet).</summary>
    public LiquidationLadder Side(int instrumentIndex, bool longSide)
    {
        var pair = Pair(instrumentIndex);
        return longSide ? pair.Longs : pair.Shorts;
    }

    public void PositionUpdated(AccountState account, int position)
    {
        var instrument = account.InstrumentIndexAt(position);
        var id = IdOf(account.Slot, instrument);
        var terms = account.Positions[position];
        var margin = account.PositionMargins[position];
        var (longs, shorts) = Pair(instrument);
        var isLong = terms.Size > 0;
        (isLong ? shorts : longs).Remove(id);
        var side = isLong ? longs : shorts;
        // A mark move recomputes every holder, but a single-symbol position's LP does not depend on its own mark:
        // most updates change nothing on the ladder, and skipping them saves a treap remove + insert each.
        if (id >= _last.Length)
        {
            Array.Resize(ref _last, Math.Max(id + 1, _last.Length * 2));
        }

        var now = (margin.LiquidationPrice, terms.Size, margin.BankruptcyPrice);
        if (_last[id] == now && side.Contains(id) == margin.HasLiquidationPrice)
        {
            return;
        }

        _last[id] = now;
        if (margin.HasLiquidationPrice)
        {
            // No finite bankruptcy price (equity never reaches zero on that side) settles at the LP: no fund impact
            // beyond the fill, and no NaN poisoning the ladder's running sums.
            var bankruptcy = double.IsNaN(margin.BankruptcyPrice) ? margin.LiquidationPrice : margin.BankruptcyPrice;
            side.Upsert(id, margin.LiquidationPrice, terms.Size, bankruptcy);
        }
        else
        {
            side.Remove(id);
        }
    }

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        ref var entry = ref IdEntry(account.Slot, instrumentIndex);
        if (entry != 0)
        {
            var id = entry - 1;
            entry = 0;
            var (longs, shorts) = Pair(instrumentIndex);
            longs.Remove(id);
            shorts.Remove(id);
            _last[id] = default;
            _freeIds.Push(id);
        }
    }

    private (LiquidationLadder Longs, LiquidationLadder Shorts) Pair(int instrumentIndex)
    {
        while (_bySymbol.Count <= instrumentIndex)
        {
            _bySymbol.Add((new LiquidationLadder(longSide: true), new LiquidationLadder(longSide: false)));
        }

        return _bySymbol[instrumentIndex];
    }

    private int IdOf(int slot, int instrument)
    {
        ref var entry = ref IdEntry(slot, instrument);
        if (entry == 0)
        {
            entry = (_freeIds.Count > 0 ? _freeIds.Pop() : _nextId++) + 1;
        }

        return entry - 1;
    }

    private ref int IdEntry(int slot, int instrument)
    {
        if (instrument >= _ids.Length)
        {
            var old = _ids.Length;
            Array.Resize(ref _ids, instrument + 1);
            for (var i = old; i < _ids.Length; i++)
            {
                _ids[i] = new int[1024];
            }
        }

        ref var ids = ref _ids[instrument];
        if (slot >= ids.Length)
        {
            Array.Resize(ref ids, Math.Max(slot + 1, ids.Length * 2));
        }

        return ref ids[slot];
    }
}
