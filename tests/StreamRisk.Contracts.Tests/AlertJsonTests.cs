using System.Text;
using System.Text.Json;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Contracts.Documents;

namespace StreamRisk.Contracts.Tests;

public sealed class AlertJsonTests
{
    private static readonly AlertTransition Sample = new()
    {
        Id = "CascadeRisk:BTCUSDT:down:1723161255000",
        TransitionId = AlertTransition.TransitionIdOf("CascadeRisk:BTCUSDT:down:1723161255000", 2),
        Rule = AlertRuleNames.CascadeRisk,
        Symbol = "BTCUSDT",
        Severity = AlertSeverity.Critical,
        State = AlertState.Escalated,
        EventTime = 1723161257000,
        Metrics = new Dictionary<string, double> { ["criticalShockPct"] = 1.8 },
        Explanation = "A 1.8% drop would liquidate 42M USDT of longs.",
        SuggestedAction = "Widen price bands.",
    };

    [Fact]
    public void Write_Transition_CamelCaseFieldsAndLowerCaseEnumNames()
    {
        using var json = JsonDocument.Parse(AlertJson.Write(Sample));
        var root = json.RootElement;

        Assert.Equal("CascadeRisk:BTCUSDT:down:1723161255000:2", root.GetProperty("transitionId").GetString());
        Assert.Equal("CascadeRisk", root.GetProperty("rule").GetString());
        Assert.Equal("critical", root.GetProperty("severity").GetString());
        Assert.Equal("escalated", root.GetProperty("state").GetString());
        Assert.Equal(1723161257000, root.GetProperty("eventTime").GetInt64());
        Assert.Equal(1.8, root.GetProperty("metrics").GetProperty("criticalShockPct").GetDouble());
        Assert.Equal("Widen price bands.", root.GetProperty("suggestedAction").GetString());
        Assert.False(root.TryGetProperty("traceParent", out _));
    }

    [Fact]
    public void ReadTransition_WhatWriteWrote_SameTransition()
    {
        var withTrace = Sample with { TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };

        var read = AlertJson.ReadTransition(Encoding.UTF8.GetBytes(AlertJson.Write(withTrace)));

        Assert.Equal(AlertJson.Write(withTrace), AlertJson.Write(read));
        Assert.Equal(withTrace.TraceParent, read.TraceParent);
    }

    [Fact]
    public void ReadTransition_RuleThisBuildDoesNotKnow_Accepted()
    {
        var json = AlertJson.Write(Sample).Replace("\"rule\":\"CascadeRisk\"", "\"rule\":\"FundingSpike\"", StringComparison.Ordinal);

        Assert.Equal("FundingSpike", AlertJson.ReadTransition(Encoding.UTF8.GetBytes(json)).Rule);
    }

    [Theory]
    [InlineData("{\"id\":\"a\"}", "missing required")]
    [InlineData("[]", "alert")]
    [InlineData("not json", "alert")]
    public void ReadTransition_Malformed_DocumentException(string json, string expected)
    {
        var ex = Assert.Throws<DocumentException>(() => AlertJson.ReadTransition(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadTransition_UnknownSeverity_DocumentExceptionNamingTheField()
    {
        var json = AlertJson.Write(Sample).Replace("\"critical\"", "\"apocalyptic\"", StringComparison.Ordinal);

        var ex = Assert.Throws<DocumentException>(() => AlertJson.ReadTransition(Encoding.UTF8.GetBytes(json)));

        Assert.Equal("alert.severity", ex.Path);
    }

    [Fact]
    public void Write_NaNMetric_TravelsAsNamedLiteralRatherThanFailing()
    {
        var transition = Sample with { Metrics = new Dictionary<string, double> { ["ratio"] = double.NaN } };

        var json = AlertJson.Write(transition);

        Assert.Contains("\"ratio\":\"NaN\"", json, StringComparison.Ordinal);
        Assert.True(double.IsNaN(AlertJson.ReadTransition(Encoding.UTF8.GetBytes(json)).Metrics["ratio"]));
    }

    [Fact]
    public void AlertKeys_DefaultPrefix_NamesOfKeysAndChannels()
    {
        var keys = AlertKeys.Default;

        Assert.Equal("streamrisk:alerts", keys.Stream);
        Assert.Equal("streamrisk:alerts:written", keys.Written);
        Assert.Equal("streamrisk:alerts:critical:BTCUSDT", keys.Channel(AlertSeverity.Critical, "BTCUSDT"));
        Assert.Equal("streamrisk:state:ETHUSDT", keys.State("ETHUSDT"));
        Assert.Equal("streamrisk:hooks:breakers:done", keys.HookDone("breakers"));
    }

    [Fact]
    public void SymbolPicture_Write_CamelCaseWithNullShocks()
    {
        var picture = new SymbolPicture
        {
            Symbol = "BTCUSDT",
            EventTime = 1,
            Mark = 59_000,
            CriticalShockUp = 0.04,
            LiquidatableDown1Pct = 1,
            LiquidatableDown2Pct = 2,
            LiquidatableDown5Pct = 5,
            LiquidatableUp1Pct = 1,
            LiquidatableUp2Pct = 2,
            LiquidatableUp5Pct = 5,
            InsuranceFund = 1e8,
            OpenAlertIds = ["a"],
        };

        using var json = JsonDocument.Parse(AlertJson.Write(picture));

        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("criticalShockDown").ValueKind);
        Assert.Equal(0.04, json.RootElement.GetProperty("criticalShockUp").GetDouble());
        Assert.Equal(5, json.RootElement.GetProperty("liquidatableDown5Pct").GetDouble());
        Assert.Equal("a", json.RootElement.GetProperty("openAlertIds")[0].GetString());
    }
}
