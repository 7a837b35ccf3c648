using System.Text.Json;
using StreamRisk.Replay;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary><c>replay</c>: the format told from the content, the settings it runs with, and the options a capture refuses.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("replay-command-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Replay_CaptureWithoutFormat_ToldFromTheContentAndReplayedWhole()
    {
        var capture = await Simulated("day.srcap.gz");

        var run = await CliRun.InvokeAsync("replay", capture);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"replay: capture format, told from the content of {capture}", run.Error, StringComparison.Ordinal);
        Assert.Contains("replay: 5,000 records, 5,000 applied, 0 rejected by validation, 0 bad lines skipped", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("binance-usdm", "btcusdt_20240808.gz", "binance-usdm")]
    [InlineData("binance-usdm", "ethusdt_20240808.gz", "binance-usdm")]
    [InlineData("binance-coinm", "btcusd_perp_20240808.gz", "binance-coinm")]
    [InlineData("binance-coinm", "btcusd_perp_20240809.gz", "binance-coinm")]
    public void Detect_RecordedVenueCaptures_TheirMarket(string folder, string file, string expected) =>
        Assert.Equal(expected, ReplayFormats.Detect(SharedData.Path(folder, file)));

    [Fact]
    public async Task Detect_SimulatedCapture_Capture() =>
        Assert.Equal(ReplayFormats.Capture, ReplayFormats.Detect(await Simulated("detect.srcap.gz")));

    [Fact]
    public async Task Replay_ContentOfNoKnownFormat_OneLineErrorExitTwo()
    {
        var path = Path.Combine(_directory, "notes.txt");
        await File.WriteAllTextAsync(path, "these are not market data\n{\"json\":\"but no capture\"}\n", TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync("replay", path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith($"streamrisk: cannot tell the format of {path} from its content; give --format capture, binance-usdm, binance-coinm", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--positions", "synthetic:seed=2")]
    [InlineData("--accounts", "500")]
    public async Task Replay_CaptureWithPositionOptions_RefusedExitTwo(string option, string value)
    {
        var capture = await Simulated("refused.srcap.gz");

        var run = await CliRun.InvokeAsync("replay", capture, "--format", "capture", option, value);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal("streamrisk: --positions and --accounts apply to Binance captures; a StreamRisk capture replays its own recorded accounts", Assert.Single(run.ErrorLines));
    }

    [Theory]
    [InlineData("estimated:seed=1", "streamrisk: --positions estimated: oi=NOTIONAL is required (the open interest in USD, e.g. oi=10B)")]
    [InlineData("estimated:oi=10B,leverage=wild", "streamrisk: --positions estimated: leverage='wild' is not a prior: demo, moderate, coinglass")]
    [InlineData("estimated:oi=10B,turnover=volume", "streamrisk: --positions estimated: turnover applies to backtest (minute volumes), not to a capture replay")]
    [InlineData("estimated:oi=10B,depth=1", "streamrisk: --positions estimated: unknown key 'depth' (oi, seed, accounts, leverage, lookback, turnover)")]
    public async Task Replay_BadEstimatedPositions_OneLineErrorExitTwo(string positions, string expected)
    {
        var run = await CliRun.InvokeAsync("replay", SharedData.Path("binance-usdm", "btcusdt_20240808.gz"), "--format", "binance-usdm", "--positions", positions);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal(expected, Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task Replay_EstimatedPositions_SummarySaysThePopulationIsEstimated()
    {
        var run = await CliRun.InvokeAsync("replay", SharedData.Path("binance-usdm", "btcusdt_20240808.gz"), "--positions", "estimated:oi=9B,accounts=2000,seed=3",
            "--to", "2024-08-08T23:55:00Z");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("2,000 accounts (population: estimated (oi 9,000,000,000 USD, 2,000 accounts, leverage moderate, seed 3);", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_Config_EngineAndAlertSettingsApplied_AndWrittenBesideTheOutputs_ReadBackTheSame()
    {
        var capture = await Simulated("config.srcap.gz");
        var config = Path.Combine(_directory, "replay.json");
        await File.WriteAllTextAsync(config, """
            {"StreamRisk": {
              "Engine": {"Profile": "bybit", "ProjectionIntervalMs": 1000, "MarksProjectAtOnce": false, "InsuranceFund": 5000},
              "Alerts": {"Default": {"CriticalShock": 0.05}},
              "Kafka": {"BootstrapServers": "ignored:9092"}
            }}
            """, TestContext.Current.CancellationToken);

        var defaults = await CliRun.InvokeAsync("replay", capture, "--out", Path.Combine(_directory, "defaults"));
        var configured = await CliRun.InvokeAsync("replay", capture, "--config", config, "--out", Path.Combine(_directory, "configured"));
        var again = await CliRun.InvokeAsync("replay", capture, "--config", Path.Combine(_directory, "configured", "settings.json"), "--out", Path.Combine(_directory, "again"));

        Assert.True(defaults.ExitCode == 0 && configured.ExitCode == 0 && again.ExitCode == 0, defaults.Error + configured.Error + again.Error);
        var projectedByDefault = File.ReadAllLines(Path.Combine(_directory, "defaults", "projections.ndjson")).Length;
        var projectedConfigured = File.ReadAllLines(Path.Combine(_directory, "configured", "projections.ndjson")).Length;
        Assert.InRange(projectedConfigured, 1, projectedByDefault / 2);
        using (var used = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "configured", "settings.json"), TestContext.Current.CancellationToken)))
        {
            var engine = used.RootElement.GetProperty("StreamRisk").GetProperty("Engine");
            Assert.Equal("bybit", engine.GetProperty("Profile").GetString());
            Assert.Equal(1000, engine.GetProperty("ProjectionIntervalMs").GetInt32());
            Assert.Equal(5000, engine.GetProperty("InsuranceFund").GetDouble());
            Assert.Equal(0.05, used.RootElement.GetProperty("StreamRisk").GetProperty("Alerts").GetProperty("Default").GetProperty("CriticalShock").GetDouble());
        }

        using (var byDefault = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "defaults", "settings.json"), TestContext.Current.CancellationToken)))
        {
            Assert.Equal(100, byDefault.RootElement.GetProperty("StreamRisk").GetProperty("Engine").GetProperty("ProjectionIntervalMs").GetInt32());
            // A StreamRisk capture's positions topic carries its closes: the venue liquidation engine stays off.
            Assert.Equal("off", byDefault.RootElement.GetProperty("StreamRisk").GetProperty("Engine").GetProperty("LiquidationEngine").GetString());
        }

        foreach (var file in new[] { "settings.json", "projections.ndjson", "alerts.ndjson" })
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_directory, "configured", file), TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(Path.Combine(_directory, "again", file), TestContext.Current.CancellationToken));
        }
    }

    /// <summary>
    /// <c>--liquidations</c> overrides both the format's default (off for a StreamRisk capture) and Engine:LiquidationEngine
    /// of the settings file: the settings written beside the outputs say which ran, and only the venue engine prints its summary.
    /// </summary>
    [Theory]
    [InlineData(null, "venue", "venue")]
    [InlineData("venue", "off", "off")]
    public async Task Replay_LiquidationsOption_OverridesTheFormatsDefaultAndTheSettings(string? configured, string option, string expected)
    {
        var capture = await Simulated($"liquidations-{option}.srcap.gz");
        var config = Path.Combine(_directory, $"liquidations-{option}.json");
        await File.WriteAllTextAsync(config, configured is null ? "{}" : "{\"StreamRisk\": {\"Engine\": {\"LiquidationEngine\": \"" + configured + "\"}}}", TestContext.Current.CancellationToken);
        var outputs = Path.Combine(_directory, $"liquidations-{option}");

        var run = await CliRun.InvokeAsync("replay", capture, "--config", config, "--liquidations", option, "--out", outputs);

        Assert.True(run.ExitCode == 0, run.Error);
        using var used = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputs, "settings.json"), TestContext.Current.CancellationToken));
        Assert.Equal(expected, used.RootElement.GetProperty("StreamRisk").GetProperty("Engine").GetProperty("LiquidationEngine").GetString());
        Assert.Equal(expected == "venue", run.Output.Split('\n').Any(line => line.StartsWith("liquidations: ", StringComparison.Ordinal)));
    }

    /// <summary>The alert lifecycle's settings bind from the settings file, for the defaults and per symbol.</summary>
    [Theory]
    [InlineData("RaiseDwell", "\"00:00:03\"", "00:00:03", "00:00:04")]
    [InlineData("ResolveDwell", "\"00:00:05\"", "00:00:05", "00:00:06")]
    [InlineData("UpdateMinChange", "0.4", "0.4", "0.5")]
    [InlineData("UpdateMinInterval", "\"00:00:07\"", "00:00:07", "00:00:08")]
    public async Task Replay_Config_AlertLifecycleSettings_Bound(string setting, string value, string expected, string expectedForSymbol)
    {
        var capture = await Simulated($"{setting}.srcap.gz");
        var config = Path.Combine(_directory, $"{setting}.json");
        var forSymbol = expectedForSymbol.Contains(':', StringComparison.Ordinal) ? $"\"{expectedForSymbol}\"" : expectedForSymbol;
        await File.WriteAllTextAsync(config, "{\"StreamRisk\": {\"Alerts\": {\"Default\": {\"" + setting + "\": " + value + "}, \"Symbols\": {\"BTCUSDT\": {\"" + setting + "\": " + forSymbol + "}}}}}", TestContext.Current.CancellationToken);
        var outputs = Path.Combine(_directory, setting);

        var run = await CliRun.InvokeAsync("replay", capture, "--config", config, "--out", outputs);

        Assert.True(run.ExitCode == 0, run.Error);
        using var used = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputs, "settings.json"), TestContext.Current.CancellationToken));
        var alerts = used.RootElement.GetProperty("StreamRisk").GetProperty("Alerts");
        Assert.Equal(expected, Text(alerts.GetProperty("Default").GetProperty(setting)));
        Assert.Equal(expectedForSymbol, Text(alerts.GetProperty("Symbols").GetProperty("BTCUSDT").GetProperty(setting)));

        static string Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""{"StreamRisk": {"Engine": {"Profile": "nowhere"}}}""")]
    [InlineData("""{"StreamRisk": {"Engine": {"ProjectionIntervalMs": "soon"}}}""")]
    public async Task Replay_BadConfig_OneLineErrorExitTwo(string text)
    {
        var capture = await Simulated("bad-config.srcap.gz");
        var config = Path.Combine(_directory, "bad.json");
        await File.WriteAllTextAsync(config, text, TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync("replay", capture, "--config", config);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("streamrisk: ", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    private async Task<string> Simulated(string name)
    {
        var path = Path.Combine(_directory, name);
        var run = await CliRun.InvokeAsync("simulate", "--out", path, "--events", "5000", "--accounts", "500", "--seed", "11");
        Assert.True(run.ExitCode == 0, run.Error);
        return path;
    }
}
