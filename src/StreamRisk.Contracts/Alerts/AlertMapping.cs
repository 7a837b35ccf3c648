using DomainAlerts = StreamRisk.Domain.Alerts;

namespace StreamRisk.Contracts.Alerts;

/// <summary>
/// Domain alert transitions and risk snapshots in their wire form (the Redis stream, hash and dashboard). Every enum
/// is mapped member by member: a member added to the domain without a wire form throws here, in a test, rather than
/// reaching the wire under its C# name or as a number.
/// </summary>
public static class AlertMapping
{
    public static AlertTransition ToWire(DomainAlerts.AlertTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var metrics = new Dictionary<string, double>(transition.Metrics.Count, StringComparer.Ordinal);
        foreach (var metric in transition.Metrics)
        {
            // JSON has no NaN/Infinity: a measure that does not exist (no critical shock any more) is left out.
            if (double.IsFinite(metric.Value))
            {
                metrics[metric.Name] = metric.Value;
            }
        }

        return new AlertTransition
        {
            Id = transition.Id,
            TransitionId = transition.TransitionId,
            Rule = RuleName(transition.Rule),
            Symbol = transition.Symbol,
            Severity = ToWire(transition.Severity),
            State = ToWire(transition.State),
            EventTime = transition.EventTime,
            Metrics = metrics,
            Explanation = transition.Explanation,
            SuggestedAction = transition.SuggestedAction,
        };
    }

    /// <summary>The rule's wire name, one of <see cref="AlertRuleNames"/>.</summary>
    public static string RuleName(DomainAlerts.AlertRule rule) => rule switch
    {
        DomainAlerts.AlertRule.CascadeRisk => AlertRuleNames.CascadeRisk,
        DomainAlerts.AlertRule.InsuranceFundAtRisk => AlertRuleNames.InsuranceFundAtRisk,
        DomainAlerts.AlertRule.LiquidationWall => AlertRuleNames.LiquidationWall,
        DomainAlerts.AlertRule.LargeAccountNearLiquidation => AlertRuleNames.LargeAccountNearLiquidation,
        DomainAlerts.AlertRule.LiquidityWithdrawal => AlertRuleNames.LiquidityWithdrawal,
        DomainAlerts.AlertRule.CascadeInProgress => AlertRuleNames.CascadeInProgress,
        DomainAlerts.AlertRule.SystemicCascadeRisk => AlertRuleNames.SystemicCascadeRisk,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "alert rule without a wire name"),
    };

    public static AlertSeverity ToWire(DomainAlerts.AlertSeverity severity) => severity switch
    {
        DomainAlerts.AlertSeverity.Info => AlertSeverity.Info,
        DomainAlerts.AlertSeverity.Warning => AlertSeverity.Warning,
        DomainAlerts.AlertSeverity.Critical => AlertSeverity.Critical,
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "alert severity without a wire form"),
    };

    public static AlertState ToWire(DomainAlerts.AlertState state) => state switch
    {
        DomainAlerts.AlertState.Raised => AlertState.Raised,
        DomainAlerts.AlertState.Escalated => AlertState.Escalated,
        DomainAlerts.AlertState.Updated => AlertState.Updated,
        DomainAlerts.AlertState.Resolved => AlertState.Resolved,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "alert state without a wire form"),
    };

    public static SymbolPicture ToPicture(DomainAlerts.SymbolRisk risk, IReadOnlyList<string> openAlerts)
    {
        ArgumentNullException.ThrowIfNull(risk);
        var one = risk.BandAt(0.01);
        var two = risk.BandAt(0.02);
        var five = risk.BandAt(0.05);
        return new SymbolPicture
        {
            Symbol = risk.Symbol,
            EventTime = risk.EventTime,
            Mark = risk.Mark,
            CriticalShockDown = risk.CriticalShockDown,
            CriticalShockUp = risk.CriticalShockUp,
            LiquidatableDown1Pct = one.LiquidatableDown,
            LiquidatableDown2Pct = two.LiquidatableDown,
            LiquidatableDown5Pct = five.LiquidatableDown,
            LiquidatableUp1Pct = one.LiquidatableUp,
            LiquidatableUp2Pct = two.LiquidatableUp,
            LiquidatableUp5Pct = five.LiquidatableUp,
            InsuranceFund = risk.InsuranceFund,
            OpenAlertIds = openAlerts,
        };
    }
}
