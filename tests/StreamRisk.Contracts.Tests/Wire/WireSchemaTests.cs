using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Testing;
using WireMessage = StreamRisk.Contracts.Tests.Wire.DecodeMutationPropertyTests.WireMessage;

namespace StreamRisk.Contracts.Tests.Wire;

/// <summary>
/// The published JSON Schemas (docs/schemas) against the code that owns each contract: what the encoder writes validates;
/// what the decoder accepts, the schema accepts; what the decoder refuses for its shape (a missing field, a wrong type,
/// a sign, a value outside its set), the schema refuses. Refusals that depend on state or on arithmetic JSON Schema
/// cannot do (an unknown symbol, a price off the tick grid, floors that do not increase) are stated in the schemas'
/// <c>$comment</c>s and left out here.
/// </summary>
public sealed class WireSchemaTests
{
    // Reason codes (before the colon) whose cause a JSON Schema cannot state in general: state (an unknown symbol), the
    // instrument's tick grid, several values at once (firstId <= lastId, a price listed twice), ranges stated for JSON
    // numbers only, byte counts, and what is not JSON at all. The schemas' $comments say which.
    private static readonly HashSet<string> BeyondSchema =
    [
        WireReasons.UnknownSymbol, WireReasons.OffTick, WireReasons.OutOfRange, WireReasons.DuplicateLevel, WireReasons.DuplicateSymbol,
        WireReasons.NotFinite, WireReasons.TooLong, WireReasons.BadUtf8, WireReasons.Duplicate, WireReasons.BadJson, WireReasons.TooLarge,
        WireReasons.TooDeep,
    ];

    // What a broken producer might put in place of any value. Integers in plain digits: JSON Schema counts 9.1e10 as an
    // integer, the decoder does not (the schemas say so).
    private static readonly string[] Replacements =
    [
        "-1", "0", "-0", "1.5", "2", "true", "[]", "{}", "[1]", "\"x\"", "null", "\"\"", "\" 1\"", "\"1e\"", "\"-5\"", "\"0\"", "\"-0\"",
        "\"2.5\"", "\"0.5e-2\"", "\"long\"", "\"delta\"", "\"position\"", "\"INVERSE\"", "91000000000", "-91000000000", "99999999999999999999999",
        "9223372036854775808", "\"+1\"", "\"01\"", "\"1.\"", "2000000",
    ];

    private static readonly string[] Topics = ["instruments", "book", "marks", "positions", "liquidations", "insurance"];

    [Fact]
    public void SchemaFiles_Draft2020_12_IdNamesTheFile_ExamplesValidate()
    {
        Assert.True(ContractSchemas.All.Count >= 10, $"only {ContractSchemas.All.Count} schemas found in {ContractSchemas.Folder}");
        foreach (var file in Directory.GetFiles(ContractSchemas.Folder, "*.schema.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var root = document.RootElement;
            var name = Path.GetFileName(file);
            Assert.Equal("https://json-schema.org/draft/2020-12/schema", root.GetProperty("$schema").GetString());
            Assert.Equal("https://streamrisk.example/schemas/" + name, root.GetProperty("$id").GetString());
            if (root.TryGetProperty("examples", out var examples))
            {
                foreach (var example in examples.EnumerateArray())
                {
                    var verdict = ContractSchemas.Validate(name[..^".schema.json".Length], example);
                    Assert.True(verdict.IsValid, $"{name}: its example is refused: {verdict}");
                }
            }
        }
    }

    [Fact]
    public void EveryTopic_HasASchema()
    {
        foreach (var topic in Topics)
        {
            Assert.True(ContractSchemas.All.ContainsKey(SchemaOf(topic)), topic);
        }
    }

    [Fact]
    public void EncoderOutput_GeneratedMessagesOfEveryTopic_ValidateAgainstTheTopicsSchema()
    {
        using var f = new WireFixture();
        WithInsurance(f).Sample(message =>
        {
            Assert.True(f.Decode(message.Topic, message.Json).IsValid, message.ToString());
            var verdict = ContractSchemas.Validate(SchemaOf(message.Topic), message.Json);
            Assert.True(verdict.IsValid, $"{message}\n{verdict}");
        }, iter: 2_000, threads: 1);
    }

    [Fact]
    public void DecoderAccepts_MutatedMessages_TheSchemaAcceptsThemToo()
    {
        using var f = new WireFixture();
        var accepted = 0;
        Gen.Select(WithInsurance(f), Gen.Int[0, 2], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Sample((message, kind, at, pick) =>
        {
            var json = Mutate(message.Json, kind, at, pick);
            if (f.Decode(message.Topic, json).IsValid)
            {
                accepted++;
                var verdict = ContractSchemas.Validate(SchemaOf(message.Topic), json);
                Assert.True(verdict.IsValid, $"the decoder of {message.Topic} accepts {Encoding.UTF8.GetString(json)}; the schema says:\n{verdict}");
            }
        }, iter: 5_000, threads: 1);
        Assert.True(accepted > 500, $"only {accepted} mutated messages were accepted: the property checked little");
    }

    [Fact]
    public void DecoderRefusesForShape_MutatedMessages_TheSchemaRefusesThemToo()
    {
        using var f = new WireFixture();
        var refused = new HashSet<string>(StringComparer.Ordinal);
        Gen.Select(WithInsurance(f), Gen.Int[0, 2], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Sample((message, kind, at, pick) =>
        {
            var json = Mutate(message.Json, kind, at, pick);
            var result = f.Decode(message.Topic, json);
            if (!result.IsValid && IsShape(result) && !HasTinyNumber(json))
            {
                refused.Add(result.Reason.Split(':')[0]);
                var verdict = ContractSchemas.Validate(SchemaOf(message.Topic), json);
                Assert.False(verdict.IsValid, $"the decoder of {message.Topic} refuses {Encoding.UTF8.GetString(json)} ({result.Reason}); the schema accepts it");
            }
        }, iter: 5_000, threads: 1);

        // The property covered the refusals a schema can state.
        Assert.Superset(new HashSet<string> { "missing", "wrong-type", "negative", "zero", "bad-number", "not-integer", "unknown-type", "unsupported-version" }, refused);
    }

    [Theory]
    [InlineData("marks", "{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":1}", "missing:price")]
    [InlineData("marks", "{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":\"1\",\"price\":5}", "wrong-type:eventTime")]
    [InlineData("marks", "{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"price\":\"61 800\"}", "bad-number:price")]
    [InlineData("marks", "{\"v\":2,\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"price\":5}", "unsupported-version")]
    [InlineData("book", "{\"v\":1,\"type\":\"delta\",\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"lastId\":5,\"bids\":[],\"asks\":[]}", "missing:firstId")]
    [InlineData("book", "{\"v\":1,\"type\":\"snapshot\",\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"lastId\":5,\"bids\":[[\"61800.1\"]],\"asks\":[]}", "wrong-type:bids")]
    [InlineData("book", "{\"v\":1,\"type\":\"trade\",\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"lastId\":5,\"bids\":[],\"asks\":[]}", "unknown-type")]
    [InlineData("positions", "{\"v\":1,\"type\":\"position\",\"account\":\"a\",\"seq\":1,\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"size\":1,\"entry\":0}", "zero:entry")]
    [InlineData("positions", "{\"v\":1,\"type\":\"account\",\"account\":\"a\",\"seq\":1,\"eventTime\":1,\"balance\":1}", "missing:positions")]
    [InlineData("positions", "{\"v\":1,\"type\":\"balance\",\"account\":\"\",\"seq\":1,\"eventTime\":1,\"balance\":1}", "bad-value:account")]
    [InlineData("positions", "{\"v\":1,\"type\":\"balance\",\"account\":\"a\",\"seq\":1.5,\"eventTime\":1,\"balance\":1}", "not-integer:seq")]
    [InlineData("liquidations", "{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"side\":\"sell\",\"price\":5,\"size\":1}", "bad-value:side")]
    [InlineData("liquidations", "{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":1,\"side\":\"long\",\"price\":5,\"size\":0}", "zero:size")]
    [InlineData("insurance", "{\"v\":1,\"fund\":\"BTCUSDT\",\"eventTime\":1,\"balance\":-1}", "negative:balance")]
    [InlineData("insurance", "{\"v\":1,\"fund\":\"venue fund\",\"eventTime\":1,\"balance\":1}", "bad-value:fund")]
    [InlineData("instruments", "{\"v\":1,\"symbol\":\"NEW\",\"tiers\":[{\"floor\":10,\"mmr\":0.01}]}", "bad-value:tiers")]
    [InlineData("instruments", "{\"v\":1,\"symbol\":\"NEW\",\"tiers\":[{\"floor\":0,\"mmr\":1}]}", "bad-value:tiers")]
    [InlineData("instruments", "{\"v\":1,\"symbol\":\"NEW\",\"bookDepthLimit\":0,\"tiers\":[{\"floor\":0,\"mmr\":0.01}]}", "out-of-range:bookDepthLimit")]
    [InlineData("instruments", "{\"v\":1,\"symbol\":\"NEW\",\"contract\":\"perp\",\"tiers\":[{\"floor\":0,\"mmr\":0.01}]}", "bad-value:contract")]
    [InlineData("instruments", "{\"v\":1,\"symbol\":\"NE W\",\"tiers\":[{\"floor\":0,\"mmr\":0.01}]}", "bad-value:symbol")]
    public void RefusedMessage_RefusedByTheDecoderAndTheSchema(string topic, string json, string reason)
    {
        using var f = new WireFixture();

        var result = f.Decode(topic, Encoding.UTF8.GetBytes(json));
        var verdict = ContractSchemas.Validate(SchemaOf(topic), json);

        Assert.Equal(reason, result.Reason);
        Assert.False(verdict.IsValid, $"the schema of {topic} accepts {json}");
    }

    [Fact]
    public void LadderUpdateEncoder_GeneratedUpdates_ValidateAgainstTheLadderUpdateSchema()
    {
        var doubles = Gen.OneOf(Gen.Double, Gen.Const(double.NaN), Gen.Const(double.PositiveInfinity), Gen.Const(-0.0));
        var account = Gen.String[Gen.Char, 1, 20];
        var update = Gen.Select(
            Gen.Select(Gen.Int[0, int.MaxValue], Gen.Long[1, long.MaxValue], Gen.Long[0, long.MaxValue], Gen.Double[1e-9, 1e6]),
            Gen.Select(Gen.Bool, Gen.Long, Gen.Int[0, int.MaxValue], Gen.Long, Gen.Long).Array[0, 5],
            Gen.Select(account, doubles, doubles, doubles, doubles).Array[0, 3],
            Gen.Select(account, doubles, doubles, doubles).Array[0, 3],
            Gen.Select(Gen.Long[1, long.MaxValue], Gen.Long[0, long.MaxValue], Gen.Double[-1e18, 1e18]).Array[0, 3],
            Gen.Int[0, 7],
            (head, buckets, large, adl, settled, flags) =>
            {
                var u = new LadderUpdate
                {
                    Source = head.Item1, Number = head.Item2, EventTime = head.Item3, Tick = head.Item4,
                    TouchesBefore = flags, TouchesAfter = flags + 1, Replaces = (flags & 1) != 0, HasLarge = (flags & 2) != 0, HasAdl = (flags & 4) != 0,
                };
                foreach (var (isLong, tick, count, size, bankruptcy) in buckets)
                {
                    u.Buckets.Add((isLong, tick, new LadderBucket(count, (Int128)size * long.MaxValue, bankruptcy)));
                }

                foreach (var (a, size, notional, lp, distance) in large)
                {
                    u.Large.Add(new LargePosition(a, size, notional, lp, distance));
                }

                foreach (var (a, score, size, entry) in adl)
                {
                    u.AdlLongs.Add(new AdlCandidate(a, score, size, entry));
                    u.AdlShorts.Add(new AdlCandidate(a + "s", score, size, entry));
                }

                foreach (var (number, time, amount) in settled)
                {
                    u.Settlements.Add(new FundSettlement(number, time, amount));
                }

                return u;
            });
        var encoder = new LadderUpdateEncoder();

        update.Sample(u =>
        {
            var json = encoder.Encode(u, "BTCUSDT").ToArray();
            var verdict = ContractSchemas.Validate("ladder-update", json);
            Assert.True(verdict.IsValid, $"{Encoding.UTF8.GetString(json)}\n{verdict}");
        }, iter: 1_000, threads: 1);
    }

    [Theory]
    [InlineData("{\"eventTime\":1}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":0,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"x\",\"1\"]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"1\"]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[2,5,1,\"1\",\"1\"]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[[1,5,1,\"1\",\"1\",6]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":{}}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"large\":[[7,1,1,1,1]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"adlLongs\":[]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"settled\":[[0,1,5]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"settled\":[[1,1,2e18]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"settled\":[[1,1]]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":-1,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1.5,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[]}")]
    [InlineData("{\"eventTime\":1,\"symbol\":\"BTCUSDT\",\"source\":0,\"n\":1,\"tick\":1,\"before\":0,\"after\":0,\"buckets\":[],\"replaces\":1}")]
    public void RefusedLadderUpdate_RefusedByTheDecoderAndTheSchema(string json)
    {
        using var f = new WireFixture();

        var result = f.Decoder.DecodeLadderUpdate(Encoding.UTF8.GetBytes(json), new LadderUpdate());
        var verdict = ContractSchemas.Validate("ladder-update", json);

        Assert.False(result.IsValid);
        Assert.False(verdict.IsValid, $"the ladder-update schema accepts {json} ({result.Reason})");
    }

    /// <summary>
    /// The malformed exchange messages of <see cref="SystemExchangeCodecTests"/> whose fault a schema can state: all but
    /// array lengths that follow the symbol count, and text that is not JSON.
    /// </summary>
    [Theory]
    [MemberData(nameof(SystemExchangeCodecTests.BadRequests), MemberType = typeof(SystemExchangeCodecTests))]
    public void RefusedSystemRequest_RefusedByTheSchema_UnlessItsFaultIsACount(string json, string reason)
    {
        Assert.False(SystemExchangeCodec.TryDecodeRequest(Encoding.UTF8.GetBytes(json), out _, out _));
        if (reason.Length == 0 || reason.Contains("not an array of", StringComparison.Ordinal))
        {
            return;
        }

        Assert.False(ContractSchemas.Validate("system-request", json).IsValid, $"the system-request schema accepts {json} ({reason})");
    }

    [Theory]
    [MemberData(nameof(SystemExchangeCodecTests.BadReplies), MemberType = typeof(SystemExchangeCodecTests))]
    public void RefusedSystemReply_RefusedByTheSchema_UnlessItsFaultIsACountOrARange(string json, string reason)
    {
        Assert.False(SystemExchangeCodec.TryDecodeReply(Encoding.UTF8.GetBytes(json), 2, out _, out _));
        if (reason.Contains("instruments for", StringComparison.Ordinal) || reason.Contains("sizes for", StringComparison.Ordinal) || json.Contains("999999999999999999999999", StringComparison.Ordinal))
        {
            return;
        }

        Assert.False(ContractSchemas.Validate("system-reply", json).IsValid, $"the system-reply schema accepts {json} ({reason})");
    }

    internal static string SchemaOf(string topic) => topic switch
    {
        "instruments" => "instrument",
        "marks" => "mark",
        "liquidations" => "liquidation",
        _ => topic,
    };

    // A tiers table's rules between rows (floors increasing) and mmr below 1 as text are beyond the schema; the rest of
    // bad-value (an enum, an empty id, a symbol's characters) is not.
    private static bool IsShape(DecodeResult result) =>
        !BeyondSchema.Contains(result.Reason.Split(':')[0]) && result.Reason != "bad-value:tiers";

    // JsonSchema.Net compares numbers as System.Decimal, which reads a magnitude below 1e-28 as 0 (so a size of 4.9e-87 is
    // "zero" to it and its position needs no entry price); the decoder reads doubles. Such messages are left out of the
    // completeness property; the common schema's $comment says so.
    private static bool HasTinyNumber(byte[] json) =>
        System.Text.RegularExpressions.Regex.IsMatch(Encoding.UTF8.GetString(json), @"[eE]-(29|[3-9][0-9]|[0-9]{3})");

    /// <summary>The valid messages of <see cref="DecodeMutationPropertyTests"/> and insurance balances (a known symbol's fund or a venue-wide one).</summary>
    private static Gen<WireMessage> WithInsurance(WireFixture f)
    {
        var insurance = Gen.Select(Gen.OneOf(Gen.Const("BTCUSDT"), Gen.Const("binance-usdm"), Gen.Const("fund_2.a")), Gen.Long[0, 4_102_444_800_000], Gen.Double[0, 1e12], (fund, time, balance) =>
            new WireMessage("insurance", f.Encode((e, o) => e.WriteInsurance(o, fund, time, balance))));
        return Gen.OneOf(DecodeMutationPropertyTests.ValidMessages(f), insurance);
    }

    /// <summary>
    /// One change to a valid message's tree: a field removed (<paramref name="kind"/> 0), or one value (a field's or an
    /// array element's, at any depth) replaced with one of <see cref="Replacements"/>.
    /// </summary>
    private static byte[] Mutate(byte[] json, int kind, int at, int pick)
    {
        var root = JsonNode.Parse(json)!;
        var slots = new List<(JsonNode Parent, string? Name, int Index)>();
        Collect(root, slots);
        var (parent, name, index) = slots[at % slots.Count];
        if (kind == 0 && parent is JsonObject removable)
        {
            removable.Remove(name!);
        }
        else
        {
            var value = JsonNode.Parse(Replacements[pick % Replacements.Length]);
            if (parent is JsonObject o)
            {
                o[name!] = value;
            }
            else
            {
                ((JsonArray)parent)[index] = value;
            }
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Collect(JsonNode node, List<(JsonNode, string?, int)> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o)
                {
                    slots.Add((o, name, -1));
                    if (child is not null)
                    {
                        Collect(child, slots);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    slots.Add((a, null, i));
                    if (a[i] is { } child)
                    {
                        Collect(child, slots);
                    }
                }

                break;
            default:
                break;
        }
    }
}
