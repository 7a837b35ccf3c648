using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>A symbol needs a projection: something that moves its cascade picture changed at this event time.</summary>
/// <param name="Urgent">A large mark move: project now, not at the next throttle slot.</param>
public readonly record struct SymbolTouched(int Instrument, long EventTime, bool Urgent);

/// <summary>
/// The one owner of all mutable risk state: instruments, margin state of every account, order books, liquidation
/// ladders, realized-liquidation and depth windows, open alerts. No locks inside — every method runs on the
/// engine's thread (the Kafka consume thread live, the replay loop offline). Inputs are validated at the decode
/// boundary; here they are trusted.
/// </summary>
public sealed class RiskEngine
{
    private static readonly double[] Bands = [0.01, 0.02, 0.05];

    private readonly EngineOptions _options;
    private readonly LargePositions _largePositions;
    private readonly List<SymbolState> _symbols = [];
    private readonly CascadeRound[] _rounds = new CascadeRound[4096];
    private long _projectionTime;

    public RiskEngine(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Catalog = new InstrumentCatalog();
        Margins = new MarginBook(options.Profile, Catalog);
        Ladders = new LiquidationLadders();
        // Track positions down to the hysteresis margin below the large-account threshold, so an open alert can resolve.
        _largePositions = new LargePositions(i =>
        {
            var t = options.ThresholdsFor(Catalog[i].Symbol.Value);
            return t.LargeAccountNotional / (1 + t.Hysteresis);
        });
        Margins.Listener = new MarginListeners(Ladders, _largePositions);
        Alerts = new AlertBook(options.ThresholdsFor);
    }

    public InstrumentCatalog Catalog { get; }

    public MarginBook Margins { get; }

    public LiquidationLadders Ladders { get; }

    public AlertBook Alerts { get; }

    public EngineOptions Options => _options;

    /// <summary>Called (on the engine thread) whenever a symbol's picture changed; the pipeline throttles projections from it.</summary>
    public Action<SymbolTouched>? Touched { get; set; }

    public OrderBook? BookOf(int instrument) => instrument < _symbols.Count ? _symbols[instrument].Book : null;

    public double InsuranceFundOf(int instrument) => _symbols[instrument].InsuranceFund;

    public int ApplyInstrument(Instrument instrument) => ApplyInstrument(instrument, TickSize.FromDecimal((decimal)instrument.TickSize));

    /// <summary>Registers or updates an instrument; <paramref name="tick"/> is the exact decimal tick its book prices use.</summary>
    public int ApplyInstrument(Instrument instrument, TickSize tick)
    {
        var index = Margins.ApplyInstrument(instrument);
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
        Margins.ApplyMark(instrument, mark);
        var state = _symbols[instrument];
        state.Marks.Add(eventTime, mark);
        var urgent = !double.IsNaN(state.ProjectedMark) && Math.Abs(mark - state.ProjectedMark) >= _options.LargeMarkMove * state.ProjectedMark;
        Touch(instrument, eventTime, urgent);
    }

    public void ApplyAccount(AccountId account, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions, long eventTime)
    {
        TouchAccount(account, eventTime);
        var state = Margins.ApplyAccount(account, balance, positions);
        TouchAccount(state, eventTime);
    }

    public void ApplyPosition(AccountId account, int instrument, double size, double entry, double isolatedMargin, long eventTime)
    {
        var state = Margins.ApplyPosition(account, instrument, size, entry, isolatedMargin);
        Touch(instrument, eventTime, urgent: false);
        TouchAccount(state, eventTime); // a cross account's other liquidation prices moved too
    }

    public void ApplyBalance(AccountId account, double balance, long eventTime)
    {
        var state = Margins.ApplyBalance(account, balance);
        TouchAccount(state, eventTime);
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
        var mark = Margins.MarkOf(instrument);
        if (double.IsNaN(mark))
        {
            return null;
        }

        _projectionTime = eventTime;

        var symbol = Catalog[instrument].Symbol.Value;
        var book = state.Book!;
        if (state.DepthVersion != book.Version || !state.DepthLoaded)
        {
            state.Bids.Load(book, BookSide.Bid);
            state.Asks.Load(book, BookSide.Ask);
            state.DepthVersion = book.Version;
            state.DepthLoaded = true;
        }

        var longs = Ladders.Side(instrument, longSide: true);
        var shorts = Ladders.Side(instrument, longSide: false);
        var criticalDown = CascadeProjector.CriticalShock(mark, CascadeDirection.Down, longs, state.Bids);
        var criticalUp = CascadeProjector.CriticalShock(mark, CascadeDirection.Up, shorts, state.Asks);
        var thresholds = _options.ThresholdsFor(symbol);

        var (drainDown, adlDown) = FundDrain(instrument, mark, CascadeDirection.Down, longs, state, thresholds);
        var (drainUp, adlUp) = FundDrain(instrument, mark, CascadeDirection.Up, shorts, state, thresholds);

        var bands = new List<BandFigures>(Bands.Length + 1);
        foreach (var band in Bands.Append(thresholds.WallBand).Distinct())
        {
            bands.Add(new BandFigures(band,
                longs.Crossed(mark * (1 - band)).Notional,
                shorts.Crossed(mark * (1 + band)).Notional,
                book.DepthWithin(BookSide.Bid, mark, band).Notional,
                book.DepthWithin(BookSide.Ask, mark, band).Notional));
        }

        var heatmap = Heatmap(mark, book, longs, shorts);
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
            ChainDown = Chain(instrument, mark, CascadeDirection.Down, criticalDown, longs, state),
            ChainUp = Chain(instrument, mark, CascadeDirection.Up, criticalUp, shorts, state),
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
            LargeAccounts = NearLiquidation(instrument, mark, thresholds),
            BookStale = book.IsStale || book.IsCrossed,
        };
    }

    /// <summary>
    /// Rings below the mark (farthest first) then above it. Depth by ring comes from the cumulative band depth, so a
    /// level exactly on a ring edge counts in the inner ring; O(rings × (log n + levels in the band)).
    /// </summary>
    private List<LadderRing> Heatmap(double mark, OrderBook book, LiquidationLadder longs, LiquidationLadder shorts)
    {
        var rings = _options.HeatmapRingsPerSide;
        var width = _options.HeatmapBand / rings;
        var heatmap = new List<LadderRing>(2 * rings);
        for (var k = rings - 1; k >= 0; k--)
        {
            var inner = k * width;
            var outer = (k + 1) * width;
            var bids = book.DepthWithin(BookSide.Bid, mark, outer).Notional - (k == 0 ? 0 : book.DepthWithin(BookSide.Bid, mark, inner).Notional);
            heatmap.Add(new LadderRing(-outer, -inner, longs.Between(mark * (1 - outer), mark * (1 - inner)).Notional, bids));
        }

        for (var k = 0; k < rings; k++)
        {
            var inner = k * width;
            var outer = (k + 1) * width;
            var asks = book.DepthWithin(BookSide.Ask, mark, outer).Notional - (k == 0 ? 0 : book.DepthWithin(BookSide.Ask, mark, inner).Notional);
            heatmap.Add(new LadderRing(inner, outer, shorts.Between(mark * (1 + inner), mark * (1 + outer)).Notional, asks));
        }

        return heatmap;
    }

    private (double? Shock, double AdlNotional) FundDrain(int instrument, double mark, CascadeDirection direction, LiquidationLadder ladder, SymbolState state, AlertThresholds thresholds)
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
                var queue = state.AdlQueue(Margins, instrument, longs: !down, _options.AdlRanking, _projectionTime);
                projection = CascadeProjector.Project(mark, direction, shock, ladder, depth, state.InsuranceFund, queue, _rounds);
                return (shock, projection.AdlNotional);
            }
        }

        return (null, 0);
    }

    private CascadeChain? Chain(int instrument, double mark, CascadeDirection direction, double? shock, LiquidationLadder ladder, SymbolState state)
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

        // The largest positions the chain reaches, named for ops (from the large-position index, not a full scan).
        var top = _largePositions.On(instrument)
            .Where(x =>
            {
                var terms = x.Account.Positions[x.Position];
                var lp = x.Account.PositionMargins[x.Position].LiquidationPrice;
                return (terms.Size > 0) == down && !double.IsNaN(lp) && (down ? lp >= p.FinalPrice : lp <= p.FinalPrice);
            })
            .OrderByDescending(x => x.Account.PositionMargins[x.Position].Notional)
            .ThenBy(x => x.Account.Id.Value, StringComparer.Ordinal)
            .Take(_options.ExplanationAccounts)
            .Select(x => x.Account.Id.Value)
            .ToList();
        return new CascadeChain(s, p.FinalPrice, p.Amplification, prices, p.LiquidatedAccounts, p.LiquidatedNotional, top);
    }

    private List<NearLiquidation> NearLiquidation(int instrument, double mark, AlertThresholds thresholds)
    {
        var list = new List<NearLiquidation>();
        foreach (var (account, position) in _largePositions.On(instrument))
        {
            var margin = account.PositionMargins[position];
            if (!margin.HasLiquidationPrice)
            {
                continue;
            }

            var distance = margin.DistanceToLiquidation;
            if (distance <= thresholds.LargeAccountDistance * (1 + thresholds.Hysteresis))
            {
                list.Add(new NearLiquidation(account.Id.Value, account.Positions[position].Size, margin.Notional, margin.LiquidationPrice, distance));
            }
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Account, b.Account));
        return list;
    }

    private void TouchAccount(AccountId id, long eventTime)
    {
        if (Margins.TryGetAccount(id, out var account))
        {
            TouchAccount(account, eventTime);
        }
    }

    private void TouchAccount(AccountState account, long eventTime)
    {
        for (var i = 0; i < account.PositionCount; i++)
        {
            Touch(account.InstrumentIndexAt(i), eventTime, urgent: false);
        }
    }

    private void Touch(int instrument, long eventTime, bool urgent)
    {
        _symbols[instrument].AdlDirty = true;
        Touched?.Invoke(new SymbolTouched(instrument, eventTime, urgent));
    }

    /// <summary>Per-symbol state the engine keeps next to the domain structures.</summary>
    private sealed class SymbolState(EngineOptions options)
    {
        private AdlQueue? _adlLongs;
        private AdlQueue? _adlShorts;
        private long _adlBuiltAt = long.MinValue / 2;

        public OrderBook? Book { get; set; }
        public SideDepth Bids { get; } = new();
        public SideDepth Asks { get; } = new();
        public long DepthVersion { get; set; } = -1;
        public bool DepthLoaded { get; set; }
        public double InsuranceFund { get; set; }
        public double ProjectedMark { get; set; } = double.NaN;
        public bool AdlDirty { get; set; } = true;
        public TimeWindow Liquidations { get; } = new(options.DefaultThresholds.CascadeWindow);
        public TimeWindow Marks { get; } = new(options.DefaultThresholds.CascadeWindow);
        public TimeWindow Depth { get; } = new(options.DefaultThresholds.DepthWindow);

        /// <summary>
        /// ADL queues cost a pass over the symbol's holders plus a sort, so they are rebuilt only when asked for, only
        /// after the symbol changed, and at most once per second of event time (venues refresh their ADL rankings on a
        /// similar cadence; a ranking a second old changes who is named, not whether ADL is needed).
        /// </summary>
        public AdlQueue AdlQueue(MarginBook book, int instrument, bool longs, AdlRanking ranking, long eventTime)
        {
            if (AdlDirty && eventTime - _adlBuiltAt >= 1_000)
            {
                _adlLongs = null;
                _adlShorts = null;
                AdlDirty = false;
            }

            if ((longs ? _adlLongs : _adlShorts) is null)
            {
                _adlBuiltAt = eventTime;
            }

            return longs
                ? _adlLongs ??= Domain.Cascades.AdlQueue.Build(book, instrument, longs: true, ranking)
                : _adlShorts ??= Domain.Cascades.AdlQueue.Build(book, instrument, longs: false, ranking);
        }
    }
}
