using CsCheck;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Domain.Tests.Ladders;

/// <summary>
/// The leaf-chunked sorted buckets against a dictionary of the same totals over generated sequences of adds, removals
/// and absolute sets: same buckets, same values to the bit, in tick order, through leaf splits, lending and joins.
/// </summary>
public sealed class SortedBucketsTests
{
    private static readonly Int128 Wide = Int128.MaxValue / 3;

    [Fact]
    public void GeneratedSequences_MatchADictionary()
    {
        // Ticks from a narrow range (buckets shared and emptied) or a wide one (every position alone); sizes up to the
        // largest position, or sizes beyond 96 bits as only an update from elsewhere could carry them.
        var operation = Gen.Select(Gen.Int[0, 9], Gen.Long[-2_000, 2_000], Gen.Long[0, 9_000_000_000_000_000_000], Gen.Long[-1_000_000_000_000, 1_000_000_000_000], Gen.Bool);
        Gen.Select(operation.Array[1, 3_000], Gen.Int[0, 2]).Sample(t =>
        {
            var (operations, spread) = t;
            var buckets = new SortedBuckets();
            var reference = new Dictionary<long, LadderBucket>();
            foreach (var (kind, near, units, bankruptcyTick, wide) in operations)
            {
                var tick = spread switch { 0 => near % 50, 1 => near, _ => near * 1_000_003 };
                var delta = new LadderBucket(1, wide && kind == 9 ? Wide + units : units, (Int128)units * bankruptcyTick);
                reference.TryGetValue(tick, out var held);
                if (kind <= 5)
                {
                    buckets.Add(tick, delta, subtract: false);
                    held += delta;
                }
                else if (kind <= 7)
                {
                    // Take out what is there, or a made-up amount (the bucket may go negative and back, as sums of
                    // absolute updates can in between).
                    var taken = wide && held.Count > 0 ? held : delta;
                    buckets.Add(tick, taken, subtract: true);
                    held -= taken;
                }
                else
                {
                    var value = kind == 8 && wide ? default : delta;
                    buckets.Set(tick, value);
                    held = value;
                }

                if (held.IsEmpty)
                {
                    reference.Remove(tick);
                }
                else
                {
                    reference[tick] = held;
                }
            }

            var expected = reference.OrderBy(b => b.Key).Select(b => (b.Key, b.Value)).ToList();
            Assert.Equal(expected, buckets.ToList());
            Assert.Equal(expected.Count, buckets.Count);
            foreach (var (tick, bucket) in expected)
            {
                Assert.True(buckets.TryGetValue(tick, out var found));
                Assert.Equal(bucket, found);
            }

            Assert.False(buckets.TryGetValue(long.MaxValue, out var none));
            Assert.True(none.IsEmpty);
        }, iter: 2_000);
    }

    [Fact]
    public void ManyBuckets_InsertedAndRemovedInRandomOrder_StayOrderedAndLeavesStayFull()
    {
        var random = new Random(5);
        var buckets = new SortedBuckets();
        var reference = new SortedDictionary<long, LadderBucket>();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 60_000; i++)
            {
                var tick = random.NextInt64(-1_000_000_000, 1_000_000_000);
                var delta = new LadderBucket(1, random.Next(1, 1_000_000), random.Next());
                buckets.Add(tick, delta, subtract: false);
                reference.TryGetValue(tick, out var held);
                reference[tick] = held + delta;
            }

            // Random inserts into leaves that lend before they split keep them well filled.
            Assert.True(buckets.Count >= buckets.Leaves * SortedBuckets.LeafCapacity * 0.7, $"{buckets.Count:N0} buckets in {buckets.Leaves:N0} leaves");

            // Half of them go, as a revaluation moves positions off their buckets.
            foreach (var (tick, bucket) in reference.Where((_, i) => i % 2 == round % 2).ToList())
            {
                buckets.Add(tick, bucket, subtract: true);
                reference.Remove(tick);
            }

            Assert.Equal(reference.Select(b => (b.Key, b.Value)), buckets);
            // Removals join thin leaves.
            Assert.True(buckets.Count >= buckets.Leaves * SortedBuckets.LeafCapacity * 0.35, $"{buckets.Count:N0} buckets in {buckets.Leaves:N0} leaves");
        }
    }
}
