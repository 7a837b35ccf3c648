using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Engine.Ingest;
using StreamRisk.Simulation;

namespace StreamRisk.Bench;

/// <summary>
/// The input of the throughput figures, as wire messages: ten linear instruments, a 200-level book per symbol, a
/// mark each, a synthetic population (<see cref="SyntheticPopulation"/>, the demo's leverage mix) and then a mixed
/// stream in rounds — per symbol and round five book deltas near the touch, three marks (a small random walk) and two
/// position changes of random holders (a leg resized by ±10 %, its leverage kept) — so any prefix is the same mix
/// (50 % book, 30 % marks, 20 % positions, as the decode benchmark). Deterministic for a seed. One thread.
/// </summary>
internal sealed class BenchMarket : IDisposable
{
    private const int BookLevels = 200;

    // Price and tick of each symbol: a spread of magnitudes, as a venue lists them.
    private static readonly (string Name, double Price, double Tick, double Lot)[] Specs =
    [
        ("BTCUSDT", 60_000, 0.1, 0.001), ("ETHUSDT", 3_000, 0.01, 0.001), ("SOLUSDT", 150, 0.01, 1), ("BNBUSDT", 600, 0.01, 0.01),
        ("AVAXUSDT", 30, 0.001, 1), ("XRPUSDT", 0.5, 0.0001, 1), ("DOGEUSDT", 0.15, 0.00001, 1), ("LTCUSDT", 80, 0.01, 0.001),
        ("LINKUSDT", 15, 0.001, 0.01), ("ADAUSDT", 0.45, 0.0001, 1),
    ];

    private readonly Random _random;
    private readonly WireMessageWriter _writer = new();
    private readonly Instrument[] _instruments;
    private readonly long[] _markTicks;
    private readonly long[] _bookIds;
    private readonly IReadOnlyList<SimAccount> _accounts;
    private readonly long[] _seq;
    private readonly long _start;
    private long _eventTime;

    /// <param name="start">Event time of the market and the population (Unix ms); stream rounds follow 10 ms apart.</param>
    public BenchMarket(int accounts, int seed, long start = 1_704_067_200_000)
    {
        _start = start;
        _eventTime = start;
        _random = new Random(seed);
        _instruments = Specs.Select(s => new Instrument(new Symbol(s.Name), ContractKind.Linear, s.Tick, s.Lot,
            s.Name switch
            {
                "BTCUSDT" => SimulatedSymbol.BinanceBtcUsdtTiers,
                "ETHUSDT" => SimulatedSymbol.BinanceEthUsdtTiers,
                _ => SimulatedSymbol.BinanceSolUsdtTiers,
            })).ToArray();
        _markTicks = Specs.Select(s => (long)Math.Round(s.Price / s.Tick)).ToArray();
        _bookIds = new long[Specs.Length];
        _accounts = SyntheticPopulation.Generate(seed, accounts, _instruments.Select((i, k) => (i, Specs[k].Price)).ToList(), start);
        _seq = new long[_accounts.Count];
        Array.Fill(_seq, 1);
        Positions = _accounts.Sum(a => a.Positions.Count);
    }

    /// <summary>Positions in the population.</summary>
    public int Positions { get; }

    /// <summary>Instruments, book snapshots and marks: what must be there before any account.</summary>
    public List<WireMessage> Market()
    {
        var messages = new List<WireMessage>();
        for (var s = 0; s < Specs.Length; s++)
        {
            messages.Add(_writer.Instrument(_instruments[s]));
        }

        var bids = new PriceLevel[BookLevels];
        var asks = new PriceLevel[BookLevels];
        for (var s = 0; s < Specs.Length; s++)
        {
            var step = LevelStep(s);
            for (var i = 0; i < BookLevels; i++)
            {
                bids[i] = new PriceLevel(_markTicks[s] - ((i + 1) * step), Quantity(s));
                asks[i] = new PriceLevel(_markTicks[s] + ((i + 1) * step), Quantity(s));
            }

            _bookIds[s] = 1;
            messages.Add(_writer.BookSnapshot(_instruments[s].Symbol, _start, 1, bids, asks));
            messages.Add(_writer.Mark(_instruments[s].Symbol, _start, _markTicks[s] * Specs[s].Tick));
        }

        return messages;
    }

    /// <summary>Every account's snapshot (seq 1).</summary>
    public IEnumerable<WireMessage> Accounts() => Snapshots(_writer, _accounts);

    /// <summary>Each account's snapshot message, in the accounts' order (the synthetic population holds at most four legs).</summary>
    public static IEnumerable<WireMessage> Snapshots(WireMessageWriter writer, IEnumerable<SimAccount> accounts)
    {
        var legs = new (Symbol, double, double, double)[4];
        foreach (var account in accounts)
        {
            for (var k = 0; k < account.Positions.Count; k++)
            {
                var p = account.Positions[k];
                legs[k] = (new Symbol(p.Symbol), p.Size, p.Entry, p.IsolatedMargin ?? double.NaN);
            }

            yield return writer.Account(new AccountId(account.Account), account.Seq, account.EventTime, account.Balance, legs.AsSpan(0, account.Positions.Count));
        }
    }

    /// <summary>Messages per stream round (ten for each of the ten symbols), 10 ms of event time apart: 10,000 events per second of event time.</summary>
    public const int RoundSize = 100;

    /// <summary>The mixed stream, <paramref name="count"/> messages (whole rounds of ten per symbol, cut at the count).</summary>
    /// <param name="venueMarks">
    /// Marks at a venue's pace — one per symbol per second of event time (Binance <c>markPrice@1s</c>) — with book
    /// deltas in the other mark slots, instead of three marks per symbol per round (300 a second: a decode mix, not a
    /// market).
    /// </param>
    public IEnumerable<WireMessage> Stream(int count, bool venueMarks = false)
    {
        var produced = 0;
        var change = new PriceLevel[1];
        var round = -1L;
        while (true)
        {
            _eventTime += 10;
            round++;
            for (var k = 0; k < 10; k++)
            {
                for (var s = 0; s < Specs.Length; s++)
                {
                    if (produced++ == count)
                    {
                        yield break;
                    }

                    yield return k switch
                    {
                        0 or 2 or 4 or 6 or 8 => BookDelta(s, change),
                        1 or 5 or 9 when !venueMarks || (k == 1 && round % 100 == 0) => Mark(s),
                        1 or 5 or 9 => BookDelta(s, change),
                        _ => PositionChange(),
                    };
                }
            }
        }
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Wire messages as the Kafka source hands them over (made up front: the source makes them outside the applier).</summary>
    public static IngestedMessage[] AsIngested(IReadOnlyList<WireMessage> messages)
    {
        var ingested = new IngestedMessage[messages.Count];
        for (var i = 0; i < ingested.Length; i++)
        {
            var m = messages[i];
            ingested[i] = IngestedMessage.Of(new WireRecord(m.Topic, m.Key, m.Value, 0, i));
        }

        return ingested;
    }

    // Levels 0.05 % apart (at least one tick), so 200 levels span ±10 %.
    private long LevelStep(int s) => Math.Max(1, (long)Math.Round(_markTicks[s] * 0.0005));

    // About 20k USD a level, ± 50 %.
    private double Quantity(int s) => Math.Max(Specs[s].Lot, Math.Round(20_000 * (0.5 + _random.NextDouble()) / Specs[s].Price / Specs[s].Lot) * Specs[s].Lot);

    private WireMessage BookDelta(int s, PriceLevel[] change)
    {
        // One level within the ten nearest the mark changes (or empties) on one side.
        var step = LevelStep(s);
        var offset = (1 + _random.Next(10)) * step;
        var bid = _random.Next(2) == 0;
        change[0] = new PriceLevel(bid ? _markTicks[s] - offset : _markTicks[s] + offset, _random.Next(8) == 0 ? 0 : Quantity(s));
        var previous = _bookIds[s];
        var id = ++_bookIds[s];
        return bid
            ? _writer.BookDelta(_instruments[s].Symbol, _eventTime, id, id, previous, change, [])
            : _writer.BookDelta(_instruments[s].Symbol, _eventTime, id, id, previous, [], change);
    }

    private WireMessage Mark(int s)
    {
        // A random walk of ±2 ticks-per-10,000 around the start price, never more than 1 % away: marks move LPs and
        // margins without liquidating the population.
        var start = Math.Round(Specs[s].Price / Specs[s].Tick);
        var move = Math.Max(1, (long)Math.Round(_markTicks[s] * 0.0002)) * (_random.Next(2) == 0 ? -1 : 1);
        var next = _markTicks[s] + move;
        if (Math.Abs(next - start) <= start * 0.01)
        {
            _markTicks[s] = next;
        }

        return _writer.Mark(_instruments[s].Symbol, _eventTime, _markTicks[s] * Specs[s].Tick);
    }

    private WireMessage PositionChange()
    {
        var a = _random.Next(_accounts.Count);
        var account = _accounts[a];
        var leg = account.Positions[_random.Next(account.Positions.Count)];
        var lot = Specs[Array.FindIndex(Specs, x => x.Name == leg.Symbol)].Lot;
        var factor = _random.Next(2) == 0 ? 0.9 : 1.1;
        var size = Math.Sign(leg.Size) * Math.Max(lot, Math.Round(Math.Abs(leg.Size) * factor / lot) * lot);
        var margin = leg.IsolatedMargin is { } m ? m * Math.Abs(size / leg.Size) : double.NaN;
        return _writer.Position(new AccountId(account.Account), ++_seq[a], _eventTime, new Symbol(leg.Symbol), size, leg.Entry, margin);
    }
}
