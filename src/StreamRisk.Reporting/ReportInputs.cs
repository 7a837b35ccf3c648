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

    private static ProjectionPoint ParseProjection(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        string? symbol = null;
        long? eventTime = null;
        double mark = double.NaN, depth1 = 0;
        double? shockDown = null, shockUp = null;
        double down1 = 0, down2 = 0, down5 = 0, up1 = 0, up2 = 0, up5 = 0;
        Expect(ref reader, JsonTokenType.StartObject);
        while (Read(ref reader) != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            Read(ref reader);
            switch (name)
            {
                case "symbol": symbol = reader.GetString(); break;
                case "eventTime": eventTime = reader.GetInt64(); break;
                case "mark": mark = reader.GetDouble(); break;
                case "criticalShockDown": shockDown = NullableDouble(ref reader); break;
                case "criticalShockUp": shockUp = NullableDouble(ref reader); break;
                case "depth1": depth1 = reader.GetDouble(); break;
                case "liquidatable":
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new InvalidDataException("liquidatable is not an object");
                    }

                    while (Read(ref reader) != JsonTokenType.EndObject)
                    {
                        var band = reader.GetString();
                        Read(ref reader);
                        var value = reader.GetDouble();
                        switch (band)
                        {
                            case "down1": down1 = value; break;
                            case "down2": down2 = value; break;
                            case "down5": down5 = value; break;
                            case "up1": up1 = value; break;
                            case "up2": up2 = value; break;
                            case "up5": up5 = value; break;
                            default: break; // a band added later is not charted yet; reading on keeps old reports working
                        }
                    }

                    break;
                default:
                    reader.Skip(); // forward compatible: new fields are ignored
                    break;
            }
        }

        if (symbol is null || eventTime is null || double.IsNaN(mark))
        {
            throw new InvalidDataException("symbol, eventTime and mark are required");
        }

        return new ProjectionPoint(symbol, eventTime.Value, mark, shockDown, shockUp,
            BandNotional.FromCumulative(down1, down2, down5, up1, up2, up5), depth1);
    }

    private static double? NullableDouble(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Null ? null : reader.GetDouble();

    private static JsonTokenType Read(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new InvalidDataException("truncated JSON");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Read(ref reader) != type)
        {
            throw new InvalidDataException($"expected {type}, got {reader.TokenType}");
        }
    }
}
