namespace StreamRisk.Host.Tests;

public sealed class CliTests
{
    [Fact]
    public async Task Help_ListsEveryVerb()
    {
        var run = await CliRun.InvokeAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("demo", run.Output, StringComparison.Ordinal);
        Assert.Contains("Commands:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoArguments_PrintsHelp()
    {
        var run = await CliRun.InvokeAsync();

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("demo", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("demo", "--no-such-option")]
    [InlineData("demo", "--brokers", "zero")]
    [InlineData("demo", "--brokers", "42")]
    [InlineData("demo", "--duration", "soon")]
    [InlineData("demo", "--dashboard", "nonsense")]
    [InlineData("demo", "--dashboard", "http://0.0.0.0:0")]
    [InlineData("demo", "--dashboard", "http://localhost:0")]
    [InlineData("demo", "--duration", "99999999999h")]
    [InlineData("demo", "--duration", "0")]
    [InlineData("demo", "--report-every", "0")]
    [InlineData("record", "--out", "never-written.gz", "--duration", "99999999999h")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--timeout", "99999999999h")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--reclaim-idle", "1e300")]
    [InlineData("run", "--bootstrap", "127.0.0.1:1", "--redis", "127.0.0.1:1,ssl=maybe")]
    public async Task BadCommandLine_OneLineErrorAndExitCodeTwo(params string[] args)
    {
        var run = await CliRun.InvokeAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith("streamrisk: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_ZeroDuration_RefusedBeforeRecording()
    {
        var dir = Directory.CreateTempSubdirectory("record-zero-");
        try
        {
            var capture = Path.Combine(dir.FullName, "day.srcap.gz");
            var run = await CliRun.InvokeAsync("record", "--out", capture, "--bootstrap", "127.0.0.1:1", "--duration", "0");

            Assert.Equal(ExitCodes.Usage, run.ExitCode);
            Assert.Single(run.ErrorLines);
            Assert.Contains("--duration", run.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(capture));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Demo_WithDuration_StartsEmbeddedKafkaAndStopsByItself()
    {
        var run = await CliRun.InvokeAsync("demo", "--brokers", "1", "--duration", "200ms");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"embedded Kafka: 1 brokers at (127\.0\.0\.1|localhost):\d+", run.Output);
        Assert.Contains("streamrisk.positions (12 partitions)", run.Output, StringComparison.Ordinal);
        Assert.Contains("demo stopped", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"dashboard: http://127\.0\.0\.1:\d+/\n", run.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Demo_ReportEvery_PrintsHealthLinesWithMemoryLagAndRates()
    {
        var run = await CliRun.InvokeAsync("demo", "--brokers", "1", "--duration", "4s", "--report-every", "1s", "--accounts", "500");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("health:   elapsed  heap MB   rss MB   consumer lag", run.Output, StringComparison.Ordinal);
        var rows = run.Output.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^health: +\d+s +[\d.]+ +[\d.]+ +[\d,]+ +[\d,]+")).ToList();
        Assert.True(rows.Count >= 2, run.Output);
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("2.5", 2.5)]
    public void TryParseDuration_KnownUnits_Seconds(string text, double seconds)
    {
        Assert.True(Cli.TryParseDuration(text, out var duration));
        Assert.Equal(seconds, duration.TotalSeconds, 9);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1s")]
    [InlineData("NaN")]
    [InlineData("5 parsecs")]
    [InlineData("99999999999h")]
    [InlineData("1e308")]
    [InlineData("721h")]
    public void TryParseDuration_Nonsense_Refused(string text) => Assert.False(Cli.TryParseDuration(text, out _));
}
