using System.Diagnostics;
using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
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
    private int _ownerThread;

    /// <param name="accountSource">The account partition this engine's account stage speaks for (scale-out); 0 in one process.</param>
    public RiskEngine(EngineOptions options, int accountSource = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Catalog = new InstrumentCatalog();
        Accounts = new AccountStage(options, Catalog, accountSource);
        Projector = new ProjectorStage(options, Catalog);
        Accounts.Updates = Projector.Apply;
        // In one process the projector reads the account stage's buckets directly: no copy per change.
        Accounts.Ladders.TrackChanges = false;
        Projector.LocalLadders = Accounts.Ladders.View;
    }

    /// <summary>
    /// The account stage of one positions partition (scale-out): its updates carry their buckets and go wherever
    /// <see cref="AccountStage.Updates"/> says, not to this engine's projector.
    /// </summary>
    public static RiskEngine ForAccountPartition(EngineOptions options, int partition)
    {
        var engine = new RiskEngine(options, partition);
        engine.Accounts.Ladders.TrackChanges = true;
        engine.Accounts.Updates = null;
        engine.Projector.LocalLadders = null;
        return engine;
    }

    /// <summary>The projector stage alone (scale-out): its ladders come from the account stage instances' updates.</summary>
    public static RiskEngine ForProjector(EngineOptions options)
    {
        var engine = new RiskEngine(options);
        engine.Accounts.Updates = null;
        engine.Projector.LocalLadders = null;
        return engine;
    }

    public InstrumentCatalog Catalog { get; }

    public AccountStage Accounts { get; }

    public ProjectorStage Projector { get; }

    public MarginBook Margins => Accounts.Margins;

    public AlertBook Alerts => Projector.Alerts;

    public EngineOptions Options { get; }

    /// <summary>Called (on the engine thread) whenever a symbol's picture changed; the pipeline throttles projections from it.</summary>
    public Action<SymbolTouched>? Touched
    {
        get => Projector.Touched;
        set => Projector.Touched = value;
    }

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
    }

    public void ApplyAccount(AccountId account, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyAccount(account, balance, positions, eventTime);
    }

    public void ApplyPosition(AccountId account, int instrument, double size, double entry, double isolatedMargin, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyPosition(account, instrument, size, entry, isolatedMargin, eventTime);
    }

    public void ApplyBalance(AccountId account, double balance, long eventTime)
    {
        AssertOwnerThread();
        Accounts.ApplyBalance(account, balance, eventTime);
    }

    /// <inheritdoc cref="ProjectorStage.ApplyLiquidation"/>
    public void ApplyLiquidation(int instrument, double price, double size, long eventTime)
    {
        AssertOwnerThread();
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
}
