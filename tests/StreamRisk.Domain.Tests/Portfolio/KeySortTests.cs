using StreamRisk.Domain.Portfolio;

namespace StreamRisk.Domain.Tests.Portfolio;

/// <summary><see cref="KeySort"/> against the comparison sort it stands in for, on generated keys.</summary>
public sealed class KeySortTests
{
    [Fact]
    public void Sort_GeneratedKeys_SameKeyOrderAsTheComparisonSortAndEachItemWithItsKey()
    {
        var random = new Random(7);
        var sort = new KeySort();
        for (var round = 0; round < 300; round++)
        {
            var n = random.Next(0, 3) switch { 0 => random.Next(0, 70), 1 => random.Next(60, 700), _ => random.Next(700, 5_000) };
            var pool = round % 3 == 0 ? [.. Enumerable.Range(0, 5).Select(_ => Key(random))] : Array.Empty<double>();
            var keys = Enumerable.Range(0, n).Select(_ => pool.Length > 0 ? pool[random.Next(pool.Length)] : Key(random)).ToArray();
            var items = Enumerable.Range(0, n).ToArray();
            var original = keys.ToArray();
            var expected = keys.ToArray();
            Array.Sort(expected);

            sort.Sort(keys, items);

            for (var k = 0; k < n; k++)
            {
                Assert.True(expected[k].Equals(keys[k]) || (expected[k] == 0 && keys[k] == 0), $"round {round}, key {k}: {expected[k]} against {keys[k]}");
                Assert.True(original[items[k]].Equals(keys[k]), $"round {round}, item {k} is not with its key");
            }

            Assert.Equal(Enumerable.Range(0, n), items.Order());
        }
    }

    private static double Key(Random random) => random.Next(0, 12) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => 0.0,
        4 => -0.0,
        5 => -random.NextDouble() * 1e6,
        6 => random.NextDouble() * 1e-300,
        7 => double.Epsilon * random.Next(1, 10),
        _ => (random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-6, 9)),
    };
}
