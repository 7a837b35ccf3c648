using System.Globalization;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Simulation;

/// <summary>
/// What an estimated population is built from, as <c>--positions estimated:oi=NOTIONAL[,seed=N,accounts=N,leverage=NAME,lookback=DURATION,turnover=MODEL]</c>
/// gives it (see <see cref="Parse"/>).
/// </summary>
/// <param name="OpenInterest">The instrument's open interest in USD: the population's long notional, and its short notional, at the path's last price.</param>
public sealed record EstimatedPopulationSpec(double OpenInterest)
{
    public const string Prefix = "estimated:";

    public int Seed { get; init; } = 1;

    /// <summary>Accounts (one position each, half long, half short): the ladder's resolution, not a count of traders.</summary>
    public int Accounts { get; init; } = 20_000;

    public LeveragePrior Prior { get; init; } = LeveragePrior.Moderate;

    /// <summary>How far back positions were opened, where the caller has no path of its own and simulates one.</summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Whether positions change hands along the minutes a backtest replays (<see cref="EstimatedTurnover"/>,
    /// <c>turnover=volume</c>), or the population stays as opened (<c>turnover=none</c>, the default). Backtests of klines
    /// only: other replays do not read it.
    /// </summary>
    public bool Turnover { get; init; }

    /// <summary>Volatility per √second of a simulated path (BTC's ~2.9 % a day).</summary>
    public double VolatilityPerSecond { get; init; } = 0.0001;

    /// <summary>
    /// Parses <c>estimated:oi=NOTIONAL[,seed=N][,accounts=N][,leverage=NAME][,lookback=DURATION][,turnover=MODEL]</c>.
    /// NOTIONAL is USD, with an optional k, M or B suffix (10B); DURATION a number with s, m, h or d (24h); MODEL none or
    /// volume. Throws <see cref="FormatException"/>
    /// with a one-line message for anything else.
    /// </summary>
    /// <param name="defaultAccounts">Accounts when the text names none.</param>
    public static EstimatedPopulationSpec Parse(string text, int defaultAccounts = 20_000)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException($"'{text}' is not an estimated population (estimated:oi=NOTIONAL[,seed=N,accounts=N,leverage=NAME,lookback=DURATION,turnover=MODEL])");
        }

        double? oi = null;
        var spec = new EstimatedPopulationSpec(0) { Accounts = defaultAccounts };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in text[Prefix.Length..].Split(','))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? string.Empty : pair[(equals + 1)..];
            if (!seen.Add(key))
            {
                throw new FormatException($"estimated: '{key}' given twice");
            }

            switch (key)
            {
                case "oi":
                    oi = Notional(value) ?? throw Bad(key, value, "a positive USD amount such as 9.5e9 or 10B");
                    break;
                case "seed":
                    spec = spec with { Seed = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : throw Bad(key, value, "an integer") };
                    break;
                case "accounts":
                    spec = spec with
                    {
                        Accounts = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var accounts) && accounts is >= 2 and <= 1_000_000
                            ? accounts : throw Bad(key, value, "an integer in 2-1000000"),
                    };
                    break;
                case "leverage":
                    spec = spec with { Prior = LeveragePrior.Named(value) ?? throw Bad(key, value, "a prior: " + string.Join(", ", LeveragePrior.All.Select(p => p.Name))) };
                    break;
                case "lookback":
                    spec = spec with { Lookback = Duration(value) ?? throw Bad(key, value, "a duration from 1m to 365d such as 90m, 24h or 7d") };
                    break;
                case "turnover":
                    spec = spec with { Turnover = value switch { "volume" => true, "none" => false, _ => throw Bad(key, value, "a turnover model: none or volume") } };
                    break;
                default:
                    throw new FormatException($"estimated: unknown key '{key}' (oi, seed, accounts, leverage, lookback, turnover)");
            }
        }

        return spec with { OpenInterest = oi ?? throw new FormatException("estimated: oi=NOTIONAL is required (the open interest in USD, e.g. oi=10B)") };
    }

    /// <summary>One line for outputs: the population is estimated, and from what.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"estimated (oi {OpenInterest:N0} USD, {Accounts:N0} accounts, leverage {Prior.Name}, seed {Seed}{(Turnover ? ", turnover volume" : string.Empty)})");

    private static FormatException Bad(string key, string value, string expected) => new($"estimated: {key}='{value}' is not {expected}");

    private static double? Notional(string value)
    {
        var multiplier = 1.0;
        if (value.Length > 0 && char.ToUpperInvariant(value[^1]) is 'K' or 'M' or 'B')
        {
            multiplier = char.ToUpperInvariant(value[^1]) switch { 'K' => 1e3, 'M' => 1e6, _ => 1e9 };
            value = value[..^1];
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount * multiplier is > 0 and < 1e15
            ? amount * multiplier : null;
    }

    private static TimeSpan? Duration(string value)
    {
        if (value.Length < 2 || !double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || !double.IsFinite(amount))
        {
            return null;
        }

        var minutes = value[^1] switch { 's' => amount / 60, 'm' => amount, 'h' => amount * 60, 'd' => amount * 1440, _ => double.NaN };
        return minutes is >= 1 and <= 365 * 1440 ? TimeSpan.FromMinutes(minutes) : null;
    }
}

/// <summary>
/// A population estimated from what a firm without venue positions can see: the open interest, a leverage prior and
/// the recent price path — what CoinGlass-style liquidation maps draw. Pure and deterministic: the same inputs give the
/// same accounts.
/// </summary>
/// <remarks>
/// <para>Open interest counts each contract once, and every contract has a long and a short holder: the accounts are
/// half long and half short, and each side's notional at the path's last price sums to the open interest (to a lot).</para>
/// <para>Sizes: lognormal weights (σ 1.4, the synthetic population's spread), scaled to the side's open interest.
/// More accounts give a finer ladder; fewer make each larger, and the venue's brackets cap its leverage lower.</para>
/// <para>Leverage: the prior's draw, lowered with notional and capped at the venue's bracket maximum (see
/// <see cref="LeveragePrior"/>). Accounts are 40 % isolated, 60 % single-position cross with a wallet of 1.0–1.6 × the
/// initial margin, as in <see cref="SyntheticPopulation"/>.</para>
/// <para>Entries: each position was opened at a point of the path drawn uniformly in time (± 0.05 %, a share snapped to
/// a round price level nearby), and only if the path since then never went more than 0.4/L against it and ends within
/// 0.25/L of it: the survivors of the path, none liquidatable at its end. Positions that found no such point in eight
/// draws were opened at the end.</para>
/// </remarks>
public static class EstimatedPopulation
{
    /// <summary>Account snapshots (Seq 1, ids <c>est-000001</c>, …) at <paramref name="eventTime"/> from <paramref name="spec"/>.</summary>
    public static IReadOnlyList<SimAccount> Build(Instrument instrument, PricePath path, EstimatedPopulationSpec spec, long eventTime)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Build(instrument, spec.OpenInterest, path, spec.Prior, spec.Seed, spec.Accounts, eventTime);
    }

    /// <summary>
    /// The population of <paramref name="spec"/> opened along a simulated past, for a caller with no price path of its own
    /// before <paramref name="eventTime"/>: a random walk of <see cref="EstimatedPopulationSpec.Lookback"/> in 1-minute steps
    /// at <see cref="EstimatedPopulationSpec.VolatilityPerSecond"/> ending at <paramref name="price"/> (what came before is
    /// not known, so nothing of it is looked ahead at). The walk draws from a stream of its own, so its shape is independent
    /// of the population's draws; <paramref name="stream"/> gives each of several instruments its own walk and draws.
    /// </summary>
    public static IReadOnlyList<SimAccount> AlongSimulatedPast(Instrument instrument, EstimatedPopulationSpec spec, double price, long eventTime, int stream = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var pathSeed = unchecked((spec.Seed * 1_000_003) + 7 + (stream * 7_919));
        var path = PricePath.Simulated(pathSeed, eventTime, price, spec.Lookback, TimeSpan.FromMinutes(1), spec.VolatilityPerSecond);
        return Build(instrument, path, spec with { Seed = spec.Seed + stream }, eventTime);
    }

    /// <summary>
    /// <paramref name="accounts"/> account snapshots (Seq 1) at <paramref name="eventTime"/> holding
    /// <paramref name="openInterestNotional"/> USD long and as much short on <paramref name="instrument"/>, opened along
    /// <paramref name="path"/> (its last price is where they are placed) with leverage from <paramref name="prior"/>.
    /// </summary>
    public static IReadOnlyList<SimAccount> Build(
        Instrument instrument, double openInterestNotional, PricePath path, LeveragePrior prior, int seed, int accounts, long eventTime)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(prior);
        if (!(openInterestNotional > 0) || !double.IsFinite(openInterestNotional))
        {
            throw new ArgumentOutOfRangeException(nameof(openInterestNotional), "the open interest must be a positive USD amount");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(accounts, 2);
        var markets = PopulationMarkets.Create([instrument]);
        var market = markets[0];
        var price = path.Last;
        var rng = new Random(seed);

        // Sizes first: each side's weights, scaled to its open interest in whole lots; rounding goes to the largest.
        var lots = new long[accounts];
        var longs = (accounts + 1) / 2;
        Side(rng, lots, 0, longs, market, openInterestNotional, price);
        Side(rng, lots, longs, accounts, market, openInterestNotional, price);

        var result = new SimAccount[accounts];
        for (var i = 0; i < accounts; i++)
        {
            var size = (i < longs ? 1.0 : -1.0) * (double)market.Lot.ToDecimal(lots[i]);
            result[i] = Open(rng, markets, AccountId(i), size, path, price, prior, eventTime, 1);
        }

        return result;
    }

    /// <summary>
    /// A new position of <paramref name="size"/> opened at <paramref name="price"/> now (± the entry spread, or on a round
    /// level nearby) in account <paramref name="account"/>, with leverage, margin mode and wallet drawn as
    /// <see cref="Build(Instrument, double, PricePath, LeveragePrior, int, int, long)"/> draws them: the snapshot that
    /// replaces what the account held (<paramref name="seq"/> above its last). What a position changing hands on the
    /// path being replayed looks like (see <see cref="EstimatedTurnover"/>).
    /// </summary>
    public static SimAccount Reopened(Instrument instrument, LeveragePrior prior, Random rng, string account, double size, double price, long eventTime, long seq)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentNullException.ThrowIfNull(rng);
        return Reopened(PopulationMarkets.Create([instrument]), prior, rng, account, size, price, eventTime, seq);
    }

    internal static SimAccount Reopened(PopulationMarkets markets, LeveragePrior prior, Random rng, string account, double size, double price, long eventTime, long seq) =>
        Open(rng, markets, account, size, null, price, prior, eventTime, seq);

    private static SimAccount Open(Random rng, PopulationMarkets markets, string account, double size, PricePath? path, double price, LeveragePrior prior, long eventTime, long seq)
    {
        var isolated = rng.NextDouble() < SyntheticPopulation.IsolatedShare;
        var position = SyntheticPopulation.Place(rng, markets[0], 0, path, price, size, isolated, prior.Draw(rng), prior);
        var balance = isolated ? position.InitialMargin * 0.5 * rng.NextDouble() : position.InitialMargin * (1.0 + (0.6 * rng.NextDouble()));
        var drawn = new DrawnAccount(account, isolated ? AccountKind.Isolated : AccountKind.Cross, Math.Round(balance, 2), [position]);
        return drawn.ToSnapshot(eventTime, seq, markets);
    }

    internal static string AccountId(int index) => string.Create(CultureInfo.InvariantCulture, $"est-{index + 1:D6}");

    private static void Side(Random rng, long[] lots, int from, int to, PopulationMarket market, double openInterest, double price)
    {
        var weights = new double[to - from];
        var total = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = Math.Exp(SyntheticPopulation.NotionalSigma * SyntheticPopulation.Normal(rng));
            total += weights[i];
        }

        var lot = market.Instrument.LotSize;
        var target = Math.Max(weights.Length, (long)Math.Round(market.UnitsForUsd(openInterest, price) / lot));
        var placed = 0L;
        var largest = from;
        for (var i = 0; i < weights.Length; i++)
        {
            lots[from + i] = Math.Max(1L, (long)Math.Round(market.UnitsForUsd(openInterest * weights[i] / total, price) / lot));
            placed += lots[from + i];
            largest = lots[from + i] > lots[largest] ? from + i : largest;
        }

        lots[largest] = Math.Max(1L, lots[largest] + (target - placed));
    }
}
