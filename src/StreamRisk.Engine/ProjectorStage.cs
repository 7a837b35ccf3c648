using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Engine;

/// <summary>
/// The projector half of the monitor: order books, marks, the liquidation ladders merged from the account stage's
/// updates (one source in one process, one per account partition scaled out), large positions and ADL candidates,
/// realized-liquidation and depth windows, open alerts — and the projections built on them. Single writer.
/// </summary>
public sealed class ProjectorStage
{
    private static readonly double[] Bands = [0.01, 0.02, 0.05];

    private readonly EngineOptions _options;
    private readonly long _markAtOnceMs;
    private readonly List<SymbolState> _symbols = [];
    private readonly CascadeRound[] _rounds = new CascadeRound[4096];
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
        Catalog = catalog;
        Alerts = new AlertBook(options.ThresholdsFor);
    }

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
            _symbols.Add(new SymbolState(_options));
        }

        var state = _symbols[index];
        state.InsuranceFund = _options.InsuranceFundFor(instrument.Symbol.Value);
        if (state.Book is null || state.Book.TickSize != tick)
        {
            state.Book = new OrderBook(instrument.Symbol, tick);
        }

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
        _symbols[instrument].DepthLoaded = false;
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
    /// Projects one symbol now: critical shocks and their chains, the shock grid's insurance-fund outcome, liquidatable
    /// notional and depth in bands, depth withdrawal, realized liquidations, large accounts near liquidation.
    /// Null before the symbol has a mark.
    /// </summary>
    public SymbolRisk? Project(int instrument, long eventTime)
    {
        var state = _symbols[instrument];
        var mark = state.Mark;
        if (double.IsNaN(mark))
        {
            return null;
        }

        var symbol = Catalog[instrument].Symbol.Value;
        var book = state.Book!;
        if (state.DepthVersion != book.Version || !state.DepthLoaded)
        {
            state.Bids.Load(book, BookSide.Bid);
            state.Asks.Load(book, BookSide.Ask);
            state.DepthVersion = book.Version;
            state.DepthLoaded = true;
        }

        var longs = _localLadders?.Invoke(instrument, true) ?? state.Longs;
        var shorts = _localLadders?.Invoke(instrument, false) ?? state.Shorts;
        var criticalDown = CascadeProjector.CriticalShock(mark, CascadeDirection.Down, longs, state.Bids);
        var criticalUp = CascadeProjector.CriticalShock(mark, CascadeDirection.Up, shorts, state.Asks);
        var thresholds = _options.ThresholdsFor(symbol);

        var (drainDown, adlDown) = FundDrain(mark, CascadeDirection.Down, longs, state, thresholds);
        var (drainUp, adlUp) = FundDrain(mark, CascadeDirection.Up, shorts, state, thresholds);

        var bands = new List<BandFigures>(Bands.Length + 1);
        foreach (var band in Bands.Append(thresholds.WallBand).Distinct())
        {
            bands.Add(new BandFigures(band,
                longs.Crossed(mark * (1 - band)).Notional,
                shorts.Crossed(mark * (1 + band)).Notional,
                DepthNotional(book, state, BookSide.Bid, mark, band),
                DepthNotional(book, state, BookSide.Ask, mark, band)));
        }

        var heatmap = Heatmap(mark, book, state, longs, shorts);
        var near = bands[0].BidDepth + bands[0].AskDepth;
        state.Depth.Add(eventTime, near);
        state.Liquidations.Trim(eventTime);
        state.Marks.Trim(eventTime);
        var firstMark = state.Marks.First;

        state.ProjectedMark = mark;
        return new SymbolRisk
        {
            Symbol = symbol,
            EventTime = eventTime,
            Mark = mark,
            CriticalShockDown = criticalDown,
            CriticalShockUp = criticalUp,
            ChainDown = Chain(mark, CascadeDirection.Down, criticalDown, longs, state),
            ChainUp = Chain(mark, CascadeDirection.Up, criticalUp, shorts, state),
            InsuranceFund = state.InsuranceFund,
            FundDrainShockDown = drainDown,
            FundDrainShockUp = drainUp,
            AdlNotionalDown = adlDown,
            AdlNotionalUp = adlUp,
            Bands = bands,
            Heatmap = heatmap,
            DepthNearMark = near,
            DepthNearMarkPeak = state.Depth.Max(),
            RealizedLiquidationRate = state.Liquidations.Sum / state.Liquidations.WindowSeconds,
            PriceMove = double.IsNaN(firstMark) || firstMark == 0 ? 0 : (mark - firstMark) / firstMark,
            LargeAccounts = NearLiquidation(state, thresholds),
            BookStale = book.IsStale || book.IsCrossed,
        };
    }

    /// <summary>
    /// Rings below the mark (farthest first) then above it. Depth by ring comes from the cumulative band depth, so a
    /// level exactly on a ring edge counts in the inner ring; O(rings × (log n + levels in the band)).
    /// </summary>
    private List<LadderRing> Heatmap(double mark, OrderBook book, SymbolState state, BucketLadder longs, BucketLadder shorts)
    {
        var rings = _options.HeatmapRingsPerSide;
        var width = _options.HeatmapBand / rings;
        var heatmap = new List<LadderRing>(2 * rings);
        for (var k = rings - 1; k >= 0; k--)
        {
            var inner = k * width;
            var outer = (k + 1) * width;
            var bids = DepthNotional(book, state, BookSide.Bid, mark, outer) - (k == 0 ? 0 : DepthNotional(book, state, BookSide.Bid, mark, inner));
            heatmap.Add(new LadderRing(-outer, -inner, longs.Between(mark * (1 - outer), mark * (1 - inner)).Notional, bids));
        }

        for (var k = 0; k < rings; k++)
        {
            var inner = k * width;
            var outer = (k + 1) * width;
            var asks = DepthNotional(book, state, BookSide.Ask, mark, outer) - (k == 0 ? 0 : DepthNotional(book, state, BookSide.Ask, mark, inner));
            heatmap.Add(new LadderRing(inner, outer, shorts.Between(mark * (1 + inner), mark * (1 + outer)).Notional, asks));
        }

        return heatmap;
    }

    /// <summary>
    /// <see cref="OrderBook.DepthWithin"/>'s notional, read from the projection's frozen side in O(log levels) when the
    /// band starts at the best level (no bid above it, no ask below it — the usual book): the same sum, the same bits.
    /// Otherwise (a level beyond the band's far edge, e.g. bids above a lagging mark) the book sums the band itself.
    /// </summary>
    private static double DepthNotional(OrderBook book, SymbolState state, BookSide side, double mark, double band)
    {
        var bids = side == BookSide.Bid;
        var depth = bids ? state.Bids : state.Asks;
        var low = mark * (1 - band);
        var high = mark * (1 + band);
        if (depth.Levels == 0 || (bids ? depth.BestPrice <= high : depth.BestPrice >= low))
        {
            return depth.NotionalWithin(bids ? low : high, bids);
        }

        return book.DepthWithin(side, mark, band).Notional;
    }

    private (double? Shock, double AdlNotional) FundDrain(double mark, CascadeDirection direction, BucketLadder ladder, SymbolState state, AlertThresholds thresholds)
    {
        var down = direction == CascadeDirection.Down;
        foreach (var shock in _options.ShockGrid)
        {
            if (shock > thresholds.FundShockLimit * (1 + thresholds.Hysteresis))
            {
                break;
            }

            var depth = down ? state.Bids : state.Asks;
            var projection = CascadeProjector.Project(mark, direction, shock, ladder, depth, state.InsuranceFund, null, _rounds);
            if (projection.InsuranceFundAfter < 0)
            {
                // Only now is the ADL queue worth its O(accounts) build: project again with it for the ADL figures.
                var queue = state.AdlQueue(longs: !down, _options.AdlRanking);
                projection = CascadeProjector.Project(mark, direction, shock, ladder, depth, state.InsuranceFund, queue, _rounds);
                return (shock, projection.AdlNotional);
            }
        }

        return (null, 0);
    }

    private CascadeChain? Chain(double mark, CascadeDirection direction, double? shock, BucketLadder ladder, SymbolState state)
    {
        if (shock is not { } s)
        {
            return null;
        }

        var down = direction == CascadeDirection.Down;
        var p = CascadeProjector.Project(mark, direction, s, ladder, down ? state.Bids : state.Asks, state.InsuranceFund, null, _rounds);
        var prices = new List<double>(Math.Min(p.RoundCount, _rounds.Length));
        for (var i = 0; i < Math.Min(p.RoundCount, _rounds.Length); i++)
        {
            prices.Add(_rounds[i].TriggerPrice);
        }

        // The largest positions the chain reaches, named for ops (from the large positions, not a full scan): the first
        // few by notional (largest first, ties by account), kept by insertion — no sort of every large position.
        var keep = _options.ExplanationAccounts;
        var best = new List<LargePosition>(keep + 1);
        foreach (var list in state.LargeLists())
        {
            foreach (var x in list)
            {
                if ((x.Size > 0) != down || !x.HasLiquidationPrice || !(down ? x.LiquidationPrice >= p.FinalPrice : x.LiquidationPrice <= p.FinalPrice))
                {
                    continue;
                }

                var at = best.Count;
                while (at > 0 && Before(x, best[at - 1]))
                {
                    at--;
                }

                if (at < keep)
                {
                    best.Insert(at, x);
                    if (best.Count > keep)
                    {
                        best.RemoveAt(keep);
                    }
                }
            }
        }

        var top = best.ConvertAll(x => x.Account);
        return new CascadeChain(s, p.FinalPrice, p.Amplification, prices, p.LiquidatedAccounts, p.LiquidatedNotional, top);

        static bool Before(LargePosition a, LargePosition b) =>
            a.Notional != b.Notional ? a.Notional > b.Notional : string.CompareOrdinal(a.Account, b.Account) < 0;
    }

    private static List<NearLiquidation> NearLiquidation(SymbolState state, AlertThresholds thresholds)
    {
        var list = new List<NearLiquidation>();
        foreach (var source in state.LargeLists())
        {
            foreach (var position in source)
            {
                if (position.HasLiquidationPrice && position.Distance <= thresholds.LargeAccountDistance * (1 + thresholds.Hysteresis))
                {
                    list.Add(new NearLiquidation(position.Account, position.Size, position.Notional, position.LiquidationPrice, position.Distance));
                }
            }
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Account, b.Account));
        return list;
    }

    private void Touch(int instrument, long eventTime, bool urgent) => _touched?.Invoke(new SymbolTouched(instrument, eventTime, urgent));

    /// <summary>Per-symbol state of the projector.</summary>
    private sealed class SymbolState(EngineOptions options)
    {
        private readonly SortedDictionary<int, List<LargePosition>> _large = [];
        private readonly SortedDictionary<int, (List<AdlCandidate> Longs, List<AdlCandidate> Shorts)> _adl = [];
        private AdlQueue? _adlLongs;
        private AdlQueue? _adlShorts;

        public OrderBook? Book { get; set; }
        public SideDepth Bids { get; } = new();
        public SideDepth Asks { get; } = new();
        public long DepthVersion { get; set; } = -1;
        public bool DepthLoaded { get; set; }
        public double InsuranceFund { get; set; }
        public double Mark { get; set; } = double.NaN;
        public double ProjectedMark { get; set; } = double.NaN;
        public long AtOnceMarkAt { get; set; } = long.MinValue / 2;
        public TimeWindow Liquidations { get; } = new(options.DefaultThresholds.CascadeWindow);
        public TimeWindow Marks { get; } = new(options.DefaultThresholds.CascadeWindow);
        public TimeWindow Depth { get; } = new(options.DefaultThresholds.DepthWindow);

        /// <summary>The last update number applied, per source.</summary>
        public Dictionary<int, long> Applied { get; } = [];

        /// <summary>Merged ladders; a placeholder tick until the first bucket says the symbol's.</summary>
        public BucketLadder Longs { get; private set; } = new(longSide: true, 1);

        public BucketLadder Shorts { get; private set; } = new(longSide: false, 1);

        private bool _tickKnown;

        public void EnsureLadders(double tick)
        {
            if (!_tickKnown && tick > 0)
            {
                _tickKnown = true;
                Longs = new BucketLadder(longSide: true, tick);
                Shorts = new BucketLadder(longSide: false, tick);
            }
        }

        public void SetLarge(int source, List<LargePosition> positions)
        {
            if (!_large.TryGetValue(source, out var list))
            {
                _large[source] = list = [];
            }

            list.Clear();
            list.AddRange(positions);
        }

        /// <summary>The large positions as each source sent them (no enumerator chain: read on every projection).</summary>
        public SortedDictionary<int, List<LargePosition>>.ValueCollection LargeLists() => _large.Values;

        public void SetAdl(int source, List<AdlCandidate> longs, List<AdlCandidate> shorts)
        {
            if (!_adl.TryGetValue(source, out var lists))
            {
                _adl[source] = lists = ([], []);
            }

            lists.Longs.Clear();
            lists.Longs.AddRange(longs);
            lists.Shorts.Clear();
            lists.Shorts.AddRange(shorts);
            _adlLongs = null;
            _adlShorts = null;
        }

        /// <summary>The merged ADL queue of one side, built once per ranking the sources sent.</summary>
        public AdlQueue AdlQueue(bool longs, AdlRanking ranking) => longs
            ? _adlLongs ??= Domain.Cascades.AdlQueue.FromRanked(ranking, longs: true, _adl.Values.SelectMany(x => x.Longs), AccountStage.AdlCandidates)
            : _adlShorts ??= Domain.Cascades.AdlQueue.FromRanked(ranking, longs: false, _adl.Values.SelectMany(x => x.Shorts), AccountStage.AdlCandidates);
    }
}
