using System.Text;
using StreamRisk.Contracts.Documents;
using StreamRisk.Domain.Cascades;

namespace StreamRisk.Contracts.Tests;

public sealed class ProjectionRequestTests
{
    private const string WithoutShocks = """
        {"instrument":{"symbol":"BTCUSDT","contract":"linear","tiers":[{"floor":0,"mmr":0.004}]},
         "mark":60000, "book":{"bids":[[59990,1]],"asks":[[60010,1]]}, "accounts":[]}
        """;

    [Fact]
    public void Parse_NoShocks_TheDefaultGrid()
    {
        var request = ProjectionRequest.Parse(Encoding.UTF8.GetBytes(WithoutShocks));

        Assert.Equal(CascadeShocks.DefaultGrid, request.Shocks);
    }
}
