using System.Diagnostics;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Portfolio;

namespace StreamRisk.Engine;

/// <summary>
/// The live system view: loads a <see cref="PortfolioProjector"/> from the engine's state — every account of the margin
/// book (balance, positions), every instrument with a mark (the projector stage's latest), each book's depth — and asks
/// it the system questions (docs/domain.md, "Portfolio cascade model"): the factor grid both ways, the system critical
/// shock both ways and the chain at it, contagion, critical accounts (<see cref="SystemViewBuilder"/>). Runs on the engine
/// thread (single writer), on the event-time cadence <see cref="MonitorPipeline"/> keeps; the same state gives the same
/// view. A scaled-out projector holds no accounts: it loads the instruments, marks and books, and asks the account
/// partitions (<see cref="ISystemAccounts"/>) for the rest.
/// </summary>
/// <remarks>
/// <para>One fund: the portfolio model settles every liquidated unit into one insurance fund, and the view uses the sum
/// of the instruments' funds (<see cref="EngineOptions.InsuranceFunds"/>): a venue's funds are one pool in a crash.</para>
/// <para>The projector, its depth and every buffer are reused: in steady state a view allocates the view itself and its scenarios' move vectors.
/// A book's depth is loaded again only when the book changed since the last view.</para>
/// <para>Positions on an instrument without a mark are left out (they cannot be priced), with their accounts' other positions kept.</para>
/// </remarks>
public sealed class SystemStage
{
    private readonly RiskEngine _engine;
    private readonly EngineOptions _options;
    private readonly PortfolioProjector _projector;
    private readonly LocalPortfolioBatches _batches;
    private readonly ISystemAccounts? _remote;
    private int[] _projectorIndex = [];
    private int[] _engineIndex = [];
    private double[] _betas = [];
    private long _runs, _ticks, _loadTicks;

    /// <param name="remote">Where the accounts are when this process holds none (a scaled-out projector); null in one process.</param>
    public SystemStage(RiskEngine engine, ISystemAccounts? remote = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _remote = remote;
        _options = engine.Options;
        _projector = new PortfolioProjector(_options.Profile);
        _batches = new LocalPortfolioBatches(_projector);
    }

    /// <summary>The projector as last loaded (tests compare it with one loaded by hand).</summary>
    public PortfolioProjector Projector => _projector;

    /// <summary>Views made so far, the wall time they took, and of it the time spent loading the projector (figures for the bench).</summary>
    public (long Count, TimeSpan Time, TimeSpan Load) Runs =>
        (_runs, Stopwatch.GetElapsedTime(0, _ticks), Stopwatch.GetElapsedTime(0, _loadTicks));

    /// <summary>
    /// The betas the view uses, by projector instrument index: <see cref="EngineOptions.SystemBetas"/> for the symbols it
    /// lists, else the engine's online estimate (<see cref="RiskEngine.Betas"/>: 1 until enough minutes); the reference's is 1.
    /// </summary>
    public ReadOnlySpan<double> Betas => _betas.AsSpan(0, _projector.InstrumentCount);

    /// <summary>Makes the view as of now; null when no instrument has a mark yet (or the configured reference has none).</summary>
    public SystemView? Run(long eventTime)
    {
        var started = Stopwatch.GetTimestamp();
        var reference = Load();
        _loadTicks += Stopwatch.GetTimestamp() - started;
        if (reference < 0)
        {
            return null;
        }

        var view = Build(eventTime, reference);
        _ticks += Stopwatch.GetTimestamp() - started;
        _runs++;
        return view;
    }

    /// <summary>Loads the projector from the engine; returns the reference's projector index, or −1 for no view.</summary>
    private int Load()
    {
        var catalog = _engine.Catalog;
        var count = catalog.Count;
        if (_projectorIndex.Length < count)
        {
            var size = Math.Max(count, _projectorIndex.Length * 2);
            _projectorIndex = new int[size];
            _engineIndex = new int[size];
            _betas = new double[size];
        }

        var marked = 0;
        var reference = -1;
        var configured = _options.SystemReference;
        for (var i = 0; i < count; i++)
        {
            var mark = _engine.Projector.MarkOf(i);
            if (!(mark > 0) || !double.IsFinite(mark))
            {
                _projectorIndex[i] = -1;
                continue;
            }

            if (string.IsNullOrEmpty(configured) ? reference < 0 : catalog[i].Symbol.Value == configured)
            {
                reference = marked;
            }

            _projectorIndex[i] = marked;
            _engineIndex[marked++] = i;
        }

        if (marked == 0 || reference < 0)
        {
            return -1;
        }

        _projector.Reset(marked);
        for (var j = 0; j < marked; j++)
        {
            var i = _engineIndex[j];
            _projector.SetInstrument(j, catalog[i], _engine.Projector.MarkOf(i));
            var book = _engine.BookOf(i);
            if (book is null)
            {
                _projector.BidsOf(j).Load([]);
                _projector.AsksOf(j).Load([]);
                continue;
            }

            // Free for a side unchanged since the last view; a partial side the symbol's projection fitted is copied.
            _projector.BidsOf(j).Load(book, BookSide.Bid);
            _projector.AsksOf(j).Load(book, BookSide.Ask);
        }

        if (_remote is null)
        {
            PortfolioLoader.LoadAccounts(_engine.Margins, _projector, _projectorIndex.AsSpan(0, count));
        }

        _projector.Seal();
        FillBetas(marked, reference);
        return reference;
    }

    private void FillBetas(int instruments, int reference)
    {
        for (var j = 0; j < instruments; j++)
        {
            var symbol = _projector.InstrumentAt(j).Symbol.Value;
            if (j == reference)
            {
                _betas[j] = 1.0;
            }
            else if (_options.SystemBetas.TryGetValue(symbol, out var beta))
            {
                _betas[j] = beta;
            }
            else
            {
                // The estimate is against the engine's reference; a view whose reference differs (that reference has no
                // mark yet) moves the others by 1.
                var estimator = _engine.Betas;
                _betas[j] = estimator is not null && estimator.Reference == _engineIndex[reference] ? estimator.Beta(_engineIndex[j]) : 1.0;
            }
        }
    }

    private SystemView Build(long eventTime, int reference)
    {
        var n = _projector.InstrumentCount;
        var symbols = new string[n];
        var marks = new double[n];
        var knownDown = new double[n];
        var knownUp = new double[n];
        for (var j = 0; j < n; j++)
        {
            symbols[j] = _projector.InstrumentAt(j).Symbol.Value;
            marks[j] = _projector.MarkOf(j);
            knownDown[j] = _projector.BidsOf(j).KnownRange;
            knownUp[j] = _projector.AsksOf(j).KnownRange;
        }

        // A venue-wide fund covering several instruments counts once.
        var fund = _engine.Projector.Funds.TotalOf(_engineIndex.Take(n));
        var request = new SystemViewRequest(eventTime, reference, symbols, marks, Betas.ToArray(), fund, _options.ShockGrid, _options.ContagionMove,
            _options.CriticalAccounts, _options.CriticalAccountCandidates, knownDown, knownUp);
        if (_remote is null)
        {
            return SystemViewBuilder.Build(_batches, request);
        }

        var instruments = new Domain.Instruments.Instrument[n];
        var bids = new SideDepth[n];
        var asks = new SideDepth[n];
        for (var j = 0; j < n; j++)
        {
            instruments[j] = _projector.InstrumentAt(j);
            bids[j] = _projector.BidsOf(j);
            asks[j] = _projector.AsksOf(j);
        }

        var batches = _remote.Open(eventTime, instruments, marks, bids, asks, _options.CriticalAccounts > 0 ? _options.CriticalAccountCandidates : 0);
        return SystemViewBuilder.Build(batches, request);
    }
}

/// <summary>
/// The accounts of a system view held elsewhere: a scaled-out projector asks the account partitions (docs/scale-out.md,
/// "The system view when scaled out"). Opened once per view, with the instruments, marks and books it walks.
/// </summary>
public interface ISystemAccounts
{
    /// <param name="largest">How many of the largest accounts the view will ask for.</param>
    IPortfolioBatches Open(long view, IReadOnlyList<Domain.Instruments.Instrument> instruments, IReadOnlyList<double> marks, IReadOnlyList<SideDepth> bids,
        IReadOnlyList<SideDepth> asks, int largest);
}
