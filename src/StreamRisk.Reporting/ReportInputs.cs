using System.Buffers;
using System.Text;
using System.Text.Json;
using StreamRisk.Contracts.Documents;
using StreamRisk.Contracts.Alerts;
using SystemView = StreamRisk.Domain.Alerts.SystemView;

namespace StreamRisk.Reporting;

/// <summary>
/// Reads the replay's two ndjson files line by line. Projections are parsed with <see cref="Utf8JsonReader"/> into a
/// struct and folded straight into a <see cref="ProjectionSeries"/>, so a day-long file is never held in memory;
/// alerts are few (transitions, not ticks) and are kept whole for the table.
/// </summary>
internal static class ReportInputs
{
    /// <summary>How a system view's line in projections.ndjson starts.</summary>
    private const string SystemLine = "{\"type\":\"system\"";

    /// <summary>The symbols' projections and the system views (none in a file written before they existed).</summary>
    public static (Dictionary<string, ProjectionSeries> Symbols, SystemSeries System) ReadProjections(string path)
    {
        var series = new Dictionary<string, ProjectionSeries>(StringComparer.Ordinal);
        var system = new SystemSeries();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (line.StartsWith(SystemLine, StringComparison.Ordinal))
            {
                system.Add(ParseSystemView(line, path, lineNumber)); // a system view (docs/replay.md), not a symbol's projection
                continue;
            }

            var point = ParseProjection(line, path, lineNumber);
            if (!series.TryGetValue(point.Symbol, out var symbolSeries))
            {
                symbolSeries = new ProjectionSeries(point.Symbol);
                series.Add(point.Symbol, symbolSeries);
            }

            symbolSeries.Add(point);
        }

        return (series, system);
    }

    public static List<AlertTransition> ReadAlerts(string path)
    {
        var alerts = new List<AlertTransition>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                alerts.Add(AlertJson.ReadTransition(Encoding.UTF8.GetBytes(line)));
            }
            catch (DocumentException ex)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {ex.Message}", ex);
            }
        }

        return alerts;
    }

    /// <summary>
    /// A system line is the view's JSON as <see cref="SystemViewJson"/> wrote it, with <c>"type"</c> in front (ignored when
    /// read back). Views are few (one per cadence step, ~86,000 a day at 1 s) and each is folded into the series and dropped.
    /// </summary>
    private static SystemView ParseSystemView(string line, string path, int lineNumber)
    {
        try
        {
            return JsonSerializer.Deserialize(line, SystemViewJson.Default.SystemView) ?? throw new InvalidDataException("null");
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}:{lineNumber}: not a system line ({ex.Message})", ex);
        }
    }

    private static ProjectionPoint ParseProjection(string line, string path, int lineNumber)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(line.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(line, buffer);
            return ParseProjection(buffer.AsSpan(0, length));
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}:{lineNumber}: not a projection line ({ex.Message})", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The export's reader, lenient: fields and bands a later replay adds are passed over.</summary>
    private static ProjectionPoint ParseProjection(ReadOnlySpan<byte> utf8)
    {
        var row = Export.ProjectionRow.Parse(utf8, strict: false);
        return new ProjectionPoint(row.Symbol, row.EventTime, row.Mark, row.CriticalShockDown, row.CriticalShockUp,
            BandNotional.FromCumulative(row.Down1, row.Down2, row.Down5, row.Up1, row.Up2, row.Up5), row.Depth1);
    }
}
