using System.Text;
using StreamRisk.Contracts.Documents;

namespace StreamRisk.Contracts.Tests;

public sealed class AccountDocumentTests
{
    private const string Instruments = """
        "instruments":[
          {"symbol":"BTCUSDT","contract":"linear","tiers":[{"floor":0,"mmr":0.004},{"floor":50000,"mmr":0.005}]},
          {"symbol":"BTCUSD_PERP","contract":"inverse","multiplier":100,"tiers":[{"floor":0,"mmr":0.004}]}]
        """;

    [Fact]
    public void Parse_ValidDocument_DerivesDeductionsAndKeepsIsolatedMargins()
    {
        var request = LiquidationPriceRequest.Parse(Encoding.UTF8.GetBytes("{\"profile\":\"OKX\"," + Instruments + """
            ,"account":{"id":"A","balance":10,"positions":[
              {"symbol":"BTCUSDT","size":-0.5,"entry":60000,"mark":61000},
              {"symbol":"BTCUSD_PERP","size":100,"entry":60000,"mark":61000,"isolatedMargin":0.01}]}}
            """));

        Assert.Equal("okx", request.Profile.Name);
        Assert.Equal(50, request.Catalog[0].Tiers[1].Deduction, 9);
        Assert.Equal(100, request.Catalog[1].Multiplier);
        Assert.True(double.IsNaN(request.Account.Positions[0].IsolatedMargin));
        Assert.Equal(0.01, request.Account.Positions[1].IsolatedMargin);
        Assert.Equal(-0.5, request.Account.Positions[0].Size);
    }

    [Fact]
    public void Parse_CrossAccountMixingLinearAndInverse_IsRefused()
    {
        var error = Assert.Throws<DocumentException>(() => LiquidationPriceRequest.Parse(Encoding.UTF8.GetBytes("{" + Instruments + """
            ,"account":{"id":"A","balance":10,"positions":[
              {"symbol":"BTCUSDT","size":1,"entry":60000,"mark":61000},
              {"symbol":"BTCUSD_PERP","size":100,"entry":60000,"mark":61000}]}}
            """)));

        Assert.Equal("account.positions[1].symbol", error.Path);
    }

    [Fact]
    public void Parse_TwoPositionsOnOneSymbol_IsRefused()
    {
        var error = Assert.Throws<DocumentException>(() => LiquidationPriceRequest.Parse(Encoding.UTF8.GetBytes("{" + Instruments + """
            ,"account":{"id":"A","balance":10,"positions":[
              {"symbol":"BTCUSDT","size":1,"entry":60000,"mark":61000},
              {"symbol":"BTCUSDT","size":2,"entry":60000,"mark":61000}]}}
            """)));

        Assert.Equal("account.positions[1].symbol", error.Path);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("\"NaN\"")]
    [InlineData("true")]
    public void Parse_NonFiniteOrNonNumericBalance_NamesTheField(string balance)
    {
        var error = Assert.Throws<DocumentException>(() => LiquidationPriceRequest.Parse(Encoding.UTF8.GetBytes("{" + Instruments +
            ",\"account\":{\"id\":\"A\",\"balance\":" + balance + ",\"positions\":[]}}")));

        Assert.Equal("account.balance", error.Path);
    }

    [Fact]
    public void Parse_DeeplyNestedJson_IsRefusedNotStackOverflowed()
    {
        var nested = new string('[', 10_000) + new string(']', 10_000);

        var error = Assert.Throws<DocumentException>(() => LiquidationPriceRequest.Parse(Encoding.UTF8.GetBytes(nested)));

        Assert.Equal("$", error.Path);
    }
}
