using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Reference;

/// <summary>
/// One symbol's cascade scenario, in both models' terms: <paramref name="Positions"/> positions (half long, half short;
/// liquidation prices clustered where 5x–100x leverage puts them, nobody past liquidation; bankruptcy prices 0.5 %
/// beyond) around a mark of 60,000, and a 1,000-level book per side 6 apart, thinning towards the touch
/// (0.5 + 0.02·i per level at 1M positions, scaled with the population so a smaller one keeps the same shape: critical
/// shock 0.4 % each way). Used by the cascade benchmark and <c>streamrisk-bench</c>.
/// </summary>
public sealed record CascadeScenario(
    int Positions,
    LiquidationLadder Longs,
    LiquidationLadder Shorts,
    SideDepth Bids,
    SideDepth Asks,
    List<RefPosition> RefLongs,
    List<RefPosition> RefShorts,
    (double Price, double Quantity)[] BidLevels,
    (double Price, double Quantity)[] AskLevels)
{
    public const double Mark = 60_000;

    public static CascadeScenario Generate(int positions, int seed = 7)
    {
        var random = new Random(seed);
        var longs = new LiquidationLadder(longSide: true, positions / 2);
        var shorts = new LiquidationLadder(longSide: false, positions / 2);
        var refLongs = new List<RefPosition>(positions / 2);
        var refShorts = new List<RefPosition>(positions / 2);
        double[] leverages = [100, 50, 25, 20, 10, 5];
        for (var i = 0; i < positions; i++)
        {
            var isLong = (i & 1) == 0;
            var leverage = leverages[random.Next(leverages.Length)];
            var distance = Math.Max(0.003, (1 / leverage) - 0.005 + (0.004 * (random.NextDouble() - 0.5)));
            var lp = isLong ? Mark * (1 - distance) : Mark * (1 + distance);
            var bp = isLong ? lp * 0.995 : lp * 1.005;
            var size = 0.001 + (0.05 * random.NextDouble() * random.NextDouble());
            (isLong ? longs : shorts).Upsert(i / 2, lp, size, bp);
            (isLong ? refLongs : refShorts).Add(new RefPosition(i, lp, size, bp));
        }

        var depthScale = positions / 1_000_000.0;
        var bidLevels = new (double, double)[1000];
        var askLevels = new (double, double)[1000];
        for (var i = 0; i < 1000; i++)
        {
            var quantity = (0.5 + (i * 0.02)) * depthScale;
            bidLevels[i] = (Mark - ((i + 1) * 6), quantity);
            askLevels[i] = (Mark + ((i + 1) * 6), quantity);
        }

        var bids = new SideDepth();
        bids.Load(bidLevels);
        var asks = new SideDepth();
        asks.Load(askLevels);
        return new CascadeScenario(positions, longs, shorts, bids, asks, refLongs, refShorts, bidLevels, askLevels);
    }
}
