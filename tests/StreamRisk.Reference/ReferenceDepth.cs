using StreamRisk.Domain.Books;

namespace StreamRisk.Reference;

/// <summary>
/// A partial book side continued past its horizon, as docs/domain.md ("Book horizon and modelled depth") states it,
/// written the obvious way: fit α by least squares of ln(cumulative notional) on ln(distance) over the known levels
/// (α = 1 below three points, clamped to [0.5, 2.5]), scale the model to the known notional at the horizon, and append
/// its levels doubling by doubling out to 95% of the mid. The reference projector then walks the list.
/// </summary>
public static class ReferenceDepth
{
    public static List<(double Price, double Quantity)> Extend(IReadOnlyList<(double Price, double Quantity)> known, bool bids, double mid, double knownRange, TickSize tick)
    {
        var levels = known.Where(l => l.Quantity > 0).ToList();
        if (levels.Count == 0)
        {
            return levels;
        }

        var cumulative = new List<double>();
        double sum = 0;
        foreach (var (price, quantity) in levels)
        {
            sum += quantity * price;
            cumulative.Add(sum);
        }

        var from = Math.Max(knownRange, Math.Abs(levels[^1].Price - mid) / mid);
        var points = levels.Select((l, i) => (X: Math.Abs(l.Price - mid) / mid, Y: cumulative[i]))
            .Where(p => p.X > 0 && p.Y > 0)
            .Select(p => (X: Math.Log(p.X), Y: Math.Log(p.Y)))
            .ToList();
        var alpha = 1.0;
        if (points.Count >= 3)
        {
            var meanX = points.Average(p => p.X);
            var meanY = points.Average(p => p.Y);
            var sxx = points.Sum(p => (p.X - meanX) * (p.X - meanX));
            if (sxx > 1e-12)
            {
                alpha = Math.Clamp(points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / sxx, DepthModel.MinAlpha, DepthModel.MaxAlpha);
            }
        }

        if (!(from > 0) || from >= 0.95)
        {
            return levels;
        }

        var model = new DepthModel(sum / Math.Pow(from / 0.01, alpha), alpha);
        var side = bids ? BookSide.Bid : BookSide.Ask;
        var carry = 0.0;
        for (var near = from; near < 0.95; near = Math.Min(near * 2, 0.95))
        {
            var written = new PriceLevel[32];
            var count = model.WriteLevels(side, mid, tick, near, Math.Min(near * 2, 0.95), written);
            foreach (var level in written.Take(count))
            {
                var price = tick.ToPrice(level.PriceTicks);
                var notional = (level.Quantity * price) + carry;
                if (bids ? price >= levels[^1].Price : price <= levels[^1].Price)
                {
                    carry = notional;
                    continue;
                }

                carry = 0;
                levels.Add((price, notional / price));
            }
        }

        return levels;
    }
}
