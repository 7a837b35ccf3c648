using BenchmarkDotNet.Attributes;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Benchmarks;

/// <summary>
/// Ladder update as a mark causes it: 1,000 of 500,000 long positions move their liquidation price, then the projector
/// asks one crossing question (which brings the structure up to date). Baseline: the exact treap ladder
/// (<see cref="LiquidationLadder"/>, batched upserts). Measured: the bucketed ladder with exact integer sums the engine
/// uses (<see cref="BucketLadder"/>: bucket totals moved as the account stage moves them, merged refresh on the query).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class LadderBenchmarks
{
    private const int Positions = 500_000;
    private const int Moves = 1_000;
    private const double Tick = 0.1 / LadderQuanta.BucketsPerTick;

    private readonly Dictionary<long, LadderBucket> _totals = [];
    private double[] _lp = null!;
    private double[] _size = null!;
    private LiquidationLadder _treap = null!;
    private BucketLadder _buckets = null!;
    private Random _random = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _lp = new double[Positions];
        _size = new double[Positions];
        _treap = new LiquidationLadder(longSide: true, Positions);
        _buckets = new BucketLadder(longSide: true, Tick);
        for (var i = 0; i < Positions; i++)
        {
            _lp[i] = 50_000 + (random.NextDouble() * 9_000);
            _size[i] = Math.Round(random.NextDouble() * 2, 3) + 0.001;
            _treap.Upsert(i, _lp[i], _size[i], _lp[i] * 0.99);
            AddBucket(_lp[i], _size[i], +1);
        }

        _ = _treap.Crossed(55_000);
        _ = _buckets.Crossed(55_000);
        _random = new Random(11);
    }

    [Benchmark(Baseline = true)]
    public LadderTotals Treap()
    {
        for (var k = 0; k < Moves; k++)
        {
            var i = _random.Next(Positions);
            _lp[i] += (_random.NextDouble() - 0.5) * 20;
            _treap.Upsert(i, _lp[i], _size[i], _lp[i] * 0.99);
        }

        return _treap.Crossed(55_000 + (_random.NextDouble() * 1_000));
    }

    [Benchmark]
    public LadderTotals Buckets()
    {
        for (var k = 0; k < Moves; k++)
        {
            var i = _random.Next(Positions);
            AddBucket(_lp[i], _size[i], -1);
            _lp[i] += (_random.NextDouble() - 0.5) * 20;
            AddBucket(_lp[i], _size[i], +1);
        }

        return _buckets.Crossed(55_000 + (_random.NextDouble() * 1_000));
    }

    private void AddBucket(double lp, double size, int sign)
    {
        var tick = LadderQuanta.TickOf(lp, Tick, isLong: true);
        var units = LadderQuanta.UnitsOf(size);
        var delta = new LadderBucket(1, units, (Int128)units * LadderQuanta.TickOf(lp * 0.99, Tick, isLong: true));
        _totals.TryGetValue(tick, out var bucket);
        bucket = sign > 0 ? bucket + delta : bucket - delta;
        if (bucket.IsEmpty)
        {
            _totals.Remove(tick);
        }
        else
        {
            _totals[tick] = bucket;
        }

        _buckets.Set(0, tick, bucket);
    }
}
