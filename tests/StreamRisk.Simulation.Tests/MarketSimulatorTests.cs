using System.Diagnostics;
using CsCheck;
using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Simulation.Tests;

public sealed class MarketSimulatorTests(ITestOutputHelper output)
{
    private const long Start = 1_760_000_000_000;

    // Small enough to run in a blink, long enough for two shocks (one every 15 s from 15 s).
    private static readonly SimulatorOptions Small = new() { Accounts = 2_000, ShockEvery = TimeSpan.FromSeconds(15), FirstShockAfter = null };

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(32);

    [Fact]
    public void Run_SameSeedAndOptions_IdenticalEventSequence()
    {
        var first = Describe(new MarketSimulator(Small).Run(Start, Short));
        var second = Describe(new MarketSimulator(Small).Run(Start, Short));

        Assert.Equal(first.Count, second.Count);
        Assert.Equal(first, second);
        Assert.Contains(first, line => line.StartsWith('L'));
    }

    [Fact]
    public void Run_SameSeed_IdenticalEventsWithThreeLegPortfoliosLiquidatedWholeAcrossBooks()
    {
        var first = new MarketSimulator(Small).Run(Start, Short).ToList();
        var second = new MarketSimulator(Small).Run(Start, Short).ToList();

        Assert.Equal(Describe(first), Describe(second));
        Assert.Contains(first, e => e is SimAccount { Positions.Count: 3 });
        // A portfolio failing goes whole: one account's liquidations in one step span three books.
        var spans = first.OfType<SimLiquidation>().GroupBy(l => (l.EventTime, l.Account)).Select(g => g.Select(l => l.Symbol).Distinct().Count()).ToList();
        Assert.Contains(3, spans);
    }

    [Theory]
    [InlineData("ETHUSDT", 0, 0)]
    [InlineData("SOLUSDT", 0, 0)]
    [InlineData("ETHUSDT", 0, 15)]
    [InlineData("SOLUSDT", 0, 15)]
    [InlineData("SOLUSDT", 0.5, 15)]
    public void Run_Marks_AltStepReturnsRegressOnTheReferenceWithSlopeNearItsBeta(string symbol, double configuredBeta, int shockSeconds)
    {
        // Per-step log returns over 5 minutes, with and without shocks (a shock moves the alt beta × the reference);
        // liquidation impact and tick rounding add noise the tolerance allows for.
        var symbols = Small.Symbols.Select(s => s.Instrument.Symbol.Value == symbol && configuredBeta > 0 ? s with { Beta = configuredBeta } : s).ToList();
        var options = Small with { ShockEvery = TimeSpan.FromSeconds(shockSeconds), Symbols = symbols };
        var beta = symbols.Single(s => s.Instrument.Symbol.Value == symbol).Beta;
        Assert.Equal(configuredBeta > 0 ? configuredBeta : symbol == "ETHUSDT" ? 1.3 : 1.6, beta);
        var reference = new List<double>();
        var alt = new List<double>();
        double? lastReference = null;
        double? lastAlt = null;
        foreach (var mark in new MarketSimulator(options).Run(Start, TimeSpan.FromMinutes(5)).OfType<SimMark>())
        {
            if (mark.Symbol == "BTCUSDT")
            {
                if (lastReference is { } r)
                {
                    reference.Add(Math.Log(mark.Price / r));
                }

                lastReference = mark.Price;
            }
            else if (mark.Symbol == symbol)
            {
                if (lastAlt is { } a)
                {
                    alt.Add(Math.Log(mark.Price / a));
                }

                lastAlt = mark.Price;
            }
        }

        var (meanX, meanY) = (reference.Average(), alt.Average());
        var covariance = reference.Zip(alt).Sum(pair => (pair.First - meanX) * (pair.Second - meanY));
        var variance = reference.Sum(x => (x - meanX) * (x - meanX));
        var slope = covariance / variance;
        output.WriteLine($"{symbol} on BTCUSDT over {reference.Count} steps, shocks every {shockSeconds} s: slope {slope:F3}, beta {beta}");
        Assert.InRange(slope, beta - 0.2, beta + 0.2);
    }

    [Fact]
    public void Run_Shocks_MoveEverySymbolTheSameWayTheAltsByTheirBeta()
    {
        // Without liquidation impact, a shock's move (mark before it to mark at its last step) is the factor's times
        // each symbol's beta, within the dispersion, plus a few steps of walk.
        var options = Small with { LiquidationImpact = 0, ShockDownShare = 0.5 };
        var shockMs = (long)options.ShockEvery.TotalMilliseconds;
        var stepMs = (long)options.Step.TotalMilliseconds;
        var marks = new MarketSimulator(options).Run(Start, TimeSpan.FromSeconds(150)).OfType<SimMark>()
            .ToDictionary(m => (m.EventTime, m.Symbol), m => m.Price);
        var shocks = 0;
        for (var at = Start + shockMs; marks.ContainsKey((at + (options.ShockSteps * stepMs), "BTCUSDT")); at += shockMs)
        {
            double Move(string symbol) => Math.Log(marks[(at + ((options.ShockSteps - 1) * stepMs), symbol)] / marks[(at - stepMs, symbol)]);
            var reference = Move("BTCUSDT");
            Assert.True(Math.Abs(reference) > options.ShockSize * 0.5, $"shock at {at}: BTC moved {reference:P2}");
            foreach (var symbol in options.Symbols.Skip(1))
            {
                var ratio = Move(symbol.Instrument.Symbol.Value) / reference;
                output.WriteLine($"shock at +{at - Start} ms: BTC {reference:P2}, {symbol.Instrument.Symbol} ×{ratio:F2} (beta {symbol.Beta})");
                Assert.InRange(ratio, symbol.Beta * (1 - options.ShockDispersion) - 0.1, symbol.Beta * (1 + options.ShockDispersion) + 0.1);
            }

            shocks++;
        }

        Assert.Equal(9, shocks);
    }

    [Fact]
    public void Run_SmallPopulationLongRun_KeepsTurningOverWhenShocksLiquidateNobody()
    {
        // 500 accounts: after a few minutes of shocks the survivors are the accounts a shock does not reach, every one
        // of them full. Opens then still come (a full isolated account closes its oldest position), so the positions
        // stream never goes quiet.
        var options = new SimulatorOptions { Seed = 4, Accounts = 500 };
        var lastMinute = Start + (long)TimeSpan.FromMinutes(9).TotalMilliseconds;

        var events = new MarketSimulator(options).Run(Start, TimeSpan.FromMinutes(10)).Where(e => e.EventTime > lastMinute).ToList();

        var changes = events.Count(e => e is SimPosition or SimAccount);
        output.WriteLine($"last minute: {changes} position changes, {events.Count(e => e is SimLiquidation)} liquidations");
        Assert.True(changes > 0.5 * options.OpensPerSecond * 60 * 0.25, $"{changes} position changes in the last minute");
        new MarketModel().ApplyRun(new MarketSimulator(options).Run(Start, TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Run_SameSimulatorTwice_IdenticalEventSequence()
    {
        var simulator = new MarketSimulator(Small);

        Assert.Equal(Describe(simulator.Run(Start, Short)), Describe(simulator.Run(Start, Short)));
    }

    [Fact]
    public void Run_DifferentSeed_DifferentEvents()
    {
        var first = Describe(new MarketSimulator(Small).Run(Start, Short));
        var other = Describe(new MarketSimulator(Small with { Seed = 2 }).Run(Start, Short));

        Assert.NotEqual(first, other);
        var accounts = first.Where(line => line.StartsWith('A')).Take(Small.Accounts).ToList();
        var otherAccounts = other.Where(line => line.StartsWith('A')).Take(Small.Accounts).ToList();
        Assert.True(accounts.Zip(otherAccounts).Count(pair => pair.First != pair.Second) > Small.Accounts * 0.99);
    }

    [Fact]
    public void Run_Events_NonDecreasingTimeAndOpeningOrder()
    {
        var events = new MarketSimulator(Small).Run(Start, Short).ToList();
        var symbols = Small.Symbols.Count;

        for (var i = 1; i < events.Count; i++)
        {
            Assert.True(events[i].EventTime >= events[i - 1].EventTime, $"event {i} goes back in time");
        }

        Assert.All(events.Take(symbols), e => Assert.IsType<SimInstrument>(e));
        Assert.All(events.Skip(symbols).Take(symbols), e => Assert.True(e is SimBook { Snapshot: true }));
        Assert.All(events.Skip(2 * symbols).Take(symbols), e => Assert.IsType<SimMark>(e));
        Assert.All(events.Skip(3 * symbols).Take(Small.Accounts), e => Assert.IsType<SimAccount>(e));
        Assert.All(events.Take((3 * symbols) + Small.Accounts), e => Assert.Equal(Start, e.EventTime));
        Assert.Equal(Start + (long)Short.TotalMilliseconds, events[^1].EventTime);
        Assert.Equal(
            (long)(Short / Small.Step) * symbols,
            events.Skip((3 * symbols) + Small.Accounts).Count(e => e is SimMark));
    }

    [Fact]
    public void Run_EveryEvent_ConsistentForADownstreamConsumer()
    {
        // Book ids continuous per symbol (FirstId = PrevId + 1, PrevId = previous LastId), no negative or off-grid
        // price or quantity, never a crossed book, the mark inside the spread, per-account Seq strictly increasing.
        var model = new MarketModel();
        var counts = new Dictionary<Type, int>();
        foreach (var e in new MarketSimulator(Small).Run(Start, TimeSpan.FromSeconds(60)))
        {
            model.Apply(e);
            counts[e.GetType()] = counts.GetValueOrDefault(e.GetType()) + 1;
        }

        Assert.True(counts[typeof(SimBook)] >= 600 * 3 * 1.5, $"{counts[typeof(SimBook)]} book updates: a few deltas per symbol and step");
        Assert.True(counts[typeof(SimPosition)] > 0);
        Assert.True(counts[typeof(SimLiquidation)] > 0);
    }

    [Fact]
    public void Run_Shock_LiquidatesExactlyThePositionsWhoseLiquidationPriceTheMarkCrossed()
    {
        var liquidations = new MarketModel().ApplyRun(new MarketSimulator(Small).Run(Start, Short));

        var first = liquidations.Min(l => l.EventTime) - Start;
        output.WriteLine($"{liquidations.Count} liquidations, the first at +{first} ms");
        Assert.True(liquidations.Count > 20, $"{liquidations.Count} liquidations");
        var shock = (long)Small.ShockEvery.TotalMilliseconds;
        Assert.InRange(first, shock, shock + (Small.ShockSteps * (long)Small.Step.TotalMilliseconds));
    }

    [Fact]
    public void Run_GeneratedOptions_EveryInvariantHolds()
    {
        // Any seed, population size, step, shock schedule, impact, book depth, profile and symbol set (an inverse
        // contract included): the stream stays consistent and liquidations match the margin model exactly.
        var inverse = new SimulatedSymbol(
            new Instrument(new Symbol("BTCUSD_PERP"), ContractKind.Inverse, 0.1, 1, MarginTiers.Create([(0, 0.004, null), (5, 0.005, null), (10, 0.01, null)]), 100),
            60_000);
        var symbolSets = new[]
        {
            SimulatedSymbol.Defaults,
            [SimulatedSymbol.SolUsdt],
            [inverse],
            [SimulatedSymbol.EthUsdt, inverse, SimulatedSymbol.BtcUsdt],
        };
        var options =
            from seed in Gen.Int
            from accounts in Gen.Int[0, 300]
            from step in Gen.Int[20, 400]
            from shockEvery in Gen.Int[0, 4_000]
            from shockBasisPoints in Gen.Int[0, 1_200]
            from downPercent in Gen.Int[0, 100]
            from impactPercent in Gen.Int[0, 100]
            from levels in Gen.Int[1, 250]
            from opens in Gen.Int[0, 100]
            from profile in Gen.Int[0, MarginProfile.All.Count - 1]
            from symbols in Gen.Int[0, symbolSets.Length - 1]
            from portfolioPercent in Gen.Int[0, 100]
            from betaTenths in Gen.Int[-5, 30]
            select new SimulatorOptions
            {
                Seed = seed,
                Accounts = accounts,
                Step = TimeSpan.FromMilliseconds(step),
                ShockEvery = TimeSpan.FromMilliseconds(shockEvery),
                FirstShockAfter = null,
                ShockSize = shockBasisPoints / 10_000.0,
                ShockDownShare = downPercent / 100.0,
                LiquidationImpact = impactPercent / 100.0,
                BookLevels = levels,
                OpensPerSecond = opens,
                Profile = MarginProfile.All[profile],
                Symbols = symbolSets[symbols].Select(s => s with { Beta = betaTenths / 10.0 }).ToList(),
                PortfolioShare = portfolioPercent / 100.0,
            };

        options.Sample(
            o =>
            {
                var events = new MarketSimulator(o).Run(Start, TimeSpan.FromSeconds(8)).ToList();
                new MarketModel(o.Profile).ApplyRun(events);
                Assert.Equal(Describe(events), Describe(new MarketSimulator(o).Run(Start, TimeSpan.FromSeconds(8))));
            },
            iter: 40);
    }

    [Fact]
    public void Run_NoShocks_FewOrNoLiquidations()
    {
        var options = Small with { ShockEvery = TimeSpan.Zero };

        var liquidations = new MarketSimulator(options).Run(Start, Short).Count(e => e is SimLiquidation);

        Assert.True(liquidations < 10, $"{liquidations} liquidations without a shock");
    }

    [Fact]
    public void Run_AccountSnapshots_EqualSyntheticPopulationWithTheSameSeed()
    {
        var around = Small.Symbols.Select(s => (s.Instrument, s.Price)).ToList();

        var fromRun = new MarketSimulator(Small).Run(Start, TimeSpan.Zero).OfType<SimAccount>().Select(MarketModel.Describe);
        var generated = SyntheticPopulation.Generate(Small.Seed, Small.Accounts, around, Start).Select(MarketModel.Describe);

        Assert.Equal(generated, fromRun);
    }

    [Fact]
    public void Run_ShockWithdrawsLiquidityNearTheMark()
    {
        var options = Small with { OpensPerSecond = 0 };
        var depthBefore = 0m;
        var depthDuring = 0m;
        var bids = new SortedDictionary<decimal, decimal>();
        double mark = 0;
        var shockStart = Start + (long)options.ShockEvery.TotalMilliseconds;
        foreach (var e in new MarketSimulator(options).Run(Start, TimeSpan.FromSeconds(16)))
        {
            switch (e)
            {
                case SimBook { Symbol: "BTCUSDT" } b:
                    foreach (var (price, quantity) in b.Bids)
                    {
                        if (quantity == 0)
                        {
                            bids.Remove(price);
                        }
                        else
                        {
                            bids[price] = quantity;
                        }
                    }

                    break;
                case SimMark { Symbol: "BTCUSDT" } m:
                    mark = m.Price;
                    var depth = bids.Where(level => (double)level.Key >= mark * 0.99).Sum(level => level.Value * level.Key);
                    if (m.EventTime == shockStart - 100)
                    {
                        depthBefore = depth;
                    }
                    else if (m.EventTime == shockStart + 200)
                    {
                        depthDuring = depth;
                    }

                    break;
            }
        }

        output.WriteLine($"BTC bids within 1 %: {depthBefore:N0} USD before the shock, {depthDuring:N0} during it");
        Assert.True(depthDuring < depthBefore * 0.6m, $"{depthDuring} vs {depthBefore}");
    }

    [Fact]
    public void Run_DefaultsSixtySeconds_Completes()
    {
        // Not a timed assertion: the machine may be busy. The simulator's speed is read from this line of output.
        var clock = Stopwatch.StartNew();
        var counts = new Dictionary<string, int>();
        var total = 0;
        var population = 0;
        foreach (var e in new MarketSimulator(new SimulatorOptions()).Run(Start, TimeSpan.FromSeconds(60)))
        {
            counts[e.GetType().Name] = counts.GetValueOrDefault(e.GetType().Name) + 1;
            total++;
            population += e is SimAccount && e.EventTime == Start ? 1 : 0;
        }

        clock.Stop();
        output.WriteLine($"60 s at 20,000 accounts: {total:N0} events in {clock.ElapsedMilliseconds:N0} ms");
        foreach (var (type, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {type}: {count:N0}");
        }

        Assert.Equal(20_000, population);
        Assert.True(counts[nameof(SimLiquidation)] > 0);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MarketSimulator(new SimulatorOptions { Accounts = -1 }));
        Assert.Throws<ArgumentException>(() => new MarketSimulator(new SimulatorOptions { Step = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => new MarketSimulator(new SimulatorOptions { Symbols = [] }));
        Assert.Throws<ArgumentException>(() => new MarketSimulator(new SimulatorOptions { ShockSize = 1.5 }));
        Assert.Throws<ArgumentException>(() => new MarketSimulator(new SimulatorOptions { PortfolioShare = 1.5 }));
        Assert.Throws<ArgumentException>(() => new MarketSimulator(new SimulatorOptions { IdiosyncraticVolatilityPerSecond = -1 }));
        Assert.Throws<ArgumentException>(() => new MarketSimulator(new SimulatorOptions { Symbols = [SimulatedSymbol.BtcUsdt, SimulatedSymbol.EthUsdt with { Beta = double.NaN }] }));
    }

    private static List<string> Describe(IEnumerable<SimEvent> events) => events.Select(MarketModel.Describe).ToList();
}
