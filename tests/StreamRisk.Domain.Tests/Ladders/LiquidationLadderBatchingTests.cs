using CsCheck;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Domain.Tests.Ladders;

public sealed class LiquidationLadderBatchingTests
{
    [Fact]
    public void Queries_AfterBatchedChanges_EqualBitForBitTheLadderQueriedAfterEveryChange()
    {
        // Batching must not change rounding: a ladder that applies every change at once (queried after each) and one
        // that applies them only when queried at the end must hold the same treap, so every sum has the same bits.
        var operations = Gen.Select(Gen.Int[0, 9], Gen.Int[0, 40], Gen.Double[50, 150], Gen.Double[0.001, 10], Gen.Double[0.5, 0.99]);
        Gen.Select(Gen.Bool, operations.Array[1, 300]).Sample((longSide, ops) =>
        {
            var eager = new LiquidationLadder(longSide);
            var batched = new LiquidationLadder(longSide);
            foreach (var (kind, id, lp, size, bpFactor) in ops)
            {
                if (kind < 3)
                {
                    Assert.Equal(eager.Remove(id), batched.Remove(id));
                }
                else
                {
                    var bp = longSide ? lp * bpFactor : lp / bpFactor;
                    eager.Upsert(id, lp, longSide ? size : -size, bp);
                    batched.Upsert(id, lp, longSide ? size : -size, bp);
                }

                Assert.Equal(eager.Contains(id), batched.Contains(id));
                _ = eager.Total;
            }

            Assert.Equal(eager.Total, batched.Total);
            for (var price = 40.0; price <= 160; price += 2.5)
            {
                Assert.Equal(eager.Crossed(price), batched.Crossed(price));
                Assert.Equal(eager.Between(price, price + 7.5), batched.Between(price, price + 7.5));
            }
        });
    }

    [Fact]
    public void Queries_AfterLargeBatches_EqualBitForBitTheLadderQueriedAfterEveryChange()
    {
        // Large batches between queries take the rebuild path; small ones the incremental path. Both must give the tree
        // that applying every change at once gives.
        var change = Gen.Select(Gen.Int[0, 9], Gen.Int[0, 400], Gen.Double[50, 150], Gen.Double[0.001, 10]);
        Gen.Select(Gen.Bool, Gen.Select(change.Array[1, 200], Gen.Bool).Array[1, 12]).Sample((longSide, batches) =>
        {
            var eager = new LiquidationLadder(longSide);
            var batched = new LiquidationLadder(longSide);
            foreach (var (changes, query) in batches)
            {
                foreach (var (kind, id, price, size) in changes)
                {
                    var lp = kind % 2 == 0 ? Math.Round(price) : price; // many equal liquidation prices: ties go by id

                    if (kind < 2)
                    {
                        Assert.Equal(eager.Remove(id), batched.Remove(id));
                    }
                    else
                    {
                        var bp = longSide ? lp * 0.9 : lp * 1.1;
                        eager.Upsert(id, lp, longSide ? size : -size, bp);
                        batched.Upsert(id, lp, longSide ? size : -size, bp);
                    }

                    _ = eager.Total;
                }

                if (query)
                {
                    Assert.Equal(eager.Total, batched.Total);
                    Assert.Equal(eager.Crossed(100), batched.Crossed(100));
                }
            }

            Assert.Equal(eager.Count, batched.Count);
            for (var price = 40.0; price <= 160; price += 1.25)
            {
                Assert.Equal(eager.Crossed(price), batched.Crossed(price));
                Assert.Equal(eager.Between(price, price + 3.75), batched.Between(price, price + 3.75));
            }
        }, iter: 200);
    }
}
