namespace StreamRisk.Domain.Alerts;

/// <summary>
/// Thresholds of every rule for one symbol (config, per symbol). Hysteresis: an open alert resolves only once its
/// measure is back past the threshold by this margin, so a value hovering at the threshold does not flap.
/// </summary>
public sealed record AlertThresholds
{
    /// <summary>CascadeRisk fires when a critical shock is at or below this fraction (3% = 0.03).</summary>
    public double CriticalShock { get; init; } = 0.03;

    /// <summary>
    /// CascadeRisk ignores a runaway chain that liquidates less than this notional: a 20x amplification of a few
    /// thousand dollars through a thin patch of book is noise, not a cascade.
    /// </summary>
    public double CascadeMinNotional { get; init; } = 100_000;

    /// <summary>
    /// SystemicCascadeRisk fires when the system critical shock (the smallest factor move of the reference after which any
    /// instrument runs away, every instrument moving by β × it) is at or below this fraction. Read from the thresholds of
    /// the symbol <see cref="SystemView.AlertSymbol"/> (<c>Alerts:Symbols:SYSTEM</c>), else the defaults. A chain
    /// liquidating less than <see cref="CascadeMinNotional"/> over all instruments does not count.
    /// </summary>
    public double SystemicCriticalShock { get; init; } = 0.05;

    /// <summary>InsuranceFundAtRisk considers projected shocks up to this size.</summary>
    public double FundShockLimit { get; init; } = 0.1;

    /// <summary>LiquidationWall band: ±x of the mark.</summary>
    public double WallBand { get; init; } = 0.02;

    /// <summary>LiquidationWall fires when liquidatable notional in the band ≥ this × book depth in the band.</summary>
    public double WallRatio { get; init; } = 1.0;

    /// <summary>LargeAccountNearLiquidation: position notional at least this.</summary>
    public double LargeAccountNotional { get; init; } = 1_000_000;

    /// <summary>LargeAccountNearLiquidation: distance to the liquidation price at most this fraction of the mark.</summary>
    public double LargeAccountDistance { get; init; } = 0.02;

    /// <summary>LiquidityWithdrawal: depth within ±1% fell by at least this fraction …</summary>
    public double DepthDrop { get; init; } = 0.5;

    /// <summary>… from its highest level over this window of event time.</summary>
    public TimeSpan DepthWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>CascadeInProgress: realized liquidation notional per second over the window at least this …</summary>
    public double LiquidationRate { get; init; } = 250_000;

    /// <summary>… and the mark moved by at least this fraction over the window.</summary>
    public double PriceMove { get; init; } = 0.005;

    /// <summary>CascadeInProgress window of event time.</summary>
    public TimeSpan CascadeWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Relative margin past the threshold before an open alert resolves.</summary>
    public double Hysteresis { get; init; } = 0.2;
}
