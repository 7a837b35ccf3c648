using System.Text;
using System.Text.Json;

namespace StreamRisk.Reporting.Export;

/// <summary>
/// One symbol line of <c>projections.ndjson</c>, every field it carries (docs/replay.md): the liquidatable notional is
/// cumulative (within ±1%, ±2%, ±5% of the mark), a known range is null for a complete side (known to any distance).
/// </summary>
internal sealed record ProjectionRow
{
    public required string Symbol { get; init; }

    public required long EventTime { get; init; }

    public required double Mark { get; init; }

    public double? CriticalShockDown { get; init; }

    public double? CriticalShockUp { get; init; }

    public double Down1 { get; init; }

    public double Down2 { get; init; }

    public double Down5 { get; init; }

    public double Up1 { get; init; }

    public double Up2 { get; init; }

    public double Up5 { get; init; }

    public double Depth1 { get; init; }

    public double? KnownRangeDown { get; init; }

    public double? KnownRangeUp { get; init; }

    public double ModelledShareDown { get; init; }

    public double ModelledShareUp { get; init; }

    public bool LeftKnownBookDown { get; init; }

    public bool LeftKnownBookUp { get; init; }

    /// <summary>How a system view's line starts: those lines are nested documents, not rows of this table.</summary>
    public const string SystemLinePrefix = "{\"type\":\"system\"";

    /// <summary>The symbol lines of the file, in file order.</summary>
    public static IEnumerable<ProjectionRow> ReadAll(string path)
    {
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.StartsWith(SystemLinePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            ProjectionRow row;
            try
            {
                row = Parse(Encoding.UTF8.GetBytes(line));
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not a projection line ({ex.Message})", ex);
            }

            yield return row;
        }
    }

    /// <summary>
    /// Strict (the export): a field this reader does not know is refused rather than skipped, since an export that
    /// silently drops a column the replay writes would hand analysts less than the ndjson holds. Lenient (the report):
    /// unknown fields and bands are passed over, so a report still reads files a later replay wrote.
    /// </summary>
    public static ProjectionRow Parse(ReadOnlySpan<byte> utf8, bool strict = true)
    {
        var reader = new Utf8JsonReader(utf8);
        string? symbol = null;
        long? eventTime = null;
        double? mark = null, shockDown = null, shockUp = null, knownDown = null, knownUp = null;
        double down1 = 0, down2 = 0, down5 = 0, up1 = 0, up2 = 0, up5 = 0, depth1 = 0, modelledDown = 0, modelledUp = 0;
        bool leftDown = false, leftUp = false;
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
                case "criticalShockDown": shockDown = Optional(ref reader); break;
                case "criticalShockUp": shockUp = Optional(ref reader); break;
                case "depth1": depth1 = reader.GetDouble(); break;
                case "knownRangeDown": knownDown = Optional(ref reader); break;
                case "knownRangeUp": knownUp = Optional(ref reader); break;
                case "modelledShareDown": modelledDown = reader.GetDouble(); break;
                case "modelledShareUp": modelledUp = reader.GetDouble(); break;
                case "leftKnownBookDown": leftDown = reader.GetBoolean(); break;
                case "leftKnownBookUp": leftUp = reader.GetBoolean(); break;
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
                            default:
                                if (strict)
                                {
                                    throw new InvalidDataException($"unknown band liquidatable.{band}");
                                }

                                break;
                        }
                    }

                    break;
                default:
                    if (strict)
                    {
                        throw new InvalidDataException($"unknown field {name}");
                    }

                    reader.Skip();
                    break;
            }
        }

        return new ProjectionRow
        {
            Symbol = symbol ?? throw new InvalidDataException("symbol is required"),
            EventTime = eventTime ?? throw new InvalidDataException("eventTime is required"),
            Mark = mark ?? throw new InvalidDataException("mark is required"),
            CriticalShockDown = shockDown,
            CriticalShockUp = shockUp,
            Down1 = down1,
            Down2 = down2,
            Down5 = down5,
            Up1 = up1,
            Up2 = up2,
            Up5 = up5,
            Depth1 = depth1,
            KnownRangeDown = knownDown,
            KnownRangeUp = knownUp,
            ModelledShareDown = modelledDown,
            ModelledShareUp = modelledUp,
            LeftKnownBookDown = leftDown,
            LeftKnownBookUp = leftUp,
        };
    }

    /// <summary>The table's columns, in the order of the ndjson fields.</summary>
    public static IReadOnlyList<TableColumn<ProjectionRow>> Columns { get; } =
    [
        TableColumn<ProjectionRow>.OfTime("event_time", r => r.EventTime),
        TableColumn<ProjectionRow>.OfText("symbol", r => r.Symbol),
        TableColumn<ProjectionRow>.OfNumber("mark", r => r.Mark),
        TableColumn<ProjectionRow>.OfOptionalNumber("critical_shock_down", r => r.CriticalShockDown),
        TableColumn<ProjectionRow>.OfOptionalNumber("critical_shock_up", r => r.CriticalShockUp),
        TableColumn<ProjectionRow>.OfNumber("liquidatable_down_1pct", r => r.Down1),
        TableColumn<ProjectionRow>.OfNumber("liquidatable_down_2pct", r => r.Down2),
        TableColumn<ProjectionRow>.OfNumber("liquidatable_down_5pct", r => r.Down5),
        TableColumn<ProjectionRow>.OfNumber("liquidatable_up_1pct", r => r.Up1),
        TableColumn<ProjectionRow>.OfNumber("liquidatable_up_2pct", r => r.Up2),
        TableColumn<ProjectionRow>.OfNumber("liquidatable_up_5pct", r => r.Up5),
        TableColumn<ProjectionRow>.OfNumber("depth_1pct", r => r.Depth1),
        TableColumn<ProjectionRow>.OfOptionalNumber("known_range_down", r => r.KnownRangeDown),
        TableColumn<ProjectionRow>.OfOptionalNumber("known_range_up", r => r.KnownRangeUp),
        TableColumn<ProjectionRow>.OfNumber("modelled_share_down", r => r.ModelledShareDown),
        TableColumn<ProjectionRow>.OfNumber("modelled_share_up", r => r.ModelledShareUp),
        TableColumn<ProjectionRow>.OfFlag("left_known_book_down", r => r.LeftKnownBookDown),
        TableColumn<ProjectionRow>.OfFlag("left_known_book_up", r => r.LeftKnownBookUp),
    ];

    private static double? Optional(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Null ? null : reader.GetDouble();

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
