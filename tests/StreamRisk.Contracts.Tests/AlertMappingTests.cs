using StreamRisk.Contracts.Alerts;
using DomainAlerts = StreamRisk.Domain.Alerts;

namespace StreamRisk.Contracts.Tests;

public sealed class AlertMappingTests
{
    [Fact]
    public void RuleName_EveryDomainRule_IsItsWireNameInOrder()
    {
        var names = Enum.GetValues<DomainAlerts.AlertRule>().Select(AlertMapping.RuleName);

        Assert.Equal(AlertRuleNames.All, names);
    }

    [Fact]
    public void ToWire_EveryDomainSeverityAndState_HasTheWireNameOfTheSameMeaning()
    {
        Assert.Equal(["info", "warning", "critical"], Enum.GetValues<DomainAlerts.AlertSeverity>().Select(s => AlertNames.Of(AlertMapping.ToWire(s))));
        Assert.Equal(["raised", "escalated", "updated", "resolved"], Enum.GetValues<DomainAlerts.AlertState>().Select(s => AlertNames.Of(AlertMapping.ToWire(s))));
    }

    [Fact]
    public void ToWire_Transition_MapsEveryField()
    {
        var wire = AlertMapping.ToWire(Transition(DomainAlerts.AlertRule.LiquidityWithdrawal, DomainAlerts.AlertSeverity.Critical, DomainAlerts.AlertState.Escalated));

        Assert.Equal("LiquidityWithdrawal:BTCUSDT:down:1723161255000", wire.Id);
        Assert.Equal("LiquidityWithdrawal:BTCUSDT:down:1723161255000:1", wire.TransitionId);
        Assert.Equal(AlertRuleNames.LiquidityWithdrawal, wire.Rule);
        Assert.Equal(AlertSeverity.Critical, wire.Severity);
        Assert.Equal(AlertState.Escalated, wire.State);
        Assert.Equal(1723161257000, wire.EventTime);
        Assert.Equal(new Dictionary<string, double> { ["depthDropPct"] = 40 }, wire.Metrics); // the NaN measure is left out
    }

    [Fact]
    public void ToWire_RuleWithoutWireName_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertMapping.ToWire(Transition((DomainAlerts.AlertRule)99, DomainAlerts.AlertSeverity.Info, DomainAlerts.AlertState.Raised)));
    }

    [Fact]
    public void ToWire_SeverityWithoutWireForm_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertMapping.ToWire(Transition(DomainAlerts.AlertRule.CascadeRisk, (DomainAlerts.AlertSeverity)3, DomainAlerts.AlertState.Raised)));
    }

    [Fact]
    public void ToWire_StateWithoutWireForm_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertMapping.ToWire(Transition(DomainAlerts.AlertRule.CascadeRisk, DomainAlerts.AlertSeverity.Info, (DomainAlerts.AlertState)4)));
    }

    private static DomainAlerts.AlertTransition Transition(DomainAlerts.AlertRule rule, DomainAlerts.AlertSeverity severity, DomainAlerts.AlertState state) =>
        new(
            Id: $"{rule}:BTCUSDT:down:1723161255000",
            Sequence: 1,
            Rule: rule,
            Symbol: "BTCUSDT",
            Qualifier: "down",
            Severity: severity,
            State: state,
            EventTime: 1723161257000,
            RaisedAt: 1723161255000,
            Metrics: [new("depthDropPct", 40), new("criticalShockPct", double.NaN)],
            Explanation: "Depth near the mark fell by 40%.",
            SuggestedAction: "Widen price bands.");
}
