using CsCheck;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Tests.Margin;

/// <summary>Properties that must hold for any account, profile and contract kind (generated inputs).</summary>
public sealed class MarginPropertyTests
{
    private static readonly Instrument[] Instruments =
    [
        Fixtures.Linear("BTCUSDT", Fixtures.BinanceBtcUsdt),
        Fixtures.Linear("ETHUSDT", MarginTiers.Create([(0, 0.005, null), (100_000, 0.0075, null), (500_000, 0.01, null)])),
        Fixtures.Linear("SOLUSDT", MarginTiers.Flat(0.01)),
        Fixtures.Inverse("BTCUSD_PERP", MarginTiers.Create([(0, 0.004, null), (5, 0.005, null), (10, 0.01, null)])),
    ];

    private static readonly double[] ReferencePrices = [60_000, 3_000, 150, 60_000];

    /// <summary>Accounts of 1–4 positions on distinct instruments, all linear or all inverse, some isolated.</summary>
    internal static readonly Gen<(MarginProfile Profile, double Balance, PositionTerms[] Positions)> Accounts =
        Gen.Select(
            Gen.Int[0, MarginProfile.All.Count - 1],
            Gen.Double[50, 200_000],
            Gen.Bool,
            Gen.Select(Gen.Double[-1, 1], Gen.Double[0.8, 1.2], Gen.Double[0.85, 1.15], Gen.Int[0, 3], Gen.Double[0.02, 0.5]).Array[1, 3],
            (profile, balance, inverse, legs) =>
            {
                var used = new HashSet<int>();
                var positions = new List<PositionTerms>();
                foreach (var (sizeFraction, entryFactor, markFactor, isolatedPick, marginFraction) in legs)
                {
                    var index = inverse ? 3 : Math.Min(2, (int)Math.Floor(Math.Abs(sizeFraction) * 3));
                    if (!used.Add(index))
                    {
                        continue;
                    }

                    var instrument = Instruments[index];
                    var reference = ReferencePrices[index];
                    // Size: up to ~$500k of notional (linear) or 50,000 contracts of $100 (inverse); never zero.
                    var size = (Math.Abs(sizeFraction) < 0.01 ? 0.01 : sizeFraction) * (inverse ? 50_000 : 500_000 / reference);
                    var entry = reference * entryFactor;
                    var notionalAtEntry = instrument.Notional(size, entry);
                    var isolated = isolatedPick == 0 ? notionalAtEntry * marginFraction : double.NaN;
                    positions.Add(new PositionTerms(instrument, size, entry, isolated, reference * markFactor));
                }

                var scaledBalance = inverse ? balance / 60_000 : balance;
                return (MarginProfile.All[profile], scaledBalance, positions.ToArray());
            });

    [Fact]
    public void AtTheLiquidationPrice_EquityEqualsMaintenanceMargin()
    {
        Accounts.Sample(a =>
        {
            var results = new PositionMargin[a.Positions.Length];
            MarginCalculator.Compute(a.Profile, a.Balance, a.Positions, results);
            for (var i = 0; i < a.Positions.Length; i++)
            {
                var lp = results[i].LiquidationPrice;
                if (double.IsNaN(lp))
                {
                    continue;
                }

                var (equity, mm) = EquityAndMarginWithMarkAt(a.Profile, a.Balance, a.Positions, i, lp);
                Assert.True(Math.Abs(equity - mm) <= 1e-9 * Math.Max(1, Math.Abs(mm)) + 1e-9 * Math.Abs(equity),
                    $"{a.Profile.Name} position {i}: at LP {lp} equity {equity} vs MM {mm}; balance {a.Balance}; " + string.Join(" | ", a.Positions.Select(p => $"{p.Instrument.Symbol} {p.Size} @ {p.Entry} mark {p.Mark} iso {p.IsolatedMargin}")));
            }
        }, iter: 3_000);
    }

    [Fact]
    public void AtTheBankruptcyPrice_EquityIsZero()
    {
        Accounts.Sample(a =>
        {
            var results = new PositionMargin[a.Positions.Length];
            MarginCalculator.Compute(a.Profile, a.Balance, a.Positions, results);
            for (var i = 0; i < a.Positions.Length; i++)
            {
                var bp = results[i].BankruptcyPrice;
                if (double.IsNaN(bp))
                {
                    continue;
                }

                var (equity, _) = EquityAndMarginWithMarkAt(a.Profile, a.Balance, a.Positions, i, bp);
                var scale = Math.Max(1e-6, Math.Abs(a.Positions[i].Instrument.Notional(a.Positions[i].Size, bp)));
                Assert.True(Math.Abs(equity) <= 1e-9 * scale, $"{a.Profile.Name} position {i}: at BP {bp} equity {equity}");
            }
        }, iter: 3_000);
    }

    [Fact]
    public void LiquidationPrice_MovesMonotonicallyWithBalance()
    {
        Accounts.Sample(a =>
        {
            var lower = new PositionMargin[a.Positions.Length];
            var higher = new PositionMargin[a.Positions.Length];
            MarginCalculator.Compute(a.Profile, a.Balance, a.Positions, lower);
            MarginCalculator.Compute(a.Profile, a.Balance * 1.25, a.Positions, higher);
            for (var i = 0; i < a.Positions.Length; i++)
            {
                if (a.Positions[i].IsIsolated || double.IsNaN(lower[i].LiquidationPrice) || double.IsNaN(higher[i].LiquidationPrice))
                {
                    continue;
                }

                // More collateral pushes a long's LP down and a short's LP up (or leaves it, within rounding).
                var slack = 1e-9 * lower[i].LiquidationPrice;
                if (a.Positions[i].Size > 0)
                {
                    Assert.True(higher[i].LiquidationPrice <= lower[i].LiquidationPrice + slack, $"{a.Profile.Name} long LP rose with balance");
                }
                else
                {
                    Assert.True(higher[i].LiquidationPrice >= lower[i].LiquidationPrice - slack, $"{a.Profile.Name} short LP fell with balance");
                }
            }
        }, iter: 3_000);
    }

    /// <summary>
    /// Equity and MM of the pool behind position i (cross pool or its isolated margin) if its mark were
    /// <paramref name="price"/>, evaluated straight from the definitions, not through the solver.
    /// </summary>
    private static (double Equity, double Mm) EquityAndMarginWithMarkAt(MarginProfile profile, double balance, PositionTerms[] positions, int i, double price)
    {
        var target = positions[i];
        if (target.IsIsolated)
        {
            return (target.IsolatedMargin + target.Instrument.UnrealizedPnl(target.Size, target.Entry, price),
                MarginCalculator.MaintenanceMarginAt(profile.TierBasis, in target, price));
        }

        var equity = balance;
        var mm = 0.0;
        for (var j = 0; j < positions.Length; j++)
        {
            var p = positions[j];
            if (p.IsIsolated)
            {
                continue;
            }

            var mark = j == i ? price : p.Mark;
            equity += p.Instrument.UnrealizedPnl(p.Size, p.Entry, mark);
            mm += MarginCalculator.MaintenanceMarginAt(profile.TierBasis, in p, mark);
        }

        return (equity, mm);
    }
}
