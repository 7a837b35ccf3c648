using System.Globalization;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Simulation;

/// <summary>
/// A synthetic population of leveraged accounts, for the demo and for replays of public captures that carry no
/// positions (<c>replay --positions synthetic:seed=N</c>). Deterministic: one <see cref="Random"/>(seed) draws
/// everything, so a seed (and the portfolio mix) names a population.
/// </summary>
/// <remarks>
/// The mix (each draw independent):
/// <list type="bullet">
/// <item><b>Accounts</b>: a share <see cref="SimulatorOptions.PortfolioShare"/> (default a third) are cross
/// <b>portfolios</b>, where at least two symbols of one contract kind exist; of the rest 40 % are isolated (every
/// position carries isolated margin = entry notional / leverage; the cross wallet holds a further Σ margin × U(0, 0.5)
/// of free balance) and 60 % single-symbol cross. A cross wallet's balance is Σ entry notional / leverage ×
/// U(1.0, 1.6), one draw per account. Ids are <c>sim-000001</c>, <c>sim-000002</c>, …</item>
/// <item><b>Positions per account</b>: an isolated account holds 1 (60 %) or 2 (40 %) positions, a single-symbol cross
/// account 1. A portfolio holds 3 legs (<see cref="SimulatorOptions.PortfolioThreeLegShare"/>, default 40 %, where
/// three symbols of the kind exist) or 2, on distinct symbols of one contract kind (a cross pool never mixes linear
/// and inverse). Symbol i of the list is picked with weight 1/(i + 1), every further position among the remaining
/// symbols of the kind by the same weights: the first symbol is the busiest (with the simulator's defaults about half
/// of all positions are BTC), and most portfolios hold the reference.</item>
/// <item><b>Leverage</b>: <see cref="LeveragePrior.Demo"/> (2x 10 %, 5x 20 %, 10x 30 %, 20x 20 %, 50x 12 %, 100x 8 %) —
/// one draw per position, one per portfolio for all its legs — lowered with the position's notional above 10,000 USD
/// (× (notional / 10,000)^−0.25, down to a choice of the mix) and capped at the venue's bracket maximum 1/(2 × mmr) (a
/// 1M USD BTC position gets at most 20x): larger positions carry lower leverage. A portfolio's pool then starts
/// (1.0–1.6)/leverage of its notional above nothing.</item>
/// <item><b>Side</b>: 55 % long, 45 % short for isolated and single-symbol cross positions. A portfolio is hedged
/// (<see cref="SimulatorOptions.PortfolioHedgedShare"/>, default 20 %: the first leg one way, the others the other) or
/// directional, all legs long (<see cref="SimulatorOptions.PortfolioLongShare"/>, default 80 %) or all short.</item>
/// <item><b>Notional</b> (USD at the reference price, per position): lognormal with median 5,000 and σ 1.4, capped at
/// 5M; 0.2 % of positions are whales, log-uniform in 2M–20M. Sizes are whole lots (at least one).</item>
/// <item><b>Entry</b>: along a simulated past (<see cref="SimulatorOptions.PastLookback"/>, one point a minute, ending at
/// the reference prices; drawn first, before the accounts): a point drawn uniformly in time, its price ± 0.05 %; 30 % of
/// draws enter on the round price level within 0.25 % of it, ± 0.05 % (round = the largest of 1, 2, 2.5, 5 × 10^k under
/// 0.9 % of the price: 500 for BTC at 60,000, 25 for ETH at 3,000, 1 for SOL at 150), so liquidation prices cluster
/// too — which is what makes cascades. A draw is kept only when the path since the entry never went more than
/// 0.4/leverage against the position and ends within 0.25/leverage of it (the population is the path's survivors,
/// none liquidatable at the start); after eight rejected draws the position is opened at the reference. Entries are
/// whole ticks. With the defaults about half the BTC entries lie beyond ±1 % of the reference.</item>
/// </list>
/// Over instruments that allow no portfolio (one instrument, or no two of one contract kind) no portfolio draw is
/// made, and every account makes the second-position draw (a cross account ignores it): the one-instrument
/// population of a seed, which <c>replay --positions synthetic:seed=N</c> places, does not depend on the portfolio
/// mix.
/// </remarks>
public static class SyntheticPopulation
{
    /// <summary>The demo prior's leverage choices and their shares (sum 1).</summary>
    internal static readonly int[] Leverages = [.. LeveragePrior.Demo.Leverages];

    internal static readonly double[] LeverageShares = [.. LeveragePrior.Demo.Shares];

    internal const double IsolatedShare = 0.40;
    internal const double TwoPositionShare = 0.40;
    internal const double LongShare = 0.55;
    internal const double MedianNotional = 5_000;
    internal const double NotionalSigma = 1.4;
    internal const double NotionalCap = 5_000_000;
    internal const double WhaleShare = 0.002;
    internal const double WhaleMin = 2_000_000;
    internal const double WhaleMax = 20_000_000;
    internal const double ClusteredShare = 0.30;
    internal const double ClusterWidth = 0.0005;

    /// <summary>How far from a path point a clustered entry looks for a round level (a fraction of the price).</summary>
    internal const double ClusterReach = 0.0025;

    /// <summary>An entry's spread around its path point: the range a price covers within a minute of calm market.</summary>
    internal const double EntrySpread = 0.0005;

    /// <summary>Draws of an entry along the path before the position is opened at the path's end.</summary>
    internal const int EntryTries = 8;

    /// <summary>
    /// The furthest an entry may be against the position at the reference price, times the leverage: 0.25/L keeps
    /// equity ≥ 0.75 × initial margin ≥ 1.5 × MM (leverage is capped at 1/(2 × mmr)), so nothing starts liquidatable
    /// and a quiet market liquidates almost nobody.
    /// </summary>
    internal const double MaxAdverse = 0.25;

    /// <summary>
    /// The furthest the path may have gone against a position since its entry, times the leverage: 0.4/L keeps equity
    /// ≥ 0.6 × initial margin ≥ 1.2 × MM, so a surviving position was never liquidatable on the way.
    /// </summary>
    internal const double MaxSurvived = 0.4;

    /// <summary>Spacing of a simulated past path's points.</summary>
    internal static readonly TimeSpan PastStep = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <paramref name="accounts"/> account snapshots (Seq 1) at <paramref name="eventTime"/>, with positions on the
    /// instruments of <paramref name="around"/> opened along a simulated past ending at their prices, in the default
    /// portfolio mix.
    /// </summary>
    public static IReadOnlyList<SimAccount> Generate(int seed, int accounts, IReadOnlyList<(Instrument Instrument, double Price)> around, long eventTime) =>
        Generate(seed, accounts, around, eventTime, new SimulatorOptions());

    /// <summary>
    /// As <see cref="Generate(int, int, IReadOnlyList{ValueTuple{Instrument, double}}, long)"/>, in the portfolio mix and
    /// past of <paramref name="mix"/> (its <c>Portfolio*</c>, <see cref="SimulatorOptions.PastLookback"/> and volatility
    /// options, and the betas of its symbols by name, 1 for others; the rest is not used).
    /// </summary>
    public static IReadOnlyList<SimAccount> Generate(int seed, int accounts, IReadOnlyList<(Instrument Instrument, double Price)> around, long eventTime, SimulatorOptions mix)
    {
        ArgumentNullException.ThrowIfNull(around);
        ArgumentNullException.ThrowIfNull(mix);
        ArgumentOutOfRangeException.ThrowIfNegative(accounts);
        var portfolios = PortfolioMix.From(mix);
        var markets = PopulationMarkets.Create(around.Select(a => a.Instrument).ToList());
        var prices = new double[around.Count];
        for (var i = 0; i < prices.Length; i++)
        {
            prices[i] = around[i].Price;
            if (!double.IsFinite(prices[i]) || prices[i] <= 0)
            {
                throw new ArgumentException($"{around[i].Instrument.Symbol}: the reference price must be a positive finite number", nameof(around));
            }
        }

        var rng = new Random(seed);
        var paths = PastPaths(rng, markets, prices, eventTime, mix);
        var result = new SimAccount[accounts];
        for (var i = 0; i < accounts; i++)
        {
            result[i] = DrawAccount(rng, AccountId(i), markets, prices, paths, portfolios).ToSnapshot(eventTime, 1, markets);
        }

        return result;
    }

    /// <summary>
    /// The simulated past the population was opened along: one factor walk of <see cref="SimulatorOptions.PastLookback"/>
    /// at <see cref="SimulatorOptions.VolatilityPerSecond"/>, each market by its beta plus its own noise, ending at the
    /// reference prices (null paths when the lookback is zero: every position opened at the reference).
    /// </summary>
    internal static PricePath[]? PastPaths(Random rng, PopulationMarkets markets, ReadOnlySpan<double> prices, long time, SimulatorOptions options)
    {
        if (options.PastLookback <= TimeSpan.Zero)
        {
            return null;
        }

        var betas = new double[markets.Count];
        for (var i = 0; i < betas.Length; i++)
        {
            // The first market is the factor itself, as in the simulator.
            betas[i] = 1.0;
            foreach (var symbol in options.Symbols)
            {
                if (i > 0 && symbol.Instrument.Symbol.Value == markets[i].Symbol)
                {
                    betas[i] = symbol.Beta;
                }
            }
        }

        return PricePath.Walk(rng, betas, time, prices, options.PastLookback, PastStep, options.VolatilityPerSecond, options.IdiosyncraticVolatilityPerSecond);
    }

    internal static string AccountId(int index) => string.Create(CultureInfo.InvariantCulture, $"sim-{index + 1:D6}");

    /// <summary>One account at the given reference prices (one per market).</summary>
    internal static DrawnAccount DrawAccount(Random rng, string id, PopulationMarkets markets, ReadOnlySpan<double> prices, PricePath[]? paths, in PortfolioMix mix)
    {
        var kind = markets.HoldsPortfolios && rng.NextDouble() < mix.Share ? AccountKind.Portfolio
            : rng.NextDouble() < IsolatedShare ? AccountKind.Isolated
            : AccountKind.Cross;
        return DrawAccount(rng, id, kind, markets, prices, paths, mix);
    }

    /// <summary>One account of the given kind (a flat account reopening keeps its kind), opened along the paths (null: now).</summary>
    internal static DrawnAccount DrawAccount(Random rng, string id, AccountKind kind, PopulationMarkets markets, ReadOnlySpan<double> prices, PricePath[]? paths, in PortfolioMix mix)
    {
        if (kind == AccountKind.Portfolio)
        {
            return DrawPortfolio(rng, id, markets, prices, paths, mix);
        }

        var isolated = kind == AccountKind.Isolated;
        var wantsTwo = rng.NextDouble() < TwoPositionShare;
        var first = markets.Pick(rng, -1);
        var second = wantsTwo && isolated ? markets.Pick(rng, first) : -1;
        var positions = new DrawnPosition[second < 0 ? 1 : 2];
        positions[0] = DrawPosition(rng, markets, first, paths?[first], prices[first], isolated);
        if (second >= 0)
        {
            positions[1] = DrawPosition(rng, markets, second, paths?[second], prices[second], isolated);
        }

        return new DrawnAccount(id, kind, Balance(rng, isolated, positions), positions);
    }

    /// <summary>A cross pool of 2–3 legs of one contract kind, one leverage for all, directional or hedged.</summary>
    private static DrawnAccount DrawPortfolio(Random rng, string id, PopulationMarkets markets, ReadOnlySpan<double> prices, PricePath[]? paths, in PortfolioMix mix)
    {
        var wantsThree = rng.NextDouble() < mix.ThreeLegShare;
        var hedged = rng.NextDouble() < mix.HedgedShare;
        var side = rng.NextDouble() < mix.LongShare ? 1.0 : -1.0;
        var leverage = LeveragePrior.Demo.Draw(rng);
        var first = markets.PickPaired(rng);
        var second = markets.Pick(rng, first);
        var third = wantsThree ? markets.Pick(rng, first, second) : -1;
        var positions = new DrawnPosition[third < 0 ? 2 : 3];
        positions[0] = DrawPosition(rng, markets, first, paths?[first], prices[first], isolated: false, leverage, hedged ? -side : side);
        positions[1] = DrawPosition(rng, markets, second, paths?[second], prices[second], isolated: false, leverage, side);
        if (third >= 0)
        {
            positions[2] = DrawPosition(rng, markets, third, paths?[third], prices[third], isolated: false, leverage, side);
        }

        return new DrawnAccount(id, AccountKind.Portfolio, Balance(rng, isolated: false, positions), positions);
    }

    /// <summary>Free balance beside isolated margins, or a cross wallet of 1.0–1.6 × the initial margin.</summary>
    private static double Balance(Random rng, bool isolated, DrawnPosition[] positions)
    {
        var initialMargin = 0.0;
        foreach (var p in positions)
        {
            initialMargin += p.InitialMargin;
        }

        var balance = isolated ? initialMargin * 0.5 * rng.NextDouble() : initialMargin * (1.0 + (0.6 * rng.NextDouble()));
        return Math.Round(balance, 2);
    }

    /// <summary>
    /// One position on market <paramref name="market"/>, opened along <paramref name="path"/> (null: opened now at
    /// <paramref name="reference"/>).
    /// </summary>
    /// <param name="leverage">The leverage before the notional's discount and the bracket cap; 0 draws it from the prior.</param>
    /// <param name="side">+1 long, −1 short; 0 draws it (<see cref="LongShare"/> long).</param>
    internal static DrawnPosition DrawPosition(
        Random rng, PopulationMarkets markets, int market, PricePath? path, double reference, bool isolated, int leverage = 0, double side = 0, LeveragePrior? prior = null)
    {
        var m = markets[market];
        var instrument = m.Instrument;
        prior ??= LeveragePrior.Demo;

        var drawnLeverage = leverage > 0 ? leverage : prior.Draw(rng);
        side = side != 0 ? side : rng.NextDouble() < LongShare ? 1.0 : -1.0;
        var usd = rng.NextDouble() < WhaleShare
            ? WhaleMin * Math.Pow(WhaleMax / WhaleMin, rng.NextDouble())
            : Math.Min(NotionalCap, MedianNotional * Math.Exp(NotionalSigma * Normal(rng)));

        var units = m.UnitsForUsd(usd, reference);
        var lots = Math.Max(1L, (long)Math.Round(units / instrument.LotSize));
        var size = side * (double)m.Lot.ToDecimal(lots);
        return Place(rng, m, market, path, reference, size, isolated, drawnLeverage, prior);
    }

    /// <summary>
    /// A position of <paramref name="size"/>: its leverage at its notional (the prior's discount, then the venue's
    /// bracket maximum), and an entry along the path it survived.
    /// </summary>
    internal static DrawnPosition Place(
        Random rng, PopulationMarket m, int market, PricePath? path, double reference, double size, bool isolated, int drawnLeverage, LeveragePrior prior)
    {
        var instrument = m.Instrument;
        var notional = instrument.Notional(size, reference);
        var atNotional = prior.AtNotional(drawnLeverage, Math.Abs(notional));

        // The venue's bracket maximum for this notional: 1/(2 × mmr) (125x at 0.4 %, 20x at 2.5 %).
        var tiers = instrument.Tiers;
        var rate = tiers.RateAt(tiers.IndexFor(notional));
        var capped = rate > 0 ? Math.Max(1, Math.Min(atNotional, (int)Math.Floor(1.0 / (2.0 * rate)))) : atNotional;

        var clustered = rng.NextDouble() < ClusteredShare;
        var (entry, isClustered) = Entry(rng, path, reference, Math.Sign(size), capped, clustered);
        entry = m.Tick.ToPrice(Math.Max(1L, (long)Math.Round(entry / instrument.TickSize)));
        var margin = Math.Max(0.01, Math.Round(instrument.Notional(size, entry) / capped, 2));
        return new DrawnPosition(market, size, entry, isolated ? margin : double.NaN, margin, capped, drawnLeverage, isClustered);
    }

    /// <summary>
    /// An entry the position survived: a point of the path drawn uniformly (positions opened evenly over its time),
    /// the point's price ± <see cref="EntrySpread"/> (or, for a clustered draw, the round level within
    /// <see cref="ClusterReach"/> of it ± <see cref="ClusterWidth"/>), kept when the worst the path did against the
    /// position since then stays within <see cref="MaxSurvived"/>/L and the end within <see cref="MaxAdverse"/>/L (a
    /// position past that would have been liquidated or is about to be; the population is the survivors). After
    /// <see cref="EntryTries"/> rejections the position is opened at the path's end.
    /// </summary>
    private static (double Entry, bool Clustered) Entry(Random rng, PricePath? path, double reference, int side, int leverage, bool clustered)
    {
        var endLimit = MaxAdverse / leverage;
        var worstLimit = MaxSurvived / leverage;
        if (path is { Count: > 1 })
        {
            for (var attempt = 0; attempt < EntryTries; attempt++)
            {
                var k = rng.Next(path.Count);
                var (entry, onLevel) = Near(rng, path.PriceAt(k), clustered);
                var worst = side > 0 ? (entry - path.LowFrom(k)) / entry : (path.HighFrom(k) - entry) / entry;
                var end = side * (entry - reference) / entry;
                if (worst <= worstLimit && end <= endLimit)
                {
                    return (entry, onLevel);
                }
            }
        }

        // Opened now: at the reference ± the spread (or on a round level within reach), never more than the end limit against the position.
        var (now, atLevel) = Near(rng, reference, clustered);
        if (side * (now - reference) / now > endLimit - ClusterWidth)
        {
            // Mirrored to the favourable side of the reference: off the round level.
            now = reference - (now - reference);
            atLevel = false;
        }

        return (now, atLevel);
    }

    /// <summary>
    /// An entry near <paramref name="price"/>: ± <see cref="EntrySpread"/>, or when <paramref name="clustered"/> the
    /// nearest round level if within <see cref="ClusterReach"/>, ± <see cref="ClusterWidth"/>.
    /// </summary>
    private static (double Entry, bool Clustered) Near(Random rng, double price, bool clustered)
    {
        var noise = (2 * rng.NextDouble()) - 1;
        if (clustered)
        {
            var step = RoundStep(price);
            var level = Math.Round(price / step) * step;
            if (level > 0 && Math.Abs((level / price) - 1) <= ClusterReach)
            {
                return (level * (1 + (ClusterWidth * noise)), true);
            }
        }

        return (price * (1 + (EntrySpread * noise)), false);
    }

    /// <summary>The largest of 1, 2, 2.5, 5 × 10^k not above 0.9 % of the price: always a level on each side within 1 %.</summary>
    internal static double RoundStep(double price)
    {
        var target = 0.009 * price;
        var decade = Math.Pow(10, Math.Floor(Math.Log10(target)));
        foreach (var multiple in (ReadOnlySpan<double>)[5, 2.5, 2, 1])
        {
            if (multiple * decade <= target)
            {
                return multiple * decade;
            }
        }

        return decade;
    }

    /// <summary>Standard normal (Box–Muller, one of the pair): two uniforms per draw, so the stream stays easy to reason about.</summary>
    internal static double Normal(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>A drawn position: signed size (whole lots), entry (whole ticks), isolated margin (NaN for cross).</summary>
/// <param name="InitialMargin">Entry notional / leverage: the isolated margin, or this position's share of the cross balance.</param>
/// <param name="DrawnLeverage">The leverage drawn from the mix, before the bracket cap.</param>
internal readonly record struct DrawnPosition(
    int Market,
    double Size,
    double Entry,
    double IsolatedMargin,
    double InitialMargin,
    int Leverage,
    int DrawnLeverage,
    bool Clustered);

/// <summary>How an account margins its positions.</summary>
internal enum AccountKind
{
    /// <summary>Every position with its own isolated margin.</summary>
    Isolated,

    /// <summary>One position on the cross wallet.</summary>
    Cross,

    /// <summary>2–3 positions of one contract kind on the cross wallet: one pool, liquidated whole.</summary>
    Portfolio,
}

/// <summary>The portfolio part of <see cref="SimulatorOptions"/>, read once.</summary>
internal readonly record struct PortfolioMix(double Share, double ThreeLegShare, double LongShare, double HedgedShare)
{
    public static PortfolioMix From(SimulatorOptions options) =>
        new(options.PortfolioShare, options.PortfolioThreeLegShare, options.PortfolioLongShare, options.PortfolioHedgedShare);
}

internal sealed record DrawnAccount(string Id, AccountKind Kind, double Balance, DrawnPosition[] Positions)
{
    public bool Isolated => Kind == AccountKind.Isolated;

    public SimAccount ToSnapshot(long eventTime, long seq, PopulationMarkets markets)
    {
        var positions = new (string Symbol, double Size, double Entry, double? IsolatedMargin)[Positions.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            var p = Positions[i];
            positions[i] = (markets[p.Market].Symbol, p.Size, p.Entry, Isolated ? p.IsolatedMargin : null);
        }

        return new SimAccount(eventTime, Id, seq, Balance, positions);
    }
}

/// <summary>The instruments a population is drawn on, with exact tick and lot steps and the symbol weights.</summary>
internal sealed class PopulationMarkets
{
    private readonly PopulationMarket[] _markets;

    // Markets with another market of their contract kind: where a portfolio's first leg may go.
    private readonly bool[] _paired;

    private PopulationMarkets(PopulationMarket[] markets)
    {
        _markets = markets;
        _paired = new bool[markets.Length];
        for (var i = 0; i < markets.Length; i++)
        {
            for (var j = 0; j < markets.Length; j++)
            {
                _paired[i] |= j != i && markets[j].Instrument.Contract == markets[i].Instrument.Contract;
            }

            HoldsPortfolios |= _paired[i];
        }
    }

    public int Count => _markets.Length;

    /// <summary>Whether two markets of one contract kind exist, so a cross portfolio can be drawn.</summary>
    public bool HoldsPortfolios { get; }

    public PopulationMarket this[int index] => _markets[index];

    public static PopulationMarkets Create(IReadOnlyList<Instrument> instruments)
    {
        if (instruments.Count == 0)
        {
            throw new ArgumentException("at least one instrument is required", nameof(instruments));
        }

        var markets = new PopulationMarket[instruments.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < markets.Length; i++)
        {
            var instrument = instruments[i] ?? throw new ArgumentException($"instrument {i} is null", nameof(instruments));
            if (!seen.Add(instrument.Symbol.Value))
            {
                throw new ArgumentException($"{instrument.Symbol}: listed twice", nameof(instruments));
            }

            markets[i] = new PopulationMarket(
                instrument,
                instrument.Symbol.Value,
                TickSize.FromDecimal((decimal)instrument.TickSize),
                TickSize.FromDecimal((decimal)instrument.LotSize),
                1.0 / (i + 1));
        }

        return new PopulationMarkets(markets);
    }

    /// <summary>
    /// A market by weight; with <paramref name="held"/> ≥ 0 (and <paramref name="alsoHeld"/>), another market of the same
    /// contract kind, or −1 if none.
    /// </summary>
    public int Pick(Random rng, int held, int alsoHeld = -1)
    {
        var total = 0.0;
        for (var i = 0; i < _markets.Length; i++)
        {
            total += Eligible(i, held, alsoHeld) ? _markets[i].Weight : 0;
        }

        if (total == 0)
        {
            return -1;
        }

        var u = rng.NextDouble() * total;
        var last = -1;
        for (var i = 0; i < _markets.Length; i++)
        {
            if (!Eligible(i, held, alsoHeld))
            {
                continue;
            }

            last = i;
            u -= _markets[i].Weight;
            if (u < 0)
            {
                return i;
            }
        }

        return last;
    }

    /// <summary>A market by weight among those with another market of their kind (requires <see cref="HoldsPortfolios"/>).</summary>
    public int PickPaired(Random rng)
    {
        var total = 0.0;
        for (var i = 0; i < _markets.Length; i++)
        {
            total += _paired[i] ? _markets[i].Weight : 0;
        }

        var u = rng.NextDouble() * total;
        var last = -1;
        for (var i = 0; i < _markets.Length; i++)
        {
            if (_paired[i])
            {
                last = i;
                u -= _markets[i].Weight;
                if (u < 0)
                {
                    return i;
                }
            }
        }

        return last;
    }

    /// <summary>
    /// Whether market <paramref name="candidate"/> may join positions on <paramref name="held"/> and
    /// <paramref name="alsoHeld"/> (−1: nothing held).
    /// </summary>
    public bool Eligible(int candidate, int held, int alsoHeld = -1) =>
        held < 0 || (candidate != held && candidate != alsoHeld && _markets[candidate].Instrument.Contract == _markets[held].Instrument.Contract);
}

/// <param name="Weight">Relative chance of a position being drawn on this market.</param>
internal sealed record PopulationMarket(Instrument Instrument, string Symbol, TickSize Tick, TickSize Lot, double Weight)
{
    /// <summary>Size (in the instrument's size units) worth <paramref name="usd"/> at <paramref name="price"/>.</summary>
    public double UnitsForUsd(double usd, double price) =>
        Instrument.Contract == ContractKind.Linear ? usd / (Instrument.Multiplier * price) : usd / Instrument.Multiplier;
}
