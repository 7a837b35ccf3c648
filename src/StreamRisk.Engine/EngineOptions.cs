using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>Who closes positions that cross their liquidation price.</summary>
public enum LiquidationEngineMode
{
    /// <summary>The venue: its positions and liquidations topics carry the closes (a live run).</summary>
    Off,

    /// <summary>
    /// The monitor's own venue liquidation engine (<see cref="VenueLiquidations"/>): for runs whose positions have no
    /// venue feed of closes — a replay of a venue capture with a synthetic, estimated or file population, a backtest.
    /// </summary>
    Venue,
}

/// <summary>Settings of the <see cref="RiskEngine"/> and its projection pipeline.</summary>
public sealed record EngineOptions
{
    public MarginProfile Profile { get; init; } = MarginProfile.Binance;

    /// <summary>At most one projection per symbol per this much event time.</summary>
    public TimeSpan ProjectionInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Every mark projects at once (not at the next throttle slot): the mark is what liquidates, and venues publish it
    /// about once a second, so projecting on each costs little and an alert never waits a slot behind its price.
    /// Book and position changes stay throttled. False: only a <see cref="LargeMarkMove"/> projects at once.
    /// </summary>
    public bool MarksProjectAtOnce { get; init; } = true;

    /// <summary>
    /// With <see cref="MarksProjectAtOnce"/>: at most one at-once mark projection per symbol per this much event time;
    /// marks in between wait for the throttle slot like book changes. Zero (the default): every mark — an alert never
    /// waits behind its price. A replay of a feed much faster than a venue's ~1 mark/s can trade that for throughput.
    /// </summary>
    public TimeSpan MarkAtOnceInterval { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// A symbol's cross holders (accounts whose other liquidation prices move with its mark: two or more cross
    /// positions) are revalued at its first mark this long (event time) after their last revaluation, or at once on a
    /// <see cref="CrossRevaluationMove"/>; until then the account stage holds the symbol's last revalued mark. Venues publish
    /// marks about once a second (Binance markPrice@1s), so at a venue's pace every mark revalues; a faster feed is
    /// coalesced instead of recomputing every cross holder per mark (the monitor's dominant cost). Zero: every mark.
    /// </summary>
    public TimeSpan CrossRevaluationInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A mark this far (relative) from the one its cross holders were last revalued at revalues them at once.</summary>
    public double CrossRevaluationMove { get; init; } = 0.001;

    /// <summary>A mark move this large since the symbol's last projection projects at once.</summary>
    public double LargeMarkMove { get; init; } = 0.005;

    /// <summary>Shocks projected each time, per direction (the InsuranceFundAtRisk rule reads them).</summary>
    public IReadOnlyList<double> ShockGrid { get; init; } = CascadeShocks.DefaultGrid;

    /// <summary>Insurance fund per symbol; symbols not listed use <see cref="DefaultInsuranceFund"/>.</summary>
    public IReadOnlyDictionary<string, double> InsuranceFunds { get; init; } = new Dictionary<string, double>();

    public double DefaultInsuranceFund { get; init; } = 1_000_000;

    /// <summary>
    /// Off (the default, live: the venue's topics carry closes) or <see cref="LiquidationEngineMode.Venue"/>: positions
    /// whose liquidation price a mark crosses are liquidated by the profile's policy into the book, settled against the
    /// insurance fund, ADL'd when it cannot cover, and reported as realized liquidations (docs/domain.md). One process only.
    /// </summary>
    public LiquidationEngineMode LiquidationEngine { get; init; } = LiquidationEngineMode.Off;

    /// <summary>Depth a liquidation order consumed comes back linearly over this much event time (<see cref="Domain.Books.DepthOverlay"/>).</summary>
    public TimeSpan LiquidationDepthRecovery { get; init; } = TimeSpan.FromSeconds(30);

    public AdlRanking AdlRanking { get; init; } = AdlRanking.PnlTimesLeverage;

    /// <summary>
    /// A symbol's ADL candidates are ranked again at its first mark this long (event time) after the last ranking, so a
    /// replay ranks at the same moments as the live run. Venues refresh their ADL queues on a cadence too, not per
    /// trade; a ranking passes over every holder of the symbol, so ranking at each mark of a feed faster than a venue's
    /// ~1 mark/s would cost more than it tells. Zero: every mark.
    /// </summary>
    public TimeSpan AdlRankingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Alert thresholds per symbol; symbols not listed use <see cref="DefaultThresholds"/>.</summary>
    public IReadOnlyDictionary<string, AlertThresholds> Thresholds { get; init; } = new Dictionary<string, AlertThresholds>();

    public AlertThresholds DefaultThresholds { get; init; } = new();

    /// <summary>The liquidation heatmap of each projection covers ±this much of the mark ...</summary>
    public double HeatmapBand { get; init; } = 0.05;

    /// <summary>... in this many equal rings per side (10 × 0.5% by default).</summary>
    public int HeatmapRingsPerSide { get; init; } = 10;

    /// <summary>Default of <see cref="MaxInstruments"/>.</summary>
    public const int DefaultMaxInstruments = 2_000;

    /// <summary>
    /// Most instruments the engine holds. Each costs about 77 KB before it trades (book, ladders, windows); a new
    /// symbol beyond this many is dead-lettered (<c>too-many:instruments</c>), a redefinition of a known one is still
    /// applied. 2,000 covers every perpetual listed on the largest venues (Binance lists a few hundred) with room.
    /// </summary>
    public int MaxInstruments { get; init; } = DefaultMaxInstruments;

    /// <summary>
    /// Latest event time (Unix ms) any input may carry: 2100-01-01 by default. With no wall clock to compare against
    /// (an offline replay) this is the whole check; it keeps event time far inside what the clock's scheduler can hold.
    /// </summary>
    public long LatestEventTime { get; init; } = 4_102_444_800_000;

    /// <summary>
    /// How far past the wall clock an input's event time may be, where the monitor has one (<c>run</c>, <c>demo</c>):
    /// a little producer clock skew passes, a message dated hours ahead is dead-lettered (<c>out-of-range:eventTime</c>)
    /// instead of moving event time — and every throttle and window on it — into the future.
    /// </summary>
    public TimeSpan MaxEventTimeAhead { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The system view (<see cref="SystemStage"/>: the portfolio projection over every account, instrument and book) is
    /// made at each multiple of this much event time after something changed. Zero: no system view.
    /// </summary>
    public TimeSpan SystemInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The reference instrument of the system view's factor scenarios; null or empty: the first instrument (engine order) with a mark.</summary>
    public string? SystemReference { get; init; }

    /// <summary>
    /// β of an instrument against the reference, by symbol: a fixed β wins over the estimate; instruments not listed
    /// move by their estimated β (<see cref="BetaWindow"/>), 1 until it has enough minutes.
    /// </summary>
    public IReadOnlyDictionary<string, double> SystemBetas { get; init; } = new Dictionary<string, double>();

    /// <summary>1-minute returns in the rolling window the betas are estimated over (docs/beta-estimation.md).</summary>
    public int BetaWindow { get; init; } = Domain.Portfolio.BetaEstimator.DefaultWindow;

    /// <summary>Paired 1-minute returns an instrument needs before its estimated β replaces 1.</summary>
    public int BetaMinObservations { get; init; } = Domain.Portfolio.BetaEstimator.DefaultMinObservations;

    /// <summary>The move of each instrument alone, both ways, in the system view's contagion matrix.</summary>
    public double ContagionMove { get; init; } = 0.05;

    /// <summary>Critical accounts: how many of the accounts of largest notional are forced into liquidation one by one ...</summary>
    public int CriticalAccountCandidates { get; init; } = 32;

    /// <summary>... and how many of those with the largest additional liquidation the view names.</summary>
    public int CriticalAccounts { get; init; } = 5;

    /// <summary>Accounts named in cascade explanations (largest first in the chain).</summary>
    public int ExplanationAccounts { get; init; } = 3;

    public AlertThresholds ThresholdsFor(string symbol) => Thresholds.TryGetValue(symbol, out var t) ? t : DefaultThresholds;

    public double InsuranceFundFor(string symbol) => InsuranceFunds.TryGetValue(symbol, out var f) ? f : DefaultInsuranceFund;
}
