using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Domain.Tests.Portfolio;

/// <summary>
/// The contagion example: a BTC drop liquidates cross accounts whole, their ETH legs walk the ETH book down, and that
/// liquidates accounts that hold only ETH.
/// </summary>
public sealed class PortfolioContagionExampleTests
{
    /// <summary>
    /// BTCUSDT (mark 60,000) and ETHUSDT (mark 3,000), linear, flat mmr 0.5%. 50 cross accounts j: balance 12,000 + 40·j,
    /// long 5 BTC at 60,000 and 100 ETH at 3,000. 200 isolated ETH longs k: 10 ETH at 3,000, margin 1,344 + 1.5·k, so
    /// LP_k = (28,656 − 1.5·k)/9.95, from 2,880.00 (k = 0) down to 2,850.00 (k = 199). Bids: 2 BTC every 10 USD and
    /// 20 ETH every 0.50 USD, the first level one step below the mark (59,990; 2,999.50); asks alike above.
    /// </summary>
    private static PortfolioCase Example(double btcMove)
    {
        var tiers = MarginTiers.Flat(0.005);
        var btc = new Instrument(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, tiers);
        var eth = new Instrument(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.001, tiers);
        var accounts = new List<RefAccount>();
        for (var j = 0; j < 50; j++)
        {
            accounts.Add(new RefAccount(12_000 + (40 * j), [new RefLeg(0, 5, 60_000, double.NaN), new RefLeg(1, 100, 3_000, double.NaN)]));
        }

        for (var k = 0; k < 200; k++)
        {
            accounts.Add(new RefAccount(0, [new RefLeg(1, 10, 3_000, 1_344 + (1.5 * k))]));
        }

        return new PortfolioCase(MarginProfile.Binance,
            [new RefInstrument(btc, 60_000, Ladder(60_000, -10, 2), Ladder(60_000, 10, 2)), new RefInstrument(eth, 3_000, Ladder(3_000, -0.5, 20), Ladder(3_000, 0.5, 20))],
            [.. accounts], [btcMove], 1_000_000, -1);
    }

    private static (double Price, double Quantity)[] Ladder(double mark, double step, double quantity) =>
        [.. Enumerable.Range(1, 2_000).Select(i => (mark + (i * step), quantity))];

    [Fact]
    public void Project_BtcDown3Point1Percent_LiquidatesTheCrossAccountsThenEveryEthOnlyAccount()
    {
        // BTC trigger 58,140: a cross account has equity 2,700 + 40·j against MM 0.005 × (290,700 + 300,000) = 2,953.50, so
        // j = 0..6 go in round 1. Their 700 ETH take 35 levels: ETH to 2,982.50. The BTC they sell (35, then 250 in all)
        // fills far above 58,140, so BTC stays at its trigger. Round 2: equity 950 + 40·j against MM 2,944.75 takes the
        // other 43 (5,000 ETH in all → 2,875.00). Then the isolated ETH ladder: LP ≥ 2,875 → k ≤ 33 (ETH 2,866.50),
        // k ≤ 89 (2,852.50), k ≤ 182 (2,829.00), all 200: 7,000 ETH over 350 levels of 20 → 2,825.00.
        var example = Example(-0.031);
        var projector = new PortfolioProjector(MarginProfile.Binance);
        example.Load(projector);
        var outcome = new PortfolioOutcome();

        example.Project(projector, outcome);
        var reference = example.Reference();

        Assert.Equal(2_825.00, outcome.Instrument(1).FinalPrice, 9);
        Assert.Equal(58_140, outcome.Instrument(0).FinalPrice, 9);
        Assert.Equal(250, outcome.LiquidatedAccounts);
        Assert.Equal(250, outcome.LiquidatedUnits);
        Assert.Equal(50, outcome.Instrument(0).LiquidatedPositions);
        Assert.Equal(250, outcome.Instrument(1).LiquidatedPositions);
        Assert.Equal(7_000, outcome.Instrument(1).LiquidatedLongSize, 9);
        Assert.Equal(6, outcome.RoundCount);
        int[] accountsPerRound = [7, 43, 34, 56, 93, 17];
        double[] ethTriggers = [3_000, 2_982.5, 2_875, 2_866.5, 2_852.5, 2_829];
        for (var r = 0; r < 6; r++)
        {
            Assert.Equal(accountsPerRound[r], outcome.RoundAccounts(r));
            Assert.Equal(ethTriggers[r], outcome.Flow(r, 1).Price, 9);
        }

        Assert.False(outcome.Instrument(0).BookExhausted);
        Assert.False(outcome.Instrument(1).BookExhausted);

        Assert.Equal(2_825.00, reference.Instruments[1].FinalPrice, 9);
        Assert.Equal(58_140, reference.Instruments[0].FinalPrice, 9);
        Assert.Equal(250, reference.LiquidatedAccounts);
        Assert.Equal(6, reference.Rounds.Count);
        Assert.Equal(accountsPerRound, reference.Rounds.Select(r => r.Accounts));
        Assert.Equal(outcome.InsuranceFundAfter, reference.InsuranceFundAfter, 6);
    }

    [Fact]
    public void Project_BtcDown1Percent_LiquidatesNothing()
    {
        // BTC 59,400: equity 9,000 + 40·j against MM 0.005 × (297,000 + 300,000) = 2,985: every account is safe.
        var example = Example(-0.01);
        var projector = new PortfolioProjector(MarginProfile.Binance);
        example.Load(projector);
        var outcome = new PortfolioOutcome();

        example.Project(projector, outcome);
        var reference = example.Reference();

        Assert.Equal(0, outcome.RoundCount);
        Assert.Equal(0, outcome.LiquidatedAccounts);
        Assert.Equal(59_400, outcome.Instrument(0).FinalPrice, 9);
        Assert.Equal(3_000, outcome.Instrument(1).FinalPrice);
        Assert.Equal(1_000_000, outcome.InsuranceFundAfter);
        Assert.Empty(reference.Rounds);
        Assert.Equal(0, reference.LiquidatedAccounts);
    }
}
