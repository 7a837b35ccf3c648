using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Ladders;

/// <summary>
/// The bucketed ladders of the accounts one instance (or one account partition) holds: per symbol and side, the
/// exact totals on each tick, kept in step with a <see cref="MarginBook"/> as its listener. Records which buckets
/// changed so an update carries only those (absolute values: applying one twice is harmless). Single writer.
/// What each position contributes now is kept next to the position (<see cref="AccountState.LadderAt"/>), so a move
/// takes the old contribution out exactly: one instance per <see cref="MarginBook"/>.
/// </summary>
public sealed class PartialLadders : IMarginListener
{
    private readonly List<SymbolLadders> _symbols = [];
    private readonly List<int> _changedSymbols = [];
    private readonly BucketLadder.LogSorter _sorter = new();

    /// <param name="trackChanges">See <see cref="TrackChanges"/>.</param>
    public PartialLadders(bool trackChanges = true) => TrackChanges = trackChanges;

    /// <summary>
    /// Record which buckets changed, for <see cref="TakeChanges"/> (an account stage that sends updates elsewhere). Off
    /// when the projector reads these buckets directly through <see cref="View"/> (one process).
    /// </summary>
    public bool TrackChanges { get; }

    /// <summary>
    /// One side of one instrument's buckets as a ladder the projector can read directly (no copy); null before the
    /// instrument's first position (its bucket width is not known yet), and when changes are tracked (the buckets then
    /// go out in updates, and only their totals are kept).
    /// </summary>
    public BucketLadder? View(int instrument, bool longSide)
    {
        if (instrument >= _symbols.Count || !(_symbols[instrument].Tick > 0))
        {
            return null;
        }

        var symbol = _symbols[instrument];
        return longSide ? symbol.Longs : symbol.Shorts;
    }

    /// <summary>Bucket width per instrument, fixed at the instrument's first position (a bucket key must keep its meaning).</summary>
    public double TickOf(int instrument) => instrument < _symbols.Count ? _symbols[instrument].Tick : double.NaN;

    /// <summary>Instruments with changed buckets since the last <see cref="TakeChanges"/>, in the order they first changed.</summary>
    public List<int> ChangedSymbols => _changedSymbols;

    /// <summary>The current totals of one side of one instrument (all non-empty buckets, lowest price first).</summary>
    public IEnumerable<(long Tick, LadderBucket Bucket)> Buckets(int instrument, bool longSide)
    {
        if (instrument >= _symbols.Count || !(_symbols[instrument].Tick > 0))
        {
            return [];
        }

        var symbol = _symbols[instrument];
        if (TrackChanges)
        {
            return (longSide ? symbol.LongTotals : symbol.ShortTotals).OrderBy(b => b.Key).Select(b => (b.Key, b.Value));
        }

        return (longSide ? symbol.Longs : symbol.Shorts)!.Buckets();
    }

    /// <summary>
    /// Hands the changed buckets of <paramref name="instrument"/> (absolute totals; empty = gone) to
    /// <paramref name="changed"/> and forgets them: longs then shorts (the receiver's totals do not depend on the order).
    /// </summary>
    public void TakeChanges(int instrument, List<(bool Long, long Tick, LadderBucket Bucket)> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (instrument >= _symbols.Count)
        {
            return;
        }

        var symbol = _symbols[instrument];
        Take(symbol.LongTotals, symbol.ChangedLongs, longSide: true, changed);
        Take(symbol.ShortTotals, symbol.ChangedShorts, longSide: false, changed);
        symbol.Listed = false;
    }

    /// <summary>Forgets the list of changed symbols (their buckets must have been taken).</summary>
    public void ClearChangedSymbols() => _changedSymbols.Clear();

    public void PositionUpdated(AccountState account, int position) =>
        File(account.InstrumentIndexAt(position), in account.TermsRefAt(position), in account.MarginRefAt(position), ref account.LadderAt(position));

    /// <summary>Every position of a revalued account, read from its rows in one pass.</summary>
    public void AccountRepriced(AccountState account)
    {
        var book = account.Book;
        var terms = book.TermsOf(account.Slot);
        var margins = book.MarginsOf(account.Slot);
        var legs = book.LegsOf(account.Slot);
        for (var i = 0; i < legs.Length; i++)
        {
            File(legs[i].Instrument, in terms[i], in margins[i], ref legs[i].Ladder);
        }
    }

    /// <summary>
    /// Files a position where its figures put it now (called by the margin book right after it recomputed the account:
    /// its figures are current), moving it from where it was held.
    /// </summary>
    private void File(int instrument, in PositionTerms terms, in PositionMargin margin, ref LadderContribution held)
    {
        var symbol = Symbol(instrument, terms.Instrument.TickSize);
        var now = default(LadderContribution);
        if (margin.HasLiquidationPrice)
        {
            var isLong = terms.Size > 0;
            // No finite bankruptcy price (equity never reaches zero on that side) settles at the LP, as on the exact ladder.
            var bankruptcy = double.IsNaN(margin.BankruptcyPrice) ? margin.LiquidationPrice : margin.BankruptcyPrice;
            now = new LadderContribution(true, isLong, LadderQuanta.TickOf(margin.LiquidationPrice, symbol.Tick, isLong),
                LadderQuanta.UnitsOf(terms.Size), LadderQuanta.TickOf(bankruptcy, symbol.Tick, isLong));
        }

        if (held == now)
        {
            return; // most recomputations leave a position where it was
        }

        Move(instrument, symbol, held, now);
        held = now;
    }

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        var position = account.IndexOf(instrumentIndex);
        if (position < 0)
        {
            return;
        }

        ref var held = ref account.LadderAt(position);
        if (held.Present)
        {
            Move(instrumentIndex, _symbols[instrumentIndex], held, default);
        }

        held = default;
    }

    private void Move(int instrument, SymbolLadders symbol, LadderContribution from, LadderContribution to)
    {
        if (from.Present)
        {
            Add(symbol, from, -1);
        }

        if (to.Present)
        {
            Add(symbol, to, +1);
        }

        if (!symbol.Listed)
        {
            symbol.Listed = true;
            _changedSymbols.Add(instrument);
        }
    }

    private void Add(SymbolLadders symbol, LadderContribution c, int sign)
    {
        if (!TrackChanges)
        {
            // Logged, not looked up: the ladder sums its moves per bucket when it is next read.
            (c.IsLong ? symbol.Longs : symbol.Shorts)!.Move(c.Tick, c.SizeUnits, c.BankruptcyTick, sign);
            return;
        }

        // An account partition's: the totals an update carries, looked up per changed bucket at every flush, so kept
        // by bucket in a dictionary (nobody reads a ladder of them here).
        var totals = c.IsLong ? symbol.LongTotals : symbol.ShortTotals;
        var delta = LadderBucket.OfPosition(c.SizeUnits, c.BankruptcyTick);
        ref var bucket = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(totals, c.Tick, out _);
        bucket = sign > 0 ? bucket + delta : bucket - delta;
        if (bucket.IsEmpty)
        {
            totals.Remove(c.Tick);
        }

        (c.IsLong ? symbol.ChangedLongs : symbol.ChangedShorts).Add(c.Tick);
    }

    private static void Take(Dictionary<long, LadderBucket> totals, HashSet<long> ticks, bool longSide, List<(bool, long, LadderBucket)> changed)
    {
        if (ticks.Count == 0)
        {
            return;
        }

        foreach (var tick in ticks)
        {
            totals.TryGetValue(tick, out var bucket);
            changed.Add((longSide, tick, bucket));
        }

        ticks.Clear();
    }

    private SymbolLadders Symbol(int instrument, double tick)
    {
        while (_symbols.Count <= instrument)
        {
            _symbols.Add(new SymbolLadders());
        }

        var symbol = _symbols[instrument];
        if (!(symbol.Tick > 0))
        {
            symbol.Tick = (tick > 0 ? tick : 1e-8) / LadderQuanta.BucketsPerTick;
            if (!TrackChanges)
            {
                symbol.Longs = BucketLadder.Owned(longSide: true, symbol.Tick, _sorter);
                symbol.Shorts = BucketLadder.Owned(longSide: false, symbol.Tick, _sorter);
            }
        }

        return symbol;
    }

    private sealed class SymbolLadders
    {
        public double Tick { get; set; }
        public bool Listed { get; set; }
        // The buckets themselves (created with the tick, unless changes are tracked): the projector reads them directly in one process.
        public BucketLadder? Longs { get; set; }
        public BucketLadder? Shorts { get; set; }
        // Tracking changes (an account partition): the totals by bucket.
        public Dictionary<long, LadderBucket> LongTotals { get; } = [];
        public Dictionary<long, LadderBucket> ShortTotals { get; } = [];
        public HashSet<long> ChangedLongs { get; } = [];
        public HashSet<long> ChangedShorts { get; } = [];
    }
}
