namespace StreamRisk.Simulation.Tests;

public sealed class EstimatedPopulationTests
{
    private const long Start = 1_760_000_000_000;

    private static readonly Domain.Instruments.Instrument Btc = SimulatedSymbol.BtcUsdt.Instrument;

    // A day down from 64,000 to 60,000 and back up a little: a 1-minute path of a real shape.
    private static readonly PricePath Path = new(
        [.. Enumerable.Range(0, 1_441).Select(i => Start - ((1_440 - i) * 60_000L))],
        [.. Enumerable.Range(0, 1_441).Select(i => i < 1_200 ? 64_000 - (4_000.0 * i / 1_200) + (150 * Math.Sin(i / 30.0)) : 60_000 + (1_000.0 * (i - 1_200) / 240))]);

    [Fact]
    public void Build_TenBillionOpenInterest_EachSideSumsToItAndEntriesLieOnThePath()
    {
        var accounts = EstimatedPopulation.Build(Btc, 10e9, Path, LeveragePrior.Moderate, seed: 4, accounts: 20_000, Start);

        var positions = accounts.Select(a => Assert.Single(a.Positions)).ToList();
        var longs = positions.Where(p => p.Size > 0).Sum(p => p.Size * Path.Last);
        var shorts = positions.Where(p => p.Size < 0).Sum(p => -p.Size * Path.Last);
        Assert.Equal(1.0, longs / 10e9, 4);
        Assert.Equal(1.0, shorts / 10e9, 4);
        Assert.Equal(10_000, positions.Count(p => p.Size > 0));
        // Every entry within the path's range (± the spread around a point and a round level's reach).
        Assert.All(positions, p => Assert.InRange(p.Entry, Path.Low * 0.997, Path.High * 1.003));
        var beyond = positions.Count(p => Math.Abs((p.Entry / Path.Last) - 1) > 0.01) / (double)positions.Count;
        Assert.InRange(beyond, 0.3, 1.0);
        Assert.All(accounts, a => Assert.StartsWith("est-", a.Account, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_AtThePathsEnd_NoAccountLiquidatable()
    {
        var accounts = EstimatedPopulation.Build(Btc, 1e9, Path, LeveragePrior.CoinGlass, seed: 2, accounts: 5_000, Start);

        foreach (var account in accounts)
        {
            var (_, size, entry, margin) = account.Positions[0];
            var terms = new Domain.Margin.PositionTerms(Btc, size, entry, margin ?? double.NaN, Path.Last);
            var results = new Domain.Margin.PositionMargin[1];
            Assert.False(Domain.Margin.MarginCalculator.Compute(Domain.Margin.MarginProfile.Binance, account.Balance, [terms], results).Liquidatable, account.Account);
        }
    }

    [Fact]
    public void Build_SameInputs_SameAccounts_OtherSeedOthers()
    {
        static List<string> Text(int seed) => EstimatedPopulation.Build(Btc, 2e9, Path, LeveragePrior.Demo, seed, 1_000, Start).Select(MarketModel.Describe).ToList();

        Assert.Equal(Text(1), Text(1));
        Assert.NotEqual(Text(1), Text(2));
    }

    [Fact]
    public void Parse_AllKeys_Read()
    {
        var spec = EstimatedPopulationSpec.Parse("estimated:oi=9.5B,seed=7,accounts=5000,leverage=coinglass,lookback=90m");

        Assert.Equal(9.5e9, spec.OpenInterest);
        Assert.Equal(7, spec.Seed);
        Assert.Equal(5_000, spec.Accounts);
        Assert.Same(LeveragePrior.CoinGlass, spec.Prior);
        Assert.Equal(TimeSpan.FromMinutes(90), spec.Lookback);
        Assert.False(spec.Turnover);
        Assert.True(EstimatedPopulationSpec.Parse("estimated:oi=1B,turnover=volume").Turnover);
        Assert.False(EstimatedPopulationSpec.Parse("estimated:oi=1B,turnover=none").Turnover);
        Assert.Equal(20_000, EstimatedPopulationSpec.Parse("estimated:oi=1e9").Accounts);
    }

    [Theory]
    [InlineData("estimated:", "estimated: unknown key '' (oi, seed, accounts, leverage, lookback, turnover)")]
    [InlineData("estimated:seed=1", "estimated: oi=NOTIONAL is required (the open interest in USD, e.g. oi=10B)")]
    [InlineData("estimated:oi=-5", "estimated: oi='-5' is not a positive USD amount such as 9.5e9 or 10B")]
    [InlineData("estimated:oi=lots", "estimated: oi='lots' is not a positive USD amount such as 9.5e9 or 10B")]
    [InlineData("estimated:oi=1B,leverage=wild", "estimated: leverage='wild' is not a prior: demo, moderate, coinglass")]
    [InlineData("estimated:oi=1B,lookback=5", "estimated: lookback='5' is not a duration from 1m to 365d such as 90m, 24h or 7d")]
    [InlineData("estimated:oi=1B,accounts=1", "estimated: accounts='1' is not an integer in 2-1000000")]
    [InlineData("estimated:oi=1B,oi=2B", "estimated: 'oi' given twice")]
    [InlineData("estimated:oi=1B,turnover=daily", "estimated: turnover='daily' is not a turnover model: none or volume")]
    [InlineData("estimated:oi=1B,colour=red", "estimated: unknown key 'colour' (oi, seed, accounts, leverage, lookback, turnover)")]
    public void Parse_BadSpec_OneLineFormatException(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => EstimatedPopulationSpec.Parse(text)).Message);
}
