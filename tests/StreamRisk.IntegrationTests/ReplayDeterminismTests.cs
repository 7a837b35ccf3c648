using StreamRisk.Host;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>Replay gives exactly what it gave before, whatever the speed: event time drives everything.</summary>
public sealed class ReplayDeterminismTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("replay-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task BinanceBtcusdtCapture_MaxSpeedAndTwentyTimes_ByteIdenticalAlertsAndProjections()
    {
        var capture = SharedData.Path("binance-usdm", "btcusdt_20240808.gz");
        var max = Path.Combine(_dir.FullName, "max");
        var twenty = Path.Combine(_dir.FullName, "20x");

        var first = await Replay(capture, "max", max);
        var second = await Replay(capture, "20x", twenty);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        var alerts = await File.ReadAllBytesAsync(Path.Combine(max, "alerts.ndjson"), TestContext.Current.CancellationToken);
        var projections = await File.ReadAllBytesAsync(Path.Combine(max, "projections.ndjson"), TestContext.Current.CancellationToken);
        Assert.True(projections.Length > 100_000, "the replay projected almost nothing");
        Assert.Contains("\"rule\":\"CascadeRisk\"", System.Text.Encoding.UTF8.GetString(alerts), StringComparison.Ordinal);
        var systemLines = System.Text.Encoding.UTF8.GetString(projections).Split('\n').Count(l => l.StartsWith("{\"type\":\"system\",", StringComparison.Ordinal));
        Assert.True(systemLines > 10, $"{systemLines} system lines");
        Assert.Equal(alerts, await File.ReadAllBytesAsync(Path.Combine(twenty, "alerts.ndjson"), TestContext.Current.CancellationToken));
        Assert.Equal(projections, await File.ReadAllBytesAsync(Path.Combine(twenty, "projections.ndjson"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PositionsFile_AccountsFromTheFileAreWatched()
    {
        var capture = SharedData.Path("binance-usdm", "btcusdt_20240808.gz");
        var positions = Path.Combine(_dir.FullName, "positions.json");
        // A 30x whale long near the capture's first price (~61,800): its LP is about 1% below the mark, and the day never reaches it.
        await File.WriteAllTextAsync(positions, "{\"accounts\":[" +
            "{\"id\":\"whale\",\"balance\":0,\"positions\":[{\"symbol\":\"BTCUSDT\",\"size\":100,\"entry\":61800,\"isolatedMargin\":200000}]}," +
            "{\"id\":\"calm\",\"balance\":1000000,\"positions\":[{\"symbol\":\"BTCUSDT\",\"size\":-1,\"entry\":61800}]}]}", TestContext.Current.CancellationToken);
        var outDir = Path.Combine(_dir.FullName, "file");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Cli.RunAsync(["replay", capture, "--positions", positions, "--out", outDir], output, error, TimeProvider.System);

        Assert.True(code == 0, error.ToString());
        Assert.Contains(" 2 accounts (", output.ToString(), StringComparison.Ordinal);
        var alerts = await File.ReadAllTextAsync(Path.Combine(outDir, "alerts.ndjson"), TestContext.Current.CancellationToken);
        Assert.Contains("LargeAccountNearLiquidation:BTCUSDT:whale:", alerts, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replay", "no-such-file.gz")]
    [InlineData("replay", "--speed", "fast", "x.gz")]
    [InlineData("replay", "--positions", "from-thin-air", "x.gz")]
    [InlineData("replay", "--from", "yesterday", "x.gz")]
    public async Task BadInput_OneLineExitTwo(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Cli.RunAsync(args, output, error, TimeProvider.System);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <remarks>System views every 10 s of event time (not every second): the day stays quick to replay twice.</remarks>
    private async Task<(int ExitCode, string Output)> Replay(string capture, string speed, string outDir)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = Path.Combine(_dir.FullName, "system-10s.json");
        await File.WriteAllTextAsync(config, "{\"StreamRisk\":{\"Engine\":{\"SystemIntervalMs\":10000}}}");
        var code = await Cli.RunAsync(["replay", capture, "--format", "binance-usdm", "--speed", speed, "--positions", SharedData.BtcusdtPositions, "--config", config, "--out", outDir],
            output, error, TimeProvider.System);
        return (code, output.ToString());
    }
}
