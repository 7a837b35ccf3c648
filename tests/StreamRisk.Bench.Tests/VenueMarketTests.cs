using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;

namespace StreamRisk.Bench.Tests;

/// <summary>
/// The venue bench's market (<see cref="VenueMarket"/>) at a small size: the same seed and calls give the same bytes,
/// and the stream has the shape the bench reports on — crash rates five times the calm's, every mark of the crash past
/// the 0.1 % revaluation move, liquidation fills and closes, books that follow the fall gaplessly and uncrossed — and the
/// monitor's own path takes all of it.
/// </summary>
public sealed class VenueMarketTests
{
    private const int Accounts = 2_000;
    private const int Instruments = 20;

    [Fact]
    public void SameSeedAndCalls_SameBytes_AnotherSeedOthers()
    {
        var first = Generate(seed: 5);
        var again = Generate(seed: 5);
        var other = Generate(seed: 6);

        Assert.Equal(first.Count, again.Count);
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].Topic, again[i].Topic);
            Assert.Equal(first[i].Key, again[i].Key);
            Assert.Equal(first[i].Value, again[i].Value);
        }

        Assert.False(first.Count == other.Count && first.Zip(other).All(p => p.First.Value.AsSpan().SequenceEqual(p.Second.Value)));
    }

    [Fact]
    public void Crash_FiveTimesTheCalmsBookRate_EveryMarkPastTheRevaluationMove_LiquidationsFilledAndClosed_AllApplied()
    {
        using var market = new VenueMarket(Accounts, Instruments, seed: 3);
        var engine = new RiskEngine(new EngineOptions());
        var deadLetters = new List<string>();
        var applier = new EventApplier(engine, new EventClock(), (_, reason, detail) => deadLetters.Add(reason + ": " + detail));
        var setup = market.Market();
        var decoder = new WireDecoder(new SymbolTable(), new AccountTable());
        foreach (var message in setup)
        {
            if (message.Topic == WireTopic.Instruments && decoder.DecodeInstrument(message.Value, out var defined).IsValid && defined is not null)
            {
                decoder.Symbols.Upsert(defined.Instrument.Symbol, defined.TickSize);
            }
        }

        Apply(applier, setup);
        Apply(applier, market.AccountSnapshots().ToList());

        const int calmSeconds = 20, crashSeconds = 60;
        var previous = new double[Instruments];
        for (var s = 0; s < Instruments; s++)
        {
            previous[s] = market.Mark(s);
        }

        long calmBook = 0, crashBook = 0, fills = 0, closes = 0;
        var smallestCrashMove = double.MaxValue;
        var second = new List<WireMessage>();
        for (var t = 0; t < calmSeconds + crashSeconds; t++)
        {
            var crash = t >= calmSeconds;
            second.Clear();
            var at = market.NextSecond(crash, second);
            Apply(applier, second);
            var marked = new bool[Instruments];
            foreach (var message in second)
            {
                switch (message.Topic)
                {
                    case WireTopic.Book when crash:
                        crashBook++;
                        break;
                    case WireTopic.Book:
                        calmBook++;
                        break;
                    case WireTopic.Marks:
                        Assert.True(decoder.DecodeMark(message.Value, out var mark).IsValid);
                        Assert.Equal(at, mark.EventTime);
                        Assert.False(marked[mark.InstrumentIndex], "one mark per instrument per second");
                        marked[mark.InstrumentIndex] = true;
                        if (crash)
                        {
                            smallestCrashMove = Math.Min(smallestCrashMove, Math.Abs((mark.Price / previous[mark.InstrumentIndex]) - 1));
                        }

                        previous[mark.InstrumentIndex] = mark.Price;
                        break;
                    case WireTopic.Liquidations:
                        Assert.True(crash);
                        Assert.True(decoder.DecodeLiquidation(message.Value, out var fill).IsValid);
                        Assert.True(fill.HasAccount);
                        fills++;
                        break;
                    case WireTopic.Positions when decoder.DecodePositions(message.Value, out var change).IsValid && change.Kind == PositionsMessageKind.Position && change.Position.Size == 0:
                        closes++;
                        break;
                }
            }

            Assert.All(marked, Assert.True);
            for (var s = 0; s < Instruments; s++)
            {
                // Every book message follows on from the last, and the book follows the mark without crossing.
                var book = engine.BookOf(s)!;
                Assert.False(book.IsStale || book.Gaps > 0 || book.IsCrossed, $"instrument {s} at second {t}: stale {book.IsStale}, gaps {book.Gaps}, crossed {book.IsCrossed}");
                Assert.True(book.TryGetBest(StreamRisk.Domain.Books.BookSide.Bid, out var bid) && bid.PriceTicks * 1.0 < market.Mark(s) / market.TickSize(s) + 1);
            }
        }

        var ratio = (crashBook / (double)crashSeconds) / (calmBook / (double)calmSeconds);
        Assert.InRange(ratio, 4.95, 5.05);
        Assert.True(smallestCrashMove > 0.001, $"smallest crash mark move {smallestCrashMove:P3}");
        Assert.True(fills > 0, "no liquidation fills in the crash's first minute");
        Assert.Equal(market.Liquidated.Positions, fills);
        Assert.True(closes >= fills, $"{fills} fills, {closes} closes");
        Assert.Empty(deadLetters);
        // The whole crash liquidates a real share of the population, not all of it.
        Assert.InRange(market.UnitsLiquidatedByTheFullCrash, market.Units / 20, market.Units * 3 / 4);
        for (var s = 0; s < Instruments; s++)
        {
            Assert.InRange(market.Depth(s), 0.05, 0.30);
        }
    }

    [Fact]
    public void PacedLag_IdleEngineLagsByTheEventsOwnTime_BacklogCarriesOver()
    {
        var pacer = new PacedLag();

        Assert.Equal(0.010, pacer.Next(1_000, 0.010), 9);  // arrives at 0, done at 0.010
        Assert.Equal(0.010, pacer.Next(1_100, 0.010), 9);  // arrives at 0.100 to an idle engine
        Assert.Equal(0.500, pacer.Next(1_200, 0.500), 9);  // done at 0.700
        Assert.Equal(0.550, pacer.Next(1_200, 0.050), 9);  // same arrival, waits behind it: done at 0.750
        Assert.Equal(0.100, pacer.Next(1_800, 0.100), 9);  // arrives at 0.800 after the queue emptied (0.750)
    }

    private static List<WireMessage> Generate(int seed)
    {
        using var market = new VenueMarket(Accounts, Instruments, seed);
        var messages = market.Market();
        messages.AddRange(market.AccountSnapshots());
        for (var t = 0; t < 5; t++)
        {
            market.NextSecond(crash: false, messages);
        }

        for (var t = 0; t < 20; t++)
        {
            market.NextSecond(crash: true, messages);
        }

        messages.AddRange(market.Stream(1_000, crash: true));
        return messages;
    }

    private static void Apply(EventApplier applier, List<WireMessage> messages)
    {
        foreach (var message in BenchMarket.AsIngested(messages))
        {
            applier.Apply(message);
        }
    }
}
