namespace StreamRisk.Domain.Margin;

/// <summary>
/// One account of a <see cref="MarginBook"/>, read in place: its inputs and derived margin figures live in the book's
/// account and position rows (flat arrays), and this view names the row. It always shows the account as it is now, also
/// after later changes; the book is its only writer. Readers on other threads must take snapshots through the engine,
/// never read this directly.
/// </summary>
/// <remarks>
/// A mark may skip an account (see <see cref="MarginBook.ApplyMark"/>): only when no liquidation or bankruptcy
/// price of it can move, so the ladders need nothing. Its mark-dependent figures (notional, PnL, MM, equity, distance)
/// are then brought up to date on first read, by the same pure computation over the same inputs, so every reader sees
/// exactly what an eager recomputation would have given. Reads happen on the engine thread, like writes.
/// </remarks>
public readonly struct AccountState : IEquatable<AccountState>
{
    private readonly MarginBook _book;

    internal AccountState(MarginBook book, int slot)
    {
        _book = book;
        Slot = slot;
    }

    public AccountId Id => _book.IdAt(Slot);

    /// <summary>Dense index of the account inside its <see cref="MarginBook"/> (its row; never reused).</summary>
    public int Slot { get; }

    /// <summary>Cross wallet balance (isolated margins are held per position, outside it).</summary>
    public double Balance => _book.RowAt(Slot).Balance;

    public int PositionCount => _book.RowAt(Slot).Count;

    public AccountMargin Margin
    {
        get
        {
            _book.Refresh(Slot);
            return _book.RowAt(Slot).Margin;
        }
    }

    /// <summary>Incremented on every recomputation: lets tests prove an event touched only its account.</summary>
    public long Version
    {
        get
        {
            _book.Refresh(Slot);
            return _book.RowAt(Slot).Version;
        }
    }

    public ReadOnlySpan<PositionTerms> Positions
    {
        get
        {
            _book.Refresh(Slot);
            return _book.TermsOf(Slot);
        }
    }

    public ReadOnlySpan<PositionMargin> PositionMargins
    {
        get
        {
            _book.Refresh(Slot);
            return _book.MarginsOf(Slot);
        }
    }

    /// <summary>
    /// True when a mark of this position's instrument can move no liquidation or bankruptcy price of the account (set by
    /// the last recomputation): the position is isolated or the account's only cross position, and its own LP does not
    /// depend on its mark.
    /// </summary>
    internal bool IgnoresMark(int position) => _book.LegAt(Slot, position).IgnoresMark;

    public int InstrumentIndexAt(int position) => _book.LegAt(Slot, position).Instrument;

    /// <summary>The position's ladder contribution, for the one <see cref="Ladders.PartialLadders"/> following the book.</summary>
    internal ref Ladders.LadderContribution LadderAt(int position) => ref _book.LegAt(Slot, position).Ladder;

    internal int HolderEntryAt(int position) => _book.LegAt(Slot, position).HolderEntry;

    /// <summary>A position's terms as last stored, without bringing marks up to date (size, entry, margin and instrument are current; the mark may not be).</summary>
    internal PositionTerms RawTermsAt(int position) => _book.TermsRefAt(Slot, position);

    /// <summary>The position's figures as last computed (no copy, no refresh): for listeners called right after a recomputation.</summary>
    internal ref readonly PositionMargin MarginRefAt(int position) => ref _book.MarginRefAt(Slot, position);

    /// <summary>The position's terms as held (no copy, no refresh: size, entry and margin mode do not move with marks).</summary>
    internal ref readonly PositionTerms TermsRefAt(int position) => ref _book.TermsRefAt(Slot, position);

    internal int IndexOf(int instrumentIndex) => _book.IndexOf(Slot, instrumentIndex);

    /// <summary>The book whose row this is (listeners that read a whole account's rows at once).</summary>
    internal MarginBook Book => _book;

    public bool Equals(AccountState other) => ReferenceEquals(_book, other._book) && Slot == other.Slot;

    public override bool Equals(object? obj) => obj is AccountState other && Equals(other);

    public override int GetHashCode() => Slot;

    public static bool operator ==(AccountState left, AccountState right) => left.Equals(right);

    public static bool operator !=(AccountState left, AccountState right) => !left.Equals(right);

    public override string ToString() => Id.Value;
}
