using System.Text;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Contracts.Tests.Wire;

public sealed class SystemExchangeCodecTests
{
    // A small fund: the deep shocks end it negative, so ADL reads the shares' deficits at the walks' fills.
    private const double Fund = 1_000;

    [Fact]
    public void ProjectAll_QuestionsAndAnswersThroughTheCodec_EqualsOneProjectorBitForBit()
    {
        var population = PortfolioScenario.Generate(3_000, instruments: 4, seed: 11);
        var whole = new PortfolioProjector(MarginProfile.Binance);
        population.LoadInto(whole);
        var n = population.Instruments.Length;

        // Three partitions of every third account, each a responder that keeps nothing between questions.
        var responders = Enumerable.Range(0, 3).Select(p =>
        {
            var share = new PortfolioProjector(MarginProfile.Binance);
            share.Reset(n);
            for (var i = 0; i < n; i++)
            {
                share.SetInstrument(i, population.Instruments[i], population.Marks[i]);
            }

            for (var a = p; a < population.Accounts.Length; a += 3)
            {
                var account = population.Accounts[a];
                var index = share.AddAccount(new AccountId(account.Id), account.Balance);
                foreach (var leg in account.Positions)
                {
                    share.AddPosition(index, leg.Instrument, leg.Size, leg.Entry, leg.IsolatedMargin);
                }
            }

            share.Seal();
            return new PortfolioShareResponder(share);
        }).ToArray();

        var scenarios = new List<BatchScenario>();
        var betas = new[] { 1.0, 1.2, 1.4, 1.6 };
        foreach (var shock in CascadeShocks.DefaultGrid)
        {
            foreach (var sign in new[] { -1.0, 1.0 })
            {
                var moves = new double[n];
                SystemRisk.FactorMoves(0, sign * shock, betas, moves);
                scenarios.Add(new BatchScenario(moves));
            }
        }

        scenarios.Add(new BatchScenario(new double[n], population.Accounts[7].Id));
        var batch = new BatchedPortfolio(population.Instruments, population.Marks,
            population.Bids.Select(Depth).ToArray(), population.Asks.Select(Depth).ToArray());
        var exchange = 0;
        var outcomes = batch.ProjectAll(scenarios, Fund, questions =>
        {
            exchange++;
            var wire = SystemExchangeCodec.EncodeQuestions(42, exchange, n, questions);
            Assert.True(SystemExchangeCodec.TryDecodeQuestions(wire, out var view, out var number, out var read, out var reason), reason);
            Assert.Equal((42L, exchange), (view, number));
            for (var q = 0; q < questions.Count; q++)
            {
                Assert.Equal(questions[q] with { Walks = [] }, read[q] with { Walks = [], Moves = questions[q].Moves });
                Assert.Equal(Bits(questions[q].Moves), Bits(read[q].Moves));
                Assert.Equal(questions[q].Walks.Count, read[q].Walks.Count);
                for (var r = 0; r < read[q].Walks.Count; r++)
                {
                    var (a, b) = (questions[q].Walks[r], read[q].Walks[r]);
                    Assert.Equal(Bits(a.FillLong).Concat(Bits(a.FillShort)).Concat(Bits(a.Next)), Bits(b.FillLong).Concat(Bits(b.FillShort)).Concat(Bits(b.Next)));
                }
            }

            return responders.Select((responder, source) =>
            {
                var answers = read.Select(responder.Answer).ToArray();
                var back = SystemExchangeCodec.EncodeAnswers(42, exchange, source, n, answers);
                Assert.True(SystemExchangeCodec.TryDecodeAnswers(back, n, out _, out _, out var from, out var decoded, out var why), why);
                Assert.Equal(source, from);
                return (IReadOnlyList<ShareAnswer>)decoded;
            }).ToArray();
        });

        var one = new PortfolioOutcome();
        var cascades = 0;
        for (var s = 0; s < scenarios.Count; s++)
        {
            var forced = scenarios[s].ForcedAccount is null ? -1 : 7;
            whole.Project(scenarios[s].Moves, Fund, one, forced);
            var got = outcomes[s];
            Assert.Equal(one.RoundCount, got.RoundCount);
            Assert.Equal(one.LiquidatedAccounts, got.LiquidatedAccounts);
            Assert.Equal(one.LiquidatedUnits, got.LiquidatedUnits);
            Assert.Equal(BitConverter.DoubleToInt64Bits(one.InsuranceFundAfter), BitConverter.DoubleToInt64Bits(got.InsuranceFundAfter));
            Assert.Equal(BitConverter.DoubleToInt64Bits(one.AdlNotional), BitConverter.DoubleToInt64Bits(got.AdlNotional));
            Assert.Equal(BitConverter.DoubleToInt64Bits(one.ForcedNotional), BitConverter.DoubleToInt64Bits(got.ForcedNotional));
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(one.Instrument(i), got.Instrument(i));
            }

            cascades += one.RoundCount > 1 ? 1 : 0;
        }

        Assert.True(cascades >= 5, "several scenarios cascade over rounds");
        Assert.True(outcomes.Count(o => o.AdlNotional > 0) >= 3, "several scenarios end in ADL");
    }

    public static TheoryData<string, string> BadQuestions => new()
    {
        { "[]", "message: not a JSON object" },
        { """{"view":1,"exchange":1,"instruments":2}""", "questions: missing" },
        { """{"view":1.5,"exchange":1,"instruments":2,"questions":[]}""", "view: not a whole number" },
        { """{"view":1,"exchange":-1,"instruments":2,"questions":[]}""", "exchange: not a whole number" },
        { """{"view":1,"exchange":1,"instruments":2,"questions":[{"s":0,"moves":[0,0,0],"final":false,"walks":[]}]}""", "moves: not an array of at most 2" },
        { """{"view":1,"exchange":1,"instruments":2,"questions":[{"s":0,"moves":[-1],"final":false,"walks":[]}]}""", "moves: -1 is not" },
        { """{"view":1,"exchange":1,"instruments":2,"questions":[{"s":0,"moves":["NaN"],"final":false,"walks":[]}]}""", "moves: NaN is not" },
        { """{"view":1,"exchange":1,"instruments":2,"questions":[{"s":0,"moves":[0],"final":"yes","walks":[]}]}""", "final: not a boolean" },
        { """{"view":1,"exchange":1,"instruments":2,"questions":[{"s":0,"moves":[0],"final":false,"walks":[[[1,2],[1,2]]]}]}""", "walks: a walk is" },
        { """{"view":1,"exchange":1,"instruments":2,"questions":[{"s":0,"moves":[0],"final":false,"walks":[[[1],[1,2],[1,2]]]}]}""", "walks: not an array of 2" },
        { """{"view":1,"exchange":1,"instruments":2,"questions":[{"s":0,"moves":[0],"forced":7,"final":false,"walks":[]}]}""", "forced: not a string" },
        { "{\"view\":1,", "" },
    };

    [Theory]
    [MemberData(nameof(BadQuestions))]
    public void TryDecodeQuestions_Malformed_RefusedWithTheField(string json, string reason)
    {
        Assert.False(SystemExchangeCodec.TryDecodeQuestions(Encoding.UTF8.GetBytes(json), out _, out _, out var questions, out var why));
        Assert.Empty(questions);
        Assert.False(string.IsNullOrWhiteSpace(why));
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadAnswers => new()
    {
        { """{"view":1,"exchange":1,"source":0,"instruments":3,"answers":[]}""", "instruments: not a whole number in [2, 2]" },
        { """{"view":1,"exchange":1,"source":0,"instruments":2,"answers":[{"s":0,"units":1,"accounts":1,"collateral":"5","sums":[["1","0","0","0",1]]}]}""", "sums: 1 instruments for 2" },
        { """{"view":1,"exchange":1,"source":0,"instruments":2,"answers":[{"s":0,"units":1,"accounts":1,"collateral":"5","sums":[["-1","0","0","0",1],["0","0","0","0",0]]}]}""", "sums: a sold or bought size is negative" },
        { """{"view":1,"exchange":1,"source":0,"instruments":2,"answers":[{"s":0,"units":1,"accounts":1,"collateral":5,"sums":[["1","0","0","0",1],["0","0","0","0",0]]}]}""", "collateral: not a whole number in a string" },
        { """{"view":1,"exchange":1,"source":0,"instruments":2,"answers":[{"s":0,"units":1,"accounts":1,"collateral":"99999999999999999999999999999999999999999","sums":[]}]}""", "collateral: not a whole number in a string" },
        { """{"view":1,"exchange":1,"source":0,"instruments":2,"answers":[{"s":0,"final":true,"accounts":1,"forcedNotional":0,"deficit":"1","deficitSizes":["1"]}]}""", "deficitSizes: 1 sizes for 2" },
        { """{"view":1,"exchange":1,"source":0,"instruments":2,"answers":[{"s":0,"units":1,"accounts":1,"collateral":"5","sums":[["1","0","0","0",1.5],["0","0","0","0",0]]}]}""", "sums: a row is" },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public void TryDecodeAnswers_Malformed_RefusedWithTheField(string json, string reason)
    {
        Assert.False(SystemExchangeCodec.TryDecodeAnswers(Encoding.UTF8.GetBytes(json), 2, out _, out _, out _, out var answers, out var why));
        Assert.Empty(answers);
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    private static long[] Bits(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];

    private static SideDepth Depth((double Price, double Quantity)[] levels)
    {
        var depth = new SideDepth();
        depth.Load(levels);
        return depth;
    }
}
