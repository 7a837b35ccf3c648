using System.Text.Json;
using BenchmarkDotNet.Attributes;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Benchmarks;

/// <summary>
/// Decoding 10,000 wire messages (a mix like a busy venue's: 50% book deltas of 10 levels, 30% marks, 20% position
/// changes). Baseline: the obvious way — <see cref="JsonDocument"/> per message, fields read by name, prices parsed
/// as doubles. Optimised: <see cref="WireDecoder"/> straight from the UTF-8 bytes into reused buffers (exact ticks,
/// full validation) with no allocation.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class DecodeBenchmarks
{
    private const int Messages = 10_000;
    private (WireTopic Topic, byte[] Value)[] _messages = null!;
    private WireDecoder _decoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        var symbol = new Symbol("BTCUSDT");
        var instrument = new Instrument(symbol, ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004));
        using var writer = new WireMessageWriter();
        var definition = writer.Instrument(instrument);
        _decoder = new WireDecoder(new SymbolTable(), new AccountTable());
        _decoder.DecodeInstrument(definition.Value, out var defined);
        _decoder.Symbols.Upsert(defined!.Instrument.Symbol, defined.TickSize);

        _messages = new (WireTopic, byte[])[Messages];
        var levels = new PriceLevel[10];
        for (var i = 0; i < Messages; i++)
        {
            var time = 1_723_161_255_000 + i;
            var roll = random.NextDouble();
            WireMessage message;
            if (roll < 0.5)
            {
                for (var l = 0; l < levels.Length; l++)
                {
                    levels[l] = new PriceLevel(600_000 - random.Next(2_000), Math.Round(random.NextDouble() * 5, 3));
                }

                message = writer.BookDelta(symbol, time, (2 * i) + 1, (2 * i) + 2, 2 * i, levels.AsSpan(0, 5), levels.AsSpan(5));
            }
            else if (roll < 0.8)
            {
                message = writer.Mark(symbol, time, 60_000 + Math.Round(random.NextDouble() * 100, 1));
            }
            else
            {
                message = writer.Position(new AccountId("acct-" + random.Next(100_000)), i + 1, time, symbol, Math.Round((random.NextDouble() - 0.5) * 4, 3), 60_000, double.NaN);
            }

            _messages[i] = (message.Topic, message.Value);
        }
    }

    [Benchmark(Baseline = true)]
    public double JsonDocumentPerMessage()
    {
        var sum = 0.0;
        foreach (var (topic, value) in _messages)
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            sum += root.GetProperty("eventTime").GetInt64();
            switch (topic)
            {
                case WireTopic.Book:
                    foreach (var side in (string[])["bids", "asks"])
                    {
                        foreach (var level in root.GetProperty(side).EnumerateArray())
                        {
                            sum += double.Parse(level[0].GetRawText(), System.Globalization.CultureInfo.InvariantCulture) + level[1].GetDouble();
                        }
                    }

                    break;
                case WireTopic.Marks:
                    sum += root.GetProperty("price").GetDouble();
                    break;
                default:
                    sum += root.GetProperty("size").GetDouble() + root.GetProperty("entry").GetDouble() + root.GetProperty("account").GetString()!.Length;
                    break;
            }
        }

        return sum;
    }

    [Benchmark]
    public double WireDecoder()
    {
        var sum = 0.0;
        foreach (var (topic, value) in _messages)
        {
            switch (topic)
            {
                case WireTopic.Book:
                    _decoder.DecodeBook(value, out var book);
                    sum += book.EventTime + book.Bids.Length + book.Asks.Length;
                    break;
                case WireTopic.Marks:
                    _decoder.DecodeMark(value, out var mark);
                    sum += mark.EventTime + mark.Price;
                    break;
                default:
                    _decoder.DecodePositions(value, out var positions);
                    sum += positions.EventTime + positions.Position.Size;
                    break;
            }
        }

        return sum;
    }
}
