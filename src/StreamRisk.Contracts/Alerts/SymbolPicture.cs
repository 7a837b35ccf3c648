namespace StreamRisk.Contracts.Alerts;

/// <summary>
/// The latest risk picture of one instrument, kept in a per-symbol hash for trading-ops screens. Each picture
/// replaces the previous one whole; a picture older (in event time) than the stored one is ignored.
/// </summary>
/// <remarks>Shocks are fractions of the mark (0.034 = a 3.4 % move); notionals are in the quote currency.</remarks>
public sealed record SymbolPicture
{
    public required string Symbol { get; init; }

    /// <summary>Event time the picture describes, unix milliseconds.</summary>
    public required long EventTime { get; init; }

    public required double Mark { get; init; }

    /// <summary>Smallest downward move that turns into a runaway cascade; null when none within the shock grid.</summary>
    public double? CriticalShockDown { get; init; }

    /// <summary>Smallest upward move that turns into a runaway cascade; null when none within the shock grid.</summary>
    public double? CriticalShockUp { get; init; }

    /// <summary>Notional of positions whose liquidation price lies within 1 % below the mark.</summary>
    public required double LiquidatableDown1Pct { get; init; }

    public required double LiquidatableDown2Pct { get; init; }

    public required double LiquidatableDown5Pct { get; init; }

    /// <summary>Notional of positions whose liquidation price lies within 1 % above the mark.</summary>
    public required double LiquidatableUp1Pct { get; init; }

    public required double LiquidatableUp2Pct { get; init; }

    public required double LiquidatableUp5Pct { get; init; }

    public required double InsuranceFund { get; init; }

    /// <summary>Ids (<see cref="AlertTransition.Id"/>) of the alerts open on this symbol.</summary>
    public required IReadOnlyList<string> OpenAlertIds { get; init; }
}
