using System.Text.Json;

namespace StreamRisk.Host.Tests;

/// <summary>Diagnostics are log entries on stderr, in the format asked for; stdout carries the verb's own lines.</summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task Demo_LogFormatJson_StderrIsOneJsonEntryALine_StdoutHasNoDiagnostics()
    {
        var run = await CliRun.InvokeAsync("demo", "--log-format", "json", "--brokers", "1", "--accounts", "2000", "--duration", "8s");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.NotEmpty(run.ErrorLines);
        var categories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in run.ErrorLines)
        {
            using var entry = JsonDocument.Parse(line);
            var root = entry.RootElement;
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", root.GetProperty("Timestamp").GetString());
            Assert.Contains(root.GetProperty("LogLevel").GetString(), new[] { "Trace", "Debug", "Information", "Warning", "Error", "Critical" });
            Assert.StartsWith("StreamRisk.", root.GetProperty("Category").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("Message").GetString()), line);
            categories.Add(root.GetProperty("Category").GetString()!);
        }

        // The positions consumer joins its group and says which partitions it got.
        Assert.Contains("StreamRisk.Kafka", categories);
        Assert.Contains(run.ErrorLines, l => l.Contains("positions partition(s)", StringComparison.Ordinal));
        // Stdout: the demo's guide, the alert lines and the summary; no log entry. (Eight seconds raise no alert: DemoTests
        // runs long enough to see them on stdout.)
        var output = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(output, l => l.StartsWith("summary: ", StringComparison.Ordinal));
        Assert.DoesNotContain(output, l => l.TrimStart().StartsWith('{') || l.Contains("positions partition(s)", StringComparison.Ordinal));
        Assert.DoesNotContain(run.ErrorLines, l => l.Contains("\"alert raised", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--log-format", "bogus")]
    [InlineData("--log-level", "loud")]
    public async Task LogOption_NotOneOfItsValues_OneLineNamingTheOption_Exit2(string option, string value)
    {
        var run = await CliRun.InvokeAsync("demo", option, value, "--duration", "1s");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("streamrisk: ", line, StringComparison.Ordinal);
        Assert.Contains(option, line, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", line, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task LogFormat_BeforeTheVerb_IsTakenToo()
    {
        var run = await CliRun.InvokeAsync("--log-format", "bogus", "demo", "--duration", "1s");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--log-format", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }
}
