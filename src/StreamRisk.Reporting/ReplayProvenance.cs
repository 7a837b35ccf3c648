using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace StreamRisk.Reporting;

/// <summary>
/// Where a replay's results come from, so an analyst can tell two result folders apart and make one again: the input
/// files (name, size, SHA-256), their format, the population of positions, the settings that change results (margin
/// profile, alert thresholds, cadences, insurance funds), the liquidation mode, the tool's version and the market span
/// the capture covers. Written as <see cref="FileName"/> beside the outputs and shown in the report.
/// </summary>
public sealed record ReplayProvenance
{
    public const string FileName = "provenance.json";

    /// <summary>Informational version of the <c>streamrisk</c> executable (version and, when built from git, the commit).</summary>
    public required string ToolVersion { get; init; }

    /// <summary>The replay format: capture, binance-usdm or binance-coinm.</summary>
    public required string Format { get; init; }

    /// <summary>The capture files, in the order they were replayed.</summary>
    public required IReadOnlyList<ProvenanceFile> Inputs { get; init; }

    public required ProvenancePopulation Population { get; init; }

    /// <summary>Margin profile the accounts were valued with (Engine:Profile).</summary>
    public required string Profile { get; init; }

    /// <summary>off or venue: whether the monitor's own venue liquidation engine closed positions.</summary>
    public required string Liquidations { get; init; }

    /// <summary>The settings file given with <c>--config</c>; null when the built-in defaults ran.</summary>
    public ProvenanceFile? Config { get; init; }

    /// <summary>The alert thresholds in force (the Alerts section: defaults and per-symbol overrides).</summary>
    public required JsonObject Thresholds { get; init; }

    /// <summary>The engine settings in force (the Engine section: profile, cadences, insurance funds, system view).</summary>
    public required JsonObject Engine { get; init; }

    public required MarketSpan Span { get; init; }

    /// <summary>
    /// Escapes only what JSON requires: the file is read by people and tools, never embedded in a page, and a version
    /// such as <c>1.0.0+abc</c> should read as that rather than <c>1.0.0\u002Babc</c>.
    /// </summary>
    private static readonly ProvenanceJson Readable = new(new JsonSerializerOptions(ProvenanceJson.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The file's name (no directory: results folders travel), size and SHA-256 in lower-case hex.</summary>
    public static ProvenanceFile Describe(string path)
    {
        using var stream = File.OpenRead(path);
        var hash = SHA256.HashData(stream);
        return new ProvenanceFile(Path.GetFileName(path), stream.Length, Convert.ToHexStringLower(hash));
    }

    /// <summary>Writes <see cref="FileName"/> into <paramref name="directory"/> (indented, "\n" line ends).</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Readable.ReplayProvenance) + "\n");
    }

    /// <summary>Reads a <see cref="FileName"/> back; anything malformed is an <see cref="InvalidDataException"/>.</summary>
    public static ReplayProvenance Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), ProvenanceJson.Default.ReplayProvenance)
                ?? throw new InvalidDataException($"{path}: null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }
}

/// <summary>An input file as provenance names it.</summary>
public sealed record ProvenanceFile(string Name, long Bytes, string Sha256);

/// <summary>
/// The positions the replay placed. <see cref="Kind"/> is <c>capture</c> (a StreamRisk capture's own recorded accounts),
/// <c>synthetic</c> (generated from <see cref="Seed"/>), <c>estimated</c> (from open interest, <see cref="Spec"/>) or
/// <c>file</c> (<see cref="File"/>).
/// </summary>
public sealed record ProvenancePopulation
{
    public required string Kind { get; init; }

    /// <summary>The <c>--positions</c> text as given (null for a StreamRisk capture).</summary>
    public string? Spec { get; init; }

    public int? Seed { get; init; }

    /// <summary>Accounts asked for (synthetic and estimated populations).</summary>
    public int? Accounts { get; init; }

    public ProvenanceFile? File { get; init; }

    /// <summary>One line for a reader, e.g. <c>synthetic (seed 1, 20,000 accounts)</c>.</summary>
    public required string Description { get; init; }
}

/// <summary>
/// The market time a replay covered, from the event times of the records it applied (unix ms): first and last, and
/// where results start and stop when <c>--from</c>/<c>--to</c> cut the span. Null times: the capture held no record.
/// </summary>
public sealed record MarketSpan
{
    public long? First { get; init; }

    public long? Last { get; init; }

    /// <summary><c>--from</c>: results start here (what comes before only sets up accounts, books and marks).</summary>
    public long? ResultsFrom { get; init; }

    /// <summary><c>--to</c>: events after this time were not used.</summary>
    public long? ResultsTo { get; init; }

    [JsonIgnore]
    public TimeSpan Duration => First is { } first && Last is { } last ? TimeSpan.FromMilliseconds(last - first) : TimeSpan.Zero;

    /// <summary>
    /// What the span is, for a title: <c>6-minute capture 2024-08-08 23:54–23:59 UTC</c>, <c>26-hour capture
    /// 2024-08-08 22:00 – 2024-08-10 00:00 UTC</c>. A capture of minutes is called that, never a market day.
    /// </summary>
    public string Describe(string what = "capture") => First is { } first && Last is { } last
        ? Describe(first, last, what)
        : $"empty {what}";

    public static string Describe(long first, long last, string what)
    {
        var from = DateTimeOffset.FromUnixTimeMilliseconds(first);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(last);
        var span = to - from;
        // Minutes are rounded to the nearest so that 23:54:15 → 23:59:59 reads as the 6 minutes it nearly is; short
        // captures keep their seconds so that the two ends differ on the page.
        var clock = span < TimeSpan.FromMinutes(2) ? "HH:mm:ss" : "HH:mm";
        var length = span.TotalSeconds < 90 ? Inv($"{Math.Max(1, Math.Round(span.TotalSeconds, MidpointRounding.AwayFromZero)):0}-second")
            : span.TotalMinutes < 120 ? Inv($"{Math.Round(span.TotalMinutes, MidpointRounding.AwayFromZero):0}-minute")
            : span.TotalHours < 72 ? Inv($"{Math.Round(span.TotalHours, MidpointRounding.AwayFromZero):0}-hour")
            : Inv($"{Math.Round(span.TotalDays, MidpointRounding.AwayFromZero):0}-day");
        var range = from.UtcDateTime.Date == to.UtcDateTime.Date
            ? $"{from.ToString("yyyy-MM-dd " + clock, CultureInfo.InvariantCulture)}–{to.ToString(clock, CultureInfo.InvariantCulture)} UTC"
            : $"{from.ToString("yyyy-MM-dd " + clock, CultureInfo.InvariantCulture)} – {to.ToString("yyyy-MM-dd " + clock, CultureInfo.InvariantCulture)} UTC";
        return $"{length} {what} {range}";
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Source-generated JSON (camelCase, indented) of <see cref="ReplayProvenance"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ReplayProvenance))]
internal sealed partial class ProvenanceJson : JsonSerializerContext;
