using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Liquidations;

/// <summary>What a liquidation engine does now with a unit (an isolated position, or a cross account) past its liquidation price.</summary>
public enum LiquidationAction
{
    /// <summary>Nothing yet: the unit waits for its slice cooldown to end.</summary>
    Wait,

    /// <summary>A slice of the unit (<see cref="LiquidationStep.Fraction"/> of every position) goes to the market.</summary>
    Slice,

    /// <summary>The whole unit goes to the market.</summary>
    Whole,

    /// <summary>The whole rest of a sliced unit, taken over because its equity fell under the backstop share of its MM.</summary>
    Backstop,
}

/// <summary>One decision of a <see cref="LiquidationPolicy"/>: the action and the share of the unit's size it closes (1 for a whole unit, 0 to wait).</summary>
public readonly record struct LiquidationStep(LiquidationAction Action, double Fraction)
{
    public static LiquidationStep Wait => new(LiquidationAction.Wait, 0);

    public static LiquidationStep Whole => new(LiquidationAction.Whole, 1);

    public static LiquidationStep Backstop => new(LiquidationAction.Backstop, 1);
}

/// <summary>
/// How a venue liquidates a unit that crossed its liquidation price: whole (Binance, Bybit, OKX's last tier, dYdX), or
/// in slices (Hyperliquid: positions over 100k USDC notional go to the market 20% at a time with a 30 s cooldown between
/// slices of one position, and the backstop liquidator takes the rest over once the account is under 2/3 of its
/// maintenance margin — hyperliquid.gitbook.io, "Liquidations"). Pure: a decision depends only on its arguments.
/// </summary>
/// <param name="SliceAbove">A unit of more notional than this is sliced; +∞: never (whole liquidation).</param>
/// <param name="SliceFraction">Share of the unit's current size one slice closes.</param>
/// <param name="Cooldown">Event time between two slices of one unit.</param>
/// <param name="BackstopShare">Equity under this share of MM liquidates the rest whole (0: no backstop).</param>
public sealed record LiquidationPolicy(double SliceAbove, double SliceFraction, TimeSpan Cooldown, double BackstopShare)
{
    /// <summary>Every unit liquidated whole at the first crossing.</summary>
    public static readonly LiquidationPolicy WholeUnits = new(double.PositiveInfinity, 1, TimeSpan.Zero, 0);

    /// <summary>Hyperliquid's slices: 20% of units over 100k notional, 30 s apart, backstop under 2/3 of MM.</summary>
    public static readonly LiquidationPolicy HyperliquidSlices = new(100_000, 0.2, TimeSpan.FromSeconds(30), 2.0 / 3.0);

    /// <summary>The policy of a margin profile: slices for Hyperliquid, whole units for every other venue.</summary>
    public static LiquidationPolicy For(MarginProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile == MarginProfile.Hyperliquid ? HyperliquidSlices : WholeUnits;
    }

    /// <summary>
    /// What to do with a unit past its liquidation price. A unit with several positions (a cross account holding more
    /// than one instrument) is liquidated whole, as in the portfolio model of docs/domain.md; slices apply to a unit of
    /// one position.
    /// </summary>
    /// <param name="notional">The unit's notional at the mark.</param>
    /// <param name="equity">The unit's equity at the mark.</param>
    /// <param name="maintenanceMargin">The unit's MM at the mark.</param>
    /// <param name="positions">How many positions the unit holds.</param>
    /// <param name="lastSliceAt">Event time of the unit's last slice; null before the first.</param>
    /// <param name="now">Event time of the decision.</param>
    public LiquidationStep Decide(double notional, double equity, double maintenanceMargin, int positions, long? lastSliceAt, long now)
    {
        if (positions != 1 || !(notional > SliceAbove))
        {
            return LiquidationStep.Whole;
        }

        if (BackstopShare > 0 && equity < BackstopShare * maintenanceMargin)
        {
            return LiquidationStep.Backstop;
        }

        if (lastSliceAt is { } last && now - last < (long)Cooldown.TotalMilliseconds)
        {
            return LiquidationStep.Wait;
        }

        return new LiquidationStep(LiquidationAction.Slice, SliceFraction);
    }
}
