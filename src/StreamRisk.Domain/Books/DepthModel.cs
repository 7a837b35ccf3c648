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
