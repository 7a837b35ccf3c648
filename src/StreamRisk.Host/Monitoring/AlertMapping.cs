using StreamRisk.Domain.Alerts;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Monitoring;

/// <summary>Domain alert transitions and risk snapshots in their wire form (the Redis stream, hash and dashboard).</summary>
public static class AlertMapping
{
    public static Wire.AlertTransition ToWire(AlertTransition transition)
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

        return new Wire.AlertTransition
        {
            Id = transition.Id,
            TransitionId = transition.TransitionId,
            Rule = transition.Rule.ToString(),
            Symbol = transition.Symbol,
            Severity = (Wire.AlertSeverity)(int)transition.Severity,
            State = (Wire.AlertState)(int)transition.State,
            EventTime = transition.EventTime,
            Metrics = metrics,
            Explanation = transition.Explanation,
            SuggestedAction = transition.SuggestedAction,
        };
    }

    public static Wire.SymbolPicture ToPicture(SymbolRisk risk, IReadOnlyList<string> openAlerts)
    {
        ArgumentNullException.ThrowIfNull(risk);
        var one = risk.BandAt(0.01);
        var two = risk.BandAt(0.02);
        var five = risk.BandAt(0.05);
        return new Wire.SymbolPicture
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
