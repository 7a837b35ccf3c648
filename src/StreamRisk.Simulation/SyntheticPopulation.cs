using System.Globalization;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Simulation;

/// <summary>
/// A synthetic population of leveraged accounts, for the demo and for replays of public captures that carry no
/// positions (<c>replay --positions synthetic:seed=N</c>). Deterministic: one <see cref="Random"/>(seed) draws
/// everything, so a seed names a population.
/// </summary>
/// <remarks>
/// The mix (each draw independent):
/// <list type="bullet">
/// <item><b>Accounts</b>: 40 % isolated (every position carries isolated margin = entry notional / leverage; the
/// cross wallet holds a further Σ margin × U(0, 0.5) of free balance) and 60 % cross (wallet balance =
/// Σ entry notional / leverage × U(1.0, 1.6), one draw per account). Ids are <c>sim-000001</c>, <c>sim-000002</c>, …</item>
/// <item><b>Positions per account</b>: 1 (60 %) or 2 (40 %), on distinct symbols of the same contract kind (a cross
/// pool never mixes linear and inverse). Symbol i of the list is picked with weight 1/(i + 1), the second position
/// among the remaining symbols by the same weights: the first symbol is the busiest (with the simulator's defaults
/// BTC 48 %, ETH 31 %, SOL 21 % of positions).</item>
/// <item><b>Leverage</b>: 2x 10 %, 5x 20 %, 10x 30 %, 20x 20 %, 50x 12 %, 100x 8 %, capped at the venue's bracket
/// maximum 1/(2 × mmr) for the position's notional (a 1M USD BTC position gets at most 20x), which touches well under
/// 1 % of positions.</item>
/// <item><b>Side</b>: 55 % long, 45 % short.</item>
/// <item><b>Notional</b> (USD at the reference price): lognormal with median 5,000 and σ 1.4, capped at 5M; 0.2 % of
/// positions are whales, log-uniform in 2M–20M. Sizes are whole lots (at least one).</item>
/// <item><b>Entry</b>: 70 % uniform within ±1 % of the reference price; 30 % clustered within ±0.05 % of a round price
/// level within ±1 % (round = the largest of 1, 2, 2.5, 5 × 10^k under 0.9 % of the price: 500 for BTC at 60,000,
/// 25 for ETH at 3,000, 1 for SOL at 150), so liquidation prices cluster too — which is what makes cascades. An entry
/// is never more than 0.25/leverage against the position at the reference price (the draw is mirrored to the
/// favourable side), so no account starts liquidatable. Entries are whole ticks.</item>
/// </list>
/// </remarks>
public static class SyntheticPopulation
{
    /// <summary>Leverage choices and their shares (sum 1).</summary>
    internal static readonly int[] Leverages = [2, 5, 10, 20, 50, 100];

    internal static readonly double[] LeverageShares = [0.10, 0.20, 0.30, 0.20, 0.12, 0.08];

    internal const double IsolatedShare = 0.40;
    internal const double TwoPositionShare = 0.40;
    internal const double LongShare = 0.55;
    internal const double MedianNotional = 5_000;
    internal const double NotionalSigma = 1.4;
    internal const double NotionalCap = 5_000_000;
    internal const double WhaleShare = 0.002;
    internal const double WhaleMin = 2_000_000;
    internal const double WhaleMax = 20_000_000;
    internal const double EntryNoise = 0.01;
    internal const double ClusteredShare = 0.30;
    internal const double ClusterWidth = 0.0005;

    /// <summary>
    /// The furthest an entry may be against the position at the reference price, times the leverage: 0.25/L keeps
    /// equity ≥ 0.75 × initial margin ≥ 1.5 × MM (leverage is capped at 1/(2 × mmr)), so nothing starts liquidatable
    /// and a quiet market liquidates almost nobody.
    /// </summary>
    internal const double MaxAdverse = 0.25;

    /// <summary>
    /// <paramref name="accounts"/> account snapshots (Seq 1) at <paramref name="eventTime"/>, with positions on the
    /// instruments of <paramref name="around"/>, entries around their prices.
    /// </summary>
    public static IReadOnlyList<SimAccount> Generate(int seed, int accounts, IReadOnlyList<(Instrument Instrument, double Price)> around, long eventTime)
    {
        ArgumentNullException.ThrowIfNull(around);
        ArgumentOutOfRangeException.ThrowIfNegative(accounts);
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
        var result = new SimAccount[accounts];
        for (var i = 0; i < accounts; i++)
        {
            result[i] = DrawAccount(rng, AccountId(i), markets, prices).ToSnapshot(eventTime, 1, markets);
        }

        return result;
    }

    internal static string AccountId(int index) => string.Create(CultureInfo.InvariantCulture, $"sim-{index + 1:D6}");

    /// <summary>One account at the given reference prices (one per market).</summary>
    internal static DrawnAccount DrawAccount(Random rng, string id, PopulationMarkets markets, ReadOnlySpan<double> prices) =>
        DrawAccount(rng, id, rng.NextDouble() < IsolatedShare, markets, prices);

    /// <summary>One account of the given margin mode (a flat account reopening keeps its mode).</summary>
    internal static DrawnAccount DrawAccount(Random rng, string id, bool isolated, PopulationMarkets markets, ReadOnlySpan<double> prices)
    {
        var wantsTwo = rng.NextDouble() < TwoPositionShare;
        var first = markets.Pick(rng, -1);
        var second = wantsTwo ? markets.Pick(rng, first) : -1;
        var positions = new DrawnPosition[second < 0 ? 1 : 2];
        positions[0] = DrawPosition(rng, markets, first, prices[first], isolated);
        if (second >= 0)
        {
            positions[1] = DrawPosition(rng, markets, second, prices[second], isolated);
        }

        var initialMargin = 0.0;
        foreach (var p in positions)
        {
            initialMargin += p.InitialMargin;
        }

        var balance = isolated ? initialMargin * 0.5 * rng.NextDouble() : initialMargin * (1.0 + (0.6 * rng.NextDouble()));
        return new DrawnAccount(id, isolated, Math.Round(balance, 2), positions);
    }

    /// <summary>One position on market <paramref name="market"/> around <paramref name="reference"/>.</summary>
    internal static DrawnPosition DrawPosition(Random rng, PopulationMarkets markets, int market, double reference, bool isolated)
    {
        var m = markets[market];
        var instrument = m.Instrument;

        var drawnLeverage = DrawLeverage(rng);
        var side = rng.NextDouble() < LongShare ? 1.0 : -1.0;
        var usd = rng.NextDouble() < WhaleShare
            ? WhaleMin * Math.Pow(WhaleMax / WhaleMin, rng.NextDouble())
            : Math.Min(NotionalCap, MedianNotional * Math.Exp(NotionalSigma * Normal(rng)));

        var units = m.UnitsForUsd(usd, reference);
        var lots = Math.Max(1L, (long)Math.Round(units / instrument.LotSize));
        var size = side * (double)m.Lot.ToDecimal(lots);

        // The venue's bracket maximum for this notional: 1/(2 × mmr) (125x at 0.4 %, 20x at 2.5 %).
        var tiers = instrument.Tiers;
        var rate = tiers.RateAt(tiers.IndexFor(instrument.Notional(size, reference)));
        var leverage = rate > 0 ? Math.Max(1, Math.Min(drawnLeverage, (int)Math.Floor(1.0 / (2.0 * rate)))) : drawnLeverage;

        var maxAdverse = MaxAdverse / leverage;
        var clustered = rng.NextDouble() < ClusteredShare;
        var entry = clustered ? ClusteredEntry(rng, reference, side, maxAdverse) : double.NaN;
        clustered = !double.IsNaN(entry);
        if (!clustered)
        {
            var offset = EntryNoise * ((2 * rng.NextDouble()) - 1);
            if (side * offset > maxAdverse)
            {
                offset = -offset;
            }

            entry = reference * (1 + offset);
        }

        entry = m.Tick.ToPrice(Math.Max(1L, (long)Math.Round(entry / instrument.TickSize)));
        var margin = Math.Max(0.01, Math.Round(instrument.Notional(size, entry) / leverage, 2));
        return new DrawnPosition(market, size, entry, isolated ? margin : double.NaN, margin, leverage, drawnLeverage, clustered);
    }

    /// <summary>
    /// A round level within ±1 % of the reference that is at most <paramref name="maxAdverse"/> against the position,
    /// plus ±0.05 % noise; NaN when there is none.
    /// </summary>
    private static double ClusteredEntry(Random rng, double reference, double side, double maxAdverse)
    {
        var step = RoundStep(reference);
        var lowest = (long)Math.Ceiling(reference * (1 - EntryNoise) / step);
        var highest = (long)Math.Floor(reference * (1 + EntryNoise) / step);
        var limit = maxAdverse - ClusterWidth;
        if (side > 0)
        {
            highest = Math.Min(highest, (long)Math.Floor(reference * (1 + limit) / step));
        }
        else
        {
            lowest = Math.Max(lowest, (long)Math.Ceiling(reference * (1 - limit) / step));
        }

        lowest = Math.Max(lowest, 1);
        if (lowest > highest)
        {
            return double.NaN;
        }

        var level = (lowest + rng.NextInt64(highest - lowest + 1)) * step;
        return level * (1 + (ClusterWidth * ((2 * rng.NextDouble()) - 1)));
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

    private static int DrawLeverage(Random rng)
    {
        var u = rng.NextDouble();
        for (var i = 0; i < Leverages.Length - 1; i++)
        {
            u -= LeverageShares[i];
            if (u < 0)
            {
                return Leverages[i];
            }
        }

        return Leverages[^1];
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

internal sealed record DrawnAccount(string Id, bool Isolated, double Balance, DrawnPosition[] Positions)
{
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

    private PopulationMarkets(PopulationMarket[] markets) => _markets = markets;

    public int Count => _markets.Length;

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

    /// <summary>A market by weight; with <paramref name="exclude"/> ≥ 0, another market of the same contract kind, or −1 if none.</summary>
    public int Pick(Random rng, int exclude)
    {
        var total = 0.0;
        for (var i = 0; i < _markets.Length; i++)
        {
            total += Eligible(i, exclude) ? _markets[i].Weight : 0;
        }

        if (total == 0)
        {
            return -1;
        }

        var u = rng.NextDouble() * total;
        var last = -1;
        for (var i = 0; i < _markets.Length; i++)
        {
            if (!Eligible(i, exclude))
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

    /// <summary>Whether market <paramref name="candidate"/> may join a position on <paramref name="held"/> (−1: nothing held).</summary>
    public bool Eligible(int candidate, int held) =>
        held < 0 || (candidate != held && _markets[candidate].Instrument.Contract == _markets[held].Instrument.Contract);
}

/// <param name="Weight">Relative chance of a position being drawn on this market.</param>
internal sealed record PopulationMarket(Instrument Instrument, string Symbol, TickSize Tick, TickSize Lot, double Weight)
{
    /// <summary>Size (in the instrument's size units) worth <paramref name="usd"/> at <paramref name="price"/>.</summary>
    public double UnitsForUsd(double usd, double price) =>
        Instrument.Contract == ContractKind.Linear ? usd / (Instrument.Multiplier * price) : usd / Instrument.Multiplier;
}
