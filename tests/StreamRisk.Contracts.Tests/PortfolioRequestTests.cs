using System.Text;
using StreamRisk.Contracts.Documents;

namespace StreamRisk.Contracts.Tests;

public sealed class PortfolioRequestTests
{
    private const string Minimal = """
        {"instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]},{"symbol":"ETHUSDT","tiers":[{"floor":0,"mmr":0.005}]}],
         "marks":{"BTCUSDT":60000,"ETHUSDT":3000},
         "books":{"BTCUSDT":{"bids":[[59990,1],[59995,2]],"asks":[[60010,1]]}},
         "accounts":[{"id":"a","balance":1000,"positions":[{"symbol":"ETHUSDT","size":1,"entry":3000}]}],
         "scenarios":[{"name":"f","factor":{"reference":"BTCUSDT","move":-0.05}}]}
        """;

    [Fact]
    public void Parse_Defaults_NoBookIsNoDepth_ContagionFivePercent_FiveCriticalAccounts_FundZero()
    {
        var request = PortfolioRequest.Parse(Encoding.UTF8.GetBytes(Minimal));

        Assert.Equal(2, request.Catalog.Count);
        Assert.Equal([60_000, 3_000], request.Marks);
        Assert.Equal([(59_995.0, 2.0), (59_990.0, 1.0)], request.Bids[0]);
        Assert.Empty(request.Bids[1]);
        Assert.Empty(request.Asks[1]);
        Assert.Equal(0.05, request.ContagionMove);
        Assert.Equal(5, request.CriticalAccounts);
        Assert.Equal(0, request.InsuranceFund);
        var factor = Assert.Single(request.Scenarios).Factor!;
        Assert.Equal("BTCUSDT", factor.Reference.Value);
        Assert.Empty(factor.Betas);
    }

    [Theory]
    [InlineData(Minimal, true)]
    [InlineData("""{"instrument":{"symbol":"X"},"mark":1}""", false)]
    [InlineData("not json", false)]
    [InlineData("[1,2]", false)]
    public void IsPortfolio_ByTheInstrumentsMember(string document, bool portfolio) =>
        Assert.Equal(portfolio, PortfolioRequest.IsPortfolio(Encoding.UTF8.GetBytes(document)));
}
