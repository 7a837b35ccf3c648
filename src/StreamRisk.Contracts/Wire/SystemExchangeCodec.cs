using System.Buffers;
using System.Globalization;
using System.Text.Json;
using StreamRisk.Domain.Portfolio;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// The system view's exchange between the coordinator and the account partitions when scaled out
/// (docs/scale-out.md, "The system view when scaled out"): one message of questions (<see cref="ShareQuestion"/>) per
/// exchange (<see cref="ShareRequest"/>), one reply (<see cref="ShareReply"/>) per partition. JSON; doubles shortest round-trip (NaN
/// and infinities as strings) and whole-unit sums as decimal strings, so both ends hold the very bits.
/// </summary>
/// <remarks>
/// <code>
/// request: {"view":1723161330000,"stage":1723161330000,"exchange":3,"symbols":["BTCUSDT","ETHUSDT"],"marks":[60000,3000],
///           "largest":0,"questions":[{"s":0,"moves":[-0.05,-0.06],"forced":"acct-1","final":false,
///                                     "walks":[[[fillLong…],[fillShort…],[next…]],…]},…]}
/// reply:   {"view":…,"exchange":3,"source":2,"accounts":6650,"largest":[["acct-1",1250000.5],…],
///           "answers":[{"s":0,"units":12,"accounts":11,"collateral":"…","sums":[["sold","bought","longValue","shortValue",positions],…]},
///                      {"s":1,"final":true,"accounts":40,"forcedNotional":0,"deficit":"…","deficitSizes":["…",…]},…]}
/// </code>
/// A message that is not this shape is refused with a one-line reason naming the field; nothing of it is used.
/// </remarks>
public static class SystemExchangeCodec
{
    /// <summary>The most questions or answers one message carries.</summary>
    public const int MaxItems = 100_000;

    /// <summary>The most rounds a question replays (a scenario's rounds are bounded by its units; far fewer in practice).</summary>
    public const int MaxWalks = 10_000;

    /// <summary>The most instruments an exchange covers.</summary>
    public const int MaxInstruments = 10_000;

    public static byte[] EncodeRequest(ShareRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("view"u8, request.View);
            w.WriteNumber("stage"u8, request.Stage);
            w.WriteNumber("exchange"u8, request.Exchange);
            w.WriteStartArray("symbols"u8);
            foreach (var symbol in request.Symbols)
            {
                w.WriteStringValue(symbol);
            }

            w.WriteEndArray();
            w.WritePropertyName("marks"u8);
            Doubles(w, [.. request.Marks]);
            w.WriteNumber("largest"u8, request.Largest);
            w.WriteStartArray("questions"u8);
            foreach (var q in request.Questions)
            {
                w.WriteStartObject();
                w.WriteNumber("s"u8, q.Scenario);
                w.WritePropertyName("moves"u8);
                Doubles(w, q.Moves);
                if (q.ForcedAccount is { } forced)
                {
                    w.WriteString("forced"u8, forced);
                }

                w.WriteBoolean("final"u8, q.Final);
                w.WriteStartArray("walks"u8);
                foreach (var walk in q.Walks)
                {
                    w.WriteStartArray();
                    Doubles(w, walk.FillLong);
                    Doubles(w, walk.FillShort);
                    Doubles(w, walk.Next);
                    w.WriteEndArray();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeReply(ShareReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("view"u8, reply.View);
            w.WriteNumber("exchange"u8, reply.Exchange);
            w.WriteNumber("source"u8, reply.Source);
            w.WriteNumber("accounts"u8, reply.Accounts);
            w.WriteStartArray("largest"u8);
            foreach (var account in reply.Largest)
            {
                w.WriteStartArray();
                w.WriteStringValue(account.Id);
                Double(w, account.Notional);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteStartArray("answers"u8);
            foreach (var a in reply.Answers)
            {
                w.WriteStartObject();
                w.WriteNumber("s"u8, a.Scenario);
                if (a.Round is { } round)
                {
                    w.WriteNumber("units"u8, round.Units);
                    w.WriteNumber("accounts"u8, round.Accounts);
                    w.WriteString("collateral"u8, Text(round.Collateral));
                    w.WriteStartArray("sums"u8);
                    for (var i = 0; i < round.InstrumentCount; i++)
                    {
                        w.WriteStartArray();
                        w.WriteStringValue(Text(round.Sold(i)));
                        w.WriteStringValue(Text(round.Bought(i)));
                        w.WriteStringValue(Text(round.LongValue(i)));
                        w.WriteStringValue(Text(round.ShortValue(i)));
                        w.WriteNumberValue(round.Positions(i));
                        w.WriteEndArray();
                    }

                    w.WriteEndArray();
                }
                else
                {
                    var deficits = a.Deficits ?? throw new ArgumentException($"answer {a.Scenario} has neither a round nor deficits", nameof(reply));
                    w.WriteBoolean("final"u8, true);
                    w.WriteNumber("accounts"u8, a.Accounts);
                    w.WritePropertyName("forcedNotional"u8);
                    Double(w, a.ForcedNotional);
                    w.WriteString("deficit"u8, Text(deficits.Deficit));
                    w.WriteStartArray("deficitSizes"u8);
                    for (var i = 0; i < deficits.InstrumentCount; i++)
                    {
                        w.WriteStringValue(Text(deficits.Size(i)));
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a request; false (and null) with a one-line reason when it is not one.</summary>
    public static bool TryDecodeRequest(ReadOnlySpan<byte> utf8, out ShareRequest? request, out string reason)
    {
        (request, reason) = (null, "");
        try
        {
            using var doc = Parse(utf8);
            var root = Object(doc.RootElement, "message");
            var view = Long(root, "view");
            var stage = Long(root, "stage");
            var exchange = Int(root, "exchange", 0, int.MaxValue);
            var symbolItems = Array(root, "symbols", MaxInstruments);
            var symbols = new string[symbolItems.GetArrayLength()];
            var si = 0;
            foreach (var item in symbolItems.EnumerateArray())
            {
                symbols[si++] = item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 and <= 64 } symbol
                    ? symbol
                    : throw new FormatException("symbols: a symbol is a string of 1 to 64 characters");
            }

            var n = symbols.Length;
            if (symbols.Distinct(StringComparer.Ordinal).Count() != n)
            {
                throw new FormatException("symbols: a symbol appears twice");
            }

            var marks = Doubles(Property(root, "marks"), "marks", n, exact: true);
            if (marks.Any(m => !(m > 0) || !double.IsFinite(m)))
            {
                throw new FormatException("marks: a mark is a positive finite price");
            }

            var largest = Int(root, "largest", 0, MaxItems);
            var items = Array(root, "questions", MaxItems);
            var questions = new ShareQuestion[items.GetArrayLength()];
            var k = 0;
            foreach (var item in items.EnumerateArray())
            {
                var q = Object(item, "question");
                var scenario = Int(q, "s", 0, int.MaxValue);
                var moves = Doubles(Property(q, "moves"), "moves", n);
                foreach (var move in moves)
                {
                    if (!double.IsFinite(move) || move <= -1)
                    {
                        throw new FormatException($"moves: {move.ToString("R", CultureInfo.InvariantCulture)} is not a finite fraction above −1");
                    }
                }

                string? forced = null;
                if (q.TryGetProperty("forced", out var f))
                {
                    forced = f.ValueKind == JsonValueKind.String ? f.GetString() : throw new FormatException("forced: not a string");
                }

                var final = Property(q, "final").ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new FormatException("final: not a boolean"),
                };
                var walkItems = Array(q, "walks", MaxWalks);
                var walks = new ShareWalk[walkItems.GetArrayLength()];
                var r = 0;
                foreach (var walk in walkItems.EnumerateArray())
                {
                    if (walk.ValueKind != JsonValueKind.Array || walk.GetArrayLength() != 3)
                    {
                        throw new FormatException("walks: a walk is [fillLong, fillShort, next]");
                    }

                    walks[r++] = new ShareWalk(Doubles(walk[0], "walks", n, exact: true), Doubles(walk[1], "walks", n, exact: true),
                        Doubles(walk[2], "walks", n, exact: true));
                }

                questions[k++] = new ShareQuestion(scenario, moves, forced, walks, final);
            }

            request = new ShareRequest(view, stage, exchange, symbols, marks, largest, questions);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or OverflowException)
        {
            request = null;
            reason = ex.Message;
            return false;
        }
    }

    /// <summary>Reads a reply over <paramref name="instruments"/> instruments; false (and null) with a one-line reason when it is not one.</summary>
    public static bool TryDecodeReply(ReadOnlySpan<byte> utf8, int instruments, out ShareReply? reply, out string reason)
    {
        (reply, reason) = (null, "");
        try
        {
            using var doc = Parse(utf8);
            var root = Object(doc.RootElement, "message");
            var view = Long(root, "view");
            var exchange = Int(root, "exchange", 0, int.MaxValue);
            var source = Int(root, "source", 0, int.MaxValue);
            var accountCount = Int(root, "accounts", 0, int.MaxValue);
            var n = instruments;
            var largestItems = Array(root, "largest", MaxItems);
            var largest = new LargeAccount[largestItems.GetArrayLength()];
            var li = 0;
            foreach (var item in largestItems.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 2 || item[0].ValueKind != JsonValueKind.String)
                {
                    throw new FormatException("largest: an account is [id, notional]");
                }

                largest[li++] = new LargeAccount(item[0].GetString()!, Double(item[1], "largest"));
            }

            var items = Array(root, "answers", MaxItems);
            var answers = new ShareAnswer[items.GetArrayLength()];
            var k = 0;
            foreach (var item in items.EnumerateArray())
            {
                var a = Object(item, "answer");
                var scenario = Int(a, "s", 0, int.MaxValue);
                if (a.TryGetProperty("final", out var final) && final.ValueKind == JsonValueKind.True)
                {
                    var deficits = new PortfolioDeficits();
                    deficits.Reset(n);
                    deficits.SetDeficit(Units(Property(a, "deficit"), "deficit"));
                    var sizes = Array(a, "deficitSizes", n);
                    if (sizes.GetArrayLength() != n)
                    {
                        throw new FormatException($"deficitSizes: {sizes.GetArrayLength()} sizes for {n} instruments");
                    }

                    for (var i = 0; i < n; i++)
                    {
                        deficits.Set(i, Units(sizes[i], "deficitSizes"));
                    }

                    var forcedNotional = Double(Property(a, "forcedNotional"), "forcedNotional");
                    answers[k++] = new ShareAnswer(scenario, null, deficits, Int(a, "accounts", 0, int.MaxValue), forcedNotional);
                    continue;
                }

                var round = new PortfolioRound();
                round.Reset(n);
                round.SetTotals(Int(a, "units", 0, int.MaxValue), Int(a, "accounts", 0, int.MaxValue), Units(Property(a, "collateral"), "collateral"));
                var sums = Array(a, "sums", n);
                if (sums.GetArrayLength() != n)
                {
                    throw new FormatException($"sums: {sums.GetArrayLength()} instruments for {n}");
                }

                for (var i = 0; i < n; i++)
                {
                    var row = sums[i];
                    if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != 5 || row[4].ValueKind != JsonValueKind.Number || !row[4].TryGetInt32(out var positions) || positions < 0)
                    {
                        throw new FormatException("sums: a row is [sold, bought, longValue, shortValue, positions]");
                    }

                    var sold = Units(row[0], "sums");
                    var bought = Units(row[1], "sums");
                    if (sold < 0 || bought < 0)
                    {
                        throw new FormatException("sums: a sold or bought size is negative");
                    }

                    round.Set(i, sold, bought, Units(row[2], "sums"), Units(row[3], "sums"), positions);
                }

                answers[k++] = new ShareAnswer(scenario, round, null, 0, 0);
            }

            reply = new ShareReply(view, exchange, source, accountCount, largest, answers);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or OverflowException)
        {
            reply = null;
            reason = ex.Message;
            return false;
        }
    }

    private static JsonDocument Parse(ReadOnlySpan<byte> utf8) =>
        JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });

    private static JsonElement Object(JsonElement e, string what) =>
        e.ValueKind == JsonValueKind.Object ? e : throw new FormatException($"{what}: not a JSON object");

    private static JsonElement Property(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) ? value : throw new FormatException($"{name}: missing");

    private static JsonElement Array(JsonElement e, string name, int max)
    {
        var value = Property(e, name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{name}: not an array");
        }

        return value.GetArrayLength() <= max ? value : throw new FormatException($"{name}: more than {max} items");
    }

    private static long Long(JsonElement e, string name) =>
        Property(e, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out var x) ? x : throw new FormatException($"{name}: not a whole number");

    private static int Int(JsonElement e, string name, int min, int max) =>
        Property(e, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var x) && x >= min && x <= max
            ? x
            : throw new FormatException($"{name}: not a whole number in [{min}, {max}]");

    private static Int128 Units(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.String && Int128.TryParse(e.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x)
            ? x
            : throw new FormatException($"{name}: not a whole number in a string");

    private static double Double(JsonElement e, string name) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetDouble(out var x) => x,
        JsonValueKind.String when e.GetString() is "NaN" => double.NaN,
        JsonValueKind.String when e.GetString() is "Infinity" => double.PositiveInfinity,
        JsonValueKind.String when e.GetString() is "-Infinity" => double.NegativeInfinity,
        _ => throw new FormatException($"{name}: not a number"),
    };

    /// <summary>An array of doubles: at most <paramref name="n"/> (moves may stop short), exactly n when <paramref name="exact"/>.</summary>
    private static double[] Doubles(JsonElement e, string name, int n, bool exact = false)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() > n || (exact && e.GetArrayLength() != n))
        {
            throw new FormatException($"{name}: not an array of {(exact ? "" : "at most ")}{n} numbers");
        }

        var values = new double[e.GetArrayLength()];
        var k = 0;
        foreach (var x in e.EnumerateArray())
        {
            values[k++] = Double(x, name);
        }

        return values;
    }

    private static void Doubles(Utf8JsonWriter w, ReadOnlySpan<double> values)
    {
        w.WriteStartArray();
        foreach (var v in values)
        {
            Double(w, v);
        }

        w.WriteEndArray();
    }

    private static void Double(Utf8JsonWriter w, double value)
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

    private static string Text(Int128 value) => value.ToString(CultureInfo.InvariantCulture);
}
