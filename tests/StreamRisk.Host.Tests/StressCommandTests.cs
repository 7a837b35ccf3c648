using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace StreamRisk.Host.Tests;

/// <summary><c>stress</c>: named scenarios applied to a state — a multi-instrument document, or a capture replayed up to a time.</summary>
public sealed class StressCommandTests : IDisposable
{
    private const string Scenarios = """
        {"scenarios":[{"name":"btc-3.1","moves":{"BTCUSDT":-0.031}},
          {"name":"crash","factor":{"reference":"BTCUSDT","move":-0.15,"betas":{"ETHUSDT":1.3,"SOLUSDT":1.8}}},
          {"name":"xrp","factor":{"reference":"XRPUSDT","move":-0.2}}]}
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("stress-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Document_Json_EachScenariosSystemOutcome_AFactorOnAnAbsentReferenceSkippedWithTheReason()
    {
        var document = await WriteAsync("portfolio.json", PortfolioExample.Document("[]"));
        var scenarios = await WriteAsync("scenarios.json", Scenarios);

        var run = await CliRun.InvokeAsync("stress", "--scenarios", scenarios, document, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var state = json.RootElement.GetProperty("state");
        Assert.Equal(["BTCUSDT", "ETHUSDT"], state.GetProperty("instruments").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(250, state.GetProperty("accounts").GetInt32());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("at").ValueKind);
        var results = json.RootElement.GetProperty("scenarios").EnumerateArray().ToList();
        Assert.Equal(["btc-3.1", "crash", "xrp"], results.Select(r => r.GetProperty("name").GetString()));

        var btc = results[0];
        Assert.Equal(JsonValueKind.Null, btc.GetProperty("skipped").ValueKind);
        Assert.Equal(250, btc.GetProperty("liquidatedAccounts").GetInt32());
        var eth = btc.GetProperty("instruments")[1];
        Assert.Equal("ETHUSDT", eth.GetProperty("symbol").GetString());
        Assert.Equal(2_825.00, eth.GetProperty("finalPrice").GetDouble(), 9);
        Assert.Equal(2_825.0 / 3_000 - 1, eth.GetProperty("move").GetDouble(), 12);
        Assert.True(eth.GetProperty("liquidatedNotional").GetDouble() > 0);
        Assert.False(eth.GetProperty("bookExhausted").GetBoolean());
        Assert.True(btc.GetProperty("insuranceFundAfter").GetDouble() > 0);

        // The factor's β for SOLUSDT names an instrument the state lacks: passed over; ETH moves 1.3 × −15%.
        Assert.Equal(-0.195, results[1].GetProperty("instruments")[1].GetProperty("move").GetDouble(), 9);
        Assert.Equal("reference XRPUSDT is not among the instruments", results[2].GetProperty("skipped").GetString());
    }

    [Fact]
    public async Task Document_Table_OneTablePerScenario_SkippedOnALine()
    {
        var document = await WriteAsync("portfolio.json", PortfolioExample.Document("[]"));
        var scenarios = await WriteAsync("scenarios.json", Scenarios);

        var run = await CliRun.InvokeAsync("stress", "--scenarios", scenarios, document);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("stress: portfolio.json: 2 instruments, 250 accounts, insurance fund 1,000,000", run.Output, StringComparison.Ordinal);
        Assert.Contains("btc-3.1", run.Output, StringComparison.Ordinal);
        Assert.Contains("2,825.00", run.Output, StringComparison.Ordinal);
        Assert.Contains("250 accounts liquidated", run.Output, StringComparison.Ordinal);
        Assert.Contains("xrp: skipped (reference XRPUSDT is not among the instruments)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoScenariosOption_TheShippedFile_EveryCrashDay()
    {
        var document = await WriteAsync("portfolio.json", PortfolioExample.Document("[]"));

        var run = await CliRun.InvokeAsync("stress", document, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var names = json.RootElement.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Subset(names.ToHashSet(), new HashSet<string?> { "2020-03-13 crash", "2021-05-19 crash", "2024-08-05 crash", "2025-10-10 crash" });
        // The 2025-10-10 day (BTC −13.34%, ETH β 1.6) takes every account of the example down.
        var day = json.RootElement.GetProperty("scenarios").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "2025-10-10 crash");
        Assert.Equal(250, day.GetProperty("liquidatedAccounts").GetInt32());
    }

    [Fact]
    public async Task Capture_At_TheStateAfterEveryEventAtOrBeforeThatTime()
    {
        var capture = Path.Combine(_dir, "day.srcap.gz");
        var simulate = await CliRun.InvokeAsync("simulate", "--out", capture, "--events", "5000", "--accounts", "300", "--seed", "7");
        Assert.True(simulate.ExitCode == 0, simulate.Error);
        var lines = ReadLines(capture);
        var times = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("eventTime").GetInt64()).ToList();
        // A time several records share, so "at or before" is tested at its edge.
        var at = times.Skip(times.Count / 2).First(t => times.Count(x => x == t) > 1);
        var cut = await WriteAsync("cut.srcap", string.Join('\n', lines.Where((_, i) => times[i] <= at)) + "\n");
        var scenarios = await WriteAsync("scenarios.json", Scenarios);

        var atRun = await CliRun.InvokeAsync("stress", "--scenarios", scenarios, capture, "--at", at.ToString(CultureInfo.InvariantCulture), "--json");
        var cutRun = await CliRun.InvokeAsync("stress", "--scenarios", scenarios, cut, "--json");
        var wholeRun = await CliRun.InvokeAsync("stress", "--scenarios", scenarios, capture, "--json");

        Assert.True(atRun.ExitCode == 0 && cutRun.ExitCode == 0 && wholeRun.ExitCode == 0, atRun.Error + cutRun.Error + wholeRun.Error);
        using var atJson = JsonDocument.Parse(atRun.Output);
        using var cutJson = JsonDocument.Parse(cutRun.Output);
        using var wholeJson = JsonDocument.Parse(wholeRun.Output);
        Assert.Equal(at, atJson.RootElement.GetProperty("state").GetProperty("at").GetInt64());
        Assert.Equal(times[^1], wholeJson.RootElement.GetProperty("state").GetProperty("at").GetInt64());
        Assert.Equal(["BTCUSDT", "ETHUSDT", "SOLUSDT"], atJson.RootElement.GetProperty("state").GetProperty("instruments").EnumerateArray().Select(s => s.GetString()));
        // The capture up to T and the capture cut after T are one state: the same outcome for every scenario.
        Assert.Equal(cutJson.RootElement.GetProperty("scenarios").GetRawText(), atJson.RootElement.GetProperty("scenarios").GetRawText());
        Assert.NotEqual(wholeJson.RootElement.GetProperty("scenarios").GetRawText(), atJson.RootElement.GetProperty("scenarios").GetRawText());
        var crash = atJson.RootElement.GetProperty("scenarios")[1];
        Assert.True(crash.GetProperty("liquidatedAccounts").GetInt32() > 0);
        Assert.Equal("reference XRPUSDT is not among the instruments", atJson.RootElement.GetProperty("scenarios")[2].GetProperty("skipped").GetString());
    }

    [Theory]
    [InlineData("missing-state", "no such file")]
    [InlineData("at-on-document", "--at and --config apply to a capture")]
    [InlineData("not-a-state", "neither a StreamRisk capture nor a multi-instrument project document")]
    [InlineData("bad-document", "marks.XRPUSDT: unknown symbol")]
    [InlineData("bad-scenarios", "scenarios[0].moves.BTCUSDT: a move must be above -1")]
    [InlineData("duplicate-scenarios", "scenarios[1].name: scenario 'a' is listed twice")]
    [InlineData("missing-scenarios", "no such file")]
    [InlineData("bad-at", "is not a time")]
    public async Task BadInput_OneLine_ExitTwo(string problem, string message)
    {
        var document = await WriteAsync("portfolio.json", PortfolioExample.Document("[]"));
        var scenarios = await WriteAsync("scenarios.json", Scenarios);
        string[] args = problem switch
        {
            "missing-state" => ["stress", "--scenarios", scenarios, Path.Combine(_dir, "nothing.json")],
            "at-on-document" => ["stress", "--scenarios", scenarios, document, "--at", "1000"],
            "not-a-state" => ["stress", "--scenarios", scenarios, await WriteAsync("other.json", """{"accounts":[]}""")],
            "bad-document" => ["stress", "--scenarios", scenarios, await WriteAsync("bad.json", PortfolioExample.Document("[]").Replace("\"ETHUSDT\":3000", "\"XRPUSDT\":1", StringComparison.Ordinal))],
            "bad-scenarios" => ["stress", "--scenarios", await WriteAsync("s.json", """{"scenarios":[{"name":"a","moves":{"BTCUSDT":-2}}]}"""), document],
            "duplicate-scenarios" => ["stress", "--scenarios", await WriteAsync("s.json", """{"scenarios":[{"name":"a","moves":{"BTCUSDT":-0.1}},{"name":"a","moves":{"BTCUSDT":-0.2}}]}"""), document],
            "missing-scenarios" => ["stress", "--scenarios", Path.Combine(_dir, "none.json"), document],
            _ => ["stress", "--scenarios", scenarios, document, "--at", "yesterday"],
        };

        var run = await CliRun.InvokeAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith("streamrisk: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private static List<string> ReadLines(string gzipPath)
    {
        using var file = File.OpenRead(gzipPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}
