using System.Globalization;
using System.Text;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Domain.Tests.Portfolio;

/// <summary>One portfolio scenario in the reference's terms, loadable into a <see cref="PortfolioProjector"/>.</summary>
internal sealed record PortfolioCase(MarginProfile Profile, RefInstrument[] Instruments, RefAccount[] Accounts, double[] Moves, double Fund, int Forced)
{
    /// <summary>Loads the instruments, books and accounts (not the scenario) into a projector and seals it.</summary>
    public void Load(PortfolioProjector projector)
    {
        projector.Reset(Instruments.Length);
        for (var i = 0; i < Instruments.Length; i++)
        {
            var x = Instruments[i];
            projector.SetInstrument(i, x.Instrument, x.Mark);
            projector.BidsOf(i).Load(x.Bids.ToArray());
            projector.AsksOf(i).Load(x.Asks.ToArray());
        }

        for (var a = 0; a < Accounts.Length; a++)
        {
            var index = projector.AddAccount(new AccountId("a" + a.ToString(CultureInfo.InvariantCulture)), Accounts[a].Balance);
            foreach (var leg in Accounts[a].Positions)
            {
                projector.AddPosition(index, leg.Instrument, leg.Size, leg.Entry, leg.IsolatedMargin);
            }
        }

        projector.Seal();
    }

    public RefPortfolioOutcome Reference() => ReferencePortfolio.Project(Profile, Instruments, Accounts, Moves, Fund, Forced);

    public void Project(PortfolioProjector projector, PortfolioOutcome outcome) => projector.Project(Moves, Fund, outcome, Forced);

    /// <summary>The case as C# source, to keep a failing generated case as a regression test.</summary>
    public string Describe()
    {
        static string D(double v) => double.IsNaN(v) ? "double.NaN" : v.ToString("R", CultureInfo.InvariantCulture);
        static string Levels(IReadOnlyList<(double Price, double Quantity)> levels) =>
            "[" + string.Join(", ", levels.Select(l => $"({D(l.Price)}, {D(l.Quantity)})")) + "]";
        static string Tiers(MarginTiers tiers) =>
            "MarginTiers.Create([" + string.Join(", ", Enumerable.Range(0, tiers.Count).Select(k => $"({D(tiers.FloorAt(k))}, {D(tiers.RateAt(k))}, (double?){D(tiers.DeductionAt(k))})")) + "])";

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"profile: MarginProfile.{char.ToUpperInvariant(Profile.Name[0])}{Profile.Name[1..]}, fund {D(Fund)}, forced {Forced}, moves [{string.Join(", ", Moves.Select(D))}]");
        foreach (var x in Instruments)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"new RefInstrument(new Instrument(new Symbol(\"{x.Instrument.Symbol}\"), ContractKind.{x.Instrument.Contract}, {D(x.Instrument.TickSize)}, {D(x.Instrument.LotSize)}, {Tiers(x.Instrument.Tiers)}, {D(x.Instrument.Multiplier)}), {D(x.Mark)}, {Levels(x.Bids)}, {Levels(x.Asks)}),");
        }

        foreach (var a in Accounts)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"new RefAccount({D(a.Balance)}, [{string.Join(", ", a.Positions.Select(p => $"new RefLeg({p.Instrument}, {D(p.Size)}, {D(p.Entry)}, {D(p.IsolatedMargin)})"))}]),");
        }

        return text.ToString();
    }
}

/// <summary>
/// Random portfolio states from a seed: 2–4 instruments (linear, sometimes one inverse; flat or tiered maintenance
/// rates), books of 1–40 levels a side stepping away from the mark (some thin enough to run out), 3–40 accounts of 1–3
/// positions (isolated and cross, longs and shorts; calm states with entries within 2% of the mark and mostly 2–25x,
/// stressed ones within 8% and 2–60x, so some start underwater; a cross pool never mixes linear and inverse), and scenarios with explicit or factor-like moves, a fund
/// from empty to comfortable and now and then a forced account.
/// </summary>
internal static class PortfolioCases
{
    private static readonly MarginProfile[] Profiles = [MarginProfile.Binance, MarginProfile.Bybit, MarginProfile.Okx];

    /// <summary>A state and a first scenario on it.</summary>
    public static PortfolioCase State(Random random)
    {
        var profile = Profiles[random.Next(Profiles.Length)];
        var n = random.Next(2, 5);
        var inverse = random.NextDouble() < 0.3 ? random.Next(n) : -1;
        var instruments = new RefInstrument[n];
        var sizeScale = new double[n];
        for (var i = 0; i < n; i++)
        {
            var isInverse = i == inverse;
            var mark = isInverse ? Uniform(random, 20_000, 80_000) : Math.Exp(Uniform(random, 0, Math.Log(100_000)));
            var multiplier = isInverse ? 100 : 1;
            // A typical position: ~10,000 of notional (linear) or ~100 contracts of 100 USD (inverse).
            sizeScale[i] = isInverse ? 100 : 10_000 / mark;
            var typicalNotional = isInverse ? sizeScale[i] * multiplier / mark : 10_000;
            var instrument = new Instrument(new Symbol("I" + i.ToString(CultureInfo.InvariantCulture)), isInverse ? ContractKind.Inverse : ContractKind.Linear,
                0.01, 0.001, Tiers(random, typicalNotional), multiplier);
            var thin = random.NextDouble() < 0.3;
            instruments[i] = new RefInstrument(instrument, mark, Levels(random, mark, sizeScale[i], -1, thin), Levels(random, mark, sizeScale[i], 1, thin));
        }

        // Half the states calm (entries within 2% of the mark, mostly 2–25x), half stressed (within 8%, 2–60x).
        var stressed = random.NextDouble() < 0.5;
        var accounts = new RefAccount[random.Next(3, 41)];
        for (var a = 0; a < accounts.Length; a++)
        {
            var legs = new List<RefLeg>();
            var count = random.Next(1, 4);
            var crossInverse = (bool?)null;
            var spread = stressed ? 0.08 : 0.02;
            double crossEntryNotional = 0;
            for (var k = 0; k < count; k++)
            {
                // Mostly distinct instruments; now and then a second position on one (hedge mode: isolated beside cross).
                var i = random.Next(n);
                var isInverse = i == inverse;
                var isolated = random.NextDouble() < 0.4 || (crossInverse is { } pool && pool != isInverse);
                // Whole lots, as a venue keeps them (the projector sums sizes in whole 10⁻⁸ units).
                var lot = instruments[i].Instrument.LotSize;
                var size = Math.Round((random.NextDouble() < 0.5 ? -1 : 1) * sizeScale[i] * Uniform(random, 0.1, 3) / lot) * lot;
                if (random.NextDouble() < 0.02)
                {
                    size = 0;
                }

                var mark = instruments[i].Mark;
                var entry = mark * (1 + Uniform(random, -spread, spread));
                var entryNotional = instruments[i].Instrument.Notional(size, entry);
                if (isolated)
                {
                    legs.Add(new RefLeg(i, size, entry, entryNotional / Leverage(random, stressed)));
                }
                else
                {
                    crossInverse = isInverse;
                    crossEntryNotional += entryNotional;
                    legs.Add(new RefLeg(i, size, entry, double.NaN));
                }
            }

            var balance = crossEntryNotional / Leverage(random, stressed);
            accounts[a] = new RefAccount(balance, legs);
        }

        return Scenario(random, profile, instruments, accounts);
    }

    /// <summary>Another scenario (moves, fund, forced account) on the same state.</summary>
    public static PortfolioCase Scenario(Random random, PortfolioCase state) => Scenario(random, state.Profile, state.Instruments, state.Accounts);

    private static PortfolioCase Scenario(Random random, MarginProfile profile, RefInstrument[] instruments, RefAccount[] accounts)
    {
        var n = instruments.Length;
        var moves = new double[random.NextDouble() < 0.2 ? random.Next(n) : n];
        var reach = random.NextDouble() < 0.3 ? 0.03 : 0.15;
        if (random.NextDouble() < 0.5)
        {
            for (var i = 0; i < moves.Length; i++)
            {
                moves[i] = random.NextDouble() < 0.3 ? 0 : Uniform(random, -reach, reach);
            }
        }
        else
        {
            // A factor move: the reference instrument moves m, the others β·m.
            var reference = random.Next(n);
            var move = Uniform(random, -reach, reach) * 0.8;
            for (var i = 0; i < moves.Length; i++)
            {
                moves[i] = i == reference ? move : Math.Max(-0.9, Uniform(random, 0.3, 2.5) * move);
            }
        }

        var notional = accounts.SelectMany(a => a.Positions).Sum(p => instruments[p.Instrument].Instrument.Notional(p.Size, p.Entry));
        var fund = random.NextDouble() < 0.2 ? 0 : notional * Uniform(random, 0, 0.05);
        var forced = random.NextDouble() < 0.2 ? random.Next(accounts.Length) : -1;
        return new PortfolioCase(profile, instruments, accounts, moves, fund, forced);
    }

    /// <summary>Calm: mostly 2–25x, one in ten 25–60x. Stressed: 2–60x.</summary>
    private static double Leverage(Random random, bool stressed) =>
        stressed || random.NextDouble() < 0.1 ? Uniform(random, stressed ? 2 : 25, 60) : Uniform(random, 2, 25);

    private static MarginTiers Tiers(Random random, double typicalNotional)
    {
        var rate = Uniform(random, 0.002, 0.02);
        if (random.NextDouble() < 0.5)
        {
            return MarginTiers.Flat(rate);
        }

        // Increasing rates with deductions by the recursion (MM continuous at every floor).
        var floor = typicalNotional * Uniform(random, 0.2, 1);
        var rows = new List<(double, double, double?)> { (0, rate, null) };
        for (var k = random.Next(1, 4); k > 0; k--)
        {
            rate += Uniform(random, 0.002, 0.02);
            rows.Add((floor, rate, null));
            floor *= Uniform(random, 1.5, 4);
        }

        return MarginTiers.Create(rows);
    }

    /// <summary>Best level first, each a random step further from the mark (side −1 bids, +1 asks).</summary>
    private static (double Price, double Quantity)[] Levels(Random random, double mark, double sizeScale, int side, bool thin)
    {
        var levels = new (double, double)[random.Next(1, thin ? 8 : 41)];
        var price = mark;
        for (var k = 0; k < levels.Length; k++)
        {
            price += side * mark * Uniform(random, 0.0005, 0.01);
            levels[k] = (price, sizeScale * Uniform(random, thin ? 0.02 : 0.1, thin ? 0.5 : 3));
        }

        return levels;
    }

    private static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());
}
