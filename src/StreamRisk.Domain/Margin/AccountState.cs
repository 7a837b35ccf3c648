using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Margin;

/// <summary>
/// One account's inputs and derived margin figures, kept current by <see cref="MarginBook"/> (its only
/// writer). Readers on other threads must take snapshots through the engine, never read this directly.
/// </summary>
/// <remarks>
/// A mark may skip an account (see <see cref="MarginBook.ApplyMark"/>): only when no liquidation or bankruptcy
/// price of it can move, so the ladders need nothing. Its mark-dependent figures (notional, PnL, MM, equity, distance)
/// are then brought up to date on first read, by the same pure computation over the same inputs, so every reader sees
/// exactly what an eager recomputation would have given. Reads happen on the engine thread, like writes.
/// </remarks>
public sealed class AccountState
{
    private PositionTerms[] _terms;
    private PositionMargin[] _results;
    private Leg[] _legs;
    private readonly MarginBook? _book;

    internal AccountState(AccountId id, int slot, MarginBook? book = null)
    {
        Id = id;
        Slot = slot;
        _book = book;
        // Room for one position: most accounts hold one, and every array slot is paid for by every account (memory
        // per position at a million accounts); a second leg doubles them.
        _terms = new PositionTerms[1];
        _results = new PositionMargin[1];
        _legs = new Leg[1];
    }

    public AccountId Id { get; }

    /// <summary>Dense index of the account inside its <see cref="MarginBook"/>.</summary>
    public int Slot { get; }

    /// <summary>Cross wallet balance (isolated margins are held per position, outside it).</summary>
    public double Balance { get; internal set; }

    public int PositionCount { get; private set; }

    public AccountMargin Margin
    {
        get
        {
            Refresh();
            return field;
        }

        private set;
    }

    /// <summary>Incremented on every recomputation: lets tests prove an event touched only its account.</summary>
    public long Version
    {
        get
        {
            Refresh();
            return field;
        }

        private set;
    }

    public ReadOnlySpan<PositionTerms> Positions
    {
        get
        {
            Refresh();
            return _terms.AsSpan(0, PositionCount);
        }
    }

    public ReadOnlySpan<PositionMargin> PositionMargins
    {
        get
        {
            Refresh();
            return _results.AsSpan(0, PositionCount);
        }
    }

    /// <summary>
    /// True when a mark of this position's instrument can move no liquidation or bankruptcy price of the account (set by
    /// the last recomputation): the position is isolated or the account's only cross position, and its own LP does not
    /// depend on its mark.
    /// </summary>
    internal bool IgnoresMark(int position) => _legs[position].IgnoresMark;

    public int InstrumentIndexAt(int position) => _legs[position].Instrument;

    /// <summary>The position's ladder contribution, for the one <see cref="Ladders.PartialLadders"/> following the book.</summary>
    internal ref Ladders.LadderContribution LadderAt(int position) => ref _legs[position].Ladder;

    internal int HolderEntryAt(int position) => _legs[position].HolderEntry;

    internal void SetHolderEntry(int position, int entry) => _legs[position].HolderEntry = entry;

    /// <summary>A position's terms as last stored, without bringing marks up to date (size, entry, margin and instrument are current; the mark may not be).</summary>
    internal PositionTerms RawTermsAt(int position) => _terms[position];

    /// <summary>The position's figures as last computed (no copy, no refresh): for listeners called right after a recomputation.</summary>
    internal ref readonly PositionMargin MarginRefAt(int position) => ref _results[position];

    /// <summary>The position's terms as held (no copy, no refresh: size, entry and margin mode do not move with marks).</summary>
    internal ref readonly PositionTerms TermsRefAt(int position) => ref _terms[position];

    internal int IndexOf(int instrumentIndex)
    {
        for (var i = 0; i < PositionCount; i++)
        {
            if (_legs[i].Instrument == instrumentIndex)
            {
                return i;
            }
        }

        return -1;
    }

    /// <returns>The position's index, and whether it is new (the caller files it with the instrument's holders).</returns>
    internal (int Position, bool Added) Set(int instrumentIndex, in PositionTerms terms)
    {
        var i = IndexOf(instrumentIndex);
        var added = i < 0;
        if (added)
        {
            if (PositionCount == _terms.Length)
            {
                Array.Resize(ref _terms, PositionCount * 2);
                Array.Resize(ref _results, PositionCount * 2);
                Array.Resize(ref _legs, PositionCount * 2);
            }

            i = PositionCount++;
            _legs[i] = new Leg { Instrument = instrumentIndex };
        }

        _terms[i] = terms;
        return (i, added);
    }

    internal bool Remove(int instrumentIndex)
    {
        var i = IndexOf(instrumentIndex);
        if (i < 0)
        {
            return false;
        }

        var last = --PositionCount;
        _terms[i] = _terms[last];
        _legs[i] = _legs[last];
        _terms[last] = default;
        return true;
    }

    internal void Clear()
    {
        Array.Clear(_terms, 0, PositionCount);
        Array.Clear(_legs, 0, PositionCount);
        PositionCount = 0;
    }

    internal void UpdateMark(int position, double mark) => _terms[position] = _terms[position] with { Mark = mark };

    internal void UpdateInstrument(int position, Instrument instrument) => _terms[position] = _terms[position] with { Instrument = instrument };

    /// <summary>Recomputes from scratch with the book's current marks and classifies which marks can be skipped.</summary>
    internal void Recompute(MarginProfile profile)
    {
        ApplyCurrentMarks();
        Compute(profile);
        ClassifyMarks(profile);
    }

    // A skipped mark shows as a position that has not seen its instrument's latest mark.
    private void Refresh()
    {
        if (_book is null)
        {
            return;
        }

        for (var i = 0; i < PositionCount; i++)
        {
            if (_legs[i].MarksSeen != _book.MarkCountOf(_legs[i].Instrument))
            {
                ApplyCurrentMarks();
                Compute(_book.Profile);
                return;
            }
        }
    }

    private void ApplyCurrentMarks()
    {
        if (_book is null)
        {
            return;
        }

        for (var i = 0; i < PositionCount; i++)
        {
            var instrument = _legs[i].Instrument;
            _legs[i].MarksSeen = _book.MarkCountOf(instrument);
            var mark = _book.MarkOf(instrument);
            if (!double.IsNaN(mark) && _terms[i].Mark != mark)
            {
                UpdateMark(i, mark);
            }
        }
    }

    private void Compute(MarginProfile profile)
    {
        Margin = MarginCalculator.Compute(profile, Balance, _terms.AsSpan(0, PositionCount), _results);
        Version++;
    }

    // Mirrors how MarginCalculator.Compute forms each position's collateral and other MM: for an isolated position they
    // are its own margin and 0; for the only cross position, balance + ((0 + pnl) − pnl) and (0 + mm) − mm, which are
    // the same bits whatever the pnl and mm, so they do not move with the mark either.
    private void ClassifyMarks(MarginProfile profile)
    {
        var crossCount = 0;
        for (var i = 0; i < PositionCount; i++)
        {
            if (!_terms[i].IsIsolated)
            {
                crossCount++;
            }
        }

        for (var i = 0; i < PositionCount; i++)
        {
            ref readonly var p = ref _terms[i];
            var own = _results[i];
            double collateral, otherMm;
            if (p.IsIsolated)
            {
                collateral = p.IsolatedMargin;
                otherMm = 0;
            }
            else if (crossCount == 1)
            {
                collateral = Balance + ((0.0 + own.UnrealizedPnl) - own.UnrealizedPnl);
                otherMm = (0.0 + own.MaintenanceMargin) - own.MaintenanceMargin;
            }
            else
            {
                _legs[i].IgnoresMark = false;
                continue;
            }

            _legs[i].IgnoresMark = double.IsFinite(own.UnrealizedPnl) && double.IsFinite(own.MaintenanceMargin)
                && MarginCalculator.LiquidationPriceIgnoresMark(profile.TierBasis, in p, collateral, otherMm, own.LiquidationPrice);
        }
    }

    /// <summary>
    /// Per position: its instrument, whether a mark of it can be skipped, the mark count it last saw, and its ladder
    /// contribution — one array, next to the position, instead of three arrays and a dictionary entry per position.
    /// </summary>
    private struct Leg
    {
        public int Instrument;
        public bool IgnoresMark;
        public long MarksSeen;

        /// <summary>Where the account sits in the instrument's <see cref="HolderSet"/>.</summary>
        public int HolderEntry;

        /// <summary>What the position adds to its symbol's bucketed ladder now (kept by the book's <see cref="Ladders.PartialLadders"/>).</summary>
        public Ladders.LadderContribution Ladder;
    }
}
