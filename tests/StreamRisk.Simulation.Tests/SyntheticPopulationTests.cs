using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Simulation.Tests;

public sealed class SyntheticPopulationTests
{
    private const int Accounts = 20_000;

    private static readonly List<(Instrument Instrument, double Price)> Around =
        SimulatedSymbol.Defaults.Select(s => (s.Instrument, s.Price)).ToList();

    [Fact]
    public void DrawAccount_TwentyThousandAccounts_MixWithinAFewPercentOfTheDocumentedShares()
    {
        var accounts = Draw(7, Accounts);
        var positions = accounts.SelectMany(a => a.Positions).ToList();

        for (var i = 0; i < SyntheticPopulation.Leverages.Length; i++)
        {
            var leverage = SyntheticPopulation.Leverages[i];
            var share = positions.Count(p => p.Leverage == leverage) / (double)positions.Count;
            Assert.True(Math.Abs(share - SyntheticPopulation.LeverageShares[i]) < 0.02, $"{leverage}x: {share:P2}");
        }

        AssertShare(positions.Count(p => p.Leverage != p.DrawnLeverage), positions.Count, 0, 0.01, "capped by bracket");
        AssertShare(positions.Count(p => p.Size > 0), positions.Count, 0.55, 0.02, "long");
        AssertShare(accounts.Count(a => a.Isolated), accounts.Count, 0.40, 0.02, "isolated accounts");
        AssertShare(accounts.Count(a => a.Positions.Length == 2), accounts.Count, 0.40, 0.02, "two positions");
        AssertShare(positions.Count(p => p.Clustered), positions.Count, 0.30, 0.02, "clustered entries");
        // First position by weights 1, 1/2, 1/3; the second among the other two by the same weights.
        var (btc, eth, sol) = (1 / (1 + 0.5 + (1 / 3.0)), 0.5 / (1 + 0.5 + (1 / 3.0)), (1 / 3.0) / (1 + 0.5 + (1 / 3.0)));
        var secondBtc = (eth * (1 / (1 + (1 / 3.0)))) + (sol * (1 / 1.5));
        AssertShare(positions.Count(p => p.Market == 0), positions.Count, (btc + (0.4 * secondBtc)) / 1.4, 0.02, "BTC");
    }

    [Fact]
    public void DrawAccount_Notional_LognormalMedianAndWhales()
    {
        var positions = Draw(3, Accounts).SelectMany(a => a.Positions).ToList();
        var notionals = positions.Select(p => Math.Abs(p.Size) * p.Entry).Order().ToList();

        var median = notionals[notionals.Count / 2];
        Assert.InRange(median, 4_500, 5_500);
        var whales = notionals.Count(n => n >= 2_000_000 * 0.98);
        var lognormalTail = notionals.Count / 1000.0;   // P(lognormal ≥ 2M) ≈ 0.0001, the rest are whales
        Assert.InRange(whales, (positions.Count * 0.002) - (3 * Math.Sqrt(positions.Count * 0.002)), (positions.Count * 0.002) + lognormalTail + 20);
        Assert.True(notionals[^1] <= 20_000_000 * 1.02, $"largest {notionals[^1]}");
    }

    [Fact]
    public void Generate_Accounts_MarginsAndBalancesAsDocumented()
    {
        var accounts = SyntheticPopulation.Generate(5, Accounts, Around, 1_000);
        var drawn = Draw(5, Accounts);

        for (var i = 0; i < accounts.Count; i++)
        {
            var account = accounts[i];
            var source = drawn[i];
            Assert.Equal(source.Id, account.Account);
            Assert.Equal(1, account.Seq);
            Assert.Equal(1_000, account.EventTime);
            Assert.Equal(source.Positions.Length, account.Positions.Count);
            Assert.Equal(account.Positions.Count, account.Positions.Select(p => p.Symbol).Distinct().Count());
            var initialMargin = 0.0;
            for (var k = 0; k < account.Positions.Count; k++)
            {
                var (symbol, size, entry, isolatedMargin) = account.Positions[k];
                var p = source.Positions[k];
                var instrument = SimulatedSymbol.Defaults[p.Market].Instrument;
                var notional = Math.Abs(size) * entry;
                initialMargin += notional / p.Leverage;
                Assert.Equal(instrument.Symbol.Value, symbol);
                Assert.InRange(entry, Around[p.Market].Price * (0.99 - 0.0006), Around[p.Market].Price * (1.01 + 0.0006));
                Assert.Equal(Math.Round(entry / instrument.TickSize), entry / instrument.TickSize, 6);
                Assert.True(Math.Abs(size) >= instrument.LotSize);
                if (source.Isolated)
                {
                    Assert.NotNull(isolatedMargin);
                    Assert.Equal(notional / p.Leverage, isolatedMargin!.Value, 0.006);
                }
                else
                {
                    Assert.Null(isolatedMargin);
                }
            }

            if (!source.Isolated)
            {
                Assert.InRange(account.Balance, (initialMargin * 1.0) - 0.01, (initialMargin * 1.6) + 0.01);
            }
        }
    }

    [Fact]
    public void Generate_AtTheReferencePrices_NoAccountStartsLiquidatable()
    {
        var accounts = SyntheticPopulation.Generate(11, Accounts, Around, 0);
        var instruments = Around.ToDictionary(a => a.Instrument.Symbol.Value);

        foreach (var account in accounts)
        {
            var terms = account.Positions
                .Select(p => new PositionTerms(instruments[p.Symbol].Instrument, p.Size, p.Entry, p.IsolatedMargin ?? double.NaN, instruments[p.Symbol].Price))
                .ToArray();
            var results = new PositionMargin[terms.Length];
            var margin = MarginCalculator.Compute(MarginProfile.Binance, account.Balance, terms, results);
            Assert.False(margin.Liquidatable, account.Account);
            Assert.All(results, r => Assert.True(double.IsNaN(r.DistanceToLiquidation) || r.DistanceToLiquidation > 0.0015, $"{account.Account}: {r}"));
        }
    }

    [Fact]
    public void Generate_ClusteredEntries_LiquidationPricesCluster()
    {
        // 100x isolated BTC longs entered near 60,000 share one LP within a few ticks of each other: a wall.
        var accounts = Draw(13, Accounts);
        var lps = accounts
            .Where(a => a.Isolated)
            .SelectMany(a => a.Positions)
            .Where(p => p is { Market: 0, Leverage: 100, Clustered: true, Size: > 0 } && Math.Abs(p.Entry - 60_000) <= 30 && p.Size * p.Entry < 50_000)
            .Select(p => MarginCalculator.LiquidationPrice(TierBasis.AtPrice, new PositionTerms(SimulatedSymbol.BtcUsdt.Instrument, p.Size, p.Entry, p.IsolatedMargin, 60_000), p.IsolatedMargin, 0))
            .ToList();

        Assert.True(lps.Count > 20, $"{lps.Count} clustered 100x longs");
        Assert.True(lps.Max() - lps.Min() < 60_000 * 0.0015, $"LPs span {lps.Min()}..{lps.Max()}");
    }

    [Fact]
    public void Generate_SameSeedSameAccounts_DifferentSeedDifferent()
    {
        static List<string> Text(int seed) => SyntheticPopulation.Generate(seed, 500, Around, 0).Select(MarketModel.Describe).ToList();

        Assert.Equal(Text(1), Text(1));
        Assert.NotEqual(Text(1), Text(2));
    }

    [Fact]
    public void Generate_OneInstrument_OnePositionEach()
    {
        var accounts = SyntheticPopulation.Generate(1, 1_000, [(SimulatedSymbol.EthUsdt.Instrument, 2_500.0)], 0);

        Assert.All(accounts, a => Assert.Single(a.Positions));
    }

    [Fact]
    public void RoundStep_Prices_NiceStepUnderOnePercent()
    {
        Assert.Equal(500, SyntheticPopulation.RoundStep(60_000));
        Assert.Equal(25, SyntheticPopulation.RoundStep(3_000));
        Assert.Equal(1, SyntheticPopulation.RoundStep(150));
        Assert.Equal(0.005, SyntheticPopulation.RoundStep(0.6), 12);
    }

    private static List<DrawnAccount> Draw(int seed, int accounts)
    {
        var markets = PopulationMarkets.Create(Around.Select(a => a.Instrument).ToList());
        var prices = Around.Select(a => a.Price).ToArray();
        var rng = new Random(seed);
        return Enumerable.Range(0, accounts).Select(i => SyntheticPopulation.DrawAccount(rng, SyntheticPopulation.AccountId(i), markets, prices)).ToList();
    }

    private static void AssertShare(int count, int total, double expected, double tolerance, string what)
    {
        var share = count / (double)total;
        Assert.True(Math.Abs(share - expected) <= tolerance, $"{what}: {share:P2}, expected {expected:P2}");
    }
}
