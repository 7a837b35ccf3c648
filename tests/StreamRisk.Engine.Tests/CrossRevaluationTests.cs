using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Engine;

namespace StreamRisk.Engine.Tests;

/// <summary>
/// Cross holders are revalued at a mark cadence (EngineOptions.CrossRevaluationInterval / CrossRevaluationMove), not
/// at every mark: between revaluations the account stage (margins, ladders) is as of the last revalued marks, and a
/// revaluation brings it to exactly what an engine revaluing at every mark holds.
/// </summary>
public sealed class CrossRevaluationTests
{
    private static readonly Instrument Btc = new(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004));
    private static readonly Instrument Eth = new(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.01, MarginTiers.Flat(0.005));

    [Fact]
    public void SmallMarkMoves_AreCoalesced_UntilTheIntervalOrALargeMove()
    {
        var coalesced = Engine(new EngineOptions());
        var eager = Engine(new EngineOptions { CrossRevaluationInterval = TimeSpan.Zero });
        const int btc = 0, eth = 1;

        void Mark(int instrument, double price, long time)
        {
            coalesced.ApplyMark(instrument, price, time);
            eager.ApplyMark(instrument, price, time);
        }

        Mark(btc, 60_000, 0);
        Mark(eth, 3_000, 0);
        Assert.Equal(EthLongs(eager), EthLongs(coalesced));
        var before = EthLongs(coalesced);

        // 0.05 % on BTC, 100 ms later: the cross holder's ETH liquidation price moves in the eager engine only.
        Mark(btc, 60_030, 100);
        Assert.NotEqual(before, EthLongs(eager));
        Assert.Equal(before, EthLongs(coalesced));
        Assert.NotEqual(Equity(eager), Equity(coalesced)); // the account stage is as of the last revaluation

        // 0.33 % from the mark it was last revalued at: at once.
        Mark(btc, 60_200, 200);
        Assert.Equal(EthLongs(eager), EthLongs(coalesced));
        Assert.Equal(Equity(eager), Equity(coalesced));

        // A small move, then BTC goes quiet: an ETH mark a second later carries the deferred BTC revaluation.
        Mark(btc, 60_210, 300);
        Assert.NotEqual(EthLongs(eager), EthLongs(coalesced));
        Mark(eth, 3_000, 900);
        Assert.NotEqual(EthLongs(eager), EthLongs(coalesced));
        Mark(eth, 3_000, 1_200);
        Assert.Equal(EthLongs(eager), EthLongs(coalesced));
    }

    private static RiskEngine Engine(EngineOptions options)
    {
        var engine = new RiskEngine(options);
        engine.ApplyInstrument(Btc);
        engine.ApplyInstrument(Eth);
        // One cross account on both symbols (its ETH LP moves with the BTC mark) and one isolated ETH holder.
        engine.ApplyAccount(new AccountId("cross"), 9_000, [(0, 1, 60_000, double.NaN), (1, 20, 3_000, double.NaN)], 0);
        engine.ApplyAccount(new AccountId("isolated"), 0, [(1, 5, 3_000, 1_000)], 0);
        return engine;
    }

    private static string EthLongs(RiskEngine engine) =>
        string.Join(";", engine.Accounts.Ladders.Buckets(1, longSide: true).OrderBy(b => b.Tick).Select(b => $"{b.Tick}:{b.Bucket}"));

    private static double Equity(RiskEngine engine)
    {
        Assert.True(engine.Margins.TryGetAccount(new AccountId("cross"), out var account));
        return account.Margin.CrossEquity;
    }
}
