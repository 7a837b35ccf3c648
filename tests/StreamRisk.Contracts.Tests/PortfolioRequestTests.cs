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
        Assert.Equal("BTCUSDT", factor.Reference);
        Assert.Empty(factor.Betas);
    }

    [Theory]
    [InlineData(Minimal, true)]
    [InlineData("""{"instrument":{"symbol":"X"},"mark":1}""", false)]
    [InlineData("not json", false)]
    [InlineData("[1,2]", false)]
    public void IsPortfolio_ByTheInstrumentsMember(string document, bool portfolio) =>
        Assert.Equal(portfolio, PortfolioRequest.IsPortfolio(Encoding.UTF8.GetBytes(document)));

    [Fact]
    public void ScenarioFile_ObjectOrBareArray()
    {
        const string Element = """{"name":"s","moves":{"BTCUSDT":-0.1}}""";

        var inObject = ScenarioFile.Parse(Encoding.UTF8.GetBytes($$"""{"scenarios":[{{Element}}]}"""));
        var bare = ScenarioFile.Parse(Encoding.UTF8.GetBytes($"[{Element}]"));

        Assert.Equal(-0.1, Assert.Single(inObject).Moves["BTCUSDT"]);
        Assert.Equal("s", Assert.Single(bare).Name);
    }

    [Theory]
    [InlineData("""{"scenarios":[{"name":"s","moves":{"X":-1}}]}""", "scenarios[0].moves.X")]
    [InlineData("""{"scenarios":[{"name":"s","moves":{},"factor":{"reference":"X","move":0.1}}]}""", "scenarios[0]")]
    [InlineData("""{"scenarios":[{"name":"s","factor":{"reference":"X","move":0.1,"betas":[1]}}]}""", "scenarios[0].factor.betas")]
    [InlineData("""{"scenarios":[{"name":"s","factor":{"move":0.1}}]}""", "scenarios[0].factor.reference")]
    [InlineData("""[{"name":"s","moves":{}},{"name":"s","moves":{}}]""", "$[1].name")]
    [InlineData("""{"other":[]}""", "scenarios")]
    public void ScenarioFile_BadElement_NamesTheField(string document, string field)
    {
        var error = Assert.Throws<DocumentException>(() => ScenarioFile.Parse(Encoding.UTF8.GetBytes(document)));

        Assert.Equal(field, error.Path);
    }
}
