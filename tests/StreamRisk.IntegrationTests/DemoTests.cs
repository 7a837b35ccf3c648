using StreamRisk.Host;

namespace StreamRisk.IntegrationTests;

/// <summary>The README's first command, for real: embedded Kafka, simulator, monitor, a redis-server it starts.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_ThirtySeconds_RaisesCascadeRiskAndSystemicCascadeRisk_PrintsWhereToLookAndASummary()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Cli.RunAsync(["demo", "--duration", "30s", "--brokers", "1"], output, error, TimeProvider.System);

        var text = output.ToString();
        Assert.True(code == 0, error.ToString());
        Assert.Contains("started redis-server on 127.0.0.1:", text, StringComparison.Ordinal);
        Assert.Contains("XRANGE streamrisk:alerts", text, StringComparison.Ordinal);
        Assert.Matches(@"alert raised +\w+ +CascadeRisk ", text);
        // The simulated market's cross portfolios carry a BTC shock into the other books: the system view sees it.
        Assert.Matches(@"alert raised +\w+ +SystemicCascadeRisk ", text);
        Assert.Matches(@"summary: [\d,]+ events applied, 0 dead-lettered", text);
        Assert.Contains("alerts raised by rule:", text, StringComparison.Ordinal);
        // Diagnostics went to stderr as log entries (text format: one line each, UTC time, level, category); alert lines did not.
        var diagnostics = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(diagnostics, l => l.Contains(" StreamRisk.Kafka[0] assigned ", StringComparison.Ordinal));
        Assert.All(diagnostics, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trce|dbug|info|warn|fail|crit): StreamRisk\.\w+\[\d+\] ", l));
        Assert.DoesNotContain(diagnostics, l => l.Contains("alert raised", StringComparison.Ordinal));
        Assert.DoesNotContain("positions partition(s)", text, StringComparison.Ordinal);
    }
}
