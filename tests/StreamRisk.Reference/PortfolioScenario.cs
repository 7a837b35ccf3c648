using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Portfolio;

namespace StreamRisk.Reference;

/// <summary>One position of a <see cref="PortfolioScenario"/> account; isolated margin NaN for a cross position.</summary>
public readonly record struct ScenarioPosition(int Instrument, double Size, double Entry, double IsolatedMargin);

/// <summary>An account of a <see cref="PortfolioScenario"/>.</summary>
public sealed record ScenarioAccount(string Id, double Balance, ScenarioPosition[] Positions);

/// <summary>
/// A venue-like portfolio population for benchmarks: <c>instruments</c> linear perpetuals (BTC-, ETH-, SOL-like marks,
/// then smaller alts) under a three-tier maintenance table; two thirds of the accounts on one instrument (half
/// isolated, half cross), one third cross-margined over 2–3 instruments; 2x–25x leverage, 60 % long, entries within
/// ±0.5 % of the mark; books of 1,000 levels a side one basis point apart, thinning towards the touch and scaled with
/// the open interest. Deterministic for a seed.
/// </summary>
public sealed record PortfolioScenario(Instrument[] Instruments, double[] Marks, (double Price, double Quantity)[][] Bids,
    (double Price, double Quantity)[][] Asks, ScenarioAccount[] Accounts)
{
    public static PortfolioScenario Generate(int accounts, int instruments = 10, int seed = 7)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instruments, 3);
        var random = new Random(seed);
        var tiers = MarginTiers.Create([(0.0, 0.004, null), (250_000.0, 0.005, null), (1_000_000.0, 0.01, null)]);
        var marks = new double[instruments];
        var list = new Instrument[instruments];
        for (var i = 0; i < instruments; i++)
        {
            marks[i] = i switch { 0 => 60_000, 1 => 3_000, 2 => 150, _ => Math.Round(0.5 + (50 * random.NextDouble()), 4) };
            list[i] = new Instrument(new Symbol(i switch { 0 => "BTCUSDT", 1 => "ETHUSDT", 2 => "SOLUSDT", _ => $"ALT{i}USDT" }),
                ContractKind.Linear, marks[i] * 1e-5, 1e-6, tiers);
        }

        double[] leverages = [2, 3, 5, 10, 20, 25];
        var openInterest = new double[instruments];
        var people = new ScenarioAccount[accounts];
        Span<int> held = stackalloc int[3];
        for (var a = 0; a < accounts; a++)
        {
            var pool = a % 3 == 0;
            var legs = pool ? 2 + random.Next(2) : 1;
            var isolated = !pool && random.Next(2) == 0;
            var leverage = leverages[random.Next(leverages.Length)];
            var positions = new ScenarioPosition[legs];
            double total = 0;
            for (var l = 0; l < legs; l++)
            {
                int instrument;
                do
                {
                    // BTC and ETH carry most of the open interest, as on a venue.
                    var pick = random.NextDouble();
                    instrument = pick < 0.35 ? 0 : pick < 0.6 ? 1 : 2 + random.Next(instruments - 2);
                }
                while (held[..l].Contains(instrument));

                held[l] = instrument;
                var notional = 1_000 * Math.Exp(random.NextDouble() * 5); // 1k to ~150k
                var entry = marks[instrument] * (1 + (0.01 * (random.NextDouble() - 0.5)));
                // Whole lots of 10⁻⁶, as a venue keeps them.
                var size = Math.Round(notional / entry * 1e6) / 1e6 * (random.NextDouble() < 0.6 ? 1 : -1);
                total += notional;
                openInterest[instrument] += Math.Abs(size);
                positions[l] = new ScenarioPosition(instrument, size, entry, isolated ? notional / leverage : double.NaN);
            }

            people[a] = new ScenarioAccount($"acct-{a}", isolated ? 0 : total / leverage, positions);
        }

        var bids = new (double, double)[instruments][];
        var asks = new (double, double)[instruments][];
        for (var i = 0; i < instruments; i++)
        {
            bids[i] = new (double, double)[1000];
            asks[i] = new (double, double)[1000];
            // Σ over 1,000 levels of (0.5 + 0.02 k) = 10,490 units of q: about 15 % of the open interest in the book.
            var q = openInterest[i] * 0.15 / 10_490;
            for (var k = 0; k < 1000; k++)
            {
                var quantity = (0.5 + (k * 0.02)) * q;
                bids[i][k] = (marks[i] * (1 - (1e-4 * (k + 1))), quantity);
                asks[i][k] = (marks[i] * (1 + (1e-4 * (k + 1))), quantity);
            }
        }

        return new PortfolioScenario(list, marks, bids, asks, people);
    }

    /// <summary>Loads the scenario into a projector and seals it.</summary>
    public void LoadInto(PortfolioProjector projector)
    {
        ArgumentNullException.ThrowIfNull(projector);
        projector.Reset(Instruments.Length);
        for (var i = 0; i < Instruments.Length; i++)
        {
            projector.SetInstrument(i, Instruments[i], Marks[i]);
            projector.BidsOf(i).Load(Bids[i]);
            projector.AsksOf(i).Load(Asks[i]);
        }

        foreach (var account in Accounts)
        {
            var a = projector.AddAccount(new AccountId(account.Id), account.Balance);
            foreach (var p in account.Positions)
            {
                projector.AddPosition(a, p.Instrument, p.Size, p.Entry, p.IsolatedMargin);
            }
        }

        projector.Seal();
    }
}
