using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Simulation.Tests;

public sealed class SyntheticPopulationTests(ITestOutputHelper output)
{
    private const int Accounts = 20_000;

    private static readonly List<(Instrument Instrument, double Price)> Around =
        SimulatedSymbol.Defaults.Select(s => (s.Instrument, s.Price)).ToList();

    [Fact]
    public void DrawAccount_TwentyThousandAccounts_MixWithinAFewPercentOfTheDocumentedShares()
    {
        var accounts = Draw(7, Accounts);
        var positions = accounts.SelectMany(a => a.Positions).ToList();
        var isolated = accounts.Where(a => a.Kind == AccountKind.Isolated).ToList();
        var single = accounts.Where(a => a.Kind == AccountKind.Cross).ToList();
        var portfolios = accounts.Where(a => a.Kind == AccountKind.Portfolio).ToList();

        for (var i = 0; i < SyntheticPopulation.Leverages.Length; i++)
        {
            var leverage = SyntheticPopulation.Leverages[i];
            var share = positions.Count(p => p.DrawnLeverage == leverage) / (double)positions.Count;
            Assert.True(Math.Abs(share - SyntheticPopulation.LeverageShares[i]) < 0.02, $"{leverage}x: {share:P2}");
            share = portfolios.Count(a => a.Positions[0].DrawnLeverage == leverage) / (double)portfolios.Count;
            Assert.True(Math.Abs(share - SyntheticPopulation.LeverageShares[i]) < 0.02, $"{leverage}x portfolios: {share:P2}");
        }

        Assert.All(portfolios, a => Assert.Single(a.Positions.Select(p => p.DrawnLeverage).Distinct()));
        // Lowered by notional (the prior's discount above 10k, then the bracket cap), never raised.
        Assert.All(positions, p => Assert.True(p.Leverage <= p.DrawnLeverage));
        AssertShare(portfolios.Count, accounts.Count, 1 / 3.0, 0.02, "portfolios");
        AssertShare(isolated.Count, accounts.Count, 2 / 3.0 * 0.40, 0.02, "isolated accounts");
        Assert.All(single, a => Assert.Single(a.Positions));
        AssertShare(isolated.Count(a => a.Positions.Length == 2), isolated.Count, 0.40, 0.02, "two isolated positions");
        AssertShare(portfolios.Count(a => a.Positions.Length == 3), portfolios.Count, 0.40, 0.02, "three legs");
        var unpooled = isolated.Concat(single).SelectMany(a => a.Positions).ToList();
        AssertShare(unpooled.Count(p => p.Size > 0), unpooled.Count, 0.55, 0.02, "long");
        // 30 % of entries look for a round level, which is within reach (±0.25 %) of about two in five path prices.
        AssertShare(positions.Count(p => p.Clustered), positions.Count, 0.17, 0.12, "clustered entries");
        // First position by weights 1, 1/2, 1/3; the second among the other two by the same weights.
        var (btc, eth, sol) = (1 / (1 + 0.5 + (1 / 3.0)), 0.5 / (1 + 0.5 + (1 / 3.0)), (1 / 3.0) / (1 + 0.5 + (1 / 3.0)));
        var secondBtc = (eth * (1 / (1 + (1 / 3.0)))) + (sol * (1 / 1.5));
        var isolatedPositions = isolated.SelectMany(a => a.Positions).ToList();
        AssertShare(isolatedPositions.Count(p => p.Market == 0), isolatedPositions.Count, (btc + (0.4 * secondBtc)) / 1.4, 0.02, "BTC isolated");
        AssertShare(single.Count(a => a.Positions[0].Market == 0), single.Count, btc, 0.02, "BTC single cross");
        // A two-leg portfolio misses BTC only as ETH + SOL; a three-leg one always holds it.
        var withoutBtc = (eth * (1 / 3.0) / (1 + (1 / 3.0))) + (sol * 0.5 / 1.5);
        AssertShare(portfolios.Count(a => a.Positions.Any(p => p.Market == 0)), portfolios.Count, 1 - (0.6 * withoutBtc), 0.02, "portfolios holding BTC");
    }

    [Fact]
    public void Generate_DefaultMix_AThirdOfAccountsAreCrossPortfoliosOfTwoOrThreeLegsInOneContractKind()
    {
        // Two linear and two inverse instruments besides the defaults: a pool may only ever hold one of the two kinds.
        List<(Instrument Instrument, double Price)> symbols =
        [
            .. Around,
            (Inverse("BTCUSD_PERP", 100), 60_000.0),
            (SimulatedSymbol.EthUsdt.Instrument with { Symbol = new Symbol("AVAXUSDT") }, 30.0),
            (Inverse("ETHUSD_PERP", 10), 3_000.0),
        ];

        var accounts = SyntheticPopulation.Generate(17, Accounts, symbols, 0);
        var kinds = symbols.ToDictionary(s => s.Instrument.Symbol.Value, s => s.Instrument.Contract);
        var cross = accounts.Where(a => a.Positions.All(p => p.IsolatedMargin is null)).ToList();
        var portfolios = cross.Where(a => a.Positions.Count > 1).ToList();

        AssertShare(portfolios.Count, accounts.Count, 1 / 3.0, 0.02, "cross portfolios");
        Assert.All(portfolios, a => Assert.InRange(a.Positions.Count, 2, 3));
        Assert.All(cross, a => Assert.Single(a.Positions.Select(p => kinds[p.Symbol]).Distinct()));
        // Four linear symbols and two inverse ones: only a linear pool can have three legs.
        var linear = portfolios.Where(a => kinds[a.Positions[0].Symbol] == ContractKind.Linear).ToList();
        AssertShare(linear.Count(a => a.Positions.Count == 3), linear.Count, 0.40, 0.03, "three legs among linear portfolios");
        Assert.All(portfolios.Except(linear), a => Assert.Equal(2, a.Positions.Count));
        Assert.Contains(portfolios, a => a.Positions.All(p => kinds[p.Symbol] == ContractKind.Inverse));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Generate_PortfolioShareOption_ThatShareOfAccountsArePortfolios(double share)
    {
        var accounts = SyntheticPopulation.Generate(23, Accounts, Around, 0, new SimulatorOptions { PortfolioShare = share, PortfolioThreeLegShare = 1 });

        var portfolios = accounts.Where(a => a.Positions.Count > 1 && a.Positions.All(p => p.IsolatedMargin is null)).ToList();
        AssertShare(portfolios.Count, accounts.Count, share, 0.02, "portfolios");
        Assert.All(portfolios, a => Assert.Equal(3, a.Positions.Count));
    }

    [Fact]
    public void Generate_OneInstrument_SamePopulationWhateverThePortfolioMix()
    {
        // Nothing to pool over one instrument: a seed's population (what replay --positions synthetic:seed=N places)
        // does not depend on the portfolio options.
        List<(Instrument Instrument, double Price)> one = [(SimulatedSymbol.BtcUsdt.Instrument, 61_000.0)];
        static List<string> Text(IReadOnlyList<SimAccount> accounts) => accounts.Select(MarketModel.Describe).ToList();

        var generated = SyntheticPopulation.Generate(3, 2_000, one, 0);
        var defaults = Text(generated);
        var none = Text(SyntheticPopulation.Generate(3, 2_000, one, 0, new SimulatorOptions { PortfolioShare = 0 }));
        var all = Text(SyntheticPopulation.Generate(3, 2_000, one, 0, new SimulatorOptions { PortfolioShare = 1, PortfolioHedgedShare = 1 }));

        Assert.Equal(defaults, none);
        Assert.Equal(defaults, all);
        AssertShare(generated.Count(a => a.Positions[0].IsolatedMargin is not null), generated.Count, 0.40, 0.04, "isolated");
    }

    [Fact]
    public void Generate_Portfolios_MostlyLongTogetherSomeHedgedSomeWithinAFewPercentOfMaintenanceMargin()
    {
        var accounts = SyntheticPopulation.Generate(19, Accounts, Around, 0);
        var portfolios = accounts.Where(a => a.Positions.Count > 1 && a.Positions.All(p => p.IsolatedMargin is null)).ToList();

        var allLong = portfolios.Count(a => a.Positions.All(p => p.Size > 0));
        var allShort = portfolios.Count(a => a.Positions.All(p => p.Size < 0));
        var hedged = portfolios.Count - allLong - allShort;
        output.WriteLine($"{portfolios.Count} portfolios: {allLong} all long, {allShort} all short, {hedged} hedged");
        Assert.True(allLong > allShort + hedged, "mostly long together");
        Assert.InRange(hedged / (double)portfolios.Count, 0.1, 0.3);

        // The reference falling 3 % and the alts by their betas puts a real share of the portfolios under MM; none
        // is under it at the reference prices.
        var instruments = Around.ToDictionary(a => a.Instrument.Symbol.Value);
        var betas = new Dictionary<string, double> { ["BTCUSDT"] = 1.0, ["ETHUSDT"] = 1.3, ["SOLUSDT"] = 1.6 };
        var underAt3 = portfolios.Count(a => Liquidatable(a, m => instruments[m].Price * Math.Exp(betas[m] * Math.Log(0.97))));
        output.WriteLine($"{underAt3} of {portfolios.Count} portfolios under MM at a 3 % factor fall");
        Assert.InRange(underAt3 / (double)portfolios.Count, 0.05, 0.5);

        bool Liquidatable(SimAccount account, Func<string, double> price)
        {
            var terms = account.Positions
                .Select(p => new PositionTerms(instruments[p.Symbol].Instrument, p.Size, p.Entry, double.NaN, price(p.Symbol)))
                .ToArray();
            return MarginCalculator.Compute(MarginProfile.Binance, account.Balance, terms, new PositionMargin[terms.Length]).Liquidatable;
        }
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
                Assert.InRange(entry, Around[p.Market].Price * 0.8, Around[p.Market].Price * 1.2);
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
        // 100x isolated BTC longs entered on one round level share one LP within a few ticks of each other: a wall.
        // (No portfolios: 40 % of the accounts isolated.)
        var accounts = Draw(13, Accounts, Mix with { Share = 0 });
        var wall = accounts
            .Where(a => a.Isolated)
            .SelectMany(a => a.Positions)
            .Where(p => p is { Market: 0, Leverage: 100, Clustered: true, Size: > 0 })
            .GroupBy(p => Math.Round(p.Entry / 500))
            .MaxBy(g => g.Count())!;
        var lps = wall
            .Select(p => MarginCalculator.LiquidationPrice(TierBasis.AtPrice, new PositionTerms(SimulatedSymbol.BtcUsdt.Instrument, p.Size, p.Entry, p.IsolatedMargin, 60_000), p.IsolatedMargin, 0))
            .ToList();

        Assert.True(lps.Count >= 8, $"{lps.Count} clustered 100x longs at {wall.Key * 500}");
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

    private static readonly PortfolioMix Mix = PortfolioMix.From(new SimulatorOptions());

    private static List<DrawnAccount> Draw(int seed, int accounts) => Draw(seed, accounts, Mix);

    private static List<DrawnAccount> Draw(int seed, int accounts, PortfolioMix mix)
    {
        var markets = PopulationMarkets.Create(Around.Select(a => a.Instrument).ToList());
        var prices = Around.Select(a => a.Price).ToArray();
        var rng = new Random(seed);
        var paths = SyntheticPopulation.PastPaths(rng, markets, prices, 0, new SimulatorOptions());
        return Enumerable.Range(0, accounts).Select(i => SyntheticPopulation.DrawAccount(rng, SyntheticPopulation.AccountId(i), markets, prices, paths, mix)).ToList();
    }

    private static Instrument Inverse(string symbol, double multiplier) =>
        new(new Symbol(symbol), ContractKind.Inverse, 0.1, 1, MarginTiers.Create([(0, 0.004, null), (5, 0.005, null), (10, 0.01, null)]), multiplier);

    private static void AssertShare(int count, int total, double expected, double tolerance, string what)
    {
        var share = count / (double)total;
        Assert.True(Math.Abs(share - expected) <= tolerance, $"{what}: {share:P2}, expected {expected:P2}");
    }
}
