namespace StreamRisk.Domain.Margin;

/// <summary>
/// The accounts holding one instrument, iterated by a mark update: a dense array of account slots (rows of the
/// <see cref="MarginBook"/>), so a mark walks every holder without hashing.
/// </summary>
/// <remarks>
/// Iteration order is deliberately that of a <c>HashSet&lt;int&gt;</c> of slots (entries in insertion order, a removed entry's
/// place reused by the next add, last freed first): the order in which holders are recomputed decides the order of
/// ladder updates, hence the treap's priorities and the exact rounding of its running sums (the exact ladder of
/// <c>project</c>; the engine's bucketed ladders sum integers in any order). A property test checks the order. Single writer.
/// </remarks>
internal sealed class HolderSet
{
    private const int None = -1;

    // The account slot per entry. A removed entry holds −2 − (the next free entry), −1 ending the free list: every
    // negative value reads as "no account", and the free list costs no array of its own.
    private int[] _entries = new int[16];

    // Per entry: a mark of this instrument can be skipped for that account (AccountState.IgnoresMark). Kept dense next
    // to the entries so a mark walks a byte array and touches only the accounts it must recompute.
    private bool[] _skips = new bool[16];

    // Per entry: what an ADL ranking needs of the position (size, entry, and what its equity is formed from), kept by
    // the margin book whenever the account changes — not when only marks move, since none of it moves with them. A
    // ranking walks every holder of the symbol once a second; reading these dense arrays instead of every account
    // object keeps that walk cheap (it is memory-bound).
    private HolderShape[] _shapes = new HolderShape[16];
    private double[] _sizes = new double[16];
    private double[] _entryPrices = new double[16];
    private double[] _collaterals = new double[16];
    private int _used;
    private int _freeList = None;

    public int Count { get; private set; }

    /// <summary>Entries up to this index may hold accounts (a negative slot where one was removed).</summary>
    public int Used => _used;

    /// <summary>The account slot of an entry; negative where an account was removed.</summary>
    public int this[int entry] => _entries[entry];

    public bool Skips(int entry) => _skips[entry];

    public void SetSkips(int entry, bool skips) => _skips[entry] = skips;

    /// <summary>The account slot of every entry up to <see cref="Used"/> (read-only view of the indexer's array, for a tight walk).</summary>
    public ReadOnlySpan<int> Slots => _entries.AsSpan(0, _used);

    /// <summary>How the ranking reads each entry's position (see <see cref="HolderShape"/>), every entry up to <see cref="Used"/>.</summary>
    public ReadOnlySpan<HolderShape> Shapes => _shapes.AsSpan(0, _used);

    /// <summary>The positions' signed sizes, every entry up to <see cref="Used"/>.</summary>
    public ReadOnlySpan<double> Sizes => _sizes.AsSpan(0, _used);

    /// <summary>The positions' entry prices, every entry up to <see cref="Used"/>.</summary>
    public ReadOnlySpan<double> EntryPrices => _entryPrices.AsSpan(0, _used);

    /// <summary>The positions' collaterals (see <see cref="HolderShape"/> for what each holds), every entry up to <see cref="Used"/>.</summary>
    public ReadOnlySpan<double> Collaterals => _collaterals.AsSpan(0, _used);

    /// <summary>
    /// Records what the ranking needs of a position <paramref name="p"/> of an account with cross wallet
    /// <paramref name="balance"/>: called by the margin book after every change of the account (positions, balance,
    /// instrument), so it is current whenever read.
    /// </summary>
    /// <param name="crossPositions">How many of the account's positions are cross.</param>
    public void SetShape(int entry, in PositionTerms p, double balance, int crossPositions)
    {
        _sizes[entry] = p.Size;
        _entryPrices[entry] = p.Entry;
        if (p.IsIsolated)
        {
            _shapes[entry] = HolderShape.Isolated;
            _collaterals[entry] = p.IsolatedMargin;
            return;
        }

        if (crossPositions == 1)
        {
            _shapes[entry] = HolderShape.LoneCross;
            _collaterals[entry] = balance;
            return;
        }

        // Two or more cross positions: the equity moves with every mark of any of them, so the ranking reads it from
        // the account (recording it here would make every revaluation write it for every such holder).
        _shapes[entry] = HolderShape.CrossShared;
        _collaterals[entry] = double.NaN;
    }

    /// <summary>
    /// Adds an account that does not hold the instrument yet; returns its entry, which the caller keeps with the
    /// position (<see cref="AccountState"/>'s leg): no slot-to-entry table per instrument (4 bytes per account per
    /// instrument, held or not).
    /// </summary>
    public int Add(int slot)
    {
        int entry;
        if (_freeList != None)
        {
            entry = _freeList;
            _freeList = -2 - _entries[entry];
        }
        else
        {
            if (_used == _entries.Length)
            {
                // A quarter more at a time: a symbol's holders are a million entries at venue scale.
                var length = _used + Math.Max(16, _used / 4);
                Array.Resize(ref _entries, length);
                Array.Resize(ref _skips, length);
                Array.Resize(ref _shapes, length);
                Array.Resize(ref _sizes, length);
                Array.Resize(ref _entryPrices, length);
                Array.Resize(ref _collaterals, length);
            }

            entry = _used++;
        }

        _entries[entry] = slot;
        _skips[entry] = false;
        _shapes[entry] = HolderShape.Unknown; // until the margin book records it
        Count++;
        return entry;
    }

    public void Remove(int entry)
    {
        _entries[entry] = -2 - _freeList;
        _freeList = entry;
        Count--;
    }
}

/// <summary>How an ADL ranking reads a holder (see <see cref="HolderSet.SetShape"/>).</summary>
internal enum HolderShape : byte
{
    /// <summary>Not recorded yet: the ranking reads the account's own figures.</summary>
    Unknown,

    /// <summary>The account's only cross position: equity is the wallet balance (the collateral) plus its PnL.</summary>
    LoneCross,

    /// <summary>An isolated position: equity is its isolated margin (the collateral) plus its PnL.</summary>
    Isolated,

    /// <summary>One of two or more cross positions: equity is the account's cross equity, read from the account.</summary>
    CrossShared,
}
