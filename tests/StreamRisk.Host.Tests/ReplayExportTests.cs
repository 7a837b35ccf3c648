using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// <c>replay --export csv|parquet DIR</c> on a simulated capture (a few seconds): the tables hold the ndjson rows,
/// provenance.json sits beside every output, and a bad <c>--export</c> is one line naming the option with exit code 2.
/// </summary>
public sealed partial class ReplayExportTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("replay-export-").FullName;
    private string _capture = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _capture = Path.Combine(_directory, "short.srcap.gz");
        var run = await CliRun.InvokeAsync("simulate", "--out", _capture, "--events", "5000", "--accounts", "500", "--seed", "11");
        Assert.True(run.ExitCode == 0, run.Error);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("parquet")]
    public async Task Replay_Export_TablesHoldTheNdjsonRowsRowByRow(string format)
    {
        var outDir = Path.Combine(_directory, "out");
        var exportDir = Path.Combine(_directory, format);

        var run = await CliRun.InvokeAsync("replay", _capture, "--out", outDir, "--export", format, exportDir);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"export: {Path.Combine(exportDir, "projections." + format)} (", run.Output, StringComparison.Ordinal);
        var projections = ExportedTables.ExpectedProjections(Path.Combine(outDir, "projections.ndjson"));
        var alerts = ExportedTables.ExpectedAlerts(Path.Combine(outDir, "alerts.ndjson"));
        Assert.True(projections.Count > 1000, $"{projections.Count} projections");
        Assert.NotEmpty(alerts);
        Assert.Empty(ExportedTables.Mismatches(await Read(Path.Combine(exportDir, "projections." + format)), projections));
        Assert.Empty(ExportedTables.Mismatches(await Read(Path.Combine(exportDir, "alerts." + format)), alerts));
        Assert.False(File.Exists(Path.Combine(exportDir, "projections.ndjson")), "with --out the ndjson files stay there");
    }

    [Fact]
    public async Task Replay_ExportOnly_NdjsonAndProvenanceBesideTheTables_SameCsvBytesEveryRun()
    {
        var first = Path.Combine(_directory, "first");
        var second = Path.Combine(_directory, "second");

        var one = await CliRun.InvokeAsync("replay", _capture, "--export", "csv", first);
        var two = await CliRun.InvokeAsync("replay", _capture, "--speed", "max", "--export", "csv", second);

        Assert.True(one.ExitCode == 0 && two.ExitCode == 0, one.Error + two.Error);
        foreach (var name in new[] { "projections.csv", "alerts.csv", "projections.ndjson", "alerts.ndjson", "provenance.json", "settings.json" })
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(first, name), TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(Path.Combine(second, name), TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task Replay_Provenance_MatchesTheRun_InEveryOutputDirectory_AndTheReportTitleNamesTheShortCapture()
    {
        var config = Path.Combine(_directory, "replay.json");
        await File.WriteAllTextAsync(config, """{"StreamRisk": {"Engine": {"Profile": "bybit", "ProjectionIntervalMs": 500}, "Alerts": {"Default": {"CriticalShock": 0.045}}}}""", TestContext.Current.CancellationToken);
        var outDir = Path.Combine(_directory, "out");
        var exportDir = Path.Combine(_directory, "tables");
        var reportDir = Path.Combine(_directory, "report");

        var run = await CliRun.InvokeAsync("replay", _capture, "--config", config, "--liquidations", "venue", "--out", outDir, "--export", "parquet", exportDir, "--report", reportDir);

        Assert.True(run.ExitCode == 0, run.Error);
        var text = await File.ReadAllTextAsync(Path.Combine(outDir, "provenance.json"), TestContext.Current.CancellationToken);
        Assert.Equal(text, await File.ReadAllTextAsync(Path.Combine(exportDir, "provenance.json"), TestContext.Current.CancellationToken));
        Assert.Equal(text, await File.ReadAllTextAsync(Path.Combine(reportDir, "provenance.json"), TestContext.Current.CancellationToken));
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        var version = typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(version, root.GetProperty("toolVersion").GetString());
        Assert.Equal("capture", root.GetProperty("format").GetString());
        var input = Assert.Single(root.GetProperty("inputs").EnumerateArray());
        Assert.Equal("short.srcap.gz", input.GetProperty("name").GetString());
        Assert.Equal(new FileInfo(_capture).Length, input.GetProperty("bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(_capture, TestContext.Current.CancellationToken))), input.GetProperty("sha256").GetString());
        Assert.Equal("capture", root.GetProperty("population").GetProperty("kind").GetString());
        Assert.Equal("bybit", root.GetProperty("profile").GetString());
        Assert.Equal("venue", root.GetProperty("liquidations").GetString());
        Assert.Equal("replay.json", root.GetProperty("config").GetProperty("name").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(config, TestContext.Current.CancellationToken))), root.GetProperty("config").GetProperty("sha256").GetString());
        Assert.Equal(0.045, root.GetProperty("thresholds").GetProperty("Default").GetProperty("CriticalShock").GetDouble());
        Assert.Equal(500, root.GetProperty("engine").GetProperty("ProjectionIntervalMs").GetInt32());

        // The span is the capture's: it covers every result, and the report's title says how long it is.
        var times = File.ReadLines(Path.Combine(outDir, "projections.ndjson"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("eventTime").GetInt64()).ToList();
        var span = root.GetProperty("span");
        var (first, last) = (span.GetProperty("first").GetInt64(), span.GetProperty("last").GetInt64());
        Assert.InRange(times.Min(), first, last);
        Assert.InRange(times.Max(), first, last);
        Assert.InRange(last - first, 10_000, 90_000); // 5,000 simulated events: under a minute and a half of market time
        var html = await File.ReadAllTextAsync(Path.Combine(reportDir, "report.html"), TestContext.Current.CancellationToken);
        var title = System.Net.WebUtility.HtmlDecode(TitleRegex().Match(html).Groups[1].Value);
        Assert.Matches("^StreamRisk replay report: .+, [0-9]+-second capture 2024-01-01 00:00:00–00:0[01]:[0-9]{2} UTC$", title);
        Assert.Contains($"{Math.Round((last - first) / 1000.0, MidpointRounding.AwayFromZero)}-second capture", title, StringComparison.Ordinal);
        Assert.DoesNotContain("recorded market day", html, StringComparison.Ordinal);
        Assert.Contains(version, html, StringComparison.Ordinal);
        Assert.Contains(input.GetProperty("sha256").GetString()!, html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xlsx")]
    [InlineData("CSV")]
    public async Task Replay_ExportUnknownFormat_OneLineNamingTheOptionExitTwo(string format)
    {
        var run = await CliRun.InvokeAsync("replay", _capture, "--export", format, Path.Combine(_directory, "x"));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith($"streamrisk: --export: '{format}' is not an export format; give --export csv DIR or --export parquet DIR.", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "x")));
    }

    [Fact]
    public async Task Replay_ExportWithoutDirectory_OneLineNamingTheOptionExitTwo()
    {
        var run = await CliRun.InvokeAsync("replay", _capture, "--export", "csv");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--export", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_ExportWithToKafka_RefusedExitTwo()
    {
        var run = await CliRun.InvokeAsync("replay", _capture, "--export", "csv", Path.Combine(_directory, "k"), "--to-kafka", "127.0.0.1:1");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("streamrisk: --out, --report and --export need an in-process replay", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    private static async Task<ExportedTables.Table> Read(string path) =>
        path.EndsWith(".csv", StringComparison.Ordinal) ? ExportedTables.ReadCsv(path) : await ExportedTables.ReadParquetAsync(path);

    [GeneratedRegex("<title>(.*?)</title>")]
    private static partial Regex TitleRegex();
}
