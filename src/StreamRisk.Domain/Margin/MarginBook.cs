using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Margin;

/// <summary>
/// In-memory margin state of every account under one venue profile. Applying a balance or position
/// change recomputes only that account (O(k) for its k positions); a mark update recomputes only the
/// accounts holding that symbol. Single writer: the engine thread owns it, no locks inside.
/// </summary>
public sealed class MarginBook
{
    private readonly Dictionary<AccountId, AccountState> _accounts = [];
    private readonly List<AccountState> _bySlot = [];
    private readonly List<HolderSet> _holders = [];
    private readonly List<double> _marks = [];
    private readonly List<long> _markCounts = [];

    public MarginBook(MarginProfile profile, InstrumentCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(catalog);
        Profile = profile;
        Catalog = catalog;
    }

    public MarginProfile Profile { get; }

    public InstrumentCatalog Catalog { get; }

    public int AccountCount => _accounts.Count;

    public IReadOnlyList<AccountState> Accounts => _bySlot;

    /// <summary>Every account by slot, without an enumerator or interface call per account (a pass over a million of them).</summary>
    public ReadOnlySpan<AccountState> AccountSlots => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_bySlot);

    /// <summary>Accounts recomputed by marks so far (the skipped ones are not counted): what a revaluation costs.</summary>
    public long MarkRecomputations { get; private set; }

    /// <summary>Follows every position change (the liquidation ladders); null for none.</summary>
    public IMarginListener? Listener { get; set; }

    /// <summary>The last mark of an instrument; NaN before the first one.</summary>
    public double MarkOf(int instrumentIndex) => instrumentIndex < _marks.Count ? _marks[instrumentIndex] : double.NaN;

    /// <summary>How many marks an instrument has had: a skipped account sees it has one to catch up on.</summary>
    internal long MarkCountOf(int instrumentIndex) => instrumentIndex < _markCounts.Count ? _markCounts[instrumentIndex] : 0;

    /// <summary>The accounts holding an instrument (entries may be null: freed slots).</summary>
    internal HolderSet HoldersOf(int instrumentIndex)
    {
        EnsureInstrumentSlots();
        return _holders[instrumentIndex];
    }

    public bool TryGetAccount(AccountId id, out AccountState account) => _accounts.TryGetValue(id, out account!);

    /// <summary>Registers or replaces an instrument spec; accounts holding it are recomputed with the new tiers.</summary>
    public int ApplyInstrument(Instrument instrument)
    {
        var index = Catalog.Upsert(instrument);
        EnsureInstrumentSlots();
        var holders = _holders[index];
        for (var entry = 0; entry < holders.Used; entry++)
        {
            if (holders[entry] is not { } account)
            {
                continue;
            }

            account.UpdateInstrument(account.IndexOf(index), instrument);
            Recompute(account);
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
            // Skipped: nothing the ladders hold can move (see AccountState.IgnoresMark), so the figures are brought up
            // to date when read. Most single-symbol accounts are like this, and they are most of the holders.
            if (holders.Skips(entry) || holders[entry] is not { } account)
            {
                continue;
            }

            account.UpdateMark(account.IndexOf(instrumentIndex), mark);
            Recompute(account, repriced: true);
            recomputed++;
        }

        MarkRecomputations += recomputed;
        return recomputed;
    }

    /// <summary>Sets an account's cross wallet balance.</summary>
    public AccountState ApplyBalance(AccountId id, double balance)
    {
        var account = GetOrAdd(id);
        account.Balance = balance;
        Recompute(account);
        return account;
    }

    /// <summary>
    /// Sets (or, with size 0, closes) an account's position on an instrument. Isolated margin NaN means cross.
    /// Until the instrument's first mark arrives the position is marked at its entry.
    /// </summary>
    public AccountState ApplyPosition(AccountId id, int instrumentIndex, double size, double entry, double isolatedMargin)
    {
        var account = GetOrAdd(id);
        SetPosition(account, instrumentIndex, size, entry, isolatedMargin);
        Recompute(account);
        return account;
    }

    /// <summary>Replaces an account's whole state (balance and every position) with a snapshot.</summary>
    public AccountState ApplyAccount(AccountId id, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions)
    {
        var account = GetOrAdd(id);
        for (var i = account.PositionCount - 1; i >= 0; i--)
        {
            var instrument = account.InstrumentIndexAt(i);
            _holders[instrument].Remove(account.HolderEntryAt(i));
            Listener?.PositionClosed(account, instrument);
        }

        account.Clear();
        account.Balance = balance;
        foreach (var (instrument, size, entry, isolated) in positions)
        {
            SetPosition(account, instrument, size, entry, isolated);
        }

        Recompute(account);
        return account;
    }

    private void SetPosition(AccountState account, int instrumentIndex, double size, double entry, double isolatedMargin)
    {
        EnsureInstrumentSlots();
        if (size == 0)
        {
            var closing = account.IndexOf(instrumentIndex);
            if (closing >= 0)
            {
                // Listeners hear of it while the position is still there: the ladders take its contribution out.
                Listener?.PositionClosed(account, instrumentIndex);
                _holders[instrumentIndex].Remove(account.HolderEntryAt(closing));
                account.Remove(instrumentIndex);
            }

            return;
        }

        var mark = _marks[instrumentIndex];
        var (position, added) = account.Set(instrumentIndex, new PositionTerms(Catalog[instrumentIndex], size, entry, isolatedMargin, double.IsNaN(mark) ? entry : mark));
        if (added)
        {
            account.SetHolderEntry(position, _holders[instrumentIndex].Add(account));
        }
    }

    private AccountState GetOrAdd(AccountId id)
    {
        if (!_accounts.TryGetValue(id, out var account))
        {
            account = new AccountState(id, _bySlot.Count, this);
            _accounts.Add(id, account);
            _bySlot.Add(account);
        }

        return account;
    }

    /// <param name="repriced">Only marks changed (no size): listeners are told through <see cref="IMarginListener.PositionRepriced"/>.</param>
    private void Recompute(AccountState account, bool repriced = false)
    {
        account.Recompute(Profile);
        if (repriced)
        {
            // Only marks moved: what the holder arrays record (sizes, entries, margins, balance) did not, and leaving
            // them untouched keeps a revaluation from reading and writing them for every holder (cache misses at 1M).
            for (var i = 0; i < account.PositionCount; i++)
            {
                _holders[account.InstrumentIndexAt(i)].SetSkips(account.HolderEntryAt(i), account.IgnoresMark(i));
            }
        }
        else
        {
            var crossPositions = 0;
            for (var i = 0; i < account.PositionCount; i++)
            {
                if (!account.TermsRefAt(i).IsIsolated)
                {
                    crossPositions++;
                }
            }

            for (var i = 0; i < account.PositionCount; i++)
            {
                var holders = _holders[account.InstrumentIndexAt(i)];
                holders.SetSkips(account.HolderEntryAt(i), account.IgnoresMark(i));
                holders.SetShape(account.HolderEntryAt(i), account, i, crossPositions);
            }
        }

        if (Listener is { } listener)
        {
            // A cross account's LPs all move together, so every position is reported, not only the changed one.
            for (var i = 0; i < account.PositionCount; i++)
            {
                if (repriced)
                {
                    listener.PositionRepriced(account, i);
                }
                else
                {
                    listener.PositionUpdated(account, i);
                }
            }
        }
    }

    private void EnsureInstrumentSlots()
    {
        while (_holders.Count < Catalog.Count)
        {
            _holders.Add(new HolderSet());
            _marks.Add(double.NaN);
            _markCounts.Add(0);
        }
    }
}
