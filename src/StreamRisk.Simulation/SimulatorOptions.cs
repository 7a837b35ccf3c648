using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Simulation;

/// <summary>
/// One simulated instrument: its spec, starting price and book depth. Each side of the book is shaped by the shared
/// <see cref="DepthModel"/>: the notional within a fraction d of the mark is N1% · (d / 1%)^<see cref="DepthAlpha"/>, with
/// N1% = <see cref="DepthWithin1Pct"/> or, by default, the population's open interest / <see cref="SimulatorOptions.OpenInterestToDepth"/>.
/// </summary>
public sealed record SimulatedSymbol(Instrument Instrument, double Price)
{
    /// <summary>
    /// How far this symbol moves with the market factor: each step its log mark moves <see cref="Beta"/> × the
    /// reference's (the first symbol of <see cref="SimulatorOptions.Symbols"/>) random-walk step plus its own noise
    /// (<see cref="SimulatorOptions.IdiosyncraticVolatilityPerSecond"/>), and a shock moves it <see cref="Beta"/> × the
    /// reference's shock. The reference itself is the factor: its own beta is not used.
    /// </summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>
    /// The depth model's exponent. 1.2 is the fit to the Binance USDⓈ-M BTCUSDT REST snapshot of 2024-08-08 in
    /// shared/data (mid 61,800: 3.1–3.7M USD a side within 0.05 %, 8.0–8.2M within 0.1 %, 20.5–24.5M within 0.25 %).
    /// </summary>
    public double DepthAlpha { get; init; } = 1.2;

    /// <summary>USD a side within 1 % of the mark; null (the default) takes open interest / <see cref="SimulatorOptions.OpenInterestToDepth"/>.</summary>
    public double? DepthWithin1Pct { get; init; }

    /// <summary>Binance USDⓈ-M BTCUSDT brackets as published in 2023 (floor in USDT, mmr; deductions derived).</summary>
    public static readonly MarginTiers BinanceBtcUsdtTiers = MarginTiers.Create(
    [
        (0, 0.004, null), (50_000, 0.005, null), (250_000, 0.01, null), (1_000_000, 0.025, null),
        (10_000_000, 0.05, null), (20_000_000, 0.1, null), (50_000_000, 0.125, null), (100_000_000, 0.15, null),
    ]);

    /// <summary>Binance-like ETHUSDT brackets (shape of the venue's table, rounded).</summary>
    public static readonly MarginTiers BinanceEthUsdtTiers = MarginTiers.Create(
    [
        (0, 0.005, null), (50_000, 0.0065, null), (250_000, 0.01, null), (1_000_000, 0.02, null),
        (5_000_000, 0.05, null), (10_000_000, 0.1, null), (20_000_000, 0.125, null), (50_000_000, 0.15, null),
    ]);

    /// <summary>Binance-like SOLUSDT brackets (shape of the venue's table, rounded).</summary>
    public static readonly MarginTiers BinanceSolUsdtTiers = MarginTiers.Create(
    [
        (0, 0.005, null), (20_000, 0.01, null), (100_000, 0.02, null), (500_000, 0.05, null),
        (2_000_000, 0.1, null), (5_000_000, 0.125, null), (10_000_000, 0.15, null),
    ]);

    // Betas in the range of alts against BTC in crashes (on 2025-10-10 alts fell one and a half to several times as far).
    public static readonly SimulatedSymbol BtcUsdt = new(
        new Instrument(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, BinanceBtcUsdtTiers), 60_000);

    public static readonly SimulatedSymbol EthUsdt = new(
        new Instrument(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.001, BinanceEthUsdtTiers), 3_000) { Beta = 1.3 };

    public static readonly SimulatedSymbol SolUsdt = new(
        new Instrument(new Symbol("SOLUSDT"), ContractKind.Linear, 0.01, 1, BinanceSolUsdtTiers), 150) { Beta = 1.6 };

    public static IReadOnlyList<SimulatedSymbol> Defaults { get; } = [BtcUsdt, EthUsdt, SolUsdt];
}

/// <summary>
/// What <see cref="MarketSimulator"/> simulates. Every default is what <c>demo</c> runs. The same options (seed
/// included) always give the identical event sequence.
/// </summary>
public sealed record SimulatorOptions
{
    /// <summary>Seed of the one <see cref="Random"/> everything is drawn from (population first, then the market).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Accounts in the synthetic population (see <see cref="SyntheticPopulation"/> for the mix).</summary>
    public int Accounts { get; init; } = 20_000;

    /// <summary>Simulated time between two market updates (whole milliseconds).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Time between shocks, from the first (<see cref="FirstShockAfter"/>); <see cref="TimeSpan.Zero"/> disables shocks.
    /// The market between shocks is calm: a small random walk over a stable book.
    /// </summary>
    public TimeSpan ShockEvery { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>When the first shock comes after the start; null: one <see cref="ShockEvery"/> after it.</summary>
    public TimeSpan? FirstShockAfter { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Size of a shock's move of the reference (the first symbol) as a fraction of its mark, before noise.</summary>
    public double ShockSize { get; init; } = 0.025;

    /// <summary>
    /// The reference's shock is <see cref="ShockSize"/> × U(1 − noise, 1 + noise); every other symbol's log move is its
    /// <see cref="SimulatedSymbol.Beta"/> × the reference's, × U(1 ± <see cref="ShockDispersion"/>).
    /// </summary>
    public double ShockNoise { get; init; } = 0.3;

    /// <summary>How far a symbol's shock strays from its beta × the reference's (a fraction; 0: exactly beta ×).</summary>
    public double ShockDispersion { get; init; } = 0.15;

    /// <summary>Share of shocks that move the market down (the rest jump up): crashes are the common case.</summary>
    public double ShockDownShare { get; init; } = 0.8;

    /// <summary>Steps a shock's move is spread over.</summary>
    public int ShockSteps { get; init; } = 5;

    /// <summary>
    /// Half-life of the shock and liquidation-impact part of the mark: moves partly recover (a wick), so a long run
    /// of down-biased shocks does not trend to zero.
    /// </summary>
    public TimeSpan ShockRecoveryHalfLife { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Share of a shock's move that stays (a new level, like the rest of the walk); the rest recovers with
    /// <see cref="ShockRecoveryHalfLife"/>. Crashes keep part of their drop and give the rest back as a wick; a
    /// calm minute after a shock then carries only a small share of its recovery.
    /// </summary>
    public double ShockRetainedShare { get; init; } = 0.5;

    /// <summary>
    /// Share of quantity the levels within <see cref="WithdrawalBand"/> keep while a shock moves the mark (liquidity
    /// withdrawal: market makers pull part of their quotes, not all); it comes back over <see cref="ReplenishSteps"/>.
    /// </summary>
    public double WithdrawnLiquidity { get; init; } = 0.5;

    /// <summary>Levels within this fraction of the mark are thinned by a shock and replenished after it.</summary>
    public double WithdrawalBand { get; init; } = 0.01;

    /// <summary>Steps after a shock's move over which withdrawn liquidity comes back, linearly (300: 30 s at 100 ms).</summary>
    public int ReplenishSteps { get; init; } = 300;

    /// <summary>
    /// Volatility of the market factor's geometric random walk per √second: the reference's own, and each other
    /// symbol's walk takes <see cref="SimulatedSymbol.Beta"/> × this step. 0.0001 is 0.08 % per √minute and 2.9 % per
    /// √day, BTC's daily volatility at an annualised 55 %: a calm minute moves a few hundredths of a percent.
    /// </summary>
    public double VolatilityPerSecond { get; init; } = 0.0001;

    /// <summary>
    /// Volatility per √second of each non-reference symbol's own noise on top of its beta × the factor's step
    /// (independent per symbol). At 0.000075 against the factor's 0.0001 a step of ETH (beta 1.3) correlates about 0.87
    /// with BTC's, SOL's (1.6) about 0.9.
    /// </summary>
    public double IdiosyncraticVolatilityPerSecond { get; init; } = 0.000075;

    /// <summary>
    /// How far back the population's positions were opened: a simulated past of this length (the volatilities above,
    /// one point a minute) ends at the start prices, and each position's entry is a point of it the position survived
    /// (see <see cref="SyntheticPopulation"/>). <see cref="TimeSpan.Zero"/> opens every position at the start prices.
    /// </summary>
    public TimeSpan PastLookback { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Open interest against the depth a side within 1 % of the mark, which sizes each book from the population (a
    /// symbol's open interest is the mean of its long and short notional at the start). 50: Binance BTCUSDT carries
    /// ~9–11B USD of open interest against ~180–190M USD a side within 1 %.
    /// </summary>
    public double OpenInterestToDepth { get; init; } = 50;

    /// <summary>Levels per book side.</summary>
    public int BookLevels { get; init; } = 200;

    /// <summary>How far from the mark the farthest level sits, as a fraction of the mark; level k of n sits about span × (k/n)² away.</summary>
    public double BookSpan { get; init; } = 0.05;

    /// <summary>Random level changes per symbol, side and step, biased towards the touch.</summary>
    public int BookChangesPerStep { get; init; } = 3;

    /// <summary>
    /// Extra book messages per symbol and step, each one random change near the touch on one side, spread evenly over
    /// the step before it (0: none, the default). A venue's full-depth feed is this dense: the Binance USDⓈ-M BTCUSDT
    /// capture of 2024-08-08 in shared/data has ~210 book messages a second (depth@0ms diffs and bookTicker), i.e. ~20
    /// per 100 ms step; the rest of the simulation (marks, shocks, liquidations) is unchanged by it.
    /// </summary>
    public int TouchUpdatesPerStep { get; init; }

    /// <summary>
    /// Mean number of positions opened per second (Poisson), so the population renews after liquidations. At a few
    /// per second the first shock's flush leaves later shocks almost nobody to liquidate; 30 keeps each shock biting
    /// (hundreds of liquidations) over a long demo.
    /// </summary>
    public double OpensPerSecond { get; init; } = 30;

    /// <summary>
    /// Liquidations are sold (longs) or bought (shorts) into the book; the mark then moves this share of the way to
    /// the last level touched, which is what lets one liquidation set off the next. 0 turns the feedback off.
    /// </summary>
    public double LiquidationImpact { get; init; } = 0.3;

    /// <summary>
    /// Share of accounts that are cross portfolios: one cross pool over 2–3 symbols of one contract kind, so one
    /// symbol's move can liquidate the pool whole and send its other legs into their books. Needs two symbols of one
    /// kind; the other accounts are isolated or single-symbol cross (see <see cref="SyntheticPopulation"/>).
    /// </summary>
    public double PortfolioShare { get; init; } = 1 / 3.0;

    /// <summary>Share of portfolios with three legs (the rest two), where three symbols of the kind exist.</summary>
    public double PortfolioThreeLegShare { get; init; } = 0.4;

    /// <summary>Share of portfolios whose legs all go one way that are long (a bull market's book of positions).</summary>
    public double PortfolioLongShare { get; init; } = 0.8;

    /// <summary>Share of portfolios that are hedged: the first leg (most often the reference) against the others.</summary>
    public double PortfolioHedgedShare { get; init; } = 0.2;

    /// <summary>Margin model the liquidation prices are computed with.</summary>
    public MarginProfile Profile { get; init; } = MarginProfile.Binance;

    public IReadOnlyList<SimulatedSymbol> Symbols { get; init; } = SimulatedSymbol.Defaults;
}
