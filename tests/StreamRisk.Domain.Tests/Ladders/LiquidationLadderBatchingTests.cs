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
}
