namespace StreamRisk.Domain.Books;

/// <summary>
/// One side of a book as a power of the distance from the mid: the notional resting within a fraction d of the mid is
/// N(d) = <see cref="NotionalWithin1Pct"/> · (d / 1%)^<see cref="Alpha"/>. Real books thicken away from the touch
/// (α above 1 means depth grows faster than the distance); the exponent is bounded to
/// [<see cref="MinAlpha"/>, <see cref="MaxAlpha"/>] so a fit to a few levels cannot promise an infinite or an empty
/// book. Used to continue a book past the part a feed has shown (its horizon) and to shape simulated and modelled books.
/// </summary>
public readonly record struct DepthModel(double NotionalWithin1Pct, double Alpha)
{
    public const double MinAlpha = 0.5;
    public const double MaxAlpha = 2.5;

    /// <summary>Fewest levels (at distinct positive distances, with depth) a fit reads an exponent from; fewer give α = 1.</summary>
    public const int MinFitLevels = 3;

    /// <summary>
    /// The model of the known part of one side, to continue it past its horizon. α is the least-squares slope of
    /// ln N(dᵢ) against ln dᵢ over the known levels i (dᵢ the level's distance from <paramref name="mid"/>, N(dᵢ) the
    /// cumulative notional from the best level through it), clamped to [<see cref="MinAlpha"/>, <see cref="MaxAlpha"/>];
    /// 1 (depth even in distance) when fewer than <see cref="MinFitLevels"/> levels lie at positive distances or they
    /// cannot give a slope. The scale is then set so the model holds the known notional at the horizon,
    /// N(<paramref name="horizon"/>) = the side's total, so the continuation starts where the book ends. A side with no
    /// depth, or a horizon at the mid, gives an empty model. Allocation-free.
    /// </summary>
    /// <param name="prices">The known levels' prices, best first.</param>
    /// <param name="cumulativeNotional">Running Σ price × quantity through each level, best first.</param>
    /// <param name="horizon">How far from the mid the side is known (a fraction of it).</param>
    public static DepthModel Fit(ReadOnlySpan<double> prices, ReadOnlySpan<double> cumulativeNotional, double mid, double horizon)
    {
        var count = Math.Min(prices.Length, cumulativeNotional.Length);
        var total = count == 0 ? 0 : cumulativeNotional[count - 1];
        if (!(total > 0) || !(mid > 0) || !(horizon > 0) || !double.IsFinite(horizon))
        {
            return new DepthModel(0, 1);
        }

        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (var i = 0; i < count; i++)
        {
            var distance = Math.Abs(prices[i] - mid) / mid;
            var notional = cumulativeNotional[i];
            if (!(distance > 0) || !(notional > 0))
            {
                continue;
            }

            var x = Math.Log(distance);
            var y = Math.Log(notional);
            n++;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }

        var alpha = 1.0;
        var variance = (n * sxx) - (sx * sx);
        if (n >= MinFitLevels && variance > 1e-12 * n * n)
        {
            var slope = ((n * sxy) - (sx * sy)) / variance;
            alpha = double.IsFinite(slope) ? Math.Clamp(slope, MinAlpha, MaxAlpha) : 1.0;
        }

        return new DepthModel(total / Math.Pow(horizon / 0.01, alpha), alpha);
    }

    /// <summary>Notional resting within <paramref name="distance"/> (a fraction of the mid) of the mid on this side.</summary>
    public double NotionalWithin(double distance) =>
        distance <= 0 || NotionalWithin1Pct <= 0 ? 0 : NotionalWithin1Pct * Math.Pow(distance / 0.01, Math.Clamp(Alpha, MinAlpha, MaxAlpha));

    /// <summary>Notional resting between two distances from the mid (<paramref name="from"/> ≤ <paramref name="to"/>).</summary>
    public double NotionalBetween(double from, double to) => Math.Max(0, NotionalWithin(to) - NotionalWithin(from));

    /// <summary>
    /// Writes the side's levels between two distances from <paramref name="mid"/> as <paramref name="into"/>.Length levels
    /// spaced evenly in distance, each on the instrument's tick grid (bids rounded down, asks up; intervals that fall on one
    /// tick share a level) and holding the model's notional of its interval as quantity at its price. Returns how many levels were written
    /// (fewer when the interval holds fewer ticks than levels asked for).
    /// </summary>
    public int WriteLevels(BookSide side, double mid, TickSize tick, double fromDistance, double toDistance, Span<PriceLevel> into)
    {
        if (into.Length == 0 || !(mid > 0) || !(toDistance > fromDistance) || fromDistance < 0)
        {
            return 0;
        }

        var step = (toDistance - fromDistance) / into.Length;
        var written = 0;
        for (var i = 0; i < into.Length; i++)
        {
            var near = fromDistance + (step * i);
            var far = near + step;
            var notional = NotionalBetween(near, far);

            // An interval's depth rests on the first tick at or beyond its far end; a relative 1e-12 absorbs the
            // representation error of mid × (1 ± far), so an interval ending on a tick lands on it.
            var ticks = side == BookSide.Bid ? tick.FloorTicks(mid * (1 - far) * (1 + 1e-12)) : tick.CeilTicks(mid * (1 + far) * (1 - 1e-12));
            if (ticks <= 0 || ticks > tick.MaxTicks)
            {
                break;
            }

            if (written > 0 && into[written - 1].PriceTicks == ticks)
            {
                var level = into[written - 1];
                into[written - 1] = level with { Quantity = level.Quantity + (notional / tick.ToPrice(ticks)) };
                continue;
            }

            into[written++] = new PriceLevel(ticks, notional / tick.ToPrice(ticks));
        }

        return written;
    }
}
