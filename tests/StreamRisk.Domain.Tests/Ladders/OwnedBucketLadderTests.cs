using StreamRisk.Domain.Ladders;

namespace StreamRisk.Domain.Tests.Ladders;

/// <summary>
/// The owned ladder (positions move on it through a log, summed per bucket at the next read) against a ladder whose
/// buckets are set to their absolute totals after every move (the dictionary-kept buckets it replaced): the same
/// answers bit for bit after every read — including <see cref="ILiquidationLadder.NearestBeyond"/>, which depends on
/// when the base was last rebuilt, so the two must refresh alike — on generated moves between reads of every size.
/// </summary>
public sealed class OwnedBucketLadderTests
{
    private const double Tick = 0.1 / LadderQuanta.BucketsPerTick;

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    public void MovesBetweenReads_AnswerBitForBitAsBucketsSetAfterEveryMove(int seed, bool longSide)
    {
        var random = new Random(seed);
        var owned = BucketLadder.Owned(longSide, Tick);
        var reference = new BucketLadder(longSide, Tick);
        var totals = new Dictionary<long, LadderBucket>();
        var positions = new List<(long Tick, long Units, long Bankruptcy)?>();

        void Move(long tick, long units, long bankruptcy, int sign)
        {
            owned.Move(tick, units, bankruptcy, sign);
            var delta = new LadderBucket(1, units, (Int128)units * bankruptcy);
            totals.TryGetValue(tick, out var bucket);
            bucket = sign > 0 ? bucket + delta : bucket - delta;
            totals[tick] = bucket;
            reference.Set(0, tick, bucket);
        }

        for (var round = 0; round < 120; round++)
        {
            // Rounds from a handful of moves (the overlay answers) to more than the ladder holds (the base is rebuilt,
            // and the log is folded before the read once it is long).
            var moves = round % 7 == 0 ? random.Next(2_000, 12_000) : random.Next(1, 300);
            for (var m = 0; m < moves; m++)
            {
                var live = positions.FindIndex(p => p is not null);
                if (positions.Count < 50 || random.NextDouble() < 0.35 || live < 0)
                {
                    // A new position near the marks (several share a bucket), or one far off (a wide range of ticks).
                    var center = random.NextDouble() < 0.9 ? 600_000_000L : 100_000_000L * random.Next(1, 9);
                    var tick = center + random.Next(-50_000, 50_000);
                    var units = (long)random.Next(1, 1_000_000) * (random.NextDouble() < 0.1 ? 1_000_000 : 1);
                    var bankruptcy = tick + (longSide ? -random.Next(0, 5_000_000) : random.Next(0, 5_000_000));
                    positions.Add((tick, units, bankruptcy));
                    Move(tick, units, bankruptcy, +1);
                    continue;
                }

                var at = random.Next(positions.Count);
                if (positions[at] is not { } p)
                {
                    continue;
                }

                Move(p.Tick, p.Units, p.Bankruptcy, -1);
                if (random.NextDouble() < 0.7)
                {
                    // Repriced: the same position filed elsewhere (most often nearby).
                    var moved = (p.Tick + random.Next(-3_000, 3_000), p.Units, p.Bankruptcy + random.Next(-3_000, 3_000));
                    positions[at] = moved;
                    Move(moved.Item1, moved.Units, moved.Item3, +1);
                }
                else
                {
                    positions[at] = null;
                }
            }

            AssertSameAnswers(random, reference, owned);
        }

        Assert.Equal(totals.Where(t => !t.Value.IsEmpty).OrderBy(t => t.Key).Select(t => (t.Key, t.Value)), owned.Buckets());
    }

    [Fact]
    public void Buckets_WhileMovesAreLogged_ListsTheTotalsNowAndChangesNoAnswer()
    {
        var owned = BucketLadder.Owned(longSide: true, Tick);
        var twin = BucketLadder.Owned(longSide: true, Tick);
        foreach (var ladder in new[] { owned, twin })
        {
            ladder.Move(100, 5, 90, +1);
            ladder.Move(100, 7, 95, +1);
            ladder.Move(200, 3, 150, +1);
            _ = ladder.Total;
            ladder.Move(100, 5, 90, -1);
            ladder.Move(300, 2, 250, +1);
        }

        Assert.Equal(
            [(100L, new LadderBucket(1, 7, 7 * 95)), (200L, new LadderBucket(1, 3, 3 * 150)), (300L, new LadderBucket(1, 2, 2 * 250))],
            owned.Buckets());
        var cursor = default(LadderCursor);
        var twinCursor = default(LadderCursor);
        Assert.Equal(twin.NearestBeyond(250 * Tick, ref twinCursor), owned.NearestBeyond(250 * Tick, ref cursor));
        Assert.Equal(twin.Crossed(150 * Tick), owned.Crossed(150 * Tick));
    }

    private static void AssertSameAnswers(Random random, BucketLadder expected, BucketLadder actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Total, actual.Total);
        var cursor = default(LadderCursor);
        var expectedCursor = default(LadderCursor);
        for (var q = 0; q < 40; q++)
        {
            var price = (600_000_000L + random.Next(-80_000, 80_000)) * Tick;
            Assert.Equal(expected.Crossed(price), actual.Crossed(price));
            var to = price + (random.Next(1, 40_000) * Tick);
            Assert.Equal(expected.Between(price, to), actual.Between(price, to));
            Assert.Equal(expected.CrossedSize(price, ref expectedCursor), actual.CrossedSize(price, ref cursor));
            Assert.Equal(expected.NearestBeyond(price, ref expectedCursor), actual.NearestBeyond(price, ref cursor));
        }
    }
}
