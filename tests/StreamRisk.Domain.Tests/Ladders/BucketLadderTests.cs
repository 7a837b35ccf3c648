using StreamRisk.Domain.Ladders;

namespace StreamRisk.Domain.Tests.Ladders;

/// <summary>
/// The bucketed ladder against the exact treap ladder (the reference) fed the same positions at their bucketed prices,
/// and split across sources in any order against one source: scale-out must not change a single bit of a projection.
/// </summary>
public sealed class BucketLadderTests
{
    private const double Tick = 0.1 / LadderQuanta.BucketsPerTick;

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 3)]
    [InlineData(false, 4)]
    public void Queries_MatchTheExactLadderAtBucketedPrices(bool longSide, int seed)
    {
        var random = new Random(seed);
        var bucketed = new BucketLadder(longSide, Tick);
        var exact = new LiquidationLadder(longSide);
        var positions = Generate(random, 2_000, longSide);
        var perTick = new Dictionary<long, LadderBucket>();
        for (var id = 0; id < positions.Count; id++)
        {
            var (lp, size, bp) = positions[id];
            var tick = LadderQuanta.TickOf(lp, Tick, longSide);
            var units = LadderQuanta.UnitsOf(size);
            perTick.TryGetValue(tick, out var bucket);
            perTick[tick] = bucket + new LadderBucket(1, units, (Int128)units * LadderQuanta.TickOf(bp, Tick, longSide));
            // The reference holds each position at its bucket's price and bankruptcy price, with its size in whole units.
            exact.Upsert(id, tick * Tick, units * LadderQuanta.SizeUnit, LadderQuanta.TickOf(bp, Tick, longSide) * Tick);
        }

        foreach (var (tick, bucket) in perTick)
        {
            bucketed.Set(0, tick, bucket);
        }

        Assert.Equal(exact.Count, bucketed.Count);
        for (var i = 0; i < 300; i++)
        {
            var price = 55_000 + (random.NextDouble() * 10_000);
            AssertClose(exact.Crossed(price), bucketed.Crossed(price));
            var to = price + (random.NextDouble() * 2_000);
            AssertClose(exact.Between(price, to), bucketed.Between(price, to));
        }
    }

    [Fact]
    public void PositionsRoundTowardLiquidation_LongsUpShortsDown()
    {
        Assert.Equal(600_001, LadderQuanta.TickOf(60_000.05, 0.1, isLong: true));
        Assert.Equal(600_000, LadderQuanta.TickOf(60_000.05, 0.1, isLong: false));
        // On a tick (as closely as binary fractions allow): that tick, either side.
        Assert.Equal(600_001, LadderQuanta.TickOf(60_000.1, 0.1, isLong: true));
        Assert.Equal(600_001, LadderQuanta.TickOf(60_000.1, 0.1, isLong: false));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void SplitAcrossSources_InAnyOrder_GivesTheSameBitsAsOneSource(int seed)
    {
        var random = new Random(seed);
        var positions = Generate(random, 3_000, longSide: true);
        var whole = new BucketLadder(longSide: true, Tick);
        var split = new BucketLadder(longSide: true, Tick);
        var wholeBuckets = new Dictionary<long, LadderBucket>();
        var parts = new Dictionary<(int Source, long Tick), LadderBucket>();
        foreach (var (lp, size, bp) in positions)
        {
            var tick = LadderQuanta.TickOf(lp, Tick, isLong: true);
            var units = LadderQuanta.UnitsOf(size);
            var add = new LadderBucket(1, units, (Int128)units * LadderQuanta.TickOf(bp, Tick, isLong: true));
            wholeBuckets[tick] = wholeBuckets.GetValueOrDefault(tick) + add;
            var source = random.Next(3);
            parts[(source, tick)] = parts.GetValueOrDefault((source, tick)) + add;
        }

        foreach (var (tick, bucket) in wholeBuckets)
        {
            whole.Set(0, tick, bucket);
        }

        // Sources arrive interleaved and out of order, some buckets twice (a rebuilt partition repeats what it sent).
        foreach (var ((source, tick), bucket) in parts.OrderBy(_ => random.Next()))
        {
            split.Set(source, tick, bucket);
            if (random.Next(10) == 0)
            {
                split.Set(source, tick, bucket);
            }
        }

        for (var i = 0; i < 300; i++)
        {
            var price = 55_000 + (random.NextDouble() * 10_000);
            Assert.Equal(whole.Crossed(price), split.Crossed(price));
            Assert.Equal(whole.Between(price, price + 500), split.Between(price, price + 500));
        }

        Assert.Equal(whole.Total, split.Total);
    }

    [Theory]
    [InlineData(21, true)]
    [InlineData(22, true)]
    [InlineData(23, false)]
    [InlineData(24, false)]
    public void ChangesBetweenQueries_MergedIncrementally_EqualALadderBuiltFromScratch(int seed, bool longSide)
    {
        // A few changes between queries take the overlay path (and it grows over several queries until a merge folds
        // it in), more the merge, very many the full sort: each must give the bits a fresh ladder gives.
        var random = new Random(seed);
        var live = new BucketLadder(longSide, Tick);
        var reference = new Dictionary<(int Source, long Tick), LadderBucket>();
        for (var round = 0; round < 200; round++)
        {
            var changes = random.Next(5) switch
            {
                0 => random.Next(200, 3_000),
                1 => random.Next(20, 200),
                _ => random.Next(0, 5),
            };
            for (var i = 0; i < changes; i++)
            {
                var tick = 600_000_000L + random.Next(2_000);
                var source = random.Next(2);
                var bucket = random.Next(4) == 0 ? default : new LadderBucket(random.Next(1, 5), random.Next(1, 1_000_000), random.Next(1, 1_000_000));
                live.Set(source, tick, bucket);
                reference[(source, tick)] = bucket;
            }

            // A fresh ladder of the same buckets (built by the full sort on its first query).
            var fresh = new BucketLadder(longSide, Tick);
            foreach (var ((source, tick), bucket) in reference)
            {
                fresh.Set(source, tick, bucket);
            }

            for (var query = 0; query < 5; query++)
            {
                // On a bucket's own price (the shorts' "exactly on the price" case) or between buckets.
                var price = (600_000_000L + random.Next(-10, 2_010) + (random.Next(2) == 0 ? 0 : 0.5)) * Tick;
                Assert.Equal(fresh.Crossed(price), live.Crossed(price));
                var to = price + (random.Next(-5, 500) * Tick);
                Assert.Equal(fresh.Between(price, to), live.Between(price, to));
            }

            Assert.Equal(fresh.Total, live.Total);
            Assert.Equal(reference.Values.Sum(b => b.Count), live.Count);
            if (round % 50 == 49)
            {
                Assert.Equal(fresh.Buckets(), live.Buckets());
            }
        }
    }

    [Fact]
    public void Set_EmptyBucketsOfOneSource_TakeOnlyThatSourcesBuckets()
    {
        var ladder = new BucketLadder(longSide: false, 1);
        ladder.Set(0, 100, new LadderBucket(1, 5, 500));
        ladder.Set(1, 100, new LadderBucket(2, 7, 700));
        ladder.Set(1, 101, new LadderBucket(1, 1, 101));

        // What a source sends when its accounts there are gone: absolute totals of zero.
        ladder.Set(1, 100, default);
        ladder.Set(1, 101, default);

        Assert.Equal(1, ladder.Count);
        Assert.Equal(5 * LadderQuanta.SizeUnit, ladder.Total.Size, 15);
    }

    private static List<(double Lp, double Size, double Bp)> Generate(Random random, int count, bool longSide)
    {
        var positions = new List<(double, double, double)>(count);
        for (var i = 0; i < count; i++)
        {
            var lp = 55_000 + (random.NextDouble() * 10_000);
            // Clusters on round prices, as real ladders have.
            if (random.Next(4) == 0)
            {
                lp = Math.Round(lp / 100) * 100;
            }

            var size = Math.Round(random.NextDouble() * 5, 3) + 0.001;
            var bp = longSide ? lp * 0.995 : lp * 1.005;
            positions.Add((lp, size, bp));
        }

        return positions;
    }

    private static void AssertClose(LadderTotals expected, LadderTotals actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Size, actual.Size, 1e-9 * Math.Max(1, Math.Abs(expected.Size)));
        Assert.Equal(expected.Notional, actual.Notional, 1e-9 * Math.Max(1, Math.Abs(expected.Notional)));
        Assert.Equal(expected.BankruptcyValue, actual.BankruptcyValue, 1e-9 * Math.Max(1, Math.Abs(expected.BankruptcyValue)));
    }

    [Theory]
    [InlineData(true, 31)]
    [InlineData(false, 32)]
    [InlineData(true, 33)]
    [InlineData(false, 34)]
    public void CrossedSize_FromAnyCursor_EqualsCrossed_AndNearestBeyondIsNeverFarther(bool longSide, int seed)
    {
        // One cursor through query sequences that move away from the mark (the sweep), towards it and at random, on a
        // ladder whose base and overlay both hold buckets: the hint may only change the cost, never the answer.
        var random = new Random(seed);
        var ladder = new BucketLadder(longSide, Tick);
        var reference = new Dictionary<long, LadderBucket>();
        for (var round = 0; round < 60; round++)
        {
            var changes = round == 0 ? 3_000 : random.Next(0, 40);
            for (var i = 0; i < changes; i++)
            {
                var tick = 600_000_000L + random.Next(5_000);
                var bucket = random.Next(5) == 0 ? default : new LadderBucket(random.Next(1, 5), random.Next(1, 1_000_000), random.Next(1, 1_000_000));
                ladder.Set(0, tick, bucket);
                reference[tick] = bucket;
            }

            var cursor = default(LadderCursor);
            var price = (600_000_000L + random.Next(-20, 5_020)) * Tick;
            var order = random.Next(3);
            for (var query = 0; query < 80; query++)
            {
                var step = random.Next(0, 120) + (random.Next(2) == 0 ? 0 : 0.5);
                price = order switch
                {
                    0 => price + ((longSide ? -step : step) * Tick),
                    1 => price + ((longSide ? step : -step) * Tick),
                    _ => (600_000_000L + random.Next(-20, 5_020) + (random.Next(2) == 0 ? 0 : 0.5)) * Tick,
                };
                var crossed = ladder.Crossed(price);
                Assert.Equal((crossed.Count, crossed.Size), ladder.CrossedSize(price, ref cursor));

                var prices = reference.Where(x => !x.Value.IsEmpty).Select(x => x.Key * Tick).ToList();
                var beyond = ladder.NearestBeyond(price, ref cursor);
                if (longSide)
                {
                    var truth = prices.Where(p => p < price).DefaultIfEmpty(double.NegativeInfinity).Max();
                    Assert.True(beyond >= truth && beyond < price, $"{beyond} for {price}, nearest {truth}");
                }
                else
                {
                    var truth = prices.Where(p => p > price).DefaultIfEmpty(double.PositiveInfinity).Min();
                    Assert.True(beyond <= truth && beyond > price, $"{beyond} for {price}, nearest {truth}");
                }
            }
        }
    }
}
