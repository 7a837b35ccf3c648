using System.Diagnostics;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>A symbol needs a projection: something that moves its cascade picture changed at this event time.</summary>
/// <param name="Urgent">A large mark move: project now, not at the next throttle slot.</param>
public readonly record struct SymbolTouched(int Instrument, long EventTime, bool Urgent);

/// <summary>
/// The monitor in one process: the account stage (margin state of every account, partial ladders) feeding the
/// projector stage (books, marks, merged ladders, windows, alerts) in memory, through the same updates that travel on
/// the ladders topic when the stages run as separate instances. No locks inside — every method runs on the engine's
/// thread (the Kafka consume thread live, the replay loop offline). Inputs are validated at the decode boundary; here
/// they are trusted.
/// </summary>
/// <remarks>
/// Owner: the thread of the first input applied (construction may happen elsewhere, before the engine thread starts).
/// Debug builds check it at every entry point and throw on any other thread; release builds compile the check out.
/// </remarks>
public sealed class RiskEngine
{
    private readonly TouchStream _touches = new();
    private int _ownerThread;

    /// <param name="layout">Which stages this engine runs and where the account stage's updates go; one process by default.</param>
    public RiskEngine(EngineOptions options, EngineLayout? layout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Layout = layout ?? EngineLayout.OneProcess;
        Catalog = new InstrumentCatalog();
        var oneProcess = Layout.Role == EngineRole.OneProcess;
        // In one process the projector reads the account stage's buckets directly (no copy per change) and takes its
        // updates in memory; an account partition's updates carry their buckets to wherever the layout sends them.
        Accounts = new AccountStage(options, Catalog, Layout.Partition, oneProcess ? ToProjector : Layout.Updates,
            trackChanges: Layout.Role == EngineRole.AccountPartition);
        Projector = new ProjectorStage(options, Catalog, _touches.OnNext, oneProcess ? Accounts.Ladders.View : null);
        if (options.LiquidationEngine == LiquidationEngineMode.Venue)
        {
            // It needs both stages' state at once (the margin state and the books): one process only.
            Liquidations = oneProcess
                ? new VenueLiquidations(options, Accounts, Projector)
                : throw new ArgumentException("the venue liquidation engine (Engine:LiquidationEngine=venue) runs only with both stages in one process", nameof(layout));
        }
    }

    /// <summary>The venue liquidation engine; null unless <see cref="EngineOptions.LiquidationEngine"/> is <see cref="LiquidationEngineMode.Venue"/>.</summary>
    public VenueLiquidations? Liquidations { get; }

    public EngineLayout Layout { get; }

    public InstrumentCatalog Catalog { get; }

    public AccountStage Accounts { get; }

    public ProjectorStage Projector { get; }

    public MarginBook Margins => Accounts.Margins;

    public AlertBook Alerts => Projector.Alerts;

    public EngineOptions Options { get; }

    /// <summary>Every change of a symbol's picture, on the engine thread; the pipeline throttles projections from it (one subscriber at a time).</summary>
    public IObservable<SymbolTouched> Touches => _touches;

    public OrderBook? BookOf(int instrument) => Projector.BookOf(instrument);

    public double InsuranceFundOf(int instrument) => Projector.InsuranceFundOf(instrument);

    public int ApplyInstrument(Instrument instrument) => ApplyInstrument(instrument, TickSize.FromDecimal((decimal)instrument.TickSize));

    /// <summary>Registers or updates an instrument; <paramref name="tick"/> is the exact decimal tick its book prices use.</summary>
    public int ApplyInstrument(Instrument instrument, TickSize tick)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        AssertOwnerThread();
        // The projector first: the account stage's first update of the symbol must find its state.
        var index = Projector.ApplyInstrument(instrument, tick);
        Accounts.ApplyInstrument(instrument);
        TrackBetas(index, instrument);
        return index;
    }

    /// <inheritdoc cref="ProjectorStage.UseBook"/>
    public void UseBook(int instrument, OrderBook book)
    {
        AssertOwnerThread();
        Projector.UseBook(instrument, book);
    }

    /// <inheritdoc cref="ProjectorStage.BookChanged"/>
    public void BookChanged(int instrument, long eventTime)
    {
        AssertOwnerThread();
        Projector.BookChanged(instrument, eventTime);
    }

    public DiffOutcome ApplyBookSnapshot(int instrument, long lastUpdateId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks, long eventTime)
    {
        AssertOwnerThread();
        return Projector.ApplyBookSnapshot(instrument, lastUpdateId, bids, asks, eventTime);
    }

    public DiffOutcome ApplyBookDelta(int instrument, in DepthUpdated update, long eventTime)
    {
        AssertOwnerThread();
        return Projector.ApplyBookDelta(instrument, in update, eventTime);
    }

    /// <inheritdoc cref="OrderBook.IsOutdated"/>
    public bool IsOutdated(int instrument, in DepthUpdated update) => BookOf(instrument)?.IsOutdated(in update) ?? false;

    /// <summary>A mark moves the accounts (and their ladder buckets) first, then the projector's picture.</summary>
    public void ApplyMark(int instrument, double mark, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyMark(instrument, mark, eventTime);
        Projector.ApplyMark(instrument, mark, eventTime);
        Liquidations?.OnMark(instrument, mark, eventTime);
        Betas?.OnMark(instrument, eventTime, mark);
    }

    /// <summary>An insurance fund balance from the venue (see <see cref="ProjectorStage.ApplyInsurance"/>).</summary>
    public void ApplyInsurance(int instrument, string fund, double balance, long eventTime)
    {
        AssertOwnerThread();
        Projector.ApplyInsurance(instrument, fund, balance, eventTime);
    }

    /// <summary>
    /// The online betas of every instrument against the system view's reference — the configured
    /// <see cref="EngineOptions.SystemReference"/>, else the first instrument — fed every mark in event order; null until
    /// the reference is known, and when there is no system view.
    /// </summary>
    public BetaEstimator? Betas { get; private set; }

    private void TrackBetas(int index, Instrument instrument)
    {
        if (Options.SystemInterval <= TimeSpan.Zero)
        {
            return;
        }

        if (Betas is not null)
        {
            Betas.GrowTo(Catalog.Count);
            return;
        }

        var reference = Options.SystemReference;
        if (string.IsNullOrEmpty(reference) ? index == 0 : instrument.Symbol.Value == reference)
        {
            Betas = new BetaEstimator(index, Catalog.Count, Options.BetaWindow, Options.BetaMinObservations);
        }
    }

    public void ApplyAccount(AccountId account, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyAccount(account, balance, positions, eventTime);
    }

    /// <summary>As by id, for an account the decoder named by its key in <see cref="AccountStage.Margins"/>' id table.</summary>
    public void ApplyAccount(AccountKey account, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyAccount(account, balance, positions, eventTime);
    }

    public void ApplyPosition(AccountId account, int instrument, double size, double entry, double isolatedMargin, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyPosition(account, instrument, size, entry, isolatedMargin, eventTime);
    }

    public void ApplyPosition(AccountKey account, int instrument, double size, double entry, double isolatedMargin, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyPosition(account, instrument, size, entry, isolatedMargin, eventTime);
    }

    public void ApplyBalance(AccountId account, double balance, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyBalance(account, balance, eventTime);
    }

    public void ApplyBalance(AccountKey account, double balance, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyBalance(account, balance, eventTime);
    }

    /// <summary>
    /// A venue's realized liquidation fill (<see cref="ProjectorStage.ApplyLiquidation"/>). When it names an
    /// <paramref name="account"/> the account stage holds, the fill first settles with the insurance fund
    /// (<see cref="AccountStage.ApplyLiquidation"/>), carried to the projector with the symbol's update — in memory here,
    /// on the ladders topic scaled out — so the fund moves between the venue's <c>insurance</c> updates. Not while the
    /// venue liquidation engine runs: it settles the liquidations it makes itself.
    /// </summary>
    public void ApplyLiquidation(int instrument, bool longLiquidated, double price, double size, long eventTime, AccountId? account = null)
    {
        AssertOwnerThread();
        if (account is { } id && Liquidations is null)
        {
            Accounts.ApplyLiquidation(id, instrument, longLiquidated, price, size, eventTime);
        }

        Projector.ApplyLiquidation(instrument, price, size, eventTime);
    }

    /// <inheritdoc cref="ProjectorStage.Project"/>
    public SymbolRisk? Project(int instrument, long eventTime)
    {
        AssertOwnerThread();
        return Projector.Project(instrument, eventTime);
    }

    /// <summary>The first caller becomes the owner; any other thread is refused (debug builds only).</summary>
    [Conditional("DEBUG")]
    private void AssertOwnerThread()
    {
        var current = Environment.CurrentManagedThreadId;
        if (_ownerThread == 0)
        {
            _ownerThread = current;
        }
        else if (_ownerThread != current)
        {
            ThrowNotOwner(current);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ThrowNotOwner(int current) =>
        throw new InvalidOperationException(
            $"RiskEngine called on thread {current}; it is owned by thread {_ownerThread}, the first to apply input (one writer, no locks)");

    private void ToProjector(LadderUpdate update) => Projector.Apply(update);

    /// <summary>The engine's touches as an observable of one subscriber: a call per touch, no allocation.</summary>
    private sealed class TouchStream : IObservable<SymbolTouched>
    {
        private IObserver<SymbolTouched>? _observer;

        public void OnNext(SymbolTouched touch) => _observer?.OnNext(touch);

        public IDisposable Subscribe(IObserver<SymbolTouched> observer)
        {
            ArgumentNullException.ThrowIfNull(observer);
            if (Interlocked.CompareExchange(ref _observer, observer, null) is not null)
            {
                throw new InvalidOperationException("the engine's touches already have a subscriber (one pipeline per engine)");
            }

            return new Unsubscribe(this, observer);
        }

        private sealed class Unsubscribe(TouchStream stream, IObserver<SymbolTouched> observer) : IDisposable
        {
            public void Dispose() => Interlocked.CompareExchange(ref stream._observer, null, observer);
        }
    }
}
