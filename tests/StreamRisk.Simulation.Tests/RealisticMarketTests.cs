
namespace StreamRisk.Simulation.Tests;

/// <summary>The simulated market against public facts: calm between shocks, open interest against depth, entries and leverage.</summary>
public sealed class RealisticMarketTests(ITestOutputHelper output)
{
    private const long Start = 1_760_000_000_000;

    private static readonly List<(Domain.Instruments.Instrument Instrument, double Price)> Around =
        SimulatedSymbol.Defaults.Select(s => (s.Instrument, s.Price)).ToList();

    [Fact]
    public void Run_DefaultsBetweenShocks_CalmMinuteHasASmallRangeAndStableDepth()
    {
        // The demo's market (a quarter of its accounts, the book sized to them): the first shock at 15 s, the next two
        // minutes later; the minute from 60 s is calm.
        var options = new SimulatorOptions { Accounts = 5_000 };
        var book = new BookSides();
        var marks = new List<double>();
        var depths = new List<double>();
        var (from, to) = (Start + 60_000, Start + 120_000);
        var nextSample = from;
        foreach (var e in new MarketSimulator(options).Run(Start, TimeSpan.FromSeconds(120)))
        {
            if (e is SimBook { Symbol: "BTCUSDT" } b)
            {
                book.Apply(b);
            }
            else if (e is SimMark { Symbol: "BTCUSDT" } m && m.EventTime >= from)
            {
                marks.Add(m.Price);
                if (m.EventTime >= nextSample)
                {
                    depths.Add(book.Within(m.Price, 0.01));
                    nextSample += 1_000;
                }
            }
        }

        var range = (marks.Max() - marks.Min()) / marks[0];
        var stability = depths.Min() / depths.Max();
        output.WriteLine($"calm minute: mark range {range:P3}, depth within 1 % {depths.Min() / 1e6:F2}M..{depths.Max() / 1e6:F2}M (min/max {stability:F2})");
        Assert.InRange(range, 0.0, 0.003);
        Assert.InRange(stability, 0.8, 1.0);
    }

    [Fact]
    public void Run_Defaults_OpenInterestAboutFiftyTimesTheDepthWithinOnePercent()
    {
        var book = new BookSides();
        var (longs, shorts) = (0.0, 0.0);
        foreach (var e in new MarketSimulator(new SimulatorOptions()).Run(Start, TimeSpan.Zero))
        {
            switch (e)
            {
                case SimBook { Symbol: "BTCUSDT" } b:
                    book.Apply(b);
                    break;
                case SimAccount a:
                    foreach (var p in a.Positions.Where(p => p.Symbol == "BTCUSDT"))
                    {
                        if (p.Size > 0)
                        {
                            longs += p.Size * 60_000;
                        }
                        else
                        {
                            shorts -= p.Size * 60_000;
                        }
                    }

                    break;
            }
        }

        var openInterest = (longs + shorts) / 2;
        var bids = book.Within(60_000, 0.01, bids: true);
        var asks = book.Within(60_000, 0.01, bids: false);
        output.WriteLine($"BTCUSDT open interest {openInterest / 1e6:F1}M, within 1 %: bids {bids / 1e6:F2}M ({openInterest / bids:F1}x), asks {asks / 1e6:F2}M ({openInterest / asks:F1}x)");
        Assert.InRange(openInterest / bids, 40, 62);
        Assert.InRange(openInterest / asks, 40, 62);
    }

    [Fact]
    public void Generate_Entries_SpreadOverThePastNotAllAtTheMark()
    {
        var accounts = SyntheticPopulation.Generate(3, 20_000, Around, Start);
        var btc = accounts.SelectMany(a => a.Positions).Where(p => p.Symbol == "BTCUSDT").ToList();

        var beyond = btc.Count(p => Math.Abs((p.Entry / 60_000) - 1) > 0.01) / (double)btc.Count;
        var beyondHalf = btc.Count(p => Math.Abs((p.Entry / 60_000) - 1) > 0.005) / (double)btc.Count;
        output.WriteLine($"{btc.Count} BTC positions: {beyond:P1} entered beyond ±1 % of the mark, {beyondHalf:P1} beyond ±0.5 %; entries {btc.Min(p => p.Entry):F0}..{btc.Max(p => p.Entry):F0}");
        Assert.InRange(beyond, 0.25, 0.9);
    }

    [Fact]
    public void Generate_Leverage_FallsWithNotional()
    {
        var accounts = SyntheticPopulation.Generate(5, 20_000, Around, Start);
        var instruments = Around.ToDictionary(a => a.Instrument.Symbol.Value, a => a.Instrument);
        var isolated = accounts.SelectMany(a => a.Positions).Where(p => p.IsolatedMargin is > 0)
            .Select(p => (Notional: Math.Abs(instruments[p.Symbol].Notional(p.Size, p.Entry)), Leverage: Math.Abs(instruments[p.Symbol].Notional(p.Size, p.Entry)) / p.IsolatedMargin!.Value))
            .ToList();

        double[] bounds = [0, 10_000, 100_000, 1_000_000, double.MaxValue];
        var previous = double.MaxValue;
        for (var i = 0; i < bounds.Length - 1; i++)
        {
            var bucket = isolated.Where(p => p.Notional >= bounds[i] && p.Notional < bounds[i + 1]).ToList();
            var mean = bucket.Average(p => p.Leverage);
            output.WriteLine($"notional from {bounds[i]:N0}: {bucket.Count} isolated positions, mean leverage {mean:F1}x");
            Assert.True(bucket.Count >= 10, $"{bucket.Count} positions in bucket {i}");
            Assert.True(mean <= previous * 0.9, $"bucket {i}: mean {mean:F1}x against {previous:F1}x below it");
            previous = mean;
        }
    }

    /// <summary>Both sides of one book from its snapshot and deltas.</summary>
    internal sealed class BookSides
    {
        private readonly SortedDictionary<decimal, decimal> _bids = [];
        private readonly SortedDictionary<decimal, decimal> _asks = [];

        public void Apply(SimBook b)
        {
            if (b.Snapshot)
            {
                _bids.Clear();
                _asks.Clear();
            }

            Apply(_bids, b.Bids);
            Apply(_asks, b.Asks);
        }

        /// <summary>USD within <paramref name="distance"/> of <paramref name="mark"/>, both sides (or one).</summary>
        public double Within(double mark, double distance, bool? bids = null)
        {
            var total = 0.0;
            if (bids != false)
            {
                total += _bids.Where(l => (double)l.Key >= mark * (1 - distance)).Sum(l => (double)(l.Key * l.Value));
            }

            if (bids != true)
            {
                total += _asks.Where(l => (double)l.Key <= mark * (1 + distance)).Sum(l => (double)(l.Key * l.Value));
            }

            return total;
        }

        private static void Apply(SortedDictionary<decimal, decimal> side, IReadOnlyList<(decimal Price, decimal Quantity)> levels)
        {
            foreach (var (price, quantity) in levels)
            {
                if (quantity == 0)
                {
                    side.Remove(price);
                }
                else
                {
                    side[price] = quantity;
                }
            }
        }
    }
}
