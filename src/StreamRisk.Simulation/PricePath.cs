namespace StreamRisk.Simulation;

/// <summary>
/// A market's recent price path (event times in Unix ms, strictly increasing, and positive prices): where the positions
/// of a population were opened. The last point is the price the population is placed at. Immutable; validated once here.
/// </summary>
public sealed class PricePath
{
    private readonly long[] _times;
    private readonly double[] _prices;

    // Lowest and highest price from point i to the end: the worst a long or a short opened at i has been through.
    private readonly double[] _lowFrom;
    private readonly double[] _highFrom;

    public PricePath(IReadOnlyList<long> times, IReadOnlyList<double> prices)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(prices);
        if (times.Count == 0 || times.Count != prices.Count)
        {
            throw new ArgumentException("a price path needs as many times as prices, at least one", nameof(prices));
        }

        _times = new long[times.Count];
        _prices = new double[prices.Count];
        for (var i = 0; i < _times.Length; i++)
        {
            if (i > 0 && times[i] <= times[i - 1])
            {
                throw new ArgumentException($"the path's times must increase (point {i})", nameof(times));
            }

            if (!double.IsFinite(prices[i]) || prices[i] <= 0)
            {
                throw new ArgumentException($"the path's prices must be positive finite numbers (point {i})", nameof(prices));
            }

            _times[i] = times[i];
            _prices[i] = prices[i];
        }

        _lowFrom = new double[_prices.Length];
        _highFrom = new double[_prices.Length];
        var low = double.MaxValue;
        var high = 0.0;
        for (var i = _prices.Length - 1; i >= 0; i--)
        {
            low = Math.Min(low, _prices[i]);
            high = Math.Max(high, _prices[i]);
            _lowFrom[i] = low;
            _highFrom[i] = high;
        }
    }

    public int Count => _prices.Length;

    /// <summary>The price the population is placed at (the path's last).</summary>
    public double Last => _prices[^1];

    public long LastTime => _times[^1];

    public double Low => _lowFrom[0];

    public double High => _highFrom[0];

    public long TimeAt(int index) => _times[index];

    public double PriceAt(int index) => _prices[index];

    /// <summary>The lowest price from point <paramref name="index"/> to the end.</summary>
    public double LowFrom(int index) => _lowFrom[index];

    /// <summary>The highest price from point <paramref name="index"/> to the end.</summary>
    public double HighFrom(int index) => _highFrom[index];

    /// <summary>A one-point path: positions opened at <paramref name="price"/> now.</summary>
    public static PricePath At(long time, double price) => new([time], [price]);

    /// <summary>
    /// A simulated past: a geometric random walk of <paramref name="lookback"/> in steps of <paramref name="step"/>
    /// (volatility <paramref name="volatilityPerSecond"/> per √second), ending at <paramref name="price"/> at
    /// <paramref name="time"/>. Deterministic by <paramref name="seed"/>.
    /// </summary>
    public static PricePath Simulated(int seed, long time, double price, TimeSpan lookback, TimeSpan step, double volatilityPerSecond) =>
        Walk(new Random(seed), [1.0], time, [price], lookback, step, volatilityPerSecond, 0)[0];

    /// <summary>
    /// Past paths of several markets moved by one factor: market i's log price is <paramref name="betas"/>[i] × the
    /// factor's walk plus its own walk of <paramref name="idiosyncraticPerSecond"/>, each ending at its price at
    /// <paramref name="time"/>. Walked backwards from the end, so every path ends exactly where the market stands.
    /// </summary>
    internal static PricePath[] Walk(
        Random rng,
        ReadOnlySpan<double> betas,
        long time,
        ReadOnlySpan<double> prices,
        TimeSpan lookback,
        TimeSpan step,
        double volatilityPerSecond,
        double idiosyncraticPerSecond)
    {
        var stepMs = Math.Max(1L, (long)step.TotalMilliseconds);
        var points = (int)Math.Max(1, Math.Min(1_000_000, (long)lookback.TotalMilliseconds / stepMs + 1));
        var factor = volatilityPerSecond * Math.Sqrt(stepMs / 1000.0);
        var own = idiosyncraticPerSecond * Math.Sqrt(stepMs / 1000.0);
        var times = new long[points];
        var logs = new double[prices.Length][];
        for (var m = 0; m < prices.Length; m++)
        {
            logs[m] = new double[points];
            logs[m][points - 1] = Math.Log(prices[m]);
        }

        times[points - 1] = time;
        for (var k = points - 2; k >= 0; k--)
        {
            times[k] = times[k + 1] - stepMs;
            var z = SyntheticPopulation.Normal(rng);
            for (var m = 0; m < prices.Length; m++)
            {
                var noise = m == 0 || own == 0 ? 0 : own * SyntheticPopulation.Normal(rng);
                logs[m][k] = logs[m][k + 1] - (betas[m] * factor * z) - noise;
            }
        }

        var paths = new PricePath[prices.Length];
        for (var m = 0; m < paths.Length; m++)
        {
            var values = new double[points];
            for (var k = 0; k < points; k++)
            {
                values[k] = Math.Exp(logs[m][k]);
            }

            values[points - 1] = prices[m];
            paths[m] = new PricePath(times, values);
        }

        return paths;
    }
}
