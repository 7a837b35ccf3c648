using System.Buffers;
using System.Globalization;
using System.Text.Json;
using StreamRisk.Domain.Cascades;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Writes the ladders topic's message: one <see cref="LadderUpdate"/> of one symbol from one account partition, as JSON
/// (keyed by symbol); <see cref="WireDecoder.DecodeLadderUpdate"/> reads it back. Bucket sums are exact integers
/// written as decimal strings (they can exceed 2⁵³); doubles are written shortest-round-trip, so the projector gets
/// the very bits the account stage had; NaN and infinities as strings.
/// </summary>
/// <remarks>
/// <code>
/// {"eventTime":1723161329846,"symbol":"BTCUSDT","source":3,"n":17,"tick":0.0001,"before":0,"after":1,
///  "buckets":[[1,600001234,2,"300000000","1799980000000000"],…],        // [long?1:0, bucket, count, size units, Σ units × BP bucket]
///  "large":[["acct-1",12.5,750000,58000.1,0.033],…],                    // present when replaced: [account, size, notional, LP, distance]
///  "adlLongs":[["acct-9",3.2,1.5,57000],…],"adlShorts":[…],            // present when re-ranked: [account, score, |size|, entry]
///  "settled":[[4,1723161329846,-1250.5],…],                           // present with settlements: [number, fill's eventTime, to the fund]
///  "replaces":true}                                                     // present when the buckets are the source's whole ladder on the symbol
/// </code>
/// Owned by one producer thread.
/// </remarks>
public sealed class LadderUpdateEncoder
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
            if (update.Replaces)
            {
                w.WriteBoolean("replaces"u8, true);
            }

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

            if (update.Settlements.Count > 0)
            {
                w.WriteStartArray("settled"u8);
                foreach (var s in update.Settlements)
                {
                    w.WriteStartArray();
                    w.WriteNumberValue(s.Number);
                    w.WriteNumberValue(s.EventTime);
                    WriteDoubleValue(w, s.Amount);
                    w.WriteEndArray();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        return _buffer.WrittenMemory;
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
}
