using System.Globalization;
using System.Text;

namespace StreamRisk.Host.Tests;

/// <summary>
/// The worked example of cross-instrument contagion, as a multi-instrument <c>project</c> document: 50 cross accounts
/// (balance 12,000 + 40·j, long 5 BTC at 60,000 and 100 ETH at 3,000), 200 ETH-only isolated longs (10 ETH at 3,000,
/// margin 1,344 + 1.5·k), mmr 0.5% flat; BTC book 2 BTC per 10 USD level, ETH book 20 ETH per 0.50 USD level.
/// </summary>
internal static class PortfolioExample
{
    public static string Document(string scenarios, string extra = "")
    {
        var text = new StringBuilder();
        text.Append("""{"profile":"generic","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.005}]},{"symbol":"ETHUSDT","tiers":[{"floor":0,"mmr":0.005}]}],""");
        text.Append("""

            "marks":{"BTCUSDT":60000,"ETHUSDT":3000},"insuranceFund":1000000,
            """);
        text.Append("\"books\":{\"BTCUSDT\":").Append(Book(60_000, 10, 2)).Append(",\"ETHUSDT\":").Append(Book(3_000, 0.5, 20)).Append("},\n");
        text.Append("\"accounts\":[");
        for (var j = 0; j < 50; j++)
        {
            text.Append(CultureInfo.InvariantCulture,
                $$"""{"id":"cross{{j}}","balance":{{12_000 + (40 * j)}},"positions":[{"symbol":"BTCUSDT","size":5,"entry":60000},{"symbol":"ETHUSDT","size":100,"entry":3000}]},""");
            text.Append('\n');
        }

        for (var k = 0; k < 200; k++)
        {
            text.Append(CultureInfo.InvariantCulture,
                $$"""{"id":"eth{{k}}","balance":0,"positions":[{"symbol":"ETHUSDT","size":10,"entry":3000,"isolatedMargin":{{1_344 + (1.5 * k)}}}]}""");
            text.Append(k < 199 ? ",\n" : "],\n");
        }

        text.Append("\"scenarios\":").Append(scenarios).Append(extra).Append('}');
        return text.ToString();
    }

    /// <summary>1,000 levels each side, <paramref name="quantity"/> per <paramref name="step"/> from the mark outward.</summary>
    private static string Book(double mark, double step, double quantity)
    {
        var bids = string.Join(',', Enumerable.Range(1, 1_000).Select(l => string.Create(CultureInfo.InvariantCulture, $"[{mark - (step * l)},{quantity}]")));
        var asks = string.Join(',', Enumerable.Range(1, 1_000).Select(l => string.Create(CultureInfo.InvariantCulture, $"[{mark + (step * l)},{quantity}]")));
        return $$"""{"bids":[{{bids}}],"asks":[{{asks}}]}""";
    }
}
