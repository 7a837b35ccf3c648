using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Reporting.Export;
using StreamRisk.Testing;

namespace StreamRisk.Reporting.Tests;

/// <summary>
/// <c>--export</c>'s tables from ndjson files holding what a hostile feed or an awkward number can put there: symbols and
/// explanations with commas, quotes, line breaks and padding, numbers that need all 17 digits, NaN metrics, absent values.
/// Each table is read back with a reader of its own (<see cref="ExportedTables"/>) and compared row by row to the ndjson.
/// </summary>
public sealed class ReplayTablesTests : IDisposable
{
    // 2024-08-08 23:54:15.123 UTC.
    private const long Start = 1_723_161_255_123;

    private static readonly string[] HostileSymbols =
        ["BTCUSDT", "BTC,USDT", "QU\"OTE\"", "LINE\nBREAK", "CR\rLF\r\n", " padded ", "=HYPERLINK(\"x\",\"y\")", "ÆØÅ-永续", ""];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("replay-tables-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData(ReplayTables.Csv)]
    [InlineData(ReplayTables.Parquet)]
    public async Task WriteAsync_HostileTextAndAwkwardNumbers_TablesHoldTheNdjsonRowsExactly(string format)
    {
        var (alerts, projections) = HostileInputs();

        // Row groups of 4 rows: the Parquet reader must see several, and the last one partly filled.
        var result = await ReplayTables.WriteAsync(alerts, projections, format, Path.Combine(_dir.FullName, format), rowGroupSize: 4, CancellationToken.None);

        var expectedProjections = ExportedTables.ExpectedProjections(projections);
        var expectedAlerts = ExportedTables.ExpectedAlerts(alerts);
        Assert.Equal(HostileSymbols.Length * 2, expectedProjections.Count);
        Assert.Equal(expectedProjections.Count, result.Projections);
        Assert.Equal(expectedAlerts.Count, result.Alerts);
        Assert.Empty(ExportedTables.Mismatches(await Read(result.ProjectionsPath), expectedProjections));
        Assert.Empty(ExportedTables.Mismatches(await Read(result.AlertsPath), expectedAlerts));
    }

    [Fact]
    public async Task WriteAsync_Csv_QuotesOnlyWhatMustBeQuoted_CrlfRecords_InvariantNumbers()
    {
        var (alerts, projections) = HostileInputs();

        var result = await ReplayTables.WriteAsync(alerts, projections, ReplayTables.Csv, _dir.FullName, TestContext.Current.CancellationToken);
        var text = await File.ReadAllTextAsync(result.ProjectionsPath, TestContext.Current.CancellationToken);

        Assert.StartsWith("event_time,symbol,mark,critical_shock_down,critical_shock_up,liquidatable_down_1pct,", text, StringComparison.Ordinal);
        Assert.Contains("\r\n2024-08-08T23:54:15.123Z,BTCUSDT,0.30000000000000004,0.021,,", text, StringComparison.Ordinal);
        Assert.Contains(",\"BTC,USDT\",", text, StringComparison.Ordinal);
        Assert.Contains(",\"QU\"\"OTE\"\"\",", text, StringComparison.Ordinal);
        Assert.Contains(",\"LINE\nBREAK\",", text, StringComparison.Ordinal);
        Assert.Contains(",\" padded \",", text, StringComparison.Ordinal);
        Assert.Contains(",\"\",", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\n\r\n", text, StringComparison.Ordinal);
        Assert.False(File.ReadAllBytes(result.ProjectionsPath).AsSpan().StartsWith(Encoding.UTF8.Preamble), "no byte-order mark");
    }

    [Theory]
    [InlineData(ReplayTables.Csv)]
    [InlineData(ReplayTables.Parquet)]
    public async Task WriteAsync_SameInputsTwice_SameBytes(string format)
    {
        var (alerts, projections) = HostileInputs();

        var first = await ReplayTables.WriteAsync(alerts, projections, format, Path.Combine(_dir.FullName, "first"), TestContext.Current.CancellationToken);
        var second = await ReplayTables.WriteAsync(alerts, projections, format, Path.Combine(_dir.FullName, "second"), TestContext.Current.CancellationToken);

        Assert.Equal(await File.ReadAllBytesAsync(first.ProjectionsPath, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(second.ProjectionsPath, TestContext.Current.CancellationToken));
        Assert.Equal(await File.ReadAllBytesAsync(first.AlertsPath, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(second.AlertsPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WriteAsync_ProjectionFieldTheTablesDoNotHave_RefusedNotDropped()
    {
        var projections = Write("projections.ndjson", ProjectionLine("BTCUSDT", Start, 60_000, 0.02, null)[..^1] + ",\"newFigure\":1}");
        var alerts = Write("alerts.ndjson");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReplayTables.WriteAsync(alerts, projections, ReplayTables.Csv, _dir.FullName, TestContext.Current.CancellationToken));

        Assert.Contains("newFigure", error.Message, StringComparison.Ordinal);
        Assert.Contains("projections.ndjson:1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_NoRows_TablesWithHeadersOnly()
    {
        var projections = Write("projections.ndjson", "{\"type\":\"system\",\"eventTime\":1}");
        var alerts = Write("alerts.ndjson");

        var csv = await ReplayTables.WriteAsync(alerts, projections, ReplayTables.Csv, Path.Combine(_dir.FullName, "csv"), TestContext.Current.CancellationToken);
        var parquet = await ReplayTables.WriteAsync(alerts, projections, ReplayTables.Parquet, Path.Combine(_dir.FullName, "parquet"), TestContext.Current.CancellationToken);

        Assert.Equal((0, 0), (csv.Projections, csv.Alerts));
        Assert.Empty(ExportedTables.ReadCsv(csv.ProjectionsPath).Rows);
        var table = await ExportedTables.ReadParquetAsync(parquet.ProjectionsPath);
        Assert.Empty(table.Rows);
        Assert.Equal(ProjectionRow.Columns.Select(c => c.Name), table.Columns);
    }

    private static async Task<ExportedTables.Table> Read(string path) =>
        path.EndsWith(".csv", StringComparison.Ordinal) ? ExportedTables.ReadCsv(path) : await ExportedTables.ReadParquetAsync(path);

    /// <summary>Two projections per hostile symbol (a system line among them) and three alert transitions.</summary>
    private (string Alerts, string Projections) HostileInputs()
    {
        var lines = new List<string>();
        for (var i = 0; i < HostileSymbols.Length; i++)
        {
            lines.Add(ProjectionLine(HostileSymbols[i], Start + (i * 100), 0.1 + 0.2 + i, 0.021, null));
            lines.Add(ProjectionLine(HostileSymbols[i], Start + (i * 100) + 50, 61_800.25 + (1e-9 * i), null, 1e-300));
            if (i == 2)
            {
                lines.Add("{\"type\":\"system\",\"eventTime\":1723161255300,\"reference\":\"BTCUSDT\"}");
            }
        }

        var projections = Write("in-projections.ndjson", [.. lines]);
        var alerts = Write("in-alerts.ndjson",
            AlertJson.Write(Transition(HostileSymbols[1], AlertState.Raised, "A 2.1% move down on \"BTC,USDT\",\nthen more,\r\nand \"quotes\".",
                new Dictionary<string, double> { ["criticalShock"] = 0.021, ["threshold"] = 0.03 }, traceParent: null)),
            AlertJson.Write(Transition(HostileSymbols[3], AlertState.Escalated, " padded ",
                new Dictionary<string, double> { ["ratio"] = double.NaN, ["liquidatableNotional"] = 123_456_789.123_456_78 }, traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")),
            AlertJson.Write(Transition(HostileSymbols[8], AlertState.Resolved, string.Empty, new Dictionary<string, double>(), traceParent: string.Empty)));
        return (alerts, projections);
    }

    private static AlertTransition Transition(string symbol, AlertState state, string explanation, Dictionary<string, double> metrics, string? traceParent)
    {
        var id = $"CascadeRisk:{symbol}:down:{Start}";
        return new AlertTransition
        {
            Id = id,
            TransitionId = AlertTransition.TransitionIdOf(id, (int)state),
            Rule = AlertRuleNames.CascadeRisk,
            Symbol = symbol,
            Severity = AlertSeverity.Critical,
            State = state,
            EventTime = Start + ((int)state * 1_000),
            Metrics = metrics,
            Explanation = explanation,
            SuggestedAction = "Widen margins, \"now\"",
            TraceParent = traceParent,
        };
    }

    /// <summary>A symbol line as the replay writes it (ReplayOutputs: field order, round-trip numbers, JSON-escaped symbol).</summary>
    private static string ProjectionLine(string symbol, long eventTime, double mark, double? shockDown, double? knownRangeUp)
    {
        static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        static string N(double? value) => value is { } v ? R(v) : "null";
        return $"{{\"symbol\":\"{JsonEncodedText.Encode(symbol)}\",\"eventTime\":{eventTime},\"mark\":{R(mark)},\"criticalShockDown\":{N(shockDown)},\"criticalShockUp\":{N(shockDown is null ? 0.05 : null)},"
            + $"\"liquidatable\":{{\"down1\":{R(mark * 3.3)},\"down2\":{R(mark * 7.77)},\"down5\":{R(1.0 / 3)},\"up1\":0,\"up2\":{R(2.5e-7)},\"up5\":{R(9_007_199_254_740_993.0)}}},"
            + $"\"depth1\":{R(48_310_874.43730001)},\"knownRangeDown\":{R(0.0031108288396891597)},\"knownRangeUp\":{N(knownRangeUp)},"
            + $"\"modelledShareDown\":{R(0.9902418451762014)},\"modelledShareUp\":0,\"leftKnownBookDown\":true,\"leftKnownBookUp\":false}}";
    }

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }
}
