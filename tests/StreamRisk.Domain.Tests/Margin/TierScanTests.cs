using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Tests.Margin;

/// <summary>
/// The scan of every tier for a liquidation price, with its answer for a linear long no tier can liquidate, against
/// the plain scan that solves every tier: bit for bit, on generated tiers (explicit deductions of any size included),
/// sizes, multipliers, entries, collaterals and other MM around the boundary where a price first exists, and extremes.
/// </summary>
public sealed class TierScanTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ScanAllTiers_Bounded_EqualsThePlainScan_OnGeneratedPositions(int seed)
    {
        var random = new Random(seed);
        double[] extremes = [0, -0.0, 1e-300, -1e-300, 1e300, -1e300, double.MaxValue, double.PositiveInfinity, double.NegativeInfinity, double.NaN];
        var shortcuts = 0;
        for (var n = 0; n < 20_000; n++)
        {
            var tiers = Tiers(random);
            var contract = random.NextDouble() < 0.85 ? ContractKind.Linear : ContractKind.Inverse;
            var multiplier = random.Next(4) switch { 0 => 1.0, 1 => 0.001, 2 => 100, _ => random.NextDouble() * 10 };
            var instrument = new Instrument(new Symbol("T"), contract, 0.1, 0.001, tiers, multiplier);
            var size = (random.NextDouble() < 0.8 ? 1 : -1) * Math.Pow(10, (random.NextDouble() * 8) - 4);
            var entry = Math.Pow(10, (random.NextDouble() * 6) - 1);
            var entryNotional = Math.Abs(size) * multiplier * entry;
            var otherMm = random.NextDouble() < 0.5 ? 0 : entryNotional * random.NextDouble() * 0.2;
            // Around the boundary: collateral = other MM + the entry notional, give or take a hair or a lot.
            var collateral = otherMm + (entryNotional * (1 + ((random.NextDouble() - 0.5) * (random.NextDouble() < 0.3 ? 1e-12 : 0.5))));
            if (random.NextDouble() < 0.05)
            {
                collateral = extremes[random.Next(extremes.Length)];
            }

            if (random.NextDouble() < 0.03)
            {
                otherMm = extremes[random.Next(extremes.Length)];
            }

            var p = new PositionTerms(instrument, size, entry, double.NaN, entry * (0.5 + random.NextDouble()));
            var bounded = MarginCalculator.ScanAllTiers(in p, collateral, otherMm);
            var plain = MarginCalculator.ScanAllTiers(in p, collateral, otherMm, bounded: false);
            Assert.True(bounded.Equals(plain), $"case {n}: {bounded} vs {plain} (size {size}, entry {entry}, m {multiplier}, collateral {collateral}, other MM {otherMm})");
            shortcuts += contract == ContractKind.Linear && size > 0 && double.IsNaN(plain) ? 1 : 0;
        }

        Assert.True(shortcuts > 1_000, $"only {shortcuts} linear longs without a liquidation price were generated");
    }

    private static MarginTiers Tiers(Random random)
    {
        var count = random.Next(1, 11);
        var rows = new List<(double, double, double?)>();
        var floor = 0.0;
        var rate = random.NextDouble() * 0.02;
        for (var i = 0; i < count; i++)
        {
            // Derived deductions mostly; sometimes explicit ones of any size (a venue's published table need not follow the recursion).
            double? deduction = random.NextDouble() < 0.2 ? random.NextDouble() * Math.Pow(10, random.Next(0, 7)) : null;
            rows.Add((floor, Math.Min(rate, 0.999), i == 0 ? (deduction is null ? null : 0.0) : deduction));
            floor = floor == 0 ? Math.Pow(10, random.Next(2, 6)) : floor * (2 + (random.NextDouble() * 8));
            rate += random.NextDouble() * (random.NextDouble() < 0.1 ? 0.5 : 0.05);
        }

        return MarginTiers.Create(rows);
    }
}
