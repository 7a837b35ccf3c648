using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Margin;

/// <summary>
/// In-memory margin state of every account under one venue profile. Applying a balance or position
/// change recomputes only that account (O(k) for its k positions); a mark update recomputes only the
/// accounts holding that symbol. Single writer: the engine thread owns it, no locks inside.
/// </summary>
/// <remarks>
/// Columnar: an account is a row of <see cref="AccountRow"/>s and its positions a run of rows in three flat arrays
/// (terms, figures, legs), so a million accounts are a handful of arrays rather than a million objects with three
/// arrays each, and a revaluation reads each holder's legs in one sequential run. <see cref="AccountState"/> is a view
/// of a row. A run has room for a power of two of positions; an account that outgrows it moves to a run twice the
/// size and its old run is reused by the next account that needs that size.
/// </remarks>
public sealed class MarginBook
{
    // Accounts are found by their key in the id table (shared with the decoder, which names them by key): the book's
    // own slot + 1 of each key (0 = not in the book). The book numbers its accounts in the order they first change, so
    // ids the decoder saw but the book never held leave no holes; each account's id string is made once, when it joins.
    private int[] _slotOfKey = new int[1024];
    private readonly RowSegments<AccountId> _ids = new();
    private readonly RowSegments<AccountRow> _rows = new();
    private int _accountCount;

    // Position rows: an account's positions are rows [First, First + Count) of these, in the account's own order.
    private readonly RowSegments<PositionTerms> _terms = new();
    private readonly RowSegments<PositionMargin> _results = new();
    private readonly RowSegments<Leg> _legs = new();
    private int _positionRowsUsed;

    // Released runs by size class (a run of 2^k rows), reused before the arrays grow.
    private readonly List<Stack<int>> _freeRuns = [];

    // Per instrument, by index (arrays: a revaluation reads them for every leg of every holder).
    private HolderSet[] _holders = [];
    private double[] _marks = [];
    private long[] _markCounts = [];

    /// <param name="ids">The account id table to key accounts by: the decoder's, so a message's account is found by its
    /// key; a table of its own when null.</param>
    public MarginBook(MarginProfile profile, InstrumentCatalog catalog, AccountIdTable? ids = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(catalog);
        Profile = profile;
        Catalog = catalog;
        Ids = ids ?? new AccountIdTable();
    }

    /// <summary>The id table accounts are keyed by.</summary>
    public AccountIdTable Ids { get; }

    public MarginProfile Profile { get; }

    public InstrumentCatalog Catalog { get; }

    public int AccountCount => _accountCount;

    /// <summary>Every account by slot.</summary>
    public IReadOnlyList<AccountState> Accounts => new AccountList(this);

    /// <summary>The account of a slot (0 to <see cref="AccountCount"/> − 1).</summary>
    public AccountState AccountAt(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, _accountCount);
        return new AccountState(this, slot);
    }

    /// <summary>Accounts recomputed by marks so far (the skipped ones are not counted): what a revaluation costs.</summary>
    public long MarkRecomputations { get; private set; }

    /// <summary>Follows every position change (the liquidation ladders); null for none.</summary>
    public IMarginListener? Listener { get; set; }

    /// <summary>The last mark of an instrument; NaN before the first one.</summary>
    public double MarkOf(int instrumentIndex) => (uint)instrumentIndex < (uint)_marks.Length ? _marks[instrumentIndex] : double.NaN;

    /// <summary>How many marks an instrument has had: a skipped account sees it has one to catch up on.</summary>
    internal long MarkCountOf(int instrumentIndex) => (uint)instrumentIndex < (uint)_markCounts.Length ? _markCounts[instrumentIndex] : 0;

    /// <summary>The accounts holding an instrument (entries may be empty: freed places).</summary>
    internal HolderSet HoldersOf(int instrumentIndex)
    {
        EnsureInstrumentSlots();
        return _holders[instrumentIndex];
    }

    /// <summary>Every account holding a position on the instrument, into <paramref name="into"/> (cleared first), in holder order.</summary>
    public void CollectHolders(int instrumentIndex, List<AccountState> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        if ((uint)instrumentIndex >= (uint)Catalog.Count)
        {
            return;
        }

        var holders = HoldersOf(instrumentIndex);
        for (var entry = 0; entry < holders.Used; entry++)
        {
            if (holders[entry] is >= 0 and var slot)
            {
                into.Add(new AccountState(this, slot));
            }
        }
    }

    public bool TryGetAccount(AccountId id, out AccountState account)
    {
        if (id.Value is not null && Ids.TryGetSlot(id.Value, out var key))
        {
            return TryGetAccount(new AccountKey(key), out account);
        }

        account = default;
        return false;
    }

    public bool TryGetAccount(AccountKey key, out AccountState account)
    {
        if ((uint)key.Value < (uint)_slotOfKey.Length && _slotOfKey[key.Value] is > 0 and var slotPlusOne)
        {
            account = new AccountState(this, slotPlusOne - 1);
            return true;
        }

        account = default;
        return false;
    }

    /// <summary>Registers or replaces an instrument spec; accounts holding it are recomputed with the new tiers.</summary>
    public int ApplyInstrument(Instrument instrument)
    {
        var index = Catalog.Upsert(instrument);
        EnsureInstrumentSlots();
        var holders = _holders[index];
        for (var entry = 0; entry < holders.Used; entry++)
        {
            var slot = holders[entry];
            if (slot < 0)
            {
                continue;
            }

            ref var terms = ref _terms[_rows[slot].First + IndexOf(slot, index)];
            terms = terms with { Instrument = instrument };
            Recompute(slot);
        }

        return index;
    }

    /// <summary>
    /// A new mark for one instrument: recomputes every account holding it whose liquidation or bankruptcy prices can
    /// move with it, and leaves the others to be recomputed when read (same figures, see <see cref="AccountState"/>);
    /// listeners hear only of the recomputed ones. No other account is touched.
    /// </summary>
    /// <returns>How many accounts were recomputed.</returns>
    public int ApplyMark(int instrumentIndex, double mark)
    {
        EnsureInstrumentSlots();
        _marks[instrumentIndex] = mark;
        _markCounts[instrumentIndex]++;
        var holders = _holders[instrumentIndex];
        var recomputed = 0;
        for (var entry = 0; entry < holders.Used; entry++)
        {
            PrefetchAhead(holders, entry);

            // Skipped: nothing the ladders hold can move (see AccountState.IgnoresMark), so the figures are brought up
            // to date when read. Most single-symbol accounts are like this, and they are most of the holders.
            if (holders.Skips(entry) || holders[entry] is not (>= 0 and var slot))
            {
                continue;
            }

            // The recomputation takes every leg's mark from the book, this one's included; a NaN mark (no price) is not
            // taken from the book, so it is written here.
            if (double.IsNaN(mark))
            {
                ref var terms = ref _terms[_rows[slot].First + IndexOf(slot, instrumentIndex)];
                terms = terms with { Mark = mark };
            }

            Recompute(slot, repriced: true);
            recomputed++;
        }

        MarkRecomputations += recomputed;
        return recomputed;
    }

    /// <summary>
    /// Asks the memory for the rows a revaluation reads next: the account row of the holder 16 entries on, and the
    /// position rows of the one 8 entries on (its account row asked for 8 entries ago), so the misses of holders in
    /// a random order overlap instead of each stalling the recomputation in turn.
    /// </summary>
    private void PrefetchAhead(HolderSet holders, int entry)
    {
        var far = entry + 16;
        if (far < holders.Used && !holders.Skips(far) && holders[far] is >= 0 and var farSlot)
        {
            PrefetchAccount(farSlot, positions: false);
        }

        var near = entry + 8;
        if (near < holders.Used && !holders.Skips(near) && holders[near] is >= 0 and var nearSlot)
        {
            PrefetchAccount(nearSlot, positions: true);
        }
    }

    /// <summary>
    /// A hint that the account's row (or, with <paramref name="positions"/>, its position rows, which needs the account
    /// row read) is read soon: a walk over a symbol's holders asks ahead of itself.
    /// </summary>
    private unsafe void PrefetchAccount(int slot, bool positions)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            return;
        }

        if (!positions)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref _rows[slot]));
            return;
        }

        var first = _rows[slot].First;
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref _terms[first]));
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref _results[first]));
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref _legs[first]));
    }

    /// <summary>Sets an account's cross wallet balance.</summary>
    public AccountState ApplyBalance(AccountId id, double balance) => ApplyBalance(KeyOf(id), balance);

    /// <inheritdoc cref="ApplyBalance(AccountId, double)"/>
    public AccountState ApplyBalance(AccountKey key, double balance)
    {
        var slot = GetOrAdd(key);
        _rows[slot].Balance = balance;
        Recompute(slot);
        return new AccountState(this, slot);
    }

    /// <summary>
    /// Sets (or, with size 0, closes) an account's position on an instrument. Isolated margin NaN means cross.
    /// Until the instrument's first mark arrives the position is marked at its entry.
    /// </summary>
    public AccountState ApplyPosition(AccountId id, int instrumentIndex, double size, double entry, double isolatedMargin) =>
        ApplyPosition(KeyOf(id), instrumentIndex, size, entry, isolatedMargin);

    /// <inheritdoc cref="ApplyPosition(AccountId, int, double, double, double)"/>
    public AccountState ApplyPosition(AccountKey key, int instrumentIndex, double size, double entry, double isolatedMargin)
    {
        var slot = GetOrAdd(key);
        SetPosition(slot, instrumentIndex, size, entry, isolatedMargin);
        Recompute(slot);
        return new AccountState(this, slot);
    }

    /// <summary>Replaces an account's whole state (balance and every position) with a snapshot.</summary>
    public AccountState ApplyAccount(AccountId id, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions) =>
        ApplyAccount(KeyOf(id), balance, positions);

    /// <inheritdoc cref="ApplyAccount(AccountId, double, ReadOnlySpan{ValueTuple{int, double, double, double}})"/>
    public AccountState ApplyAccount(AccountKey key, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions)
    {
        var slot = GetOrAdd(key);
        ref var row = ref _rows[slot];
        for (var i = row.Count - 1; i >= 0; i--)
        {
            ref readonly var leg = ref _legs[row.First + i];
            _holders[leg.Instrument].Remove(leg.HolderEntry);
            Listener?.PositionClosed(new AccountState(this, slot), leg.Instrument);
        }

        if (row.Count > 0)
        {
            _terms.Span(row.First, row.Count).Clear();
            _legs.Span(row.First, row.Count).Clear();
            row.Count = 0;
        }

        row.Balance = balance;
        foreach (var (instrument, size, entry, isolated) in positions)
        {
            SetPosition(slot, instrument, size, entry, isolated);
        }

        Recompute(slot);
        return new AccountState(this, slot);
    }

    internal AccountId IdAt(int slot) => _ids[slot];

    internal ref readonly AccountRow RowAt(int slot) => ref _rows[slot];

    internal ref Leg LegAt(int slot, int position) => ref _legs[PositionRow(slot, position)];

    internal ref readonly PositionTerms TermsRefAt(int slot, int position) => ref _terms[PositionRow(slot, position)];

    internal ref readonly PositionMargin MarginRefAt(int slot, int position) => ref _results[PositionRow(slot, position)];

    internal ReadOnlySpan<PositionTerms> TermsOf(int slot) => _terms.Span(_rows[slot].First, _rows[slot].Count);

    internal ReadOnlySpan<PositionMargin> MarginsOf(int slot) => _results.Span(_rows[slot].First, _rows[slot].Count);

    internal Span<Leg> LegsOf(int slot) => _legs.Span(_rows[slot].First, _rows[slot].Count);

    internal int IndexOf(int slot, int instrumentIndex)
    {
        ref readonly var row = ref _rows[slot];
        for (var i = 0; i < row.Count; i++)
        {
            if (_legs[row.First + i].Instrument == instrumentIndex)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Brings a skipped account up to date (a mark it has not seen shows as a leg behind its instrument's mark count).</summary>
    internal void Refresh(int slot)
    {
        ref readonly var row = ref _rows[slot];
        foreach (ref readonly var leg in _legs.Span(row.First, row.Count))
        {
            if (leg.MarksSeen != (int)MarkCountOf(leg.Instrument))
            {
                ApplyCurrentMarks(slot);
                Compute(slot);
                return;
            }
        }
    }

    private int PositionRow(int slot, int position)
    {
        ref readonly var row = ref _rows[slot];
        if ((uint)position >= (uint)row.Count)
        {
            ThrowNoPosition(position);
        }

        return row.First + position;
    }

    private void SetPosition(int slot, int instrumentIndex, double size, double entry, double isolatedMargin)
    {
        EnsureInstrumentSlots();
        if (size == 0)
        {
            var closing = IndexOf(slot, instrumentIndex);
            if (closing >= 0)
            {
                // Listeners hear of it while the position is still there: the ladders take its contribution out.
                Listener?.PositionClosed(new AccountState(this, slot), instrumentIndex);
                _holders[instrumentIndex].Remove(_legs[_rows[slot].First + closing].HolderEntry);
                RemovePosition(slot, closing);
            }

            return;
        }

        var mark = _marks[instrumentIndex];
        var terms = new PositionTerms(Catalog[instrumentIndex], size, entry, isolatedMargin, double.IsNaN(mark) ? entry : mark);
        var i = IndexOf(slot, instrumentIndex);
        if (i < 0)
        {
            i = AddPosition(slot, instrumentIndex);
            _terms[_rows[slot].First + i] = terms;
            _legs[_rows[slot].First + i].HolderEntry = _holders[instrumentIndex].Add(slot);
            return;
        }

        _terms[_rows[slot].First + i] = terms;
    }

    /// <returns>The new position's index in the account (its last).</returns>
    private int AddPosition(int slot, int instrumentIndex)
    {
        ref var row = ref _rows[slot];
        if (row.Count == row.Capacity)
        {
            // Twice the room (one for the first position: most accounts hold one), in a run of its own.
            var capacity = row.Capacity == 0 ? 1 : row.Capacity * 2;
            var first = TakeRun(capacity);
            row = ref _rows[slot];
            if (row.Capacity > 0)
            {
                _terms.Span(row.First, row.Count).CopyTo(_terms.Span(first, row.Count));
                _results.Span(row.First, row.Count).CopyTo(_results.Span(first, row.Count));
                _legs.Span(row.First, row.Count).CopyTo(_legs.Span(first, row.Count));
                ReleaseRun(row.First, row.Capacity);
            }

            row.First = first;
            row.Capacity = capacity;
        }

        var i = row.Count++;
        _legs[row.First + i] = new Leg { Instrument = instrumentIndex };
        return i;
    }

    // The last position takes the removed one's place (the order in which the account's positions are summed).
    private void RemovePosition(int slot, int position)
    {
        ref var row = ref _rows[slot];
        var last = --row.Count;
        _terms[row.First + position] = _terms[row.First + last];
        _legs[row.First + position] = _legs[row.First + last];
        _terms[row.First + last] = default;
    }

    private int TakeRun(int capacity)
    {
        var sizeClass = System.Numerics.BitOperations.Log2((uint)capacity);
        while (_freeRuns.Count <= sizeClass)
        {
            _freeRuns.Add(new Stack<int>());
        }

        if (_freeRuns[sizeClass].TryPop(out var reused))
        {
            return reused;
        }

        // A run is read as one span, so it stays inside one segment (the few rows left at a segment's end stay unused).
        var first = _positionRowsUsed;
        if ((first & (RowSegments<Leg>.SegmentRows - 1)) + capacity > RowSegments<Leg>.SegmentRows)
        {
            first = (first | (RowSegments<Leg>.SegmentRows - 1)) + 1;
        }

        _positionRowsUsed = first + capacity;
        _terms.EnsureCapacity(_positionRowsUsed);
        _results.EnsureCapacity(_positionRowsUsed);
        _legs.EnsureCapacity(_positionRowsUsed);
        return first;
    }

    private void ReleaseRun(int first, int capacity)
    {
        _terms.Span(first, capacity).Clear();
        _results.Span(first, capacity).Clear();
        _legs.Span(first, capacity).Clear();
        _freeRuns[System.Numerics.BitOperations.Log2((uint)capacity)].Push(first);
    }

    /// <summary>The key of an account named by a string (added to the id table when new).</summary>
    public AccountKey KeyOf(AccountId id)
    {
        ArgumentNullException.ThrowIfNull(id.Value, nameof(id));
        return new AccountKey(Ids.GetOrAdd(id.Value));
    }

    private int GetOrAdd(AccountKey key)
    {
        if ((uint)key.Value >= (uint)Ids.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(key), key.Value, "no account has this key in the id table");
        }

        if (key.Value >= _slotOfKey.Length)
        {
            Array.Resize(ref _slotOfKey, Math.Max(key.Value + 1, _slotOfKey.Length + (_slotOfKey.Length / 4)));
        }

        ref var slotPlusOne = ref _slotOfKey[key.Value];
        if (slotPlusOne == 0)
        {
            var slot = _accountCount++;
            _rows.EnsureCapacity(_accountCount);
            _ids.EnsureCapacity(_accountCount);
            _ids[slot] = Ids.IdAt(key.Value);
            slotPlusOne = slot + 1;
        }

        return slotPlusOne - 1;
    }

    /// <param name="repriced">Only marks changed (no size): listeners are told through <see cref="IMarginListener.PositionRepriced"/>.</param>
    private void Recompute(int slot, bool repriced = false)
    {
        ref var row = ref _rows[slot];
        var terms = _terms.Span(row.First, row.Count);
        var results = _results.Span(row.First, row.Count);
        var legs = _legs.Span(row.First, row.Count);
        ApplyCurrentMarks(terms, legs);
        Compute(ref row, terms, results);
        var skipsChanged = ClassifyMarks(row.Balance, terms, results, legs);
        if (repriced)
        {
            // Only marks moved: what the holder arrays record (sizes, entries, margins, balance) did not, and leaving
            // them untouched keeps a revaluation from reading and writing them for every holder (cache misses at 1M).
            // The skip flags mirror the legs' (every recomputation keeps them equal), so only a changed one is written.
            for (var i = 0; skipsChanged && i < legs.Length; i++)
            {
                _holders[legs[i].Instrument].SetSkips(legs[i].HolderEntry, legs[i].IgnoresMark);
            }
        }
        else
        {
            var crossPositions = 0;
            foreach (ref readonly var p in terms)
            {
                if (!p.IsIsolated)
                {
                    crossPositions++;
                }
            }

            for (var i = 0; i < legs.Length; i++)
            {
                var holders = _holders[legs[i].Instrument];
                holders.SetSkips(legs[i].HolderEntry, legs[i].IgnoresMark);
                holders.SetShape(legs[i].HolderEntry, in terms[i], row.Balance, crossPositions);
            }
        }

        if (Listener is { } listener)
        {
            // A cross account's LPs all move together, so every position is reported, not only the changed one.
            var account = new AccountState(this, slot);
            if (repriced)
            {
                listener.AccountRepriced(account);
                return;
            }

            for (var i = 0; i < legs.Length; i++)
            {
                listener.PositionUpdated(account, i);
            }
        }
    }

    private void ApplyCurrentMarks(int slot)
    {
        ref readonly var row = ref _rows[slot];
        ApplyCurrentMarks(_terms.Span(row.First, row.Count), _legs.Span(row.First, row.Count));
    }

    private void ApplyCurrentMarks(Span<PositionTerms> terms, Span<Leg> legs)
    {
        for (var i = 0; i < legs.Length; i++)
        {
            var instrument = legs[i].Instrument;
            legs[i].MarksSeen = (int)MarkCountOf(instrument);
            var mark = MarkOf(instrument);
            if (!double.IsNaN(mark) && terms[i].Mark != mark)
            {
                terms[i] = terms[i] with { Mark = mark };
            }
        }
    }

    private void Compute(int slot)
    {
        ref var row = ref _rows[slot];
        Compute(ref row, _terms.Span(row.First, row.Count), _results.Span(row.First, row.Count));
    }

    private void Compute(ref AccountRow row, ReadOnlySpan<PositionTerms> terms, Span<PositionMargin> results)
    {
        row.Margin = MarginCalculator.Compute(Profile, row.Balance, terms, results);
        row.Version++;
    }

    // Mirrors how MarginCalculator.Compute forms each position's collateral and other MM: for an isolated position they
    // are its own margin and 0; for the only cross position, balance + ((0 + pnl) − pnl) and (0 + mm) − mm, which are
    // the same bits whatever the pnl and mm, so they do not move with the mark either.
    /// <returns>Whether any leg's flag changed.</returns>
    private bool ClassifyMarks(double balance, ReadOnlySpan<PositionTerms> terms, ReadOnlySpan<PositionMargin> results, Span<Leg> legs)
    {
        var crossCount = 0;
        foreach (ref readonly var p in terms)
        {
            if (!p.IsIsolated)
            {
                crossCount++;
            }
        }

        var changed = false;
        for (var i = 0; i < legs.Length; i++)
        {
            var was = legs[i].IgnoresMark;
            ref readonly var p = ref terms[i];
            ref readonly var own = ref results[i];
            double collateral, otherMm;
            if (p.IsIsolated)
            {
                collateral = p.IsolatedMargin;
                otherMm = 0;
            }
            else if (crossCount == 1)
            {
                collateral = balance + ((0.0 + own.UnrealizedPnl) - own.UnrealizedPnl);
                otherMm = (0.0 + own.MaintenanceMargin) - own.MaintenanceMargin;
            }
            else
            {
                legs[i].IgnoresMark = false;
                changed |= was;
                continue;
            }

            legs[i].IgnoresMark = double.IsFinite(own.UnrealizedPnl) && double.IsFinite(own.MaintenanceMargin)
                && MarginCalculator.LiquidationPriceIgnoresMark(Profile.TierBasis, in p, collateral, otherMm, own.LiquidationPrice);
            changed |= was != legs[i].IgnoresMark;
        }

        return changed;
    }

    private void EnsureInstrumentSlots()
    {
        var count = _holders.Length;
        if (count >= Catalog.Count)
        {
            return;
        }

        Array.Resize(ref _holders, Catalog.Count);
        Array.Resize(ref _marks, Catalog.Count);
        Array.Resize(ref _markCounts, Catalog.Count);
        for (var i = count; i < Catalog.Count; i++)
        {
            _holders[i] = new HolderSet();
            _marks[i] = double.NaN;
        }
    }

    private static void ThrowNoPosition(int position) =>
        throw new ArgumentOutOfRangeException(nameof(position), position, "the account holds no position at this index");

    /// <summary>One account: its cross wallet balance, figures as last computed, and where its positions' rows are.</summary>
    internal struct AccountRow
    {
        public double Balance;
        public AccountMargin Margin;
        public long Version;

        /// <summary>The first of the account's position rows; its positions are rows [First, First + Count).</summary>
        public int First;
        public int Count;

        /// <summary>Rows the account's run has room for (a power of two; 0 before its first position).</summary>
        public int Capacity;
    }

    /// <summary>
    /// Per position: its instrument, whether a mark of it can be skipped, the mark count it last saw, and its ladder
    /// contribution, next to the position.
    /// </summary>
    internal struct Leg
    {
        public int Instrument;

        /// <summary>Where the account sits in the instrument's <see cref="HolderSet"/>.</summary>
        public int HolderEntry;

        /// <summary>
        /// The instrument's mark count when the position last took its mark, in 32 bits: it is only compared for
        /// equality with the count now, which could falsely match only after exactly 2³² marks unseen.
        /// </summary>
        public int MarksSeen;

        public bool IgnoresMark;

        /// <summary>What the position adds to its symbol's bucketed ladder now (kept by the book's <see cref="Ladders.PartialLadders"/>).</summary>
        public Ladders.LadderContribution Ladder;
    }

    /// <summary>The accounts by slot as a list of views.</summary>
    private sealed class AccountList(MarginBook book) : IReadOnlyList<AccountState>
    {
        public int Count => book._accountCount;

        public AccountState this[int index] => book.AccountAt(index);

        public IEnumerator<AccountState> GetEnumerator()
        {
            for (var slot = 0; slot < book._accountCount; slot++)
            {
                yield return new AccountState(book, slot);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
