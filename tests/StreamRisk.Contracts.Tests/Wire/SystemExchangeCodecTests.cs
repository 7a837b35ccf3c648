using System.Text;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;
using StreamRisk.Testing;

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
        string[] symbols = [.. population.Instruments.Select(x => x.Symbol.Value)];
        var outcomes = batch.ProjectAll(scenarios, Fund, questions =>
        {
            exchange++;
            var request = new ShareRequest(42, 41, exchange, symbols, population.Marks, 0, questions);
            var wire = SystemExchangeCodec.EncodeRequest(request);
            Assert.True(SystemExchangeCodec.TryDecodeRequest(wire, out var read, out var reason), reason);
            var requestVerdict = ContractSchemas.Validate("system-request", wire);
            Assert.True(requestVerdict.IsValid, requestVerdict.ToString());
            Assert.Equal((42L, 41L, exchange), (read!.View, read.Stage, read.Exchange));
            Assert.Equal(symbols, read.Symbols);
            Assert.Equal(Bits(population.Marks), Bits([.. read.Marks]));
            for (var q = 0; q < questions.Count; q++)
            {
                var back = read.Questions[q];
                Assert.Equal(questions[q] with { Walks = [] }, back with { Walks = [], Moves = questions[q].Moves });
                Assert.Equal(Bits(questions[q].Moves), Bits(back.Moves));
                Assert.Equal(questions[q].Walks.Count, back.Walks.Count);
                for (var r = 0; r < back.Walks.Count; r++)
                {
                    var (a, b) = (questions[q].Walks[r], back.Walks[r]);
                    Assert.Equal(Bits(a.FillLong).Concat(Bits(a.FillShort)).Concat(Bits(a.Next)), Bits(b.FillLong).Concat(Bits(b.FillShort)).Concat(Bits(b.Next)));
                }
            }

            return responders.Select((responder, source) =>
            {
                var answers = read.Questions.Select(responder.Answer).ToArray();
                var reply = new ShareReply(42, exchange, source, responder.Share.AccountCount, responder.LargestAccounts(3), answers);
                var back = SystemExchangeCodec.EncodeReply(reply);
                Assert.True(SystemExchangeCodec.TryDecodeReply(back, n, out var decoded, out var why), why);
                var replyVerdict = ContractSchemas.Validate("system-reply", back);
                Assert.True(replyVerdict.IsValid, replyVerdict.ToString());
                Assert.Equal((source, responder.Share.AccountCount), (decoded!.Source, decoded.Accounts));
                Assert.Equal(reply.Largest, decoded.Largest);
                return decoded.Answers;
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

    private const string Head = "\"view\":1,\"stage\":1,\"exchange\":1,\"symbols\":[\"A\",\"B\"],\"marks\":[1,2],\"largest\":0";

    public static TheoryData<string, string> BadRequests => new()
    {
        { "[]", "message: not a JSON object" },
        { "{" + Head + "}", "questions: missing" },
        { """{"view":1.5,"stage":1,"exchange":1,"symbols":[],"marks":[],"largest":0,"questions":[]}""", "view: not a whole number" },
        { """{"view":1,"stage":1,"exchange":-1,"symbols":[],"marks":[],"largest":0,"questions":[]}""", "exchange: not a whole number" },
        { """{"view":1,"stage":1,"exchange":1,"symbols":["A","A"],"marks":[1,2],"largest":0,"questions":[]}""", "symbols: a symbol appears twice" },
        { """{"view":1,"stage":1,"exchange":1,"symbols":["A",""],"marks":[1,2],"largest":0,"questions":[]}""", "symbols: a symbol is a string" },
        { """{"view":1,"stage":1,"exchange":1,"symbols":["A","B"],"marks":[1],"largest":0,"questions":[]}""", "marks: not an array of 2" },
        { """{"view":1,"stage":1,"exchange":1,"symbols":["A","B"],"marks":[1,-2],"largest":0,"questions":[]}""", "marks: a mark is a positive finite price" },
        { """{"view":1,"stage":1,"exchange":1,"symbols":["A","B"],"marks":[1,"Infinity"],"largest":0,"questions":[]}""", "marks: a mark is a positive finite price" },
        { "{" + Head + ",\"questions\":[{\"s\":0,\"moves\":[0,0,0],\"final\":false,\"walks\":[]}]}", "moves: not an array of at most 2" },
        { "{" + Head + ",\"questions\":[{\"s\":0,\"moves\":[-1],\"final\":false,\"walks\":[]}]}", "moves: -1 is not" },
        { "{" + Head + ",\"questions\":[{\"s\":0,\"moves\":[\"NaN\"],\"final\":false,\"walks\":[]}]}", "moves: NaN is not" },
        { "{" + Head + ",\"questions\":[{\"s\":0,\"moves\":[0],\"final\":\"yes\",\"walks\":[]}]}", "final: not a boolean" },
        { "{" + Head + ",\"questions\":[{\"s\":0,\"moves\":[0],\"final\":false,\"walks\":[[[1,2],[1,2]]]}]}", "walks: a walk is" },
        { "{" + Head + ",\"questions\":[{\"s\":0,\"moves\":[0],\"final\":false,\"walks\":[[[1],[1,2],[1,2]]]}]}", "walks: not an array of 2" },
        { "{" + Head + ",\"questions\":[{\"s\":0,\"moves\":[0],\"forced\":7,\"final\":false,\"walks\":[]}]}", "forced: not a string" },
        { "{\"view\":1,", "" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void TryDecodeRequest_Malformed_RefusedWithTheField(string json, string reason)
    {
        Assert.False(SystemExchangeCodec.TryDecodeRequest(Encoding.UTF8.GetBytes(json), out var request, out var why));
        Assert.Null(request);
        Assert.False(string.IsNullOrWhiteSpace(why));
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    private const string ReplyHead = "\"view\":1,\"exchange\":1,\"source\":0,\"accounts\":3,\"largest\":[]";

    public static TheoryData<string, string> BadReplies => new()
    {
        { "{" + ReplyHead + ",\"answers\":[{\"s\":0,\"units\":1,\"accounts\":1,\"collateral\":\"5\",\"sums\":[[\"1\",\"0\",\"0\",\"0\",1]]}]}", "sums: 1 instruments for 2" },
        { "{" + ReplyHead + ",\"answers\":[{\"s\":0,\"units\":1,\"accounts\":1,\"collateral\":\"5\",\"sums\":[[\"-1\",\"0\",\"0\",\"0\",1],[\"0\",\"0\",\"0\",\"0\",0]]}]}", "sums: a sold or bought size is negative" },
        { "{" + ReplyHead + ",\"answers\":[{\"s\":0,\"units\":1,\"accounts\":1,\"collateral\":5,\"sums\":[]}]}", "collateral: not a whole number in a string" },
        { "{" + ReplyHead + ",\"answers\":[{\"s\":0,\"units\":1,\"accounts\":1,\"collateral\":\"99999999999999999999999999999999999999999\",\"sums\":[]}]}", "collateral: not a whole number in a string" },
        { "{" + ReplyHead + ",\"answers\":[{\"s\":0,\"final\":true,\"accounts\":1,\"forcedNotional\":0,\"deficit\":\"1\",\"deficitSizes\":[\"1\"]}]}", "deficitSizes: 1 sizes for 2" },
        { "{" + ReplyHead + ",\"answers\":[{\"s\":0,\"units\":1,\"accounts\":1,\"collateral\":\"5\",\"sums\":[[\"1\",\"0\",\"0\",\"0\",1.5],[\"0\",\"0\",\"0\",\"0\",0]]}]}", "sums: a row is" },
        { """{"view":1,"exchange":1,"source":0,"accounts":3,"largest":[["a"]],"answers":[]}""", "largest: an account is [id, notional]" },
        { """{"view":1,"exchange":1,"source":0,"accounts":-3,"largest":[],"answers":[]}""", "accounts: not a whole number" },
    };

    [Theory]
    [MemberData(nameof(BadReplies))]
    public void TryDecodeReply_Malformed_RefusedWithTheField(string json, string reason)
    {
        Assert.False(SystemExchangeCodec.TryDecodeReply(Encoding.UTF8.GetBytes(json), 2, out var reply, out var why));
        Assert.Null(reply);
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
