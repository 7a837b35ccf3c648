using System.Globalization;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Domain.Tests.Portfolio;

/// <summary>
/// Accounts split over partitions (<see cref="PartitionedPortfolio"/>) against one <see cref="PortfolioProjector"/>
/// holding them all: every output equal to the last bit, since the partitions' round sums are whole units.
/// </summary>
public sealed class PartitionedPortfolioTests(ITestOutputHelper output)
{
    [Fact]
    public void Project_AccountsSplitOverPartitions_EqualsOneProjectorBitForBit()
    {
        var one = new PortfolioOutcome();
        var split = new PortfolioOutcome();
        int compared = 0, cascades = 0, multiRound = 0, withAdl = 0, forced = 0;
        for (var seed = 0; seed < 1_500; seed++)
        {
            var random = new Random(seed);
            var state = PortfolioCases.State(random);
            var (whole, partitioned, globalOf) = Build(state, random, out _);
            var scenario = state;
            for (var k = 0; k < 3; k++, scenario = PortfolioCases.Scenario(random, state))
            {
                whole.Project(scenario.Moves, scenario.Fund, one, scenario.Forced);
                partitioned.Project(scenario.Moves, scenario.Fund, split, scenario.Forced < 0 ? -1 : globalOf[scenario.Forced]);
                Same(one, split, $"seed {seed}, scenario {k}");
                compared++;
                cascades += one.RoundCount > 0 ? 1 : 0;
                multiRound += one.RoundCount > 1 ? 1 : 0;
                withAdl += one.AdlNotional > 0 ? 1 : 0;
                forced += scenario.Forced >= 0 ? 1 : 0;
            }
        }

        output.WriteLine($"{compared} compared: {cascades} cascades, {multiRound} of several rounds, {withAdl} with ADL, {forced} with a forced account");
        Assert.True(cascades > compared / 4 && multiRound > 100 && withAdl > 20 && forced > 200, "the generated scenarios cover cascades, several rounds, ADL and forced accounts");
    }

    [Fact]
    public void ProjectAll_SharesAnsweringQuestionsStatelessly_EqualsOneProjectorBitForBit()
    {
        var one = new PortfolioOutcome();
        int compared = 0, multiRound = 0;
        for (var seed = 0; seed < 600; seed++)
        {
            var random = new Random(20_000 + seed);
            var state = PortfolioCases.State(random);
            var (whole, partitioned, _) = Build(state, random, out var n);
            var cases = new List<PortfolioCase> { state };
            for (var k = 0; k < 5; k++)
            {
                cases.Add(PortfolioCases.Scenario(random, state));
            }

            // One batch of every scenario, each share answering through a responder that keeps nothing between questions.
            var responders = partitioned.Shares.Select(share => new PortfolioShareResponder((PortfolioProjector)share)).ToArray();
            var exchanges = 0;
            var batch = new BatchedPortfolio(state.Instruments.Select(x => x.Instrument).ToArray(), state.Instruments.Select(x => x.Mark).ToArray(),
                state.Instruments.Select(x => Depth(x.Bids)).ToArray(), state.Instruments.Select(x => Depth(x.Asks)).ToArray());
            var fund = cases[0].Fund;
            var outcomes = batch.ProjectAll(
                cases.Select(c => new BatchScenario(c.Moves, c.Forced < 0 ? null : "a" + c.Forced.ToString(CultureInfo.InvariantCulture))).ToArray(),
                fund,
                questions =>
                {
                    exchanges++;
                    return responders.Select(r => (IReadOnlyList<ShareAnswer>)questions.Select(r.Answer).ToArray()).ToArray();
                });
            for (var k = 0; k < cases.Count; k++)
            {
                whole.Project(cases[k].Moves, fund, one, cases[k].Forced);
                Same(one, outcomes[k], $"seed {seed}, scenario {k}", forcedIndex: false);
                compared++;
                multiRound += one.RoundCount > 1 ? 1 : 0;
            }

            // Rounds of a batch run side by side: the longest scenario's rounds, one exchange to start and one to finish.
            var longest = Enumerable.Range(0, cases.Count).Max(k => outcomes[k].RoundCount);
            Assert.InRange(exchanges, longest + 1, longest + 2);
        }

        output.WriteLine($"{compared} compared, {multiRound} of several rounds");
        Assert.True(multiRound > 100, "the batches hold scenarios of several rounds");
    }

    [Fact]
    public void SystemQuestions_AccountsSplitOverPartitions_SameAnswers()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(10_000 + seed);
            var state = PortfolioCases.State(random);
            var (whole, partitioned, _) = Build(state, random, out var n);
            var a = new SystemRisk(whole);
            var b = new SystemRisk(partitioned);
            var fund = state.Fund;
            var context = $"seed {seed}";
            Assert.True(a.Contagion(0.05, fund).SequenceEqual(b.Contagion(0.05, fund)), context + ": contagion");
            var betas = Enumerable.Range(0, n).Select(i => 0.8 + (0.1 * i)).ToArray();
            foreach (var direction in new[] { CascadeDirection.Down, CascadeDirection.Up })
            {
                Assert.Equal(a.CriticalShock(0, betas, direction, fund), b.CriticalShock(0, betas, direction, fund));
            }

            var topA = new CriticalAccount[5];
            var topB = new CriticalAccount[5];
            var foundA = a.CriticalAccounts(fund, 8, topA);
            var foundB = b.CriticalAccounts(fund, 8, topB);
            Assert.Equal(foundA, foundB);
            for (var k = 0; k < foundA; k++)
            {
                Assert.Equal(whole.AccountAt(topA[k].Account), partitioned.AccountAt(topB[k].Account));
                Assert.Equal(topA[k] with { Account = 0 }, topB[k] with { Account = 0 });
            }
        }
    }

    [Fact]
    public void SystemView_BuiltFromPartitionsInBatches_EqualsTheOneProjectorView()
    {
        var views = 0;
        for (var seed = 0; seed < 60; seed++)
        {
            var random = new Random(30_000 + seed);
            var state = PortfolioCases.State(random);
            var (whole, partitioned, _) = Build(state, random, out var n);
            var symbols = state.Instruments.Select(x => x.Instrument.Symbol.Value).ToArray();
            var request = new SystemViewRequest(1_000, random.Next(n), symbols, state.Instruments.Select(x => x.Mark).ToArray(),
                Enumerable.Range(0, n).Select(i => 0.7 + (0.2 * i)).ToArray(), state.Fund, CascadeShocks.DefaultGrid, 0.05, 5, 12,
                state.Instruments.Select(x => Depth(x.Bids).KnownRange).ToArray(), state.Instruments.Select(x => Depth(x.Asks).KnownRange).ToArray());
            var expected = SystemViewBuilder.Build(new LocalPortfolioBatches(whole), request);

            var responders = partitioned.Shares.Select(share => new PortfolioShareResponder((PortfolioProjector)share)).ToArray();
            var batch = new BatchedPortfolio(state.Instruments.Select(x => x.Instrument).ToArray(), state.Instruments.Select(x => x.Mark).ToArray(),
                state.Instruments.Select(x => Depth(x.Bids)).ToArray(), state.Instruments.Select(x => Depth(x.Asks)).ToArray());
            var split = new PartitionedPortfolioBatches(batch,
                questions => responders.Select(r => (IReadOnlyList<ShareAnswer>)questions.Select(r.Answer).ToArray()).ToArray(),
                count => responders.Select(r => r.LargestAccounts(count)), n, partitioned.AccountCount, shockStepsPerBatch: 25);
            var actual = SystemViewBuilder.Build(split, request);

            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(expected), System.Text.Json.JsonSerializer.Serialize(actual));
            views += expected.CriticalAccounts.Count > 0 && (expected.CriticalShockDown ?? expected.CriticalShockUp) is not null ? 1 : 0;
        }

        Assert.True(views > 5, "some views name critical accounts and a critical shock");
    }

    /// <summary>One projector with every account, and the same accounts dealt at random over 2–4 partitions.</summary>
    private static (PortfolioProjector Whole, PartitionedPortfolio Split, int[] GlobalOf) Build(PortfolioCase state, Random random, out int n)
    {
        n = state.Instruments.Length;
        var whole = new PortfolioProjector(state.Profile);
        state.Load(whole);
        var partitions = random.Next(2, 5);
        var owner = state.Accounts.Select(_ => random.Next(partitions)).ToArray();
        var shares = new List<IPortfolioShare>();
        var globalOf = new int[state.Accounts.Length];
        var next = 0;
        for (var p = 0; p < partitions; p++)
        {
            var share = new PortfolioProjector(state.Profile);
            share.Reset(n);
            for (var i = 0; i < n; i++)
            {
                share.SetInstrument(i, state.Instruments[i].Instrument, state.Instruments[i].Mark);
            }

            // A partition's accounts in the reverse of their order in the whole: the order must not matter either.
            for (var a = state.Accounts.Length - 1; a >= 0; a--)
            {
                if (owner[a] != p)
                {
                    continue;
                }

                var index = share.AddAccount(new AccountId("a" + a.ToString(CultureInfo.InvariantCulture)), state.Accounts[a].Balance);
                globalOf[a] = next + index;
                foreach (var leg in state.Accounts[a].Positions)
                {
                    share.AddPosition(index, leg.Instrument, leg.Size, leg.Entry, leg.IsolatedMargin);
                }
            }

            share.Seal();
            next += share.AccountCount;
            shares.Add(share);
        }

        var bids = state.Instruments.Select(x => Depth(x.Bids)).ToArray();
        var asks = state.Instruments.Select(x => Depth(x.Asks)).ToArray();
        var split = new PartitionedPortfolio(shares, state.Instruments.Select(x => x.Instrument).ToArray(), state.Instruments.Select(x => x.Mark).ToArray(), bids, asks);
        return (whole, split, globalOf);
    }

    private static SideDepth Depth(IReadOnlyList<(double Price, double Quantity)> levels)
    {
        var depth = new SideDepth();
        depth.Load([.. levels]);
        return depth;
    }

    private static void Same(PortfolioOutcome e, PortfolioOutcome a, string context, bool forcedIndex = true)
    {
        Assert.True(!forcedIndex || e.ForcedAccount >= 0 == a.ForcedAccount >= 0, $"{context}: forced account");
        void Check(bool ok, string what) => Assert.True(ok, $"{context}: {what}");
        static bool Bits(double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y);

        Check(e.RoundCount == a.RoundCount, $"rounds {e.RoundCount} vs {a.RoundCount}");
        Check(e.LiquidatedAccounts == a.LiquidatedAccounts, $"accounts {e.LiquidatedAccounts} vs {a.LiquidatedAccounts}");
        Check(e.LiquidatedUnits == a.LiquidatedUnits, "units");
        Check(Bits(e.InsuranceFundAfter, a.InsuranceFundAfter), $"fund {e.InsuranceFundAfter:R} vs {a.InsuranceFundAfter:R}");
        Check(Bits(e.AdlNotional, a.AdlNotional), $"ADL {e.AdlNotional:R} vs {a.AdlNotional:R}");
        Check(Bits(e.LiquidatedNotional, a.LiquidatedNotional), "notional");
        Check(Bits(e.ForcedNotional, a.ForcedNotional), "forced notional");
        for (var i = 0; i < e.InstrumentCount; i++)
        {
            // The record's equality compares doubles by value; NaN never appears in an instrument outcome.
            Check(e.Instrument(i) == a.Instrument(i), $"instrument {i}: {e.Instrument(i)} vs {a.Instrument(i)}");
        }

        for (var r = 0; r < e.RoundCount; r++)
        {
            Check(e.RoundAccounts(r) == a.RoundAccounts(r), $"round {r} accounts");
            for (var i = 0; i < e.InstrumentCount; i++)
            {
                var (x, y) = (e.Flow(r, i), a.Flow(r, i));
                Check(Bits(x.Price, y.Price) && Bits(x.Sold, y.Sold) && Bits(x.Bought, y.Bought) && Bits(x.Vwap, y.Vwap) && Bits(x.LastPrice, y.LastPrice),
                    $"round {r} instrument {i}: {x} vs {y}");
            }
        }
    }
}
