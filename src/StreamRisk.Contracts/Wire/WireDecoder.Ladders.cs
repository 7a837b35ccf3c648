using System.Globalization;
using System.Text.Json;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Contracts.Wire;

public sealed partial class WireDecoder
{
    // The ladders topic's field names (written by LadderUpdateEncoder; no "v": producer and reader are one build).
    private static readonly (byte[] Name, LadderField Field)[] LadderFieldNames =
    [
        ("eventTime"u8.ToArray(), LadderField.EventTime),
        ("symbol"u8.ToArray(), LadderField.Symbol),
        ("source"u8.ToArray(), LadderField.Source),
        ("n"u8.ToArray(), LadderField.Number),
        ("tick"u8.ToArray(), LadderField.Tick),
        ("before"u8.ToArray(), LadderField.Before),
        ("after"u8.ToArray(), LadderField.After),
        ("buckets"u8.ToArray(), LadderField.Buckets),
        ("large"u8.ToArray(), LadderField.Large),
        ("adlLongs"u8.ToArray(), LadderField.AdlLongs),
        ("adlShorts"u8.ToArray(), LadderField.AdlShorts),
        ("replaces"u8.ToArray(), LadderField.Replaces),
        ("settled"u8.ToArray(), LadderField.Settled),
    ];

    [Flags]
    private enum LadderField
    {
        None = 0,
        EventTime = 1 << 0,
        Symbol = 1 << 1,
        Source = 1 << 2,
        Number = 1 << 3,
        Tick = 1 << 4,
        Before = 1 << 5,
        After = 1 << 6,
        Buckets = 1 << 7,
        Large = 1 << 8,
        AdlLongs = 1 << 9,
        AdlShorts = 1 << 10,
        Replaces = 1 << 11,
        Settled = 1 << 12,
        Required = EventTime | Symbol | Source | Number | Tick | Before | After | Buckets,
    }

    /// <summary>
    /// Topic <c>ladders</c> (see <see cref="LadderUpdateEncoder"/>): fills <paramref name="update"/> (reset first) and
    /// resolves its symbol to <see cref="LadderUpdate.Instrument"/>. A refused message leaves the update empty: it is
    /// dead-lettered, never half-applied.
    /// </summary>
    public DecodeResult DecodeLadderUpdate(ReadOnlySpan<byte> utf8, LadderUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        update.Reset();
        DecodeResult result;
        try
        {
            result = ReadLadderUpdate(utf8, update) ? DecodeResult.Valid : Refused(utf8);
        }
        catch (JsonException ex)
        {
            result = BadJson(ex);
        }

        if (!result.IsValid)
        {
            update.Reset();
        }

        return result;
    }

    private bool ReadLadderUpdate(ReadOnlySpan<byte> utf8, LadderUpdate update)
    {
        if (!Begin(utf8, out var reader))
        {
            return false;
        }

        var seen = LadderField.None;
        scoped ReadOnlySpan<byte> symbol = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = LadderFieldOf(ref reader);
            if (field != LadderField.None && (seen & field) != 0)
            {
                return FailLadder(WireProblem.Duplicate, field, $"{LadderNameOf(field)} appears twice");
            }

            seen |= field;
            bool ok;
            long number;
            var tick = 0.0;
            switch (field)
            {
                case LadderField.EventTime:
                    ok = ReadLadderLong(ref reader, field, 0, long.MaxValue, out number);
                    update.EventTime = number;
                    break;
                case LadderField.Symbol:
                    ok = Advance(ref reader) && IdentifierAtToken(ref reader, Fields.Symbol, _symbolScratch, _options.MaxSymbolBytes, out symbol);
                    break;
                case LadderField.Source:
                    ok = ReadLadderLong(ref reader, field, 0, int.MaxValue, out number);
                    update.Source = (int)number;
                    break;
                case LadderField.Number:
                    ok = ReadLadderLong(ref reader, field, 1, long.MaxValue, out number);
                    update.Number = number;
                    break;
                case LadderField.Tick:
                    ok = Advance(ref reader) && LadderDoubleAtToken(ref reader, field, out tick);
                    update.Tick = tick;
                    break;
                case LadderField.Before:
                    ok = ReadLadderLong(ref reader, field, 0, int.MaxValue, out number);
                    update.TouchesBefore = (int)number;
                    break;
                case LadderField.After:
                    ok = ReadLadderLong(ref reader, field, 0, int.MaxValue, out number);
                    update.TouchesAfter = (int)number;
                    break;
                case LadderField.Buckets:
                    ok = ReadBuckets(ref reader, update.Buckets);
                    break;
                case LadderField.Large:
                    ok = ReadLarge(ref reader, update.Large);
                    update.HasLarge = true;
                    break;
                case LadderField.AdlLongs:
                    ok = ReadCandidates(ref reader, field, update.AdlLongs);
                    break;
                case LadderField.AdlShorts:
                    ok = ReadCandidates(ref reader, field, update.AdlShorts);
                    break;
                case LadderField.Settled:
                    ok = ReadSettlements(ref reader, update.Settlements);
                    break;
                case LadderField.Replaces:
                    ok = Advance(ref reader)
                        && (reader.TokenType is JsonTokenType.True or JsonTokenType.False
                            || FailLadder(WireProblem.WrongType, field, $"replaces must be a boolean, not {Describe(reader.TokenType)}"));
                    update.Replaces = ok && reader.TokenType == JsonTokenType.True;
                    break;
                default:
                    ok = SkipValue(ref reader);
                    break;
            }

            if (!ok)
            {
                return false;
            }
        }

        if (!Finish(ref reader))
        {
            return false;
        }

        var missing = LadderField.Required & ~seen;
        if (missing != LadderField.None)
        {
            var first = (LadderField)((int)missing & -(int)missing);
            return FailLadder(WireProblem.Missing, first, $"{LadderNameOf(first)} is required");
        }

        var adl = seen & (LadderField.AdlLongs | LadderField.AdlShorts);
        if (adl is LadderField.AdlLongs or LadderField.AdlShorts)
        {
            var absent = adl == LadderField.AdlLongs ? LadderField.AdlShorts : LadderField.AdlLongs;
            return FailLadder(WireProblem.Missing, absent, "adlLongs and adlShorts come together");
        }

        update.HasAdl = adl != LadderField.None;
        if (update.Buckets.Count > 0 && !(update.Tick > 0 && double.IsFinite(update.Tick)))
        {
            return FailLadder(WireProblem.OutOfRange, LadderField.Tick, "tick must be a positive finite step when buckets are given");
        }

        if (!ResolveSymbol(symbol, out var instrument))
        {
            return false;
        }

        update.Instrument = instrument;
        return true;
    }

    /// <summary><c>[[long?1:0, bucket, count, "size units", "Σ units × BP bucket"], …]</c>.</summary>
    private bool ReadBuckets(ref Utf8JsonReader reader, List<(bool Long, long Tick, LadderBucket Bucket)> into)
    {
        const LadderField Field = LadderField.Buckets;
        if (!BeginLadderArray(ref reader, Field))
        {
            return false;
        }

        while (NextEntry(ref reader, Field, out var done))
        {
            if (done)
            {
                return true;
            }

            if (!ReadLadderLong(ref reader, Field, 0, 1, out var side)
                || !ReadLadderLong(ref reader, Field, long.MinValue, long.MaxValue, out var tick)
                || !ReadLadderLong(ref reader, Field, 0, int.MaxValue, out var count)
                || !ReadInt128(ref reader, Field, out var size)
                || !ReadInt128(ref reader, Field, out var bankruptcy)
                || !EndEntry(ref reader, Field, 5))
            {
                return false;
            }

            into.Add((side == 1, tick, new LadderBucket((int)count, size, bankruptcy)));
        }

        return false;
    }

    /// <summary><c>[["account", size, notional, LP, distance], …]</c>.</summary>
    private bool ReadLarge(ref Utf8JsonReader reader, List<LargePosition> into)
    {
        const LadderField Field = LadderField.Large;
        if (!BeginLadderArray(ref reader, Field))
        {
            return false;
        }

        while (NextEntry(ref reader, Field, out var done))
        {
            if (done)
            {
                return true;
            }

            if (!ReadAccountText(ref reader, Field, out var account)
                || !ReadLadderDouble(ref reader, Field, out var size)
                || !ReadLadderDouble(ref reader, Field, out var notional)
                || !ReadLadderDouble(ref reader, Field, out var liquidationPrice)
                || !ReadLadderDouble(ref reader, Field, out var distance)
                || !EndEntry(ref reader, Field, 5))
            {
                return false;
            }

            into.Add(new LargePosition(account, size, notional, liquidationPrice, distance));
        }

        return false;
    }

    /// <summary><c>[["account", score, |size|, entry], …]</c>.</summary>
    private bool ReadCandidates(ref Utf8JsonReader reader, LadderField field, List<AdlCandidate> into)
    {
        if (!BeginLadderArray(ref reader, field))
        {
            return false;
        }

        while (NextEntry(ref reader, field, out var done))
        {
            if (done)
            {
                return true;
            }

            if (!ReadAccountText(ref reader, field, out var account)
                || !ReadLadderDouble(ref reader, field, out var score)
                || !ReadLadderDouble(ref reader, field, out var size)
                || !ReadLadderDouble(ref reader, field, out var entry)
                || !EndEntry(ref reader, field, 4))
            {
                return false;
            }

            into.Add(new AdlCandidate(account, score, size, entry));
        }

        return false;
    }

    /// <summary><c>[[number, eventTime, amount], …]</c>: numbers from 1, amounts within ±10¹⁸.</summary>
    private bool ReadSettlements(ref Utf8JsonReader reader, List<FundSettlement> into)
    {
        const LadderField Field = LadderField.Settled;
        if (!BeginLadderArray(ref reader, Field))
        {
            return false;
        }

        while (NextEntry(ref reader, Field, out var done))
        {
            if (done)
            {
                return true;
            }

            if (!ReadLadderLong(ref reader, Field, 1, long.MaxValue, out var number)
                || !ReadLadderLong(ref reader, Field, 0, long.MaxValue, out var eventTime)
                || !ReadLadderDouble(ref reader, Field, out var amount)
                || !EndEntry(ref reader, Field, 3))
            {
                return false;
            }

            // Finite and within 10¹⁸ of the margin currency: the fund sums settlements in integer nano-units.
            if (!(Math.Abs(amount) <= 1e18))
            {
                return FailLadder(WireProblem.OutOfRange, Field, $"a settlement of {amount.ToString(CultureInfo.InvariantCulture)} is outside ±1e18");
            }

            into.Add(new FundSettlement(number, eventTime, amount));
        }

        return false;
    }

    private bool BeginLadderArray(ref Utf8JsonReader reader, LadderField field) =>
        Advance(ref reader)
        && (reader.TokenType == JsonTokenType.StartArray
            || FailLadder(WireProblem.WrongType, field, $"{LadderNameOf(field)} must be an array, not {Describe(reader.TokenType)}"));

    /// <summary>Moves into the next entry (an array) of a list; <paramref name="done"/> at the list's end.</summary>
    private bool NextEntry(ref Utf8JsonReader reader, LadderField field, out bool done)
    {
        done = false;
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.EndArray)
        {
            done = true;
            return true;
        }

        return reader.TokenType == JsonTokenType.StartArray
            || FailLadder(WireProblem.WrongType, field, $"an entry of {LadderNameOf(field)} must be an array, not {Describe(reader.TokenType)}");
    }

    private bool EndEntry(ref Utf8JsonReader reader, LadderField field, int length) =>
        Advance(ref reader)
        && (reader.TokenType == JsonTokenType.EndArray
            || FailLadder(WireProblem.BadValue, field, $"an entry of {LadderNameOf(field)} has more than {length} values"));

    /// <summary>The next value of an entry; an entry that ends early is refused.</summary>
    private bool NextValue(ref Utf8JsonReader reader, LadderField field) =>
        Advance(ref reader)
        && (reader.TokenType != JsonTokenType.EndArray
            || FailLadder(WireProblem.BadValue, field, $"an entry of {LadderNameOf(field)} has too few values"));

    private bool ReadLadderLong(ref Utf8JsonReader reader, LadderField field, long min, long max, out long value)
    {
        value = 0;
        if (!NextValue(ref reader, field))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            return FailLadder(WireProblem.WrongType, field, $"{LadderNameOf(field)} must be an integer, not {Describe(reader.TokenType)}");
        }

        if (!reader.TryGetInt64(out value))
        {
            return FailLadder(WireProblem.NotInteger, field, $"{LadderNameOf(field)} {Printable(reader.ValueSpan)} is not a 64-bit integer");
        }

        return (value >= min && value <= max)
            || FailLadder(WireProblem.OutOfRange, field, $"{LadderNameOf(field)} {value} is outside {min}..{max}");
    }

    /// <summary>An exact bucket sum, written as a decimal string (it can exceed 2⁵³).</summary>
    private bool ReadInt128(ref Utf8JsonReader reader, LadderField field, out Int128 value)
    {
        value = default;
        if (!NextValue(ref reader, field))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
        {
            return FailLadder(WireProblem.WrongType, field, $"a sum of {LadderNameOf(field)} must be a plain decimal string, not {Describe(reader.TokenType)}");
        }

        return Int128.TryParse(reader.ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
            || FailLadder(WireProblem.BadNumber, field, $"a sum of {LadderNameOf(field)} \"{Printable(reader.ValueSpan)}\" is not a 128-bit integer");
    }

    private bool ReadLadderDouble(ref Utf8JsonReader reader, LadderField field, out double value)
    {
        value = 0;
        return NextValue(ref reader, field) && LadderDoubleAtToken(ref reader, field, out value);
    }

    /// <summary>
    /// A double bit for bit: a JSON number or decimal string (the parse is correctly rounded), or <c>"NaN"</c>,
    /// <c>"Infinity"</c>, <c>"-Infinity"</c> (a position with no liquidation price has NaN there). -0 stays -0.
    /// </summary>
    private bool LadderDoubleAtToken(ref Utf8JsonReader reader, LadderField field, out double value)
    {
        value = 0;
        ReadOnlySpan<byte> text;
        if (reader.TokenType == JsonTokenType.Number || (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped))
        {
            text = reader.ValueSpan;
        }
        else
        {
            return FailLadder(WireProblem.WrongType, field, $"{LadderNameOf(field)} must be a number or a plain string, not {Describe(reader.TokenType)}");
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            if (text.SequenceEqual("NaN"u8))
            {
                value = double.NaN;
                return true;
            }

            if (text.SequenceEqual("Infinity"u8))
            {
                value = double.PositiveInfinity;
                return true;
            }

            if (text.SequenceEqual("-Infinity"u8))
            {
                value = double.NegativeInfinity;
                return true;
            }
        }

        return (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value))
            || FailLadder(WireProblem.BadNumber, field, $"{LadderNameOf(field)} {Printable(text)} is not a number");
    }

    private bool ReadAccountText(ref Utf8JsonReader reader, LadderField field, out string account)
    {
        account = string.Empty;
        if (!NextValue(ref reader, field))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return FailLadder(WireProblem.WrongType, field, $"an account of {LadderNameOf(field)} must be a string, not {Describe(reader.TokenType)}");
        }

        if (reader.ValueSpan.Length > 6 * _options.MaxAccountBytes)
        {
            return FailLadder(WireProblem.TooLong, field, $"an account of {LadderNameOf(field)} is longer than {_options.MaxAccountBytes} bytes");
        }

        try
        {
            account = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader refuses escapes that do not form valid UTF-16 (a lone surrogate such as \uD800).
            return FailLadder(WireProblem.BadUtf8, field, $"an account of {LadderNameOf(field)} has an escape that is not a valid character");
        }

        return account.Length > 0 || FailLadder(WireProblem.BadValue, field, $"an account of {LadderNameOf(field)} is empty");
    }

    private static LadderField LadderFieldOf(ref Utf8JsonReader reader)
    {
        foreach (var (bytes, field) in LadderFieldNames)
        {
            if (reader.ValueTextEquals(bytes))
            {
                return field;
            }
        }

        return LadderField.None;
    }

    private static string LadderNameOf(LadderField field)
    {
        foreach (var (bytes, f) in LadderFieldNames)
        {
            if (f == field)
            {
                return System.Text.Encoding.UTF8.GetString(bytes);
            }
        }

        return field.ToString();
    }

    private bool FailLadder(WireProblem problem, LadderField field, string detail)
    {
        Fail(problem, Fields.None, detail);
        _fieldName = LadderNameOf(field);
        return false;
    }
}
