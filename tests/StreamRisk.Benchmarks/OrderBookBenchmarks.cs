using BenchmarkDotNet.Attributes;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;

namespace StreamRisk.Benchmarks;

/// <summary>
/// 10,000 depth updates (10 levels each, near the touch, a third of them removals) on a 1,000-level-per-side book,
/// then the best bid and ask. Baseline: a <see cref="SortedDictionary{TKey,TValue}"/> per side. Optimised:
/// <see cref="OrderBook"/> (integer ticks, sequence-checked, no allocation per update).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class OrderBookBenchmarks
{
    private const int Updates = 10_000;
    private const long Mid = 600_000;
    private PriceLevel[] _bidsSnapshot = null!;
    private PriceLevel[] _asksSnapshot = null!;
    private PriceLevel[][] _bidDeltas = null!;
    private PriceLevel[][] _askDeltas = null!;
    private OrderBook _book = null!;
    private SortedDictionary<long, double> _naiveBids = null!;
    private SortedDictionary<long, double> _naiveAsks = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(9);
        _bidsSnapshot = [.. Enumerable.Range(1, 1_000).Select(i => new PriceLevel(Mid - i, 1 + random.Next(50)))];
        _asksSnapshot = [.. Enumerable.Range(1, 1_000).Select(i => new PriceLevel(Mid + i, 1 + random.Next(50)))];
        _bidDeltas = new PriceLevel[Updates][];
        _askDeltas = new PriceLevel[Updates][];
        for (var u = 0; u < Updates; u++)
        {
            _bidDeltas[u] = [.. Enumerable.Range(0, 5).Select(_ => new PriceLevel(Mid - 1 - random.Next(50), random.Next(3) == 0 ? 0 : 1 + random.Next(50)))];
            _askDeltas[u] = [.. Enumerable.Range(0, 5).Select(_ => new PriceLevel(Mid + 1 + random.Next(50), random.Next(3) == 0 ? 0 : 1 + random.Next(50)))];
        }

        _book = new OrderBook(new Symbol("BTCUSDT"), TickSize.FromDecimal(0.1m));
        _naiveBids = new SortedDictionary<long, double>(Comparer<long>.Create((a, b) => b.CompareTo(a)));
        _naiveAsks = new SortedDictionary<long, double>();
    }

    [IterationSetup]
    public void Reset()
    {
        _book.ApplySnapshot(0, _bidsSnapshot, _asksSnapshot);
        _naiveBids.Clear();
        _naiveAsks.Clear();
        foreach (var level in _bidsSnapshot)
        {
            _naiveBids[level.PriceTicks] = level.Quantity;
        }

        foreach (var level in _asksSnapshot)
        {
            _naiveAsks[level.PriceTicks] = level.Quantity;
        }
    }

    [Benchmark(Baseline = true)]
    public long SortedDictionaryBook()
    {
        long best = 0;
        for (var u = 0; u < Updates; u++)
        {
            Apply(_naiveBids, _bidDeltas[u]);
            Apply(_naiveAsks, _askDeltas[u]);
            best += _naiveBids.First().Key + _naiveAsks.First().Key;
        }

        return best;
    }

    [Benchmark]
    public long OrderBookApplyDiff()
    {
        long best = 0;
        for (var u = 0; u < Updates; u++)
        {
            _book.ApplyDiff(new DepthUpdated((2L * u) + 1, (2L * u) + 2, 2L * u, _bidDeltas[u], _askDeltas[u]));
            _book.TryGetBest(BookSide.Bid, out var bid);
            _book.TryGetBest(BookSide.Ask, out var ask);
            best += bid.PriceTicks + ask.PriceTicks;
        }

        return best;
    }

    private static void Apply(SortedDictionary<long, double> side, PriceLevel[] delta)
    {
        foreach (var level in delta)
        {
            if (level.Quantity == 0)
            {
                side.Remove(level.PriceTicks);
            }
            else
            {
                side[level.PriceTicks] = level.Quantity;
            }
        }
    }
}
