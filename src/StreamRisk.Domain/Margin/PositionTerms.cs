using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Margin;

/// <summary>
/// What the margin math needs of one position: its contract, signed size (long &gt; 0), entry price,
/// isolated margin (NaN for a cross position) and the current mark of its symbol.
/// </summary>
public readonly record struct PositionTerms(Instrument Instrument, double Size, double Entry, double IsolatedMargin, double Mark)
{
    public bool IsIsolated => !double.IsNaN(IsolatedMargin);

    /// <summary>+1 long, −1 short.</summary>
    public double Side => Size >= 0 ? 1.0 : -1.0;
}

/// <summary>Margin figures of one position. NaN marks a price that does not exist (no finite LP/BP).</summary>
public readonly record struct PositionMargin(
    double Notional,
    double UnrealizedPnl,
    double MaintenanceMargin,
    double LiquidationPrice,
    double BankruptcyPrice,
    double DistanceToLiquidation)
{
    public bool HasLiquidationPrice => !double.IsNaN(LiquidationPrice);
}

/// <summary>Margin figures of an account. Equity and MM sum the cross pool and every isolated position.</summary>
/// <param name="MarginRatio">MM / equity; +∞ when equity ≤ 0 and there is a position.</param>
public readonly record struct AccountMargin(
    double Equity,
    double MaintenanceMargin,
    double MarginRatio,
    bool Liquidatable,
    double CrossEquity,
    double CrossMaintenanceMargin);
