using CsCheck;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Tests.Margin;

public sealed class HolderSetTests
{
    [Fact]
    public void Iteration_AfterRandomAddsAndRemoves_MatchesHashSetOrder()
    {
        // The holder order decides the order of ladder updates (and so the exact rounding of ladder sums): it must stay
        // the order of a HashSet<int> of slots.
        Gen.Select(Gen.Bool, Gen.Int[0, 63]).Array[1, 400].Sample(operations =>
        {
            var reference = new HashSet<int>();
            var holders = new HolderSet();
            var entries = new Dictionary<int, int>(); // what the caller keeps with each position
            foreach (var (add, slot) in operations)
            {
                if (add && reference.Add(slot))
                {
                    entries[slot] = holders.Add(slot);
                }
                else if (!add && reference.Remove(slot))
                {
                    holders.Remove(entries[slot]);
                    entries.Remove(slot);
                }

                Assert.Equal(reference.Count, holders.Count);
                var order = new List<int>();
                for (var entry = 0; entry < holders.Used; entry++)
                {
                    if (holders[entry] >= 0)
                    {
                        order.Add(holders[entry]);
                    }
                }

                Assert.Equal(reference.ToList(), order);
            }
        });
    }
}
