using System.Text.Json;
using StreamRisk.Replay.Binance;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Replay;

/// <summary>
/// The formats a replay reads, and telling them apart by content: a StreamRisk capture's lines are JSON objects
/// naming a capture topic kind; a Binance futures capture's lines are <c>&lt;receive_time_ns&gt; &lt;JSON&gt;</c>, COIN-M
/// told from USDⓈ-M by its symbols (<c>BTCUSD_PERP</c>, with a pair <c>ps</c>) and USDⓈ-M's plain ones (<c>BTCUSDT</c>).
/// </summary>
public static class ReplayFormats
{
    /// <summary>A StreamRisk capture (what <c>record</c> and <c>simulate</c> write).</summary>
    public const string Capture = "capture";

    /// <summary>Lines looked at before giving up: a venue capture can open with snapshots or replies naming no symbol.</summary>
    private const int LinesExamined = 200;

    public static IReadOnlyList<string> Names { get; } = [Capture, .. BinanceFormats.Names];

    /// <summary>
    /// The format of a capture file from its first lines (gzip or plain text), or null when none of them says. Bad
    /// lines among them are passed over, as the readers skip them.
    /// </summary>
    public static string? Detect(string path)
    {
        using var lines = CaptureLineReader.Open(path);
        for (var examined = 0; examined < LinesExamined; examined++)
        {
            ReadOnlySpan<byte> line;
            try
            {
                if (!lines.TryReadLine(out line))
                {
                    return null;
                }
            }
            catch (InvalidDataException)
            {
                // An unreadable gzip stream: nothing further to look at.
                return null;
            }

            if (Classify(line.Trim((byte)' ')) is { } format)
            {
                return format;
            }
        }

        return null;
    }

    private static string? Classify(ReadOnlySpan<byte> line)
    {
        try
        {
            if (line.Length > 0 && line[0] == (byte)'{')
            {
                return IsCaptureRecord(line) ? Capture : null;
            }

            var space = line.IndexOf((byte)' ');
            if (space <= 0 || line[..space].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                return null;
            }

            return BinanceMarketOf(line[(space + 1)..]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsCaptureRecord(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isTopic = reader.ValueTextEquals("topic"u8);
            reader.Read();
            if (isTopic)
            {
                return reader.TokenType == JsonTokenType.String && CaptureTopics.TryGet(reader.GetString(), out _);
            }

            reader.Skip();
        }

        return false;
    }

    private static string? BinanceMarketOf(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (data.TryGetProperty("ps", out _))
        {
            return BinanceFormats.CoinM;
        }

        if (!data.TryGetProperty("s", out var symbol) || symbol.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        return symbol.GetString()!.Contains('_', StringComparison.Ordinal) ? BinanceFormats.CoinM : BinanceFormats.UsdM;
    }
}
