namespace StreamRisk.Domain.Alerts;

/// <summary>The alert rules (docs/domain.md, "Alert rules").</summary>
public enum AlertRule
{
    CascadeRisk,
    InsuranceFundAtRisk,
    LiquidationWall,
    LargeAccountNearLiquidation,
    LiquidityWithdrawal,
    CascadeInProgress,
    SystemicCascadeRisk,
}

/// <summary>How urgent an alert is; ordered, so a higher value escalates.</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>Where an alert is in its lifecycle: raised → escalated/updated → resolved.</summary>
public enum AlertState
{
    Raised,
    Escalated,
    Updated,
    Resolved,
}

/// <summary>One named number behind an alert (e.g. criticalShock = 0.023).</summary>
public readonly record struct AlertMetric(string Name, double Value);

/// <summary>
/// One transition of one alert. <see cref="Id"/> is deterministic — rule, symbol, qualifier (direction or
/// account) and the event time it was raised at — so a replay of the same day gives the same ids as the live run,
/// and <see cref="Sequence"/> numbers the transitions of that alert (0 = raised), which makes
/// <see cref="TransitionId"/> unique for idempotent delivery.
/// </summary>
public sealed record AlertTransition(
    string Id,
    int Sequence,
    AlertRule Rule,
    string Symbol,
    string Qualifier,
    AlertSeverity Severity,
    AlertState State,
    long EventTime,
    long RaisedAt,
    IReadOnlyList<AlertMetric> Metrics,
    string Explanation,
    string SuggestedAction)
{
    public string TransitionId => $"{Id}:{Sequence}";
}
