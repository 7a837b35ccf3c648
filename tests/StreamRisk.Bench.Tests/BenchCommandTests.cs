using System.Text.Json;
using StreamRisk.Host;

namespace StreamRisk.Bench.Tests;

/// <summary>
/// <c>streamrisk-bench</c>: every figure comes out of one run as a table and a flat JSON object. Timings are reported,
/// never asserted here (the machine is shared): the test checks that each figure was really measured.
/// </summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bench-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Quick_WritesEveryFigureAsAPositiveFiniteNumber_AndPrintsTheTable()
    {
        var path = Path.Combine(_directory, "figures.json");

        var run = await BenchRun.InvokeAsync("--quick", "--json", path);

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        var figures = json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal(BenchCommand.Keys.Order(StringComparer.Ordinal), figures.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(24, figures.Count);
        foreach (var (key, value) in figures)
        {
            Assert.True(value.ValueKind == JsonValueKind.Number, $"{key} is {value.ValueKind}");
            var number = value.GetDouble();
            Assert.True(double.IsFinite(number) && (number > 0 || (number == 0 && BenchCommand.ZeroIsGood.Contains(key))), $"{key} = {number}");
        }

        // The projector was checked against the naive reference on the same input, and the table names every figure.
        Assert.Contains("results equal", run.Output, StringComparison.Ordinal);
        foreach (var row in new[] { "engine events/s", "revaluation ns per cross holder", "venue real-time factor, calm", "venue real-time factor, crash",
            "venue decode-only real-time factor", "venue crash lag p99 ms", "kafka ingest ratio", "kafka ingest ratio, 50/30/20 mix", "tick-to-alert p50 ms", "tick-to-alert p99 ms", "grid + critical shock µs", "partial-book projection µs", "memory bytes/position", "replay events/s",
            "portfolio grid + contagion ms", "system view per market second", "alert transitions/minute", "critical alerts under 2 s", "ADL ranking ns per holder" })
        {
            Assert.Contains(row, run.Output, StringComparison.Ordinal);
        }

        Assert.Contains("bench (--quick)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Projection_IsMeasuredOverTheLadderTheEngineProjectsOver_AndAgreesWithTheReference()
    {
        var path = Path.Combine(_directory, "projection.json");

        var run = await BenchRun.InvokeAsync("--quick", "--only", "projection", "--json", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("over the engine's BucketLadder", run.Output, StringComparison.Ordinal);
        Assert.Contains("results equal", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(["projection.gridMicros", "projection.naiveGridMicros"], json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Depth_PartialBookProjectionKeptAndRefitted_AgreeAndOnlyItsFigures()
    {
        var path = Path.Combine(_directory, "depth.json");

        var run = await BenchRun.InvokeAsync("--quick", "--only", "depth", "--json", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("partial-book projection µs", run.Output, StringComparison.Ordinal);
        Assert.Contains("results equal", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(["depth.partialProjectionMicros", "depth.refitProjectionMicros"], json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Portfolio_GridAndContagionAgainstTheReference_OnlyItsFigures()
    {
        var path = Path.Combine(_directory, "portfolio.json");

        var run = await BenchRun.InvokeAsync("--quick", "--only", "portfolio", "--json", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("portfolio grid + contagion ms", run.Output, StringComparison.Ordinal);
        Assert.Contains("results equal", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(["portfolio.gridMillis", "portfolio.contagionMillis", "portfolio.naiveMillis"], json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Adl_RanksBothSidesOfOneSymbol_OnlyItsFigure()
    {
        var path = Path.Combine(_directory, "adl.json");

        var run = await BenchRun.InvokeAsync("--quick", "--only", "adl", "--json", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("ADL ranking ns per holder", run.Output, StringComparison.Ordinal);
        Assert.Contains("adl: 20,000 holders of one symbol", run.Error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(["adl.rankingNanosPerHolder"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.All(json.RootElement.EnumerateObject(), p => Assert.True(p.Value.GetDouble() > 0, p.Name));
    }

    [Fact]
    public async Task Venue_CalmAndCrashThroughTheEngine_OnlyItsFigures()
    {
        var path = Path.Combine(_directory, "venue.json");

        var run = await BenchRun.InvokeAsync("--quick", "--only", "venue", "--json", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("venue real-time factor, crash", run.Output, StringComparison.Ordinal);
        // The table wraps its last column at any width; its words read in order once the borders and line breaks go
        // (the other cells of this row's continuation lines are empty).
        var flattened = System.Text.RegularExpressions.Regex.Replace(run.Output.Replace('│', ' '), @"\s+", " ");
        Assert.Contains("liquidation fills", flattened, StringComparison.Ordinal);
        Assert.Contains("venue: loaded in", run.Error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(["venue.calmRealTimeFactor", "venue.crashRealTimeFactor", "venue.decodeOnlyRealTimeFactor", "venue.crashLagP99Ms"],
            json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.All(json.RootElement.EnumerateObject(), p => Assert.True(p.Value.GetDouble() > 0, p.Name));
    }

    [Fact]
    public async Task JsonInAMissingDirectory_OneLineErrorAndExitCodeTwo_BeforeAnythingRuns()
    {
        var run = await BenchRun.InvokeAsync("--quick", "--json", Path.Combine(_directory, "no-such-dir", "figures.json"));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains("no such directory", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }

    [Fact]
    public async Task JsonNamingADirectory_OneLineErrorAndExitCodeTwo()
    {
        var run = await BenchRun.InvokeAsync("--quick", "--json", _directory);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains("is not a file name", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--no-such-option")]
    [InlineData("--json")]
    [InlineData("--replay-events", "5")]
    [InlineData("--replay-events", "many")]
    [InlineData("--only", "projection,frobnicate")]
    [InlineData("--only", "venues")]
    public async Task BadCommandLine_OneLineErrorAndExitCodeTwo(params string[] args)
    {
        var run = await BenchRun.InvokeAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith("streamrisk-bench: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShippedExecutable_HasNoBenchVerb()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Cli.RunAsync(["bench", "--quick"], output, error, TimeProvider.System);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("Unrecognized command or argument 'bench'", error.ToString(), StringComparison.Ordinal);
    }
}
