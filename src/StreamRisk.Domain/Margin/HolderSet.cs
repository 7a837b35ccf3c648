namespace StreamRisk.Domain.Margin;

/// <summary>
/// The accounts holding one instrument, iterated by a mark update. Replaces a <c>HashSet&lt;int&gt;</c> of slots: a mark
/// walks every holder, and a dense array of account references walks without hashing or a slot-to-account lookup.
/// </summary>
/// <remarks>
/// Iteration order is deliberately the one <c>HashSet&lt;int&gt;</c> had (entries in insertion order, a removed entry's
/// place reused by the next add, last freed first): the order in which holders are recomputed decides the order of
/// ladder updates, hence the treap's priorities and the exact rounding of its running sums, so outputs stay
/// byte-identical to earlier builds. A property test checks the order against <c>HashSet&lt;int&gt;</c>. Single writer.
/// </remarks>
internal sealed class HolderSet
{
    private const int None = -1;

    private AccountState?[] _entries = new AccountState?[16];

    // Per entry: a mark of this instrument can be skipped for that account (AccountState.IgnoresMark). Kept dense next
    // to the entries so a mark walks a byte array and touches only the accounts it must recompute.
    private bool[] _skips = new bool[16];
    private int[] _nextFree = new int[16];
    private int _used;
    private int _freeList = None;

    public int Count { get; private set; }

    /// <summary>Entries up to this index may hold accounts (null where one was removed).</summary>
    public int Used => _used;

    public AccountState? this[int entry] => _entries[entry];

    public bool Skips(int entry) => _skips[entry];

    public void SetSkips(int entry, bool skips) => _skips[entry] = skips;

    /// <summary>
    /// Adds an account that does not hold the instrument yet; returns its entry, which the caller keeps with the
    /// position (<see cref="AccountState"/>'s leg): no slot-to-entry table per instrument (4 bytes per account per
    /// instrument, held or not).
    /// </summary>
    public int Add(AccountState account)
    {
        int entry;
        if (_freeList != None)
        {
            entry = _freeList;
            _freeList = _nextFree[entry];
        }
        else
        {
            if (_used == _entries.Length)
            {
                Array.Resize(ref _entries, _used * 2);
                Array.Resize(ref _nextFree, _used * 2);
                Array.Resize(ref _skips, _used * 2);
            }

            entry = _used++;
        }

        _entries[entry] = account;
        _skips[entry] = false;
        Count++;
        return entry;
    }

    public void Remove(int entry)
    {
        _entries[entry] = null;
        _nextFree[entry] = _freeList;
        _freeList = entry;
        Count--;
    }
}
