using System.Buffers;
using System.Globalization;
using System.Text.Json;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Engine;

namespace StreamRisk.Host.Monitoring;

/// <summary>
/// The ladders topic's message: one <see cref="LadderUpdate"/> of one symbol from one account partition, as JSON (keyed
/// by symbol). Bucket sums are exact integers written as decimal strings (they can exceed 2⁵³); doubles are written
/// shortest-round-trip, so the projector gets the very bits the account stage had; NaN and infinities as strings.
/// </summary>
/// <remarks>
/// <code>
/// {"eventTime":1723161329846,"symbol":"BTCUSDT","source":3,"n":17,"tick":0.0001,"before":0,"after":1,
///  "buckets":[[1,600001234,2,"300000000","1799980000000000"],…],        // [long?1:0, bucket, count, size units, Σ units × BP bucket]
///  "large":[["acct-1",12.5,750000,58000.1,0.033],…],                    // present when replaced: [account, size, notional, LP, distance]
///  "adlLongs":[["acct-9",3.2,1.5,57000],…],"adlShorts":[…]}             // present when re-ranked: [account, score, |size|, entry]
/// </code>
/// </remarks>
public sealed class LadderUpdateCodec
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    /// <summary>Encodes into a reused buffer; the span is valid until the next call.</summary>
    public ReadOnlyMemory<byte> Encode(LadderUpdate update, string symbol)
    {
        ArgumentNullException.ThrowIfNull(update);
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("eventTime"u8, update.EventTime);
            w.WriteString("symbol"u8, symbol);
            w.WriteNumber("source"u8, update.Source);
            w.WriteNumber("n"u8, update.Number);
            WriteDouble(w, "tick"u8, update.Tick);
            w.WriteNumber("before"u8, update.TouchesBefore);
            w.WriteNumber("after"u8, update.TouchesAfter);
            w.WriteStartArray("buckets"u8);
            foreach (var (isLong, tick, bucket) in update.Buckets)
            {
                w.WriteStartArray();
                w.WriteNumberValue(isLong ? 1 : 0);
                w.WriteNumberValue(tick);
                w.WriteNumberValue(bucket.Count);
                w.WriteStringValue(bucket.SizeUnits.ToString(CultureInfo.InvariantCulture));
                w.WriteStringValue(bucket.BankruptcyUnits.ToString(CultureInfo.InvariantCulture));
                w.WriteEndArray();
            }

            w.WriteEndArray();
            if (update.HasLarge)
            {
                w.WriteStartArray("large"u8);
                foreach (var p in update.Large)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(p.Account);
                    WriteDoubleValue(w, p.Size);
                    WriteDoubleValue(w, p.Notional);
                    WriteDoubleValue(w, p.LiquidationPrice);
                    WriteDoubleValue(w, p.Distance);
                    w.WriteEndArray();
                }

                w.WriteEndArray();
            }

            if (update.HasAdl)
            {
                WriteCandidates(w, "adlLongs"u8, update.AdlLongs);
                WriteCandidates(w, "adlShorts"u8, update.AdlShorts);
            }

            w.WriteEndObject();
        }

        return _buffer.WrittenMemory;
    }

    /// <summary>
    /// Decodes into <paramref name="update"/> (reset first); the symbol is returned for the receiver to resolve. False
    /// with a reason for anything malformed — the message is dead-lettered, never half-applied.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> json, LadderUpdate update, out string symbol, out string reason)
    {
        ArgumentNullException.ThrowIfNull(update);
        update.Reset();
        symbol = string.Empty;
        reason = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(json); // parsed in place: no copy of the message
            var root = document.RootElement;
            update.EventTime = root.GetProperty("eventTime").GetInt64();
            symbol = root.GetProperty("symbol").GetString() ?? throw new FormatException("symbol is null");
            update.Source = root.GetProperty("source").GetInt32();
            update.Number = root.GetProperty("n").GetInt64();
            update.Tick = ReadDouble(root.GetProperty("tick"));
            update.TouchesBefore = root.GetProperty("before").GetInt32();
            update.TouchesAfter = root.GetProperty("after").GetInt32();
            foreach (var b in root.GetProperty("buckets").EnumerateArray())
            {
                update.Buckets.Add((b[0].GetInt32() == 1, b[1].GetInt64(),
                    new LadderBucket(b[2].GetInt32(), ParseInt128(b[3]), ParseInt128(b[4]))));
            }

            if (root.TryGetProperty("large", out var large))
            {
                update.HasLarge = true;
                foreach (var p in large.EnumerateArray())
                {
                    update.Large.Add(new LargePosition(p[0].GetString()!, ReadDouble(p[1]), ReadDouble(p[2]), ReadDouble(p[3]), ReadDouble(p[4])));
                }
            }

            if (root.TryGetProperty("adlLongs", out var longs) && root.TryGetProperty("adlShorts", out var shorts))
            {
                update.HasAdl = true;
                ReadCandidates(longs, update.AdlLongs);
                ReadCandidates(shorts, update.AdlShorts);
            }

            if (update.Number <= 0 || update.Source < 0 || update.TouchesBefore < 0 || update.TouchesAfter < 0 || (update.Buckets.Count > 0 && !(update.Tick > 0)))
            {
                throw new FormatException("n, source, touches or tick out of range");
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException
                                       or IndexOutOfRangeException or OverflowException or ArgumentException)
        {
            update.Reset();
            reason = ex.Message;
            return false;
        }
    }

    private static void WriteCandidates(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<AdlCandidate> candidates)
    {
        w.WriteStartArray(name);
        foreach (var c in candidates)
        {
            w.WriteStartArray();
            w.WriteStringValue(c.Account);
            WriteDoubleValue(w, c.Score);
            WriteDoubleValue(w, c.Size);
            WriteDoubleValue(w, c.Entry);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    private static void ReadCandidates(JsonElement array, List<AdlCandidate> into)
    {
        foreach (var c in array.EnumerateArray())
        {
            into.Add(new AdlCandidate(c[0].GetString()!, ReadDouble(c[1]), ReadDouble(c[2]), ReadDouble(c[3])));
        }
    }

    private static void WriteDouble(Utf8JsonWriter w, ReadOnlySpan<byte> name, double value)
    {
        w.WritePropertyName(name);
        WriteDoubleValue(w, value);
    }

    private static void WriteDoubleValue(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumberValue(value);
        }
        else
        {
            w.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static double ReadDouble(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture) : e.GetDouble();

    private static Int128 ParseInt128(JsonElement e) => Int128.Parse(e.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
