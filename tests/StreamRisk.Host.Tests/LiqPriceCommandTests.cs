using System.Text.Json;

namespace StreamRisk.Host.Tests;

public sealed class LiqPriceCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("liqprice-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task OneBracketTierTable_WritesOneCamelCaseDocument()
    {
        var run = await RunAsync("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","contract":"linear","tiers":[{"floor":0,"mmr":0.025,"deduction":16300}]}],"account":{"id":"A","balance":1000,"positions":[{"symbol":"BTCUSDT","size":0.5,"entry":30000,"mark":29500,"isolatedMargin":null}]}}""");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("A", root.GetProperty("account").GetString());
        Assert.Equal(750, root.GetProperty("equity").GetDouble(), 9);
        Assert.False(root.GetProperty("liquidatable").GetBoolean());
        var position = root.GetProperty("positions")[0];
        Assert.Equal("BTCUSDT", position.GetProperty("symbol").GetString());
        Assert.Equal(28_000, position.GetProperty("liquidationPrice").GetDouble(), 6);
        Assert.Equal(28_000, position.GetProperty("bankruptcyPrice").GetDouble(), 6);
        Assert.Equal((29_500 - 28_000) / 29_500.0, position.GetProperty("distanceToLiquidation").GetDouble(), 12);
        Assert.Single(run.Output.Trim().Split('\n'));
    }

    [Fact]
    public async Task BinanceFaqCrossLong_LiquidationPriceToTheCent()
    {
        // Binance Futures FAQ: 500 USDT wallet, long 1,000 USDT of BTCUSDT at 50,000 → LP 25,100.40.
        var run = await RunAsync("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004},{"floor":50000,"mmr":0.005}]}],"account":{"id":"faq","balance":500,"positions":[{"symbol":"BTCUSDT","size":0.02,"entry":50000,"mark":50000}]}}""");

        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(25_100.40, Math.Round(json.RootElement.GetProperty("positions")[0].GetProperty("liquidationPrice").GetDouble(), 2));
    }

    [Fact]
    public async Task BybitIsolatedExample_LiquidationPrice19700()
    {
        var run = await RunAsync("""{"profile":"bybit","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.005}]}],"account":{"id":"b","balance":0,"positions":[{"symbol":"BTCUSDT","size":1,"entry":20000,"mark":20000,"isolatedMargin":400}]}}""");

        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(19_700, json.RootElement.GetProperty("positions")[0].GetProperty("liquidationPrice").GetDouble(), 6);
    }

    [Fact]
    public async Task FullyCollateralisedLong_NullLiquidationPrice()
    {
        var run = await RunAsync("""{"profile":"generic","instruments":[{"symbol":"X","tiers":[{"floor":0,"mmr":0.01}]}],"account":{"id":"c","balance":1000000,"positions":[{"symbol":"X","size":1,"entry":100,"mark":100}]}}""");

        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("positions")[0].GetProperty("liquidationPrice").ValueKind);
    }

    [Theory]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]}],"account":{"id":"A","balance":1,"positions":[{"symbol":"BTCUSDT","size":1,"entry":"x","mark":1}]}}""", "account.positions[0].entry")]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]}],"account":{"id":"A","balance":1,"positions":[{"symbol":"ETHUSDT","size":1,"entry":1,"mark":1}]}}""", "account.positions[0].symbol")]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]}],"account":{"id":"A","balance":1,"positions":[{"symbol":"BTCUSDT","size":1,"entry":1}]}}""", "account.positions[0].mark")]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]}],"account":{"id":"A","balance":1,"positions":[{"symbol":"BTCUSDT","size":1,"entry":-5,"mark":1}]}}""", "account.positions[0].entry")]
    [InlineData("""{"profile":"ftx","instruments":[],"account":{"id":"A","balance":1,"positions":[]}}""", "profile")]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":5,"mmr":0.004}]}],"account":{"id":"A","balance":1,"positions":[]}}""", "instruments[0].tiers")]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","contract":"perpetual","tiers":[]}],"account":{"id":"A","balance":1,"positions":[]}}""", "instruments[0].contract")]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]}]}""", "account")]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]}],"account":{"id":"A","balance":1e308,"positions":[{"symbol":"BTCUSDT","size":1e308,"entry":1e308,"mark":1e308}]}}""", "account.balance")]
    [InlineData("""{"profile":"binance","instruments":[{"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]}],"account":{"id":"A","balance":1,"positions":[{"symbol":"BTCUSDT","size":1e308,"entry":1,"mark":1}]}}""", "account.positions[0].size")]
    [InlineData("""[1,2,3]""", "$")]
    [InlineData("""{"profile":"binance",""", "$")]
    public async Task MalformedInput_OneLineErrorNamingTheField_ExitTwo(string document, string field)
    {
        var run = await RunAsync(document);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith($"streamrisk: {field}: ", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }

    [Fact]
    public async Task MissingFile_OneLineErrorExitTwo()
    {
        var run = await CliRun.InvokeAsync("liqprice", Path.Combine(_dir.FullName, "nope.json"));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("no such file", run.Error, StringComparison.Ordinal);
        Assert.Single(run.ErrorLines);
    }

    private async Task<CliRun> RunAsync(string document)
    {
        var path = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, document);
        return await CliRun.InvokeAsync("liqprice", path);
    }
}
