using System.Text.Json;

namespace StreamRisk.Host.Tests;

public sealed class ProjectCommandTests : IDisposable
{
    // Longs of 50x, 25x and a cross account over a thin top of book; one short.
    private const string Document = """
        {"profile":"binance","instrument":{"symbol":"BTCUSDT","contract":"linear","tiers":[{"floor":0,"mmr":0.004},{"floor":50000,"mmr":0.005}]},
         "mark":60000,
         "book":{"bids":[[59990,0.5],[59950,1],[59900,1.5],[59800,2],[59500,5],[59000,10],[58000,30]],"asks":[[60010,0.5],[60050,1],[60100,2],[60500,5],[61000,20]]},
         "insuranceFund":500,
         "accounts":[
          {"id":"lev50","balance":0,"positions":[{"symbol":"BTCUSDT","size":2,"entry":60000,"isolatedMargin":2400}]},
          {"id":"lev25","balance":0,"positions":[{"symbol":"BTCUSDT","size":3,"entry":60000,"isolatedMargin":7200}]},
          {"id":"cross","balance":20000,"positions":[{"symbol":"BTCUSDT","size":4,"entry":61000}]},
          {"id":"short","balance":5000,"positions":[{"symbol":"BTCUSDT","size":-1,"entry":62000}]}],
         "shocks":[0.01,0.02],"direction":"both"}
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("project-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Document_ProjectionsForEveryShockAndDirection_WithCriticalShocksAndSystemicAccounts()
    {
        var run = await RunAsync(Document);

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("BTCUSDT", root.GetProperty("symbol").GetString());
        var projections = root.GetProperty("projections").EnumerateArray().ToList();
        Assert.Equal(4, projections.Count);
        Assert.Equal(["down", "down", "up", "up"], projections.Select(p => p.GetProperty("direction").GetString()));

        // 2% down: target 58,800 crosses the 50x long only (LP ≈ 59,070): 2 sold into 0.5 @ 59,990, 1 @ 59,950 and
        // 0.5 @ 59,900 (VWAP 59,947.5); the last level is above the target, so the price stays at 58,800.
        var twoPercent = projections[1];
        Assert.Equal(58_800, twoPercent.GetProperty("targetPrice").GetDouble());
        var round = twoPercent.GetProperty("rounds")[0];
        Assert.Equal(58_800, round.GetProperty("price").GetDouble());
        Assert.Equal(2, round.GetProperty("size").GetDouble(), 12);
        Assert.Equal(59_947.5, round.GetProperty("vwap").GetDouble(), 9);
        Assert.Equal(1, twoPercent.GetProperty("amplification").GetDouble());

        // The bids hold ~50 BTC against 9 BTC of longs: no shock up to 50% runs away on this book.
        Assert.Equal(JsonValueKind.Null, root.GetProperty("criticalShock").GetProperty("down").ValueKind);
        Assert.Equal(4, root.GetProperty("systemicAccounts").GetArrayLength());
    }

    [Fact]
    public async Task ThinBids_CriticalShockIsTheFirstStepThatCrossesTheFiftyTimesLong()
    {
        // The 50x long's LP: 2,400 + 2(P − 60,000) = 0.005·2P − 50 (the 50k+ tier at the LP) → P = 117,550/1.99 ≈ 59,070.35.
        // A 1.6% shock (target 59,040) is the first 0.1% step below it; its 2 BTC walk the 0.5-lots down to 57,000,
        // which crosses the 25x long, whose 3 BTC fall through to 50,000: amplification ≫ 2.
        var thin = Document.Replace(
            "\"bids\":[[59990,0.5],[59950,1],[59900,1.5],[59800,2],[59500,5],[59000,10],[58000,30]]",
            "\"bids\":[[59990,0.5],[59500,0.5],[59000,0.5],[57000,1],[50000,100]]", StringComparison.Ordinal);

        var run = await RunAsync(thin);

        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(0.016, json.RootElement.GetProperty("criticalShock").GetProperty("down").GetDouble());
        var lev50 = json.RootElement.GetProperty("systemicAccounts").EnumerateArray().Single(a => a.GetProperty("account").GetString() == "lev50");
        Assert.True(lev50.GetProperty("additionalAccounts").GetInt32() >= 1);
    }

    [Fact]
    public async Task BookWithAHorizon_ChainsPastItRunOnModelledDepth_NotOutOfBook()
    {
        // The same book known only to 0.1% each side (its first levels): a 20% move down sells every long past the
        // known 0.5 BTC into modelled depth, which the output reports, and no side counts as exhausted.
        var partial = Document
            .Replace("\"bids\":[[59990,0.5],[59950,1],[59900,1.5],[59800,2],[59500,5],[59000,10],[58000,30]]", "\"bids\":[[59990,0.5],[59950,1]],\"horizon\":0.001", StringComparison.Ordinal)
            .Replace("\"shocks\":[0.01,0.02]", "\"shocks\":[0.2]", StringComparison.Ordinal);
        var complete = partial.Replace(",\"horizon\":0.001", string.Empty, StringComparison.Ordinal);

        var onModel = await RunAsync(partial);
        var onBook = await RunAsync(complete);

        Assert.Equal(0, onModel.ExitCode);
        using var modelled = JsonDocument.Parse(onModel.Output);
        using var known = JsonDocument.Parse(onBook.Output);
        var down = modelled.RootElement.GetProperty("projections")[0];
        var downOnBook = known.RootElement.GetProperty("projections")[0];
        Assert.False(down.GetProperty("bookExhausted").GetBoolean());
        Assert.True(down.GetProperty("leftKnownBook").GetBoolean());
        Assert.True(down.GetProperty("modelledNotional").GetDouble() > 0);
        Assert.True(downOnBook.GetProperty("bookExhausted").GetBoolean());
        Assert.False(downOnBook.GetProperty("leftKnownBook").GetBoolean());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("\"x\"")]
    public async Task BookHorizon_OutOfRange_OneLineErrorExitTwo(string horizon)
    {
        var bad = Document.Replace("\"asks\":[[60010", "\"horizon\":" + horizon + ",\"asks\":[[60010", StringComparison.Ordinal);

        var run = await RunAsync(bad);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("book.horizon", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingleInstrumentDocument_OutputUnchangedByteForByte()
    {
        // The single-instrument form is told from the multi-instrument one by the absence of "instruments"; its output is pinned.
        const string Expected = """
            {"symbol":"BTCUSDT","mark":60000,"projections":[{"shock":0.01,"direction":"down","targetPrice":59400,"finalPrice":59400,"amplification":1,"rounds":[],"liquidatedSize":0,"liquidatedNotional":0,"liquidatedAccounts":0,"insuranceFundAfter":500,"adlNotional":0,"adlAccounts":0,"bookExhausted":false,"unfilled":0,"modelledNotional":0,"leftKnownBook":false},{"shock":0.02,"direction":"down","targetPrice":58800,"finalPrice":58800,"amplification":1,"rounds":[{"price":58800,"size":2,"notional":118140.70351758794,"accounts":1,"vwap":59947.5,"lastPrice":59900,"filled":2}],"liquidatedSize":2,"liquidatedNotional":118140.70351758794,"liquidatedAccounts":1,"insuranceFundAfter":2795,"adlNotional":0,"adlAccounts":0,"bookExhausted":false,"unfilled":0,"modelledNotional":0,"leftKnownBook":false},{"shock":0.01,"direction":"up","targetPrice":60600,"finalPrice":60600,"amplification":1,"rounds":[],"liquidatedSize":0,"liquidatedNotional":0,"liquidatedAccounts":0,"insuranceFundAfter":500,"adlNotional":0,"adlAccounts":0,"bookExhausted":false,"unfilled":0,"modelledNotional":0,"leftKnownBook":false},{"shock":0.02,"direction":"up","targetPrice":61200,"finalPrice":61200,"amplification":1,"rounds":[],"liquidatedSize":0,"liquidatedNotional":0,"liquidatedAccounts":0,"insuranceFundAfter":500,"adlNotional":0,"adlAccounts":0,"bookExhausted":false,"unfilled":0,"modelledNotional":0,"leftKnownBook":false}],"criticalShock":{"down":null,"up":null},"systemicAccounts":[{"account":"cross","size":4,"notional":240000,"impactPrice":59800,"finalPrice":59800,"additionalSize":0,"additionalNotional":0,"additionalAccounts":0,"bookExhausted":false},{"account":"lev25","size":3,"notional":180000,"impactPrice":59900,"finalPrice":59900,"additionalSize":0,"additionalNotional":0,"additionalAccounts":0,"bookExhausted":false},{"account":"lev50","size":2,"notional":120000,"impactPrice":59900,"finalPrice":59900,"additionalSize":0,"additionalNotional":0,"additionalAccounts":0,"bookExhausted":false},{"account":"short","size":-1,"notional":60000,"impactPrice":60050,"finalPrice":60050,"additionalSize":0,"additionalNotional":0,"additionalAccounts":0,"bookExhausted":false}]}
            """;

        var run = await RunAsync(Document);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Expected + "\n", run.Output);
    }

    [Theory]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":-1,"book":{"bids":[],"asks":[]},"accounts":[]}""", "mark")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":100,"book":{"bids":[[99]],"asks":[]},"accounts":[]}""", "book.bids[0]")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":100,"book":{"bids":[[99,-2]],"asks":[]},"accounts":[]}""", "book.bids[0][1]")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":100,"book":{"bids":[],"asks":[]},"accounts":[],"shocks":[1.5]}""", "shocks[0]")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":100,"book":{"bids":[],"asks":[]},"accounts":[],"direction":"sideways"}""", "direction")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":100,"book":{"bids":[],"asks":[]},"accounts":[{"id":"a","balance":1,"positions":[{"symbol":"Y","size":1,"entry":1}]}]}""", "accounts[0].positions[0].symbol")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":100,"book":{"bids":[],"asks":[]},"accounts":[{"id":"a","balance":1,"positions":[]},{"id":"a","balance":1,"positions":[]}]}""", "accounts[1].id")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":1e308,"book":{"bids":[],"asks":[]},"accounts":[]}""", "mark")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":100,"book":{"bids":[[1e308,1]],"asks":[]},"accounts":[]}""", "book.bids[0][0]")]
    [InlineData("""{"instrument":{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]},"mark":100,"book":{"bids":[],"asks":[]},"accounts":[{"id":"a","balance":1e308,"positions":[{"symbol":"X","size":1e308,"entry":1e308}]}]}""", "accounts[0].balance")]
    public async Task MalformedInput_OneLineErrorNamingTheField_ExitTwo(string document, string field)
    {
        var run = await RunAsync(document);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith($"streamrisk: {field}: ", run.Error, StringComparison.Ordinal);
    }

    private async Task<CliRun> RunAsync(string document)
    {
        var path = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, document);
        return await CliRun.InvokeAsync("project", path);
    }
}
