namespace StreamRisk.Simulation;

/// <summary>
/// A leverage mix for positions of a small notional, and how leverage falls with notional. A position's leverage is a
/// draw from the mix, times (notional / <see cref="PivotNotional"/>)^−<see cref="NotionalExponent"/> above the pivot,
/// rounded down to a choice of the mix (at least 1x), then capped at the venue's bracket maximum for its notional.
/// </summary>
/// <remarks>
/// Sources (see docs/simulator.md): the venue's leverage-and-margin table caps leverage by notional (Binance USDⓈ-M
/// BTCUSDT: 125x up to 50k USDT, 100x to 250k, 50x to 1M, 20x to 10M, 10x to 20M, 5x to 50M, 4x to 100M, 3x above;
/// the cap falls about as notional^−0.5 from 50k to 20M); large traders stay well under the cap, so the typical
/// leverage falls with size before the cap binds. CoinGlass-style liquidation maps draw their levels at 10x, 25x,
/// 50x and 100x; the <see cref="CoinGlass"/> prior weighs those four equally.
/// </remarks>
/// <param name="Name">The name <c>leverage=</c> takes.</param>
/// <param name="Leverages">The choices, increasing.</param>
/// <param name="Shares">Each choice's share of small positions (sum 1).</param>
public sealed record LeveragePrior(string Name, IReadOnlyList<int> Leverages, IReadOnlyList<double> Shares)
{
    /// <summary>Below this notional (USD) leverage is the mix's draw; above it, it falls as a power of the notional.</summary>
    public double PivotNotional { get; init; } = 10_000;

    /// <summary>The power leverage falls with above <see cref="PivotNotional"/>: 0.25 halves it at 160× the pivot.</summary>
    public double NotionalExponent { get; init; } = 0.25;

    /// <summary>The demo's mix: retail-heavy, a fifth at 50x and above.</summary>
    public static LeveragePrior Demo { get; } = new("demo", [2, 5, 10, 20, 50, 100], [0.10, 0.20, 0.30, 0.20, 0.12, 0.08]);

    /// <summary>A moderate mix: most positions at 3–10x, a tenth at 20x, a few at 50x.</summary>
    public static LeveragePrior Moderate { get; } = new("moderate", [2, 3, 5, 10, 20, 50], [0.15, 0.20, 0.30, 0.25, 0.08, 0.02]);

    /// <summary>The levels CoinGlass-style liquidation maps draw (10x, 25x, 50x, 100x), equally weighted.</summary>
    public static LeveragePrior CoinGlass { get; } = new("coinglass", [10, 25, 50, 100], [0.25, 0.25, 0.25, 0.25]);

    public static IReadOnlyList<LeveragePrior> All { get; } = [Demo, Moderate, CoinGlass];

    /// <summary>The prior named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static LeveragePrior? Named(string name)
    {
        foreach (var prior in All)
        {
            if (string.Equals(prior.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return prior;
            }
        }

        return null;
    }

    /// <summary>One draw from the mix (before the notional's discount).</summary>
    public int Draw(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var u = rng.NextDouble();
        for (var i = 0; i < Leverages.Count - 1; i++)
        {
            u -= Shares[i];
            if (u < 0)
            {
                return Leverages[i];
            }
        }

        return Leverages[^1];
    }

    /// <summary>
    /// <paramref name="drawn"/> for a position of <paramref name="notional"/> USD: unchanged up to the pivot, above it
    /// × (notional / pivot)^−exponent, rounded down to the largest choice not above that (at least 1x).
    /// </summary>
    public int AtNotional(int drawn, double notional)
    {
        if (!(notional > PivotNotional))
        {
            return drawn;
        }

        var target = drawn * Math.Pow(notional / PivotNotional, -NotionalExponent);
        var chosen = 1;
        foreach (var leverage in Leverages)
        {
            if (leverage <= target + 1e-9)
            {
                chosen = leverage;
            }
        }

        return chosen;
    }
}
