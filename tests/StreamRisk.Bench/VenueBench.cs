using System.Diagnostics;
using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;

namespace StreamRisk.Bench;

/// <summary>What one phase (calm or crash) of the venue run measured.</summary>
/// <param name="MarketSeconds">Seconds of market applied (whole seconds; fewer than planned when the budget ran out).</param>
/// <param name="ApplySeconds">Wall time of the applies alone (the sum of each event's measured time).</param>
/// <param name="DecodeSeconds">Wall time of decoding the same messages once, for the decode-only ceiling.</param>
/// <param name="DecodedMarketSeconds">Seconds of market those decoded messages cover.</param>
/// <param name="LagP99Ms">p99 over the phase's events of (finish − event time) under a simulated 1× pacer (one queue from the calm on).</param>
/// <param name="OwnLagP99Ms">The same from a queue empty at the phase's start: the phase's own lag, without a backlog carried in.</param>
/// <param name="Marks">What the phase's marks cost (revaluations of cross holders and ADL rankings).</param>
internal sealed record VenuePhase(
    int MarketSeconds, long Events, long BookMessages, long Fills, double ApplySeconds, double DecodeSeconds, int DecodedMarketSeconds,
    double LagP99Ms, double LagMaxMs, double OwnLagP99Ms, MarkWork Marks)
{
    /// <summary>Market seconds processed per wall second on the engine thread.</summary>
    public double RealTimeFactor => MarketSeconds / Math.Max(ApplySeconds, 1e-9);

    /// <summary>Market seconds decoded per wall second: the ceiling of <see cref="RealTimeFactor"/>.</summary>
    public double DecodeOnlyRealTimeFactor => DecodedMarketSeconds / Math.Max(DecodeSeconds, 1e-9);
}

/// <summary>What the venue-scale crash run measured.</summary>
internal sealed record VenueFigures(
    int Accounts, int Positions, int Instruments, double LoadSeconds, int WarmUpSeconds, int PlannedCalmSeconds, VenuePhase Calm, VenuePhase Crash,
    int LiquidatedUnits, int LiquidatedPositions, int UnitsLiquidatedByTheFullCrash, int Units, double BookPerSecond, double TradesPerSecond);

/// <summary>
/// The venue-scale crash (<see cref="VenueMarket"/>) through the monitor's own path (<see cref="EventApplier"/> →
/// <see cref="RiskEngine"/>, no Kafka and no projections, as <see cref="EngineBench"/>): the instruments and the
/// population are loaded, then calm seconds and the crash's seconds are generated one at a time (untimed) and applied,
/// each event timed on its own, until the phase's market time is done or its wall budget is spent. The per-event times
/// also feed a simulated live run at 1× (<see cref="PacedLag"/>): no sleeping, the queue is computed.
/// </summary>
internal static class VenueBench
{
    // Messages kept for the decode-only pass, per phase: enough seconds for a steady figure without holding the whole crash.
    private const int DecodeKept = 1_500_000;

    public static VenueFigures Run(int accounts, int instruments, int calmSeconds, TimeSpan budget, Action<string> progress)
    {
        var clock = Stopwatch.StartNew();
        progress($"venue: generating {accounts:N0} accounts on {instruments} instruments");
        using var market = new VenueMarket(accounts, instruments, seed: 21);
        progress($"venue: generated in {clock.Elapsed.TotalSeconds:0.0} s; loading {accounts:N0} accounts ({market.Positions:N0} positions)");
        var engine = new RiskEngine(new EngineOptions());
        var deadLetters = 0L;
        var applier = new EventApplier(engine, new EventClock(), (_, _, _) => deadLetters++);
        var load = Stopwatch.StartNew();
        var setup = market.Market();
        foreach (var message in BenchMarket.AsIngested(setup))
        {
            applier.Apply(message);
        }

        var offset = 0L;
        foreach (var account in market.AccountSnapshots())
        {
            applier.Apply(IngestedMessage.Of(new WireRecord(account.Topic, account.Key, account.Value, 0, offset++)));
        }

        var loadSeconds = load.Elapsed.TotalSeconds;
        Check(deadLetters, "loading the population");
        progress($"venue: loaded in {loadSeconds:0.0} s; warming up");

        var decoder = new WireDecoder(new SymbolTable(), new AccountTable());
        foreach (var message in setup)
        {
            if (message.Topic == WireTopic.Instruments && decoder.DecodeInstrument(message.Value, out var defined).IsValid && defined is not null)
            {
                decoder.Symbols.Upsert(defined.Instrument.Symbol, defined.TickSize);
            }
        }

        // Warm-up, untimed: calm seconds until the paths have run for three seconds of wall time (tiered JIT recompiles the
        // hot methods after ~30 calls and a short delay), so the calm figure is not the code's first run.
        var warmUp = Stopwatch.StartNew();
        var warmSeconds = 0;
        var warm = new List<WireMessage>();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(3) || warmSeconds < 2)
        {
            warm.Clear();
            market.NextSecond(crash: false, warm);
            foreach (var message in BenchMarket.AsIngested(warm))
            {
                applier.Apply(message);
            }

            warmSeconds++;
        }

        Check(deadLetters, "warming up");
        var pacer = new PacedLag();
        progress($"venue: warmed up on {warmSeconds} s of market; calm ({calmSeconds} s of market, at most {budget.TotalSeconds:0} s)");
        var calm = Phase(market, applier, engine, decoder, pacer, crash: false, calmSeconds, budget, progress);
        Check(deadLetters, "applying the calm");
        progress($"venue: calm {calm.MarketSeconds} s of market, ×{calm.RealTimeFactor:0.0} real time; crash ({VenueMarket.CrashSeconds} s of market, at most {budget.TotalSeconds:0} s)");
        var crash = Phase(market, applier, engine, decoder, pacer, crash: true, VenueMarket.CrashSeconds, budget, progress);
        Check(deadLetters, "applying the crash");
        progress($"venue: crash {crash.MarketSeconds} s of market, ×{crash.RealTimeFactor:0.0} real time");
        var (book, trades) = market.CalmRates;
        return new VenueFigures(accounts, market.Positions, instruments, loadSeconds, warmSeconds, calmSeconds, calm, crash, market.Liquidated.Units, market.Liquidated.Positions,
            market.UnitsLiquidatedByTheFullCrash, market.Units, book, trades);
    }

    private static VenuePhase Phase(VenueMarket market, EventApplier applier, RiskEngine engine, WireDecoder decoder, PacedLag pacer, bool crash, int seconds, TimeSpan budget,
        Action<string> progress)
    {
        var name = crash ? "crash" : "calm";
        var own = new PacedLag();
        var ownLags = new List<double>();
        var lastReport = TimeSpan.Zero;
        var (revaluations0, revaluationTime0) = engine.Accounts.Revaluations;
        var (rankings0, rankingTime0) = engine.Accounts.AdlRankings;
        var recomputed0 = engine.Margins.MarkRecomputations;
        var lags = new List<double>();
        var kept = new List<WireMessage>();
        var keptSeconds = 0;
        var second = new List<WireMessage>();
        var times = new List<long>();
        long events = 0, book = 0, fills = 0, applyTicks = 0;
        var covered = 0;
        var wall = Stopwatch.StartNew();
        while (covered < seconds && wall.Elapsed < budget)
        {
            second.Clear();
            times.Clear();
            market.NextSecond(crash, second, times);
            var ingested = BenchMarket.AsIngested(second);
            for (var i = 0; i < ingested.Length; i++)
            {
                var started = Stopwatch.GetTimestamp();
                applier.Apply(ingested[i]);
                var service = Stopwatch.GetTimestamp() - started;
                applyTicks += service;
                lags.Add(pacer.Next(times[i], (double)service / Stopwatch.Frequency));
                ownLags.Add(own.Next(times[i], (double)service / Stopwatch.Frequency));
                book += second[i].Topic == WireTopic.Book ? 1 : 0;
                fills += second[i].Topic == WireTopic.Liquidations ? 1 : 0;
            }

            events += ingested.Length;
            covered++;
            if (wall.Elapsed - lastReport >= TimeSpan.FromSeconds(15))
            {
                lastReport = wall.Elapsed;
                progress($"venue: {name} {covered} s of market in {wall.Elapsed.TotalSeconds:0} s");
            }

            if (kept.Count + second.Count <= DecodeKept)
            {
                kept.AddRange(second);
                keptSeconds++;
            }
        }

        var (revaluations1, revaluationTime1) = engine.Accounts.Revaluations;
        var (rankings1, rankingTime1) = engine.Accounts.AdlRankings;
        var applySeconds = (double)applyTicks / Stopwatch.Frequency;
        var marks = new MarkWork(revaluations1 - revaluations0, engine.Margins.MarkRecomputations - recomputed0, (revaluationTime1 - revaluationTime0).TotalSeconds,
            rankings1 - rankings0, (rankingTime1 - rankingTime0).TotalSeconds, applySeconds);

        // Decode only: the same bytes (the kept whole seconds), passes until at least half a second has gone.
        var decodeClock = Stopwatch.StartNew();
        var decodedSeconds = 0;
        var invalid = 0L;
        do
        {
            foreach (var message in kept)
            {
                invalid += Decode(decoder, message) ? 0 : 1;
            }

            decodedSeconds += keptSeconds;
        }
        while (decodeClock.Elapsed < TimeSpan.FromSeconds(0.5) && keptSeconds > 0);

        if (invalid > 0)
        {
            throw new InvalidOperationException($"bench: {invalid:N0} venue messages did not decode");
        }

        lags.Sort();
        ownLags.Sort();
        return new VenuePhase(covered, events, book, fills, applySeconds, decodeClock.Elapsed.TotalSeconds, decodedSeconds,
            P99(lags) * 1e3, lags.Count == 0 ? 0 : lags[^1] * 1e3, P99(ownLags) * 1e3, marks);
    }

    private static double P99(List<double> sorted) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(0.99 * sorted.Count) - 1)];

    private static bool Decode(WireDecoder decoder, WireMessage message) => message.Topic switch
    {
        WireTopic.Book => decoder.DecodeBook(message.Value, out _).IsValid,
        WireTopic.Marks => decoder.DecodeMark(message.Value, out _).IsValid,
        WireTopic.Liquidations => decoder.DecodeLiquidation(message.Value, out _).IsValid,
        _ => decoder.DecodePositions(message.Value, out _).IsValid,
    };

    private static void Check(long deadLetters, string stage)
    {
        if (deadLetters > 0)
        {
            throw new InvalidOperationException($"bench: {deadLetters:N0} venue messages dead-lettered while {stage}; the generated input is wrong");
        }
    }
}

/// <summary>
/// A live run paced at 1× simulated from measured service times: each event arrives at its event time, waits for the
/// engine thread to finish the one before, and takes its measured time; its lag is finish − event time. One queue over
/// the whole stream (a backlog left by the calm carries into the crash, as it would live).
/// </summary>
internal sealed class PacedLag
{
    private long _firstEventTime = long.MinValue;
    private double _finish;

    /// <summary>Queues one event; returns its lag in seconds.</summary>
    /// <param name="eventTime">The event's time (Unix ms): its arrival, relative to the stream's first event.</param>
    /// <param name="service">Its measured processing time in seconds.</param>
    public double Next(long eventTime, double service)
    {
        if (_firstEventTime == long.MinValue)
        {
            _firstEventTime = eventTime;
        }

        var arrival = (eventTime - _firstEventTime) / 1000.0;
        _finish = Math.Max(arrival, _finish) + service;
        return _finish - arrival;
    }
}
