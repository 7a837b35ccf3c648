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

/// <summary>The account stage's per-partition Kafka lines: the partition first, the entry's named values kept.</summary>
public sealed class PrefixedLoggerTests
{
    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public void PrefixedLogger_MessageStartsWithThePartition_NamedValuesKept(string format)
    {
        using var written = new StringWriter();
        using (var logging = Logging.RunLogging.Create(written, format))
        {
            var log = new Logging.PrefixedLogger(logging.CreateLogger(Logging.LogCategories.Kafka), "[positions 3] ");
            Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(log, "assigned {Count} partition(s)", 2);
        }

        var line = Assert.Single(written.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        if (format == "json")
        {
            using var entry = JsonDocument.Parse(line);
            Assert.Equal("[positions 3] assigned 2 partition(s)", entry.RootElement.GetProperty("Message").GetString());
            Assert.Equal(2, entry.RootElement.GetProperty("State").GetProperty("Count").GetInt32());
        }
        else
        {
            Assert.EndsWith("info: StreamRisk.Kafka[0] [positions 3] assigned 2 partition(s)", line.TrimEnd(), StringComparison.Ordinal);
        }
    }
}
