using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Simulation;

/// <summary>
/// One simulated instrument: its spec, starting price and book depth profile. A level at distance x (fraction of the
/// mark) from the mark holds about <see cref="TouchNotional"/> + (<see cref="FarNotional"/> − <see cref="TouchNotional"/>)
/// × x / span (USD, ± 50 % noise): thin near the touch, so a shock of a few percent walks far.
/// </summary>
/// <param name="TouchNotional">USD value of a level at the touch.</param>
/// <param name="FarNotional">USD value of a level at the far end of the book (<see cref="SimulatorOptions.BookSpan"/> away).</param>
public sealed record SimulatedSymbol(Instrument Instrument, double Price, double TouchNotional, double FarNotional)
{
    /// <summary>
    /// How far this symbol moves with the market factor: each step its log mark moves <see cref="Beta"/> × the
    /// reference's (the first symbol of <see cref="SimulatorOptions.Symbols"/>) random-walk step plus its own noise
    /// (<see cref="SimulatorOptions.IdiosyncraticVolatilityPerSecond"/>), and a shock moves it <see cref="Beta"/> × the
    /// reference's shock. The reference itself is the factor: its own beta is not used.
    /// </summary>
    public double Beta { get; init; } = 1.0;

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
    // Depth sized against the default population (20k accounts, ~0.45B USD of BTC positions): about 15M USD a side
    // within 1 % of the mark and 50M within 2.5 % for BTC, so the 50x/100x longs a 2.5 % shock liquidates outweigh
    // the bids they are sold into.
    public static readonly SimulatedSymbol BtcUsdt = new(
        new Instrument(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, BinanceBtcUsdtTiers), 60_000, 20_000, 2_000_000);

    public static readonly SimulatedSymbol EthUsdt = new(
        new Instrument(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.001, BinanceEthUsdtTiers), 3_000, 10_000, 1_000_000) { Beta = 1.3 };

    public static readonly SimulatedSymbol SolUsdt = new(
        new Instrument(new Symbol("SOLUSDT"), ContractKind.Linear, 0.01, 1, BinanceSolUsdtTiers), 150, 5_000, 700_000) { Beta = 1.6 };

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

    /// <summary>Time between shocks; the first comes one period after the start. <see cref="TimeSpan.Zero"/> disables shocks.</summary>
    public TimeSpan ShockEvery { get; init; } = TimeSpan.FromSeconds(15);

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
    public TimeSpan ShockRecoveryHalfLife { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Share of quantity the levels within <see cref="WithdrawalBand"/> keep when a shock starts (liquidity withdrawal).</summary>
    public double WithdrawnLiquidity { get; init; } = 0.3;

    /// <summary>Levels within this fraction of the mark are thinned by a shock and replenished after it.</summary>
    public double WithdrawalBand { get; init; } = 0.02;

    /// <summary>Steps after a shock's move over which withdrawn liquidity comes back, linearly.</summary>
    public int ReplenishSteps { get; init; } = 30;

    /// <summary>
    /// Volatility of the market factor's geometric random walk per √second (0.0002 ≈ 0.15 % per √minute): the
    /// reference's own, and each other symbol's walk takes <see cref="SimulatedSymbol.Beta"/> × this step.
    /// </summary>
    public double VolatilityPerSecond { get; init; } = 0.0002;

    /// <summary>
    /// Volatility per √second of each non-reference symbol's own noise on top of its beta × the factor's step
    /// (independent per symbol). At 0.00015 against the factor's 0.0002 a step of ETH (beta 1.3) correlates about 0.87
    /// with BTC's, SOL's (1.6) about 0.9.
    /// </summary>
    public double IdiosyncraticVolatilityPerSecond { get; init; } = 0.00015;

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
