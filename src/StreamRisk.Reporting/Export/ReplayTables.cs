using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Reporting.Export;

/// <summary>What <see cref="ReplayTables.WriteAsync"/> wrote: the two files and their row counts.</summary>
public sealed record ReplayTablesResult(string ProjectionsPath, long Projections, string AlertsPath, long Alerts);

/// <summary>
/// The replay's results as two tables for analysts (<c>--export csv|parquet DIR</c>): <c>projections</c>, one row per
/// symbol line of projections.ndjson, and <c>alerts</c>, one row per line of alerts.ndjson, in file order. Made from
/// the ndjson files, so the tables hold the same rows as they do; the system views (nested documents) stay in
/// projections.ndjson. Column names and types: docs/replay.md.
/// </summary>
public static class ReplayTables
{
    public const string Csv = "csv";

    public const string Parquet = "parquet";

    public static IReadOnlyList<string> Formats { get; } = [Csv, Parquet];

    /// <summary>Metric columns of the alerts table are named this plus the metric's name (e.g. <c>metric_criticalShock</c>).</summary>
    public const string MetricPrefix = "metric_";

    public static Task<ReplayTablesResult> WriteAsync(string alertsNdjson, string projectionsNdjson, string format, string outputDir, CancellationToken cancel = default) =>
        WriteAsync(alertsNdjson, projectionsNdjson, format, outputDir, ParquetTable.RowGroupSize, cancel);

    /// <summary>As the public overload, with Parquet row groups of <paramref name="rowGroupSize"/> rows (tests use small ones).</summary>
    internal static async Task<ReplayTablesResult> WriteAsync(string alertsNdjson, string projectionsNdjson, string format, string outputDir, int rowGroupSize, CancellationToken cancel)
    {
        ArgumentException.ThrowIfNullOrEmpty(format);
        if (!Formats.Contains(format))
        {
            throw new ArgumentException($"export format {format} is not one of {string.Join(", ", Formats)}", nameof(format));
        }

        Directory.CreateDirectory(outputDir);
        var projectionsPath = Path.Combine(outputDir, "projections." + format);
        var alertsPath = Path.Combine(outputDir, "alerts." + format);
        var alerts = ReportInputs.ReadAlerts(alertsNdjson);
        var alertColumns = AlertColumns(alerts);
        long projectionCount, alertCount;
        if (format == Csv)
        {
            projectionCount = CsvTable.Write(projectionsPath, ProjectionRow.Columns, ProjectionRow.ReadAll(projectionsNdjson));
            alertCount = CsvTable.Write(alertsPath, alertColumns, alerts);
        }
        else
        {
            projectionCount = await ParquetTable.WriteAsync(projectionsPath, ProjectionRow.Columns, ProjectionRow.ReadAll(projectionsNdjson), rowGroupSize, cancel).ConfigureAwait(false);
            alertCount = await ParquetTable.WriteAsync(alertsPath, alertColumns, alerts, rowGroupSize, cancel).ConfigureAwait(false);
        }

        return new ReplayTablesResult(Path.GetFullPath(projectionsPath), projectionCount, Path.GetFullPath(alertsPath), alertCount);
    }

    /// <summary>
    /// The alerts table's columns: the transition's fields, then one number column per metric name any transition
    /// carries (ordinal order; empty where a rule has no such metric), so metrics are typed columns an analyst can
    /// filter on rather than a nested map.
    /// </summary>
    internal static IReadOnlyList<TableColumn<AlertTransition>> AlertColumns(IEnumerable<AlertTransition> alerts)
    {
        List<TableColumn<AlertTransition>> columns =
        [
            TableColumn<AlertTransition>.OfTime("event_time", a => a.EventTime),
            TableColumn<AlertTransition>.OfText("transition_id", a => a.TransitionId),
            TableColumn<AlertTransition>.OfText("alert_id", a => a.Id),
            TableColumn<AlertTransition>.OfText("rule", a => a.Rule),
            TableColumn<AlertTransition>.OfText("symbol", a => a.Symbol),
            TableColumn<AlertTransition>.OfText("transition", a => AlertNames.Of(a.State)),
            TableColumn<AlertTransition>.OfText("severity", a => AlertNames.Of(a.Severity)),
            TableColumn<AlertTransition>.OfText("explanation", a => a.Explanation),
            TableColumn<AlertTransition>.OfText("suggested_action", a => a.SuggestedAction),
            TableColumn<AlertTransition>.OfOptionalText("trace_parent", a => a.TraceParent),
        ];
        var metrics = alerts.SelectMany(a => a.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            columns.Add(TableColumn<AlertTransition>.OfOptionalNumber(MetricPrefix + metric, a => a.Metrics.TryGetValue(metric, out var value) ? value : null));
        }

        return columns;
    }
}
