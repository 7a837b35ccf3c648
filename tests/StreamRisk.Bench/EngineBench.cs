using System.Diagnostics;
using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;

namespace StreamRisk.Bench;

/// <summary>What the in-process engine run measured.</summary>
/// <param name="VenueEventsPerSecond">The same engine on the venue-paced stream (one mark per symbol per second, the rest book deltas and position changes).</param>
/// <param name="Marks">Where the mixed stream's time went on marks: revaluations of cross holders and ADL rankings.</param>
internal sealed record EngineFigures(
    int Accounts, int Positions, long Events, double EventsPerSecond, double DecodeOnlyEventsPerSecond, double BytesPerPosition, long HeapGrowth,
    long VenueEvents, double VenueEventsPerSecond, MarkWork Marks);

/// <summary>What the marks of a timed stream cost (see <see cref="AccountStage.Revaluations"/>).</summary>
/// <param name="Seconds">The whole timed stream's wall time, for the shares.</param>
internal sealed record MarkWork(long Revaluations, long AccountsRecomputed, double RevaluationSeconds, long AdlRankings, double AdlSeconds, double Seconds)
{
    public double NanosecondsPerAccount => AccountsRecomputed == 0 ? 0 : RevaluationSeconds * 1e9 / AccountsRecomputed;
}

/// <summary>
/// Decode + apply through the monitor's own path (<see cref="EventApplier"/> → <see cref="RiskEngine"/>), with no
/// Kafka and no projections: the market and every account are loaded first (that load is the memory figure), then
/// the mixed stream is timed. The decode-only baseline runs the same bytes through a <see cref="WireDecoder"/>.
/// </summary>
internal static class EngineBench
{
    public static EngineFigures Run(int accounts, int streamEvents, TimeSpan budget, Action<string> progress)
    {
        progress($"engine: generating {accounts:N0} accounts on 10 symbols and {streamEvents:N0} stream events");
        using var market = new BenchMarket(accounts, seed: 9);
        var setup = BenchMarket.AsIngested(market.Market());
        var population = BenchMarket.AsIngested(market.Accounts().ToList());
        var wire = market.Stream(streamEvents).ToList();
        var stream = BenchMarket.AsIngested(wire);

        var engine = new RiskEngine(new EngineOptions());
        var deadLetters = 0L;
        var applier = new EventApplier(engine, new EventClock(), (_, _, _) => deadLetters++);
        foreach (var message in setup)
        {
            applier.Apply(message);
        }

        progress($"engine: loading {accounts:N0} accounts ({market.Positions:N0} positions)");
        var before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var message in population)
        {
            applier.Apply(message);
        }

        var heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(population);
        Check(deadLetters, "loading the population");

        // Timed: the stream until it ends or the budget is spent (a mark recomputes every multi-symbol cross holder of
        // its symbol, so at 1M accounts the whole stream may take far longer than the budget).
        progress($"engine: applying the stream (at most {budget.TotalSeconds:0} s)");
        var (revaluations0, revaluationTime0) = engine.Accounts.Revaluations;
        var (rankings0, rankingTime0) = engine.Accounts.AdlRankings;
        var recomputed0 = engine.Margins.MarkRecomputations;
        var (applied, applySeconds) = Apply(applier, stream, budget);
        Check(deadLetters, "applying the stream");
        var (revaluations1, revaluationTime1) = engine.Accounts.Revaluations;
        var (rankings1, rankingTime1) = engine.Accounts.AdlRankings;
        var marks = new MarkWork(revaluations1 - revaluations0, engine.Margins.MarkRecomputations - recomputed0, (revaluationTime1 - revaluationTime0).TotalSeconds,
            rankings1 - rankings0, (rankingTime1 - rankingTime0).TotalSeconds, applySeconds);

        // Second timed pass, same engine: marks at a venue's pace (one per symbol per second of event time). The mixed
        // stream above has 300 marks per symbol per second, which is a decode mix, not a market: this shows what the
        // book and position path sustains when marks come as they do live.
        progress("engine: applying the venue-paced stream");
        var venue = BenchMarket.AsIngested(market.Stream(streamEvents, venueMarks: true).ToList());
        var (venueApplied, venueSeconds) = Apply(applier, venue, budget);
        Check(deadLetters, "applying the venue-paced stream");

        // Decode only: the same bytes, passes over the applied prefix until a quarter of the budget has gone.
        var decoder = new WireDecoder(new SymbolTable(), new AccountTable());
        foreach (var message in setup)
        {
            if (message.Record.Topic == WireTopic.Instruments && decoder.DecodeInstrument(message.Record.Value, out var defined).IsValid && defined is not null)
            {
                decoder.Symbols.Upsert(defined.Instrument.Symbol, defined.TickSize);
            }
        }

        var decoded = 0L;
        var invalid = 0L;
        var clock = Stopwatch.StartNew();
        do
        {
            for (var i = 0; i < applied; i++)
            {
                var value = wire[i].Value;
                var result = wire[i].Topic switch
                {
                    WireTopic.Book => decoder.DecodeBook(value, out _),
                    WireTopic.Marks => decoder.DecodeMark(value, out _),
                    _ => decoder.DecodePositions(value, out _),
                };
                invalid += result.IsValid ? 0 : 1;
            }

            decoded += applied;
        }
        while (clock.Elapsed < budget / 4);

        var decodeSeconds = clock.Elapsed.TotalSeconds;
        if (invalid > 0)
        {
            throw new InvalidOperationException($"bench: {invalid:N0} stream messages did not decode");
        }

        return new EngineFigures(accounts, market.Positions, applied, applied / applySeconds, decoded / decodeSeconds,
            (double)heapGrowth / market.Positions, heapGrowth, venueApplied, venueApplied / venueSeconds, marks);
    }

    /// <summary>Applies the stream until it ends or the budget is spent: how many, in how many seconds.</summary>
    private static (int Applied, double Seconds) Apply(EventApplier applier, IngestedMessage[] stream, TimeSpan budget)
    {
        var applied = 0;
        var clock = Stopwatch.StartNew();
        while (applied < stream.Length)
        {
            applier.Apply(stream[applied++]);
            if ((applied & 63) == 0 && clock.Elapsed >= budget)
            {
                break;
            }
        }

        return (applied, clock.Elapsed.TotalSeconds);
    }

    private static void Check(long deadLetters, string stage)
    {
        if (deadLetters > 0)
        {
            throw new InvalidOperationException($"bench: {deadLetters:N0} messages dead-lettered while {stage}; the generated input is wrong");
        }
    }
}
