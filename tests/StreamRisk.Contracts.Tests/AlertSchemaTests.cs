using CsCheck;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Testing;
using DomainAlerts = StreamRisk.Domain.Alerts;

namespace StreamRisk.Contracts.Tests;

/// <summary>The alert JSON and the symbol picture, as written, against docs/schemas/alert.schema.json and symbol-picture.schema.json.</summary>
public sealed class AlertSchemaTests
{
    private const string Trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    [Fact]
    public void AlertJson_GeneratedTransitions_ValidateAgainstTheAlertSchema()
    {
        var metric = Gen.Select(Gen.OneOf(Gen.Const("criticalShock"), Gen.Const("score"), Gen.Const("liquidatedNotional"), Gen.String[Gen.Char.AlphaNumeric, 1, 12]),
            Gen.OneOf(Gen.Double, Gen.Double[-1e9, 1e9], Gen.Const(double.NaN), Gen.Const(double.NegativeInfinity)),
            (name, value) => new DomainAlerts.AlertMetric(name, value));
        var transition = Gen.Select(
            Gen.Enum<DomainAlerts.AlertRule>(),
            Gen.OneOf(Gen.Const("BTCUSDT"), Gen.Const("1000PEPEUSDT"), Gen.Const("BTCUSD_PERP"), Gen.Const("SYSTEM")),
            Gen.OneOf(Gen.Const("down"), Gen.Const("up"), Gen.Const("book"), Gen.Const("live"), Gen.String[Gen.Char, 1, 30]),
            Gen.Select(Gen.Enum<DomainAlerts.AlertSeverity>(), Gen.Enum<DomainAlerts.AlertState>(), Gen.Long[0, 4_102_444_800_000], Gen.Int[0, 1_000]),
            metric.Array[0, 8],
            Gen.Bool,
            (rule, symbol, qualifier, step, metrics, traced) =>
            {
                var (severity, state, eventTime, sequence) = step;
                var raisedAt = eventTime / 2;
                var wire = AlertMapping.ToWire(new DomainAlerts.AlertTransition(
                    $"{rule}:{symbol}:{qualifier}:{raisedAt}", sequence, rule, symbol, qualifier, severity, state, eventTime, raisedAt,
                    metrics.DistinctBy(m => m.Name).ToArray(), "A move of 1% liquidates 12 positions.", "Widen price bands."));
                return traced ? wire with { TraceParent = Trace } : wire;
            });

        transition.Sample(t =>
        {
            var json = AlertJson.Write(t);
            var verdict = ContractSchemas.Validate("alert", json);
            Assert.True(verdict.IsValid, $"{json}\n{verdict}");
        }, iter: 1_000, threads: 1);
    }

    [Fact]
    public void AlertJson_NonFiniteMetricWrittenAsText_ValidatesAgainstTheAlertSchema()
    {
        var json = AlertJson.Write(Sample() with { Metrics = new Dictionary<string, double> { ["score"] = double.NaN, ["mark"] = double.PositiveInfinity } });

        Assert.Contains("\"NaN\"", json, StringComparison.Ordinal);
        Assert.True(ContractSchemas.Validate("alert", json).IsValid);
    }

    [Theory]
    [InlineData("\"severity\":\"critical\"", "\"severity\":\"urgent\"")]
    [InlineData("\"state\":\"raised\"", "\"state\":\"open\"")]
    [InlineData("\"eventTime\":1723161257000", "\"eventTime\":\"1723161257000\"")]
    [InlineData("\"score\":0.7", "\"score\":\"high\"")]
    [InlineData("\"symbol\":\"BTCUSDT\"", "\"symbol\":\"BTC USDT\"")]
    [InlineData("\"transitionId\":\"CascadeRisk:BTCUSDT:down:1723161255000:0\"", "\"transitionId\":\"t-1\"")]
    [InlineData("\"explanation\":\"A move of 1% liquidates 12 positions.\",", "")]
    [InlineData("\"traceParent\":\"" + Trace + "\"", "\"traceParent\":\"trace-1\"")]
    public void AlertJson_DamagedField_RefusedByTheSchema(string field, string damaged)
    {
        var json = AlertJson.Write(Sample() with { TraceParent = Trace });
        Assert.Contains(field, json, StringComparison.Ordinal);

        var verdict = ContractSchemas.Validate("alert", json.Replace(field, damaged, StringComparison.Ordinal));

        Assert.False(verdict.IsValid, json.Replace(field, damaged, StringComparison.Ordinal));
    }

    [Fact]
    public void AlertJson_RuleAddedLater_AcceptedByTheSchema()
    {
        var json = AlertJson.Write(Sample() with { Rule = "FundingSpike", Id = "FundingSpike:BTCUSDT:up:1", TransitionId = "FundingSpike:BTCUSDT:up:1:0" });

        Assert.True(ContractSchemas.Validate("alert", json).IsValid);
    }

    [Fact]
    public void SymbolPicture_AsWritten_ValidatesAgainstItsSchema_AndOneWithoutItsMarkDoesNot()
    {
        var picture = new SymbolPicture
        {
            Symbol = "BTCUSDT", EventTime = 1723161257000, Mark = 61795.4, CriticalShockDown = 0.016, CriticalShockUp = null,
            LiquidatableDown1Pct = 1e6, LiquidatableDown2Pct = 2e6, LiquidatableDown5Pct = double.NaN,
            LiquidatableUp1Pct = 0, LiquidatableUp2Pct = 0, LiquidatableUp5Pct = 10, InsuranceFund = 1e9, OpenAlertIds = ["CascadeRisk:BTCUSDT:down:1"],
        };
        var json = AlertJson.Write(picture);

        Assert.True(ContractSchemas.Validate("symbol-picture", json).IsValid, json);
        Assert.False(ContractSchemas.Validate("symbol-picture", json.Replace("\"mark\":61795.4,", string.Empty, StringComparison.Ordinal)).IsValid);
    }

    private static AlertTransition Sample() => new()
    {
        Id = "CascadeRisk:BTCUSDT:down:1723161255000",
        TransitionId = "CascadeRisk:BTCUSDT:down:1723161255000:0",
        Rule = AlertRuleNames.CascadeRisk,
        Symbol = "BTCUSDT",
        Severity = AlertSeverity.Critical,
        State = AlertState.Raised,
        EventTime = 1723161257000,
        Metrics = new Dictionary<string, double> { ["score"] = 0.7 },
        Explanation = "A move of 1% liquidates 12 positions.",
        SuggestedAction = "Widen price bands.",
    };
}
