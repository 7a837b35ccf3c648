using StreamRisk.Contracts.Wire;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Engine;

/// <summary>
/// The projector half of the monitor: order books, marks, the liquidation ladders merged from the account stage's
/// updates (one source in one process, one per account partition scaled out), large positions and ADL candidates,
/// realized-liquidation and depth windows, open alerts. Applies input to that state; the projections built on it are
/// <see cref="ProjectionBuilder"/>'s. Single writer.
/// </summary>
public sealed class ProjectorStage
{
    private readonly EngineOptions _options;
    private readonly long _markAtOnceMs;
    private readonly List<ProjectorSymbol> _symbols = [];
    private readonly ProjectionBuilder _projections;
    private readonly Action<SymbolTouched>? _touched;
    private readonly Func<int, bool, BucketLadder?>? _localLadders;

    /// <param name="touched">Told (on the engine thread) whenever a symbol's picture changed; the pipeline throttles projections from it.</param>
    /// <param name="localLadders">In one process: the account stage's own buckets, read directly (updates then carry no
    /// buckets). Null when the ladders are merged from updates (scale-out).</param>
    public ProjectorStage(EngineOptions options, InstrumentCatalog catalog, Action<SymbolTouched>? touched = null, Func<int, bool, BucketLadder?>? localLadders = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        _options = options;
        _touched = touched;
        _localLadders = localLadders;
        _markAtOnceMs = (long)options.MarkAtOnceInterval.TotalMilliseconds;
        _projections = new ProjectionBuilder(options);
        Catalog = catalog;
        Alerts = new AlertBook(options.ThresholdsFor);
        Funds = new InsuranceFundBook(options) { Changed = FundChanged };
    }

    /// <summary>The insurance funds the projections read: configured balances, the venue's updates, realized settlements.</summary>
    public InsuranceFundBook Funds { get; }

    private long _fundTime;

    public InstrumentCatalog Catalog { get; }

    public AlertBook Alerts { get; }

    public EngineOptions Options => _options;

    public OrderBook? BookOf(int instrument) => instrument < _symbols.Count ? _symbols[instrument].Book : null;

    public double InsuranceFundOf(int instrument) => _symbols[instrument].InsuranceFund;

    /// <summary>The last mark of an instrument; NaN before the first one.</summary>
    public double MarkOf(int instrument) => instrument < _symbols.Count ? _symbols[instrument].Mark : double.NaN;

    /// <summary>Registers or updates an instrument; <paramref name="tick"/> is the exact decimal tick its book prices use.</summary>
    public int ApplyInstrument(Instrument instrument, TickSize tick)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var index = Catalog.Upsert(instrument);
        while (_symbols.Count <= index)
        {
            _symbols.Add(new ProjectorSymbol(_options));
        }

        var state = _symbols[index];
        Funds.ApplyInstrument(index, instrument.Symbol.Value);
        if (state.Book is null || state.Book.TickSize != tick)
        {
            state.Book = new OrderBook(instrument.Symbol, tick);
        }

        state.Book.DeclareDepthLimit(instrument.BookDepthLimit);
        return index;
    }

    /// <summary>
    /// Hands the engine a book that another component on the engine thread keeps (a venue capture importer in a replay);
    /// call <see cref="BookChanged"/> after each change.
    /// </summary>
    public void UseBook(int instrument, OrderBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        _symbols[instrument].Book = book;
    }

    /// <summary>The externally kept book of <paramref name="instrument"/> changed (see <see cref="UseBook"/>).</summary>
    public void BookChanged(int instrument, long eventTime) => Touch(instrument, eventTime, urgent: false);

    public DiffOutcome ApplyBookSnapshot(int instrument, long lastUpdateId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks, long eventTime)
    {
        var book = _symbols[instrument].Book!;
        book.ApplySnapshot(lastUpdateId, bids, asks);
        Touch(instrument, eventTime, urgent: false);
        return DiffOutcome.Applied;
    }

    public DiffOutcome ApplyBookDelta(int instrument, in DepthUpdated update, long eventTime)
    {
        var outcome = _symbols[instrument].Book!.ApplyDiff(in update);
        if (outcome == DiffOutcome.Applied)
        {
            Touch(instrument, eventTime, urgent: false);
        }

        return outcome;
    }

    public void ApplyMark(int instrument, double mark, long eventTime)
    {
        var state = _symbols[instrument];
        state.Mark = mark;
        state.Marks.Add(eventTime, mark);
        // Every mark at once by default; with MarkAtOnceInterval, marks faster than it go through the throttle like book
        // changes (a fast replay then does not project twice per slot: a book change and its mark at the same instant).
        var atOnce = _options.MarksProjectAtOnce && eventTime - state.AtOnceMarkAt >= _markAtOnceMs;
        if (atOnce)
        {
            state.AtOnceMarkAt = eventTime;
        }

        var urgent = atOnce
            || (!double.IsNaN(state.ProjectedMark) && Math.Abs(mark - state.ProjectedMark) >= _options.LargeMarkMove * state.ProjectedMark);
        Touch(instrument, eventTime, urgent);
    }

    /// <summary>
    /// Applies what the account stage says about one symbol. An update a source already gave (a partition rebuilt by
    /// its new owner numbers its updates as the old owner did) changes nothing and touches nothing; a source's whole
    /// state sent again (<see cref="LadderUpdate.Replaces"/>) replaces what the projector holds from it as of its number.
    /// A fund settlement moves the fund covering the symbol once (by its number), unless the venue's last balance of
    /// that fund is of the fill's time or later (<see cref="ApplyInsurance"/>).
    /// </summary>
    public void Apply(LadderUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var state = _symbols[update.Instrument];
        var last = state.Applied.GetValueOrDefault(update.Source);
        if (update.Number < last || (update.Number == last && !update.Replaces))
        {
            return;
        }

        state.Applied[update.Source] = update.Number;
        if (update.Replaces)
        {
            state.Longs.ClearSource(update.Source);
            state.Shorts.ClearSource(update.Source);
        }

        for (var i = 0; i < update.TouchesBefore; i++)
        {
            Touch(update.Instrument, update.EventTime, urgent: false);
        }

        if (update.Buckets.Count > 0)
        {
            state.EnsureLadders(update.Tick);
            foreach (var (isLong, tick, bucket) in update.Buckets)
            {
                (isLong ? state.Longs : state.Shorts).Set(update.Source, tick, bucket);
            }
        }

        if (update.HasLarge)
        {
            state.SetLarge(update.Source, update.Large);
        }

        if (update.HasAdl)
        {
            state.SetAdl(update.Source, update.AdlLongs, update.AdlShorts);
        }

        foreach (var settlement in update.Settlements)
        {
            // Each once, by number; a fill no later than the venue's last balance of the fund is already in that balance.
            if (state.TakeSettlement(update.Source, settlement.Number) && settlement.EventTime > Funds.UpdatedAtOf(update.Instrument))
            {
                _fundTime = settlement.EventTime;
                Funds.SettleFill(update.Instrument, settlement.Amount, settlement.EventTime);
            }
        }

        for (var i = 0; i < update.TouchesAfter; i++)
        {
            Touch(update.Instrument, update.EventTime, urgent: false);
        }
    }

    /// <summary>A realized liquidation fill reported by the venue (feeds CascadeInProgress).</summary>
    public void ApplyLiquidation(int instrument, double price, double size, long eventTime)
    {
        _symbols[instrument].Liquidations.Add(eventTime, Math.Abs(size) * price);
        Touch(instrument, eventTime, urgent: false);
    }

    /// <summary>
    /// A fund balance from the venue (topic <c>insurance</c>): <paramref name="instrument"/> is the symbol the fund is
    /// named after, or -1 for the venue-wide fund <paramref name="fund"/>. Every symbol the fund covers is touched. The
    /// balance is the fund as of <paramref name="eventTime"/>, every fill up to that time included: it replaces the one
    /// held, settlements of later fills add to it (those taken before it too), those of fills up to that time that come
    /// after it change nothing, and a balance older than the fund's last one changes nothing.
    /// </summary>
    public void ApplyInsurance(int instrument, string fund, double balance, long eventTime)
    {
        _fundTime = eventTime;
        Funds.ApplyBalance(instrument, fund, balance, eventTime);
    }

    /// <summary>A realized liquidation's settlement with the fund covering <paramref name="instrument"/>; returns the balance after.</summary>
    public double SettleInsurance(int instrument, double amount, long eventTime)
    {
        _fundTime = eventTime;
        return Funds.Settle(instrument, amount);
    }

    private void FundChanged(int instrument, double balance)
    {
        _symbols[instrument].InsuranceFund = balance;
        if (!double.IsNaN(_symbols[instrument].Mark))
        {
            Touch(instrument, _fundTime, urgent: false);
        }
    }

    /// <summary>
    /// Projects one symbol now (see <see cref="ProjectionBuilder.Build"/>) over its merged ladders, or in one process the
    /// account stage's own. Null before the symbol has a mark.
    /// </summary>
    public SymbolRisk? Project(int instrument, long eventTime)
    {
        var state = _symbols[instrument];
        if (double.IsNaN(state.Mark))
        {
            return null;
        }

        var longs = _localLadders?.Invoke(instrument, true) ?? state.Longs;
        var shorts = _localLadders?.Invoke(instrument, false) ?? state.Shorts;
        return _projections.Build(Catalog[instrument], state, longs, shorts, eventTime);
    }

    private void Touch(int instrument, long eventTime, bool urgent) => _touched?.Invoke(new SymbolTouched(instrument, eventTime, urgent));
}
