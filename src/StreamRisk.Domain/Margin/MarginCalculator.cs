using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Margin;

/// <summary>
/// Equity, maintenance margin, liquidation and bankruptcy prices of one account, from scratch, in O(k) for
/// k positions and without allocating. Pure: the same inputs always give the same outputs.
/// </summary>
/// <remarks>
/// Numbers are <c>double</c>: risk math, not accounting. The closed forms below are exact up to rounding,
/// so at a computed LP equity equals MM within ~1e-12 relative (tests hold it to 1e-9).
/// The liquidation price of a position is the mark at which the account's (cross) or the position's
/// (isolated) equity equals MM with every other mark fixed — so a cross account's LP moves with the PnL
/// and MM of all its other cross positions.
/// </remarks>
public static class MarginCalculator
{
    /// <summary>Fills <paramref name="results"/> (same length as <paramref name="positions"/>) and returns the account totals.</summary>
    public static AccountMargin Compute(MarginProfile profile, double balance, ReadOnlySpan<PositionTerms> positions, Span<PositionMargin> results)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (results.Length < positions.Length)
        {
            ThrowResultsTooShort();
        }

        var basis = profile.TierBasis;
        var crossPnl = 0.0;
        var crossMm = 0.0;
        var crossCount = 0;
        var isolatedEquity = 0.0;
        var isolatedMm = 0.0;
        var isolatedLiquidatable = false;

        // Pass 1: each position's PnL and MM at its mark; cross totals.
        for (var i = 0; i < positions.Length; i++)
        {
            ref readonly var p = ref positions[i];
            var pnl = p.Instrument.UnrealizedPnl(p.Size, p.Entry, p.Mark);
            var mm = CurrentMaintenanceMargin(basis, in p);
            results[i] = new PositionMargin(p.Instrument.Notional(p.Size, p.Mark), pnl, mm, double.NaN, double.NaN, double.NaN);
            if (p.IsIsolated)
            {
                var equity = p.IsolatedMargin + pnl;
                isolatedEquity += equity;
                isolatedMm += mm;
                isolatedLiquidatable |= equity < mm;
            }
            else
            {
                crossPnl += pnl;
                crossMm += mm;
                crossCount++;
            }
        }

        // Pass 2: prices. "Others" are the cross totals minus this position's own share.
        for (var i = 0; i < positions.Length; i++)
        {
            ref readonly var p = ref positions[i];
            var own = results[i];
            double collateral, otherMm;
            if (p.IsIsolated)
            {
                collateral = p.IsolatedMargin;
                otherMm = 0;
            }
            else
            {
                collateral = balance + (crossPnl - own.UnrealizedPnl);
                otherMm = crossMm - own.MaintenanceMargin;
            }

            var lp = LiquidationPrice(basis, in p, collateral, otherMm);
            var bp = BankruptcyPrice(in p, collateral);
            var distance = double.IsNaN(lp) ? double.NaN : p.Side * (p.Mark - lp) / p.Mark;
            results[i] = own with { LiquidationPrice = lp, BankruptcyPrice = bp, DistanceToLiquidation = distance };
        }

        var crossEquity = balance + crossPnl;
        var totalEquity = crossEquity + isolatedEquity;
        var totalMm = crossMm + isolatedMm;
        var ratio = totalEquity > 0 ? totalMm / totalEquity : (positions.Length == 0 ? 0 : double.PositiveInfinity);
        var liquidatable = isolatedLiquidatable || (crossCount > 0 && crossEquity < crossMm);
        return new AccountMargin(totalEquity, totalMm, ratio, liquidatable, crossEquity, crossMm);
    }

    /// <summary>MM of a position at its current mark under the profile's tier basis.</summary>
    public static double CurrentMaintenanceMargin(TierBasis basis, in PositionTerms p)
    {
        var tiers = p.Instrument.Tiers;
        var notional = basis == TierBasis.AtEntry ? p.Instrument.Notional(p.Size, p.Entry) : p.Instrument.Notional(p.Size, p.Mark);
        var tier = tiers.IndexFor(notional);
        return MarginTiers.Clamp((notional * tiers.RateAt(tier)) - tiers.DeductionAt(tier));
    }

    /// <summary>
    /// MM of a position if its mark moved to <paramref name="price"/> (the function the LP solves against).
    /// </summary>
    public static double MaintenanceMarginAt(TierBasis basis, in PositionTerms p, double price)
    {
        var tiers = p.Instrument.Tiers;
        switch (basis)
        {
            case TierBasis.AtEntry:
                return CurrentMaintenanceMargin(basis, in p);
            case TierBasis.AtMark:
                var tier = tiers.IndexFor(p.Instrument.Notional(p.Size, p.Mark));
                return MarginTiers.Clamp((p.Instrument.Notional(p.Size, price) * tiers.RateAt(tier)) - tiers.DeductionAt(tier));
            default:
                return tiers.MaintenanceMargin(p.Instrument.Notional(p.Size, price));
        }
    }

    /// <summary>
    /// The mark at which collateral + PnL(P) = otherMm + MM(P); NaN when no positive finite price exists
    /// (a fully collateralised long, or an account under MM at every price).
    /// </summary>
    /// <param name="collateral">Wallet balance plus other cross PnL (cross), or the isolated margin.</param>
    /// <param name="otherMm">MM of the account's other cross positions (0 for isolated).</param>
    public static double LiquidationPrice(TierBasis basis, in PositionTerms p, double collateral, double otherMm)
    {
        if (p.Size == 0)
        {
            return double.NaN;
        }

        var tiers = p.Instrument.Tiers;
        if (basis == TierBasis.AtEntry)
        {
            return SolveFixedMargin(in p, collateral, otherMm + CurrentMaintenanceMargin(basis, in p));
        }

        var tier = tiers.IndexFor(p.Instrument.Notional(p.Size, p.Mark));
        if (basis == TierBasis.AtMark)
        {
            return SolveForTier(in p, collateral, otherMm, tiers.RateAt(tier), tiers.DeductionAt(tier));
        }

        return WalkTiers(in p, collateral, otherMm, tier);
    }

    /// <summary>
    /// Whether a position's liquidation and bankruptcy prices stay bit for bit the same whatever its own mark, given the
    /// collateral and other MM it sees (which the caller knows not to move with that mark). Under AtEntry the mark is
    /// not used at all; under AtPrice it only picks the tier the walk starts from, so the answer is yes when every
    /// starting tier lands on the same price; under AtMark the tier follows the mark, so no.
    /// </summary>
    internal static bool LiquidationPriceIgnoresMark(TierBasis basis, in PositionTerms p, double collateral, double otherMm, double liquidationPrice)
    {
        switch (basis)
        {
            case TierBasis.AtEntry:
                return true;
            case TierBasis.AtMark:
                return false;
        }

        if (p.Size == 0)
        {
            return true;
        }

        var count = p.Instrument.Tiers.Count;
        for (var start = 0; start < count; start++)
        {
            if (!WalkTiers(in p, collateral, otherMm, start).Equals(liquidationPrice))
            {
                return false;
            }
        }

        return true;
    }

    private static double WalkTiers(in PositionTerms p, double collateral, double otherMm, int tier)
    {
        var tiers = p.Instrument.Tiers;

        // AtPrice: the tier must be the one the LP's own notional falls in. MM is continuous in notional
        // (the deduction recursion guarantees it), so walking from the mark's tier towards the solution
        // settles in a step or two; the visited set stops a boundary case from cycling.
        var direction = 0;
        for (var step = 0; step <= tiers.Count; step++)
        {
            var price = SolveForTier(in p, collateral, otherMm, tiers.RateAt(tier), tiers.DeductionAt(tier));
            if (double.IsNaN(price))
            {
                return ScanAllTiers(in p, collateral, otherMm);
            }

            var notional = p.Instrument.Notional(p.Size, price);
            var lower = tiers.FloorAt(tier) * (1 - 1e-12);
            var upper = tiers.CapAt(tier) * (1 + 1e-12);
            int move = notional < lower ? -1 : notional >= upper ? 1 : 0;
            if (move == 0)
            {
                return price;
            }

            if (direction != 0 && move != direction)
            {
                break;
            }

            direction = move;
            tier += move;
            if (tier < 0 || tier >= tiers.Count)
            {
                break;
            }
        }

        return ScanAllTiers(in p, collateral, otherMm);
    }

    /// <summary>The price at which the equity behind this position is zero; NaN when none is positive and finite.</summary>
    public static double BankruptcyPrice(in PositionTerms p, double collateral)
    {
        if (p.Size == 0)
        {
            return double.NaN;
        }

        var sm = p.Size * p.Instrument.Multiplier;
        var price = p.Instrument.Contract == ContractKind.Linear
            ? p.Entry - (collateral / sm)
            : 1.0 / ((1.0 / p.Entry) + (collateral / sm));
        return Positive(price);
    }

    // collateral + s·m·(P − e) = otherMm + |s|·m·P·r − d   (linear)
    // collateral + s·m·(1/e − 1/P) = otherMm + |s|·m·r/P − d   (inverse)
    // Where the tier's MM would be negative at the solution, MM is 0 there (see MarginTiers.Clamp).
    private static double SolveForTier(in PositionTerms p, double collateral, double otherMm, double rate, double deduction)
    {
        var price = SolveLinearMargin(in p, collateral, otherMm, rate, deduction);
        if (deduction > 0 && (double.IsNaN(price) || (p.Instrument.Notional(p.Size, price) * rate) - deduction < 0))
        {
            var zeroMargin = SolveLinearMargin(in p, collateral, otherMm, 0, 0);
            if (!double.IsNaN(zeroMargin) && (p.Instrument.Notional(p.Size, zeroMargin) * rate) - deduction <= 0)
            {
                price = zeroMargin;
            }
        }

        return price;
    }

    private static double SolveLinearMargin(in PositionTerms p, double collateral, double otherMm, double rate, double deduction)
    {
        var s = p.Size;
        var m = p.Instrument.Multiplier;
        var abs = Math.Abs(s);
        if (p.Instrument.Contract == ContractKind.Linear)
        {
            return Positive((otherMm - deduction - collateral + (s * m * p.Entry)) / (m * (s - (abs * rate))));
        }

        return Positive(m * (s + (abs * rate)) / (collateral + (s * m / p.Entry) - otherMm + deduction));
    }

    // MM does not move with the price (AtEntry): collateral + PnL(P) = requirement.
    private static double SolveFixedMargin(in PositionTerms p, double collateral, double requirement)
    {
        var sm = p.Size * p.Instrument.Multiplier;
        var price = p.Instrument.Contract == ContractKind.Linear
            ? p.Entry + ((requirement - collateral) / sm)
            : sm / (collateral + (sm / p.Entry) - requirement);
        return Positive(price);
    }

    // Every tier's closed form, keeping only a price whose own notional lies in that tier (with a hair of
    // tolerance at the boundaries). None consistent means no liquidation price exists: the account is under
    // MM at every positive price, which an inconsistent "nearest" tier would hide behind a made-up number.
    /// <param name="bounded">Answer a linear long that no tier can liquidate without solving each tier (false: the plain scan, for tests).</param>
    internal static double ScanAllTiers(in PositionTerms p, double collateral, double otherMm, bool bounded = true)
    {
        var tiers = p.Instrument.Tiers;
        if (bounded && p.Instrument.Contract == ContractKind.Linear && p.Size > 0 && p.Instrument.Multiplier > 0
            && (otherMm - 0.0 - collateral + (p.Size * p.Instrument.Multiplier * p.Entry)) <= 0)
        {
            // A long whose collateral covers the other MM and its whole entry notional (most longs of a well-funded
            // cross account): a tier's price is (otherMm − d − collateral + s·m·e) / (m·(s − s·r)) with d ≥ 0 and
            // r < 1, so its numerator is at most this one (rounding is monotone) and its denominator is not negative:
            // no tier — nor the zero-margin fallback — has a positive price, as the scan below would find tier by tier.
            return double.NaN;
        }

        for (var k = 0; k < tiers.Count; k++)
        {
            var price = SolveForTier(in p, collateral, otherMm, tiers.RateAt(k), tiers.DeductionAt(k));
            if (double.IsNaN(price))
            {
                continue;
            }

            var notional = p.Instrument.Notional(p.Size, price);
            if (notional >= tiers.FloorAt(k) * (1 - 1e-9) && notional < tiers.CapAt(k) * (1 + 1e-9))
            {
                return price;
            }
        }

        return double.NaN;
    }

    private static double Positive(double price) => double.IsFinite(price) && price > 0 ? price : double.NaN;

    private static void ThrowResultsTooShort() => throw new ArgumentException("results must be at least as long as positions");
}
