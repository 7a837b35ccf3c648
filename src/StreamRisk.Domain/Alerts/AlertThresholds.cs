namespace StreamRisk.Domain.Alerts;

/// <summary>
/// Thresholds of every rule for one symbol (config, per symbol). Hysteresis: an open alert resolves only once its
/// measure is back past the threshold by this margin, so a value hovering at the threshold does not flap. Dwell and
/// materiality (event time): a condition must hold for <see cref="RaiseDwell"/> before it raises, must be gone for
/// <see cref="ResolveDwell"/> before it resolves, and an open alert is re-sent as updated only on a material change
/// (<see cref="UpdateMinChange"/>, <see cref="UpdateMinInterval"/>). docs/domain.md, "Alert rules".
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
    /// … nor one that liquidates less than this share of the resting depth within ±1% of the mark on the side it walks
    /// (the larger of the two floors counts): what is a cascade on a thin book is noise on a deep one.
    /// </summary>
    public double CascadeMinDepthShare { get; init; } = 0.05;

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

    /// <summary>
    /// LargeAccountNearLiquidation: a position is large when its notional is at least <see cref="LargeAccountOpenInterestShare"/>
    /// of the instrument's open interest or at least <see cref="LargeAccountDepthShare"/> of the depth within ±1% of the
    /// mark (the smaller of the two), and never under this floor. The engine tracks positions from this floor (less the
    /// hysteresis) up.
    /// </summary>
    public double LargeAccountNotional { get; init; } = 1_000_000;

    /// <summary>LargeAccountNearLiquidation: share of the open interest (the notional of the positions the monitor holds) that makes a position large.</summary>
    public double LargeAccountOpenInterestShare { get; init; } = 0.05;

    /// <summary>LargeAccountNearLiquidation: share of the depth within ±1% of the mark (both sides) that makes a position large.</summary>
    public double LargeAccountDepthShare { get; init; } = 0.5;

    /// <summary>LargeAccountNearLiquidation: distance to the liquidation price at most this fraction of the mark.</summary>
    public double LargeAccountDistance { get; init; } = 0.02;

    /// <summary>LiquidityWithdrawal: depth within ±1% fell by at least this fraction …</summary>
    public double DepthDrop { get; init; } = 0.5;

    /// <summary>… from its highest level over this window of event time.</summary>
    public TimeSpan DepthWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// CascadeInProgress: realized liquidation notional per second over the window at least this, and at least
    /// <see cref="LiquidationRateDepthShare"/> of the depth within ±1% per second …
    /// </summary>
    public double LiquidationRate { get; init; } = 250_000;

    /// <summary>CascadeInProgress: the rate floor as a share of the depth within ±1% of the mark, per second.</summary>
    public double LiquidationRateDepthShare { get; init; } = 0.01;

    /// <summary>… and the mark moved by at least this fraction over the window.</summary>
    public double PriceMove { get; init; } = 0.005;

    /// <summary>CascadeInProgress window of event time.</summary>
    public TimeSpan CascadeWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Relative margin past the threshold before an open alert resolves.</summary>
    public double Hysteresis { get; init; } = 0.2;

    /// <summary>
    /// Event time a rule's condition must hold (at every projection in between) before its alert is raised, and a
    /// higher severity before the alert escalates to it: a one-projection blip raises nothing.
    /// </summary>
    public TimeSpan RaiseDwell { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Event time an open alert's condition must have been gone (past the hysteresis) before it resolves, and a lower
    /// severity must have held before the alert is updated down to it. At least 2 s, so no alert lives under it.
    /// </summary>
    public TimeSpan ResolveDwell { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Materiality: an open alert is updated only when its key measure moved at least this fraction from the value last sent …</summary>
    public double UpdateMinChange { get; init; } = 0.25;

    /// <summary>… and at least this event time after its last transition.</summary>
    public TimeSpan UpdateMinInterval { get; init; } = TimeSpan.FromSeconds(30);
}
