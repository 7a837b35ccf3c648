using System.Text;
using System.Text.Json;
using CsCheck;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Tests.Wire;

/// <summary>
/// Valid messages, randomly damaged, never make the decoder throw: each decodes to a sane event or is refused with
/// a reason code and a detail line. Every damaged message is also fed to the other topics' decoders (a producer
/// writing to the wrong topic is a failure mode too).
/// </summary>
public sealed class DecodeMutationPropertyTests
{
    private static readonly string[] Topics = ["marks", "book", "positions", "liquidations", "instruments"];

    // What a broken or hostile producer might put where a number was.
    private static readonly string[] NumberReplacements =
    [
        "1e400", "-1e400", "1e-400", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "NaN", "-0", "-1", "0",
        "99999999999999999999999", "9223372036854775808", "1.5", "\"\"", "\" 1\"", "\"1e\"", "null", "true", "[]", "{}",
        "\"\\u0031\"", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]",
    ];

    [Fact]
    public void Decode_MutatedValidMessages_NeverThrowAndEitherDecodeOrGiveAReason()
    {
        using var f = new WireFixture(new WireDecoderOptions { MaxDepth = 8 });
        var mutation = Gen.Select(Gen.Int[0, 7], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[1, 40]);

        Gen.Select(ValidMessages(f), mutation.Array[1, 3]).Sample((message, mutations) =>
        {
            var bytes = message.Json;
            foreach (var (kind, at, pick, count) in mutations)
            {
                bytes = Mutate(bytes, kind, at, pick, count);
            }

            foreach (var topic in Topics)
            {
                var result = f.Decode(topic, bytes);
                if (result.IsValid)
                {
                    CheckSane(f, topic, bytes);
                }
                else
                {
                    Assert.NotEqual(WireProblem.None, result.Problem);
                    Assert.False(string.IsNullOrEmpty(result.Reason));
                    Assert.False(string.IsNullOrWhiteSpace(result.Detail));
                }
            }
        }, iter: 20_000, threads: 1, print: m => Encoding.UTF8.GetString(m.Item1.Json) + " / " + string.Join(",", m.Item2));
    }

    [Fact]
    public void Decode_ValidMessages_DecodeOnTheirOwnTopic()
    {
        using var f = new WireFixture();
        ValidMessages(f).Sample(message =>
        {
            var result = f.Decode(message.Topic, message.Json);
            Assert.True(result.IsValid, result + " " + Encoding.UTF8.GetString(message.Json));
        }, iter: 2_000, threads: 1);
    }

    internal static Gen<WireMessage> ValidMessages(WireFixture f)
    {
        var instrument = Gen.Int[0, f.Symbols.Count - 1];
        var account = Gen.Int[0, f.Accounts.Count - 1];
        var price = Gen.Double[0.0001, 1e7];
        var size = Gen.Double[-1e6, 1e6];
        var time = Gen.Long[0, 4_102_444_800_000];
        var level = Gen.Select(Gen.Long[1, 10_000_000], Gen.Double[0, 1e6], (t, q) => new PriceLevel(t, q));

        var marks = Gen.Select(instrument, time, price, (i, t, p) =>
            new WireMessage("marks", f.Encode((e, o) => e.WriteMark(o, new MarkUpdated(i, t, p)))));
        var positions = Gen.Select(Gen.Select(account, Gen.Long[0, 1_000_000], time), Gen.Select(instrument, size, price, Gen.Bool), (a, p) =>
            new WireMessage("positions", f.Encode((e, o) => e.WritePosition(o, new PositionChanged(a.Item1, a.Item2, a.Item3, p.Item1, p.Item2, p.Item3, p.Item4 ? 100 : double.NaN)))));
        var balances = Gen.Select(account, Gen.Long[0, 1_000_000], time, size, (a, s, t, b) =>
            new WireMessage("positions", f.Encode((e, o) => e.WriteBalance(o, new BalanceChanged(a, s, t, b)))));
        var accounts = Gen.Select(account, time, size, Gen.Int[0, 3], (a, t, b, n) =>
        {
            var held = new (int, double, double, double)[n];
            for (var i = 0; i < n; i++)
            {
                held[i] = (i, i - 1.5, 1_000 + i, i % 2 == 0 ? double.NaN : 10);
            }

            return new WireMessage("positions", f.Encode((e, o) => e.WriteAccount(o, new AccountSnapshotted(a, 1, t, b, n), held)));
        });
        var books = Gen.Select(instrument, Gen.Bool, level.Array[0, 6], level.Array[0, 6], (i, isDelta, bids, asks) =>
        {
            // Distinct prices: a snapshot listing a price twice is refused, and this generator makes valid ones.
            bids = bids.DistinctBy(l => l.PriceTicks).ToArray();
            asks = asks.DistinctBy(l => l.PriceTicks).ToArray();
            return new WireMessage("book", f.Encode((e, o) => e.WriteBook(o, isDelta
                ? BookUpdated.Delta(i, 1, 11, 12, 10, bids, asks)
                : BookUpdated.Snapshot(i, 1, 10, bids, asks))));
        });
        var liquidations = Gen.Select(instrument, time, Gen.Bool, price, Gen.Int[-1, f.Accounts.Count - 1], (i, t, isLong, p, a) =>
            new WireMessage("liquidations", f.Encode((e, o) => e.WriteLiquidation(o, new LiquidationFilled(i, t, isLong ? PositionSide.Long : PositionSide.Short, p, p / 3, a)))));
        var instruments = Gen.Select(Gen.Int[1, 5], Gen.Bool, (tiers, inverse) =>
        {
            var rows = new List<(double, double, double?)>();
            for (var i = 0; i < tiers; i++)
            {
                rows.Add((i * 10_000.0, 0.004 * (i + 1), null));
            }

            var spec = new Instrument(new Symbol("NEW" + tiers), inverse ? ContractKind.Inverse : ContractKind.Linear, 0.5, 1, MarginTiers.Create(rows), 100);
            return new WireMessage("instruments", f.Encode((e, o) => e.WriteInstrument(o, new InstrumentDefined(spec, TickSize.FromDecimal(0.5m)))));
        });

        return Gen.OneOf(marks, positions, balances, accounts, books, liquidations, instruments);
    }

    private static byte[] Mutate(byte[] json, int kind, int at, int pick, int count)
    {
        var text = Encoding.UTF8.GetString(json);
        var afterBrace = text.Length > 0 ? text[1..] : string.Empty;
        switch (kind)
        {
            case 0:
                // Truncate.
                return json[..(at % (json.Length + 1))];
            case 1:
            {
                // Flip bits of one byte (may leave invalid UTF-8 behind).
                var flipped = (byte[])json.Clone();
                if (flipped.Length > 0)
                {
                    flipped[at % flipped.Length] ^= (byte)(1 + (pick % 255));
                }

                return flipped;
            }

            case 2:
            {
                // Replace a number (or a string) value with something out of range or of the wrong type.
                var tokens = ValueTokens(json);
                if (tokens.Count == 0)
                {
                    return json;
                }

                var (start, length) = tokens[at % tokens.Count];
                var replacement = Encoding.UTF8.GetBytes(NumberReplacements[pick % NumberReplacements.Length]);
                return [.. json[..start], .. replacement, .. json[(start + length)..]];
            }

            case 3:
            {
                // Duplicate a key: repeat a "name":value pair right after the opening brace.
                var names = PropertyNames(text);
                if (names.Count == 0)
                {
                    return json;
                }

                var name = names[at % names.Count];
                return Encoding.UTF8.GetBytes("{\"" + name + "\":" + NumberReplacements[pick % NumberReplacements.Length] + "," + afterBrace);
            }

            case 4:
                // Nest deep: an unknown field holding count levels of arrays or objects.
                return Encoding.UTF8.GetBytes("{\"deep\":" + (pick % 2 == 0
                    ? new string('[', count) + new string(']', count)
                    : string.Concat(Enumerable.Repeat("{\"a\":", count)) + "1" + new string('}', count)) + "," + afterBrace);
            case 5:
            {
                // Insert a random byte.
                var position = at % (json.Length + 1);
                return [.. json[..position], (byte)(pick % 256), .. json[position..]];
            }

            case 6:
            {
                // Delete a slice.
                var position = at % (json.Length + 1);
                var end = Math.Min(json.Length, position + count);
                return [.. json[..position], .. json[end..]];
            }

            default:
                // Change the version.
                return Encoding.UTF8.GetBytes(text.Replace("\"v\":1", "\"v\":" + (pick % 4), StringComparison.Ordinal));
        }
    }

    /// <summary>Where number and string values sit in a (valid) message.</summary>
    private static List<(int Start, int Length)> ValueTokens(byte[] json)
    {
        var tokens = new List<(int, int)>();
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.Number)
                {
                    tokens.Add(((int)reader.TokenStartIndex, reader.ValueSpan.Length));
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    tokens.Add(((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2));
                }
            }
        }
        catch (JsonException)
        {
            // Already damaged by an earlier mutation: use what was found.
        }

        return tokens;
    }

    private static List<string> PropertyNames(string text)
    {
        var names = new List<string>();
        var start = 0;
        while ((start = text.IndexOf('"', start)) >= 0)
        {
            var end = text.IndexOf('"', start + 1);
            if (end < 0)
            {
                break;
            }

            if (end + 1 < text.Length && text[end + 1] == ':')
            {
                names.Add(text[(start + 1)..end]);
            }

            start = end + 1;
        }

        return names;
    }

    /// <summary>A message that decoded is within the contract: what the engine will trust.</summary>
    private static void CheckSane(WireFixture f, string topic, byte[] json)
    {
        var d = f.Decoder;
        switch (topic)
        {
            case "marks":
                d.DecodeMark(json, out var mark);
                Assert.InRange(mark.InstrumentIndex, 0, f.Symbols.Count - 1);
                Assert.True(double.IsFinite(mark.Price) && mark.Price > 0);
                Assert.True(mark.EventTime >= 0);
                break;
            case "book":
                d.DecodeBook(json, out var book);
                Assert.InRange(book.InstrumentIndex, 0, f.Symbols.Count - 1);
                foreach (var level in book.Bids)
                {
                    Assert.True(level.PriceTicks > 0 && double.IsFinite(level.Quantity) && level.Quantity >= 0);
                }

                foreach (var level in book.Asks)
                {
                    Assert.True(level.PriceTicks > 0 && double.IsFinite(level.Quantity) && level.Quantity >= 0);
                }

                if (book.Kind == BookUpdateKind.Delta)
                {
                    Assert.True(book.PreviousId < book.FirstId && book.FirstId <= book.LastId);
                }
                else
                {
                    // The order book must accept what the decoder passed.
                    new OrderBook(f.Symbols.SymbolAt(book.InstrumentIndex), f.Symbols.TickSizeAt(book.InstrumentIndex)).ApplySnapshot(book.LastId, book.Bids, book.Asks);
                }

                break;
            case "positions":
                d.DecodePositions(json, out var message);
                Assert.InRange(message.AccountSlot, 0, f.Accounts.Count - 1);
                Assert.True(message.Sequence >= 0 && message.EventTime >= 0);
                if (message.Kind == PositionsMessageKind.Position)
                {
                    var p = message.Position;
                    Assert.True(double.IsFinite(p.Size) && double.IsFinite(p.Entry) && (p.Size == 0 || p.Entry > 0));
                    Assert.True(double.IsNaN(p.IsolatedMargin) || p.IsolatedMargin >= 0);
                }
                else if (message.Kind == PositionsMessageKind.Account)
                {
                    Assert.Equal(message.Account.PositionCount, d.AccountPositions.Length);
                    foreach (var (held, size, entry, _) in d.AccountPositions)
                    {
                        Assert.InRange(held, 0, f.Symbols.Count - 1);
                        Assert.True(double.IsFinite(size) && (size == 0 || entry > 0));
                    }
                }
                else
                {
                    Assert.True(double.IsFinite(message.Balance.Balance));
                }

                break;
            case "liquidations":
                d.DecodeLiquidation(json, out var fill);
                Assert.True(fill.Price > 0 && double.IsFinite(fill.Price) && fill.Size > 0 && double.IsFinite(fill.Size));
                Assert.True(fill.AccountSlot < f.Accounts.Count);
                break;
            default:
                d.DecodeInstrument(json, out var defined);
                Assert.NotNull(defined);
                Assert.True(defined.TickSize.Units > 0 && defined.Instrument.Tiers.Count > 0);
                break;
        }
    }

    /// <summary>A message as produced, with the topic it belongs to.</summary>
    public sealed record WireMessage(string Topic, byte[] Json)
    {
        public override string ToString() => Topic + " " + Encoding.UTF8.GetString(Json);
    }
}
