using System.Text.Json;

namespace StreamRisk.Host.Tests;

/// <summary><c>project</c> with a multi-instrument document: scenarios over the whole price vector, contagion, system critical shock, critical accounts.</summary>
public sealed class PortfolioProjectCommandTests : IDisposable
{
    private const string Scenarios = """
        [{"name":"btc-3.1","moves":{"BTCUSDT":-0.031}},{"name":"btc-1","moves":{"BTCUSDT":-0.01}},
         {"name":"f1","factor":{"reference":"BTCUSDT","move":-0.05,"betas":{"ETHUSDT":1.2}}}]
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("portfolio-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task WorkedExample_BtcDownThreePointOne_CrossAccountsWalkEthTo2825_AllTwoHundredFiftyLiquidated()
    {
        var run = await RunAsync(PortfolioExample.Document(Scenarios));

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var scenario = json.RootElement.GetProperty("scenarios")[0];
        Assert.Equal("btc-3.1", scenario.GetProperty("name").GetString());
        // The 50 cross accounts fail on BTC (58,140); their 5,000 ETH walk 250 levels of 20 ETH, which crosses the ETH-only
        // longs one after another; their 2,000 ETH take 100 more levels: 350 × 0.50 below 3,000.
        Assert.Equal(250, scenario.GetProperty("liquidatedAccounts").GetInt32());
        var btc = scenario.GetProperty("instruments")[0];
        var eth = scenario.GetProperty("instruments")[1];
        Assert.Equal("BTCUSDT", btc.GetProperty("symbol").GetString());
        Assert.Equal(58_140, btc.GetProperty("targetPrice").GetDouble(), 9);
        Assert.Equal(50, btc.GetProperty("liquidatedPositions").GetInt32());
        Assert.Equal("ETHUSDT", eth.GetProperty("symbol").GetString());
        Assert.Equal(3_000, eth.GetProperty("targetPrice").GetDouble());
        Assert.Equal(2_825.00, eth.GetProperty("finalPrice").GetDouble(), 9);
        Assert.Equal(250, eth.GetProperty("liquidatedPositions").GetInt32());
        Assert.Equal(7_000, eth.GetProperty("liquidatedLongSize").GetDouble(), 9);
        Assert.False(eth.GetProperty("bookExhausted").GetBoolean());
        var rounds = scenario.GetProperty("rounds").EnumerateArray().ToList();
        Assert.True(rounds.Count >= 2, "the chain takes more than one round");
        Assert.Equal(250, rounds.Sum(r => r.GetProperty("accounts").GetInt32()));
        // Round one: only the cross accounts on BTC's trigger, selling BTC and ETH; rounds list instruments with flow only.
        Assert.All(rounds.SelectMany(r => r.GetProperty("instruments").EnumerateArray()),
            flow => Assert.True(flow.GetProperty("sold").GetDouble() > 0 || flow.GetProperty("bought").GetDouble() > 0));
        Assert.Equal(7_000, rounds.SelectMany(r => r.GetProperty("instruments").EnumerateArray())
            .Where(f => f.GetProperty("symbol").GetString() == "ETHUSDT").Sum(f => f.GetProperty("sold").GetDouble()), 9);
    }

    [Fact]
    public async Task WorkedExample_BtcDownOnePercent_NothingLiquidated()
    {
        var run = await RunAsync(PortfolioExample.Document(Scenarios));

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var scenario = json.RootElement.GetProperty("scenarios")[1];
        Assert.Equal("btc-1", scenario.GetProperty("name").GetString());
        Assert.Equal(0, scenario.GetProperty("liquidatedAccounts").GetInt32());
        Assert.Empty(scenario.GetProperty("rounds").EnumerateArray());
        Assert.Equal(1_000_000, scenario.GetProperty("insuranceFundAfter").GetDouble());
        Assert.All(scenario.GetProperty("instruments").EnumerateArray(), i => Assert.Equal(0, i.GetProperty("liquidatedNotional").GetDouble()));
        Assert.Equal(3_000, scenario.GetProperty("instruments")[1].GetProperty("finalPrice").GetDouble());
    }

    [Fact]
    public async Task Output_FieldNamesExactly_ContagionBothWays_SystemCriticalShockFromTheFactorScenario()
    {
        var run = await RunAsync(PortfolioExample.Document(Scenarios));

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal(["scenarios", "contagion", "systemCriticalShock", "criticalAccounts"], Names(root));
        var scenario = root.GetProperty("scenarios")[0];
        Assert.Equal(["name", "instruments", "rounds", "liquidatedAccounts", "insuranceFundAfter", "adlNotional"], Names(scenario));
        Assert.Equal(["symbol", "mark", "targetPrice", "finalPrice", "liquidatedPositions", "liquidatedLongSize", "liquidatedShortSize", "liquidatedNotional",
            "bookExhausted", "unfilled", "adlNotional"], Names(scenario.GetProperty("instruments")[0]));
        Assert.Equal(["accounts", "instruments"], Names(scenario.GetProperty("rounds")[0]));
        Assert.Equal(["symbol", "price", "sold", "bought", "vwap", "lastPrice"], Names(scenario.GetProperty("rounds")[0].GetProperty("instruments")[0]));

        // The factor scenario: BTC −5%, ETH β 1.2 → −6%.
        var factor = root.GetProperty("scenarios")[2].GetProperty("instruments");
        Assert.Equal(57_000, factor[0].GetProperty("targetPrice").GetDouble(), 9);
        Assert.Equal(2_820, factor[1].GetProperty("targetPrice").GetDouble(), 9);

        var contagion = root.GetProperty("contagion").EnumerateArray().ToList();
        Assert.Equal(["BTCUSDT/down/-0.05", "BTCUSDT/up/0.05", "ETHUSDT/down/-0.05", "ETHUSDT/up/0.05"],
            contagion.Select(c => $"{c.GetProperty("from").GetString()}/{c.GetProperty("direction").GetString()}/{c.GetProperty("move").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        Assert.Equal(["symbol", "move", "liquidatedNotional"], Names(contagion[0].GetProperty("to")[0]));
        // BTC alone down 5% sets off the whole chain on ETH; up, nothing (every account is long).
        Assert.Equal(2_825.0 / 3_000 - 1, contagion[0].GetProperty("to")[0].GetProperty("move").GetDouble(), 9);
        Assert.Equal(0, contagion[1].GetProperty("to")[0].GetProperty("liquidatedNotional").GetDouble());

        Assert.Equal(["down", "up"], Names(root.GetProperty("systemCriticalShock")));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("systemCriticalShock").GetProperty("up").ValueKind);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("systemCriticalShock").GetProperty("down").ValueKind);
    }

    [Fact]
    public async Task CriticalAccounts_AWhaleOnBtcWhoseFailureWalksBtcThroughTheCrossAccounts()
    {
        // A cross whale long 400 BTC (safe at the marks): its forced liquidation walks BTC down 200 levels
        // (to 58,000), under the cross accounts' BTC trigger, and from there the chain runs through ETH.
        const string Whale = """ "accounts":[{"id":"whale","balance":150000,"positions":[{"symbol":"BTCUSDT","size":400,"entry":60000}]}, """;
        var document = PortfolioExample.Document(Scenarios, ",\"criticalAccounts\":3").Replace("\"accounts\":[", Whale.Trim(), StringComparison.Ordinal);

        var run = await RunAsync(document);

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var critical = json.RootElement.GetProperty("criticalAccounts").EnumerateArray().ToList();
        Assert.InRange(critical.Count, 1, 3);
        Assert.Equal(["account", "additionalNotional", "instruments"], Names(critical[0]));
        Assert.Equal("whale", critical[0].GetProperty("account").GetString());
        Assert.True(critical[0].GetProperty("additionalNotional").GetDouble() > 0);
        Assert.Equal(["BTCUSDT", "ETHUSDT"], critical[0].GetProperty("instruments").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task DocsExample_Runs_TheChainReachesTheEthOnlyAccounts()
    {
        var run = await CliRun.InvokeAsync("project", Path.Combine(StreamRisk.Testing.SharedData.RepositoryRoot(), "docs", "examples", "portfolio.json"));

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var scenario = json.RootElement.GetProperty("scenarios")[0];
        // 2 cross accounts fail on BTC; their 200 ETH walk 40 levels of 5 ETH to 2,800, under all 4 ETH-only longs.
        Assert.Equal(6, scenario.GetProperty("liquidatedAccounts").GetInt32());
        Assert.Equal(2_760, scenario.GetProperty("instruments")[1].GetProperty("finalPrice").GetDouble(), 9);
    }

    [Theory]
    [InlineData("""{"instruments":[],"marks":{},"accounts":[]}""", "instruments")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},{"symbol":"Y","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[]}""", "marks.Y")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1,"Z":2},"accounts":[]}""", "marks.Z")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":0},"accounts":[]}""", "marks.X")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"books":{"Z":{"bids":[],"asks":[]}},"accounts":[]}""", "books.Z")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"books":{"X":{"bids":[[1,-1]],"asks":[]}},"accounts":[]}""", "books.X.bids[0][1]")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[{"id":"a","balance":1,"positions":[{"symbol":"Y","size":1,"entry":1}]}]}""", "accounts[0].positions[0].symbol")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"s","moves":{"X":-1}}]}""", "scenarios[0].moves.X")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"s","moves":{"X":"a"}}]}""", "scenarios[0].moves.X")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"s","moves":{"X":1e999}}]}""", "scenarios[0].moves.X")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"s","moves":{"Y":-0.1}}]}""", "scenarios[0].moves.Y")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"s","moves":{"X":-0.1}},{"name":"s","moves":{"X":-0.2}}]}""", "scenarios[1].name")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"moves":{}}]}""", "scenarios[0].name")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"s"}]}""", "scenarios[0]")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"f","factor":{"reference":"Y","move":-0.1}}]}""", "scenarios[0].factor.reference")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"f","factor":{"reference":"X","move":-1.5}}]}""", "scenarios[0].factor.move")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":[{"name":"f","factor":{"reference":"X","move":-0.1,"betas":{"Y":2}}}]}""", "scenarios[0].factor.betas.Y")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"scenarios":{}}""", "scenarios")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"contagionMove":1}""", "contagionMove")]
    [InlineData("""{"instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"marks":{"X":1},"accounts":[],"criticalAccounts":2.5}""", "criticalAccounts")]
    public async Task MalformedDocument_OneLineErrorNamingTheField_ExitTwo(string document, string field)
    {
        var run = await RunAsync(document);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith($"streamrisk: {field}: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    private static List<string> Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    private async Task<CliRun> RunAsync(string document)
    {
        var path = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, document);
        return await CliRun.InvokeAsync("project", path);
    }
}
