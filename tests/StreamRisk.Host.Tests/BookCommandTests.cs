using System.Text.Json;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

public sealed class BookCommandTests
{
    [Fact]
    public async Task Book_BtcusdtCapture_OneNdjsonLinePerAppliedUpdateAndSummaryOnStderr()
    {
        var run = await CliRun.InvokeAsync("book", "--format", "binance-usdm", SharedData.Path("binance-usdm", "btcusdt_20240808.gz"));

        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6547, lines.Length);
        long previous = 0;
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var top = json.RootElement;
            Assert.Equal(["u", "eventTime", "bid", "bidQty", "ask", "askQty"], top.EnumerateObject().Select(p => p.Name));
            Assert.All(top.EnumerateObject(), p => Assert.Equal(JsonValueKind.Number, p.Value.ValueKind));
            Assert.True(top.GetProperty("u").GetInt64() > previous);
            Assert.True(top.GetProperty("bid").GetDecimal() < top.GetProperty("ask").GetDecimal());
            previous = top.GetProperty("u").GetInt64();
        }

        // The first applied update (u 5123107853551) against the capture's text: exact decimals, quantities as sent.
        Assert.Equal("""{"u":5123107853551,"eventTime":1723161256509,"bid":61800.2,"bidQty":2.909,"ask":61800.3,"askQty":1.072}""", lines[0]);
        var summary = Assert.Single(run.ErrorLines);
        Assert.StartsWith("applied 6547, gaps 0, resyncs 0, skipped 4, bookTicker checked 629, mismatched 0", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Book_CoinmPairInOrder_NoGaps()
    {
        var run = await CliRun.InvokeAsync(
            "book",
            "--format",
            "binance-coinm",
            SharedData.Path("binance-coinm", "btcusd_perp_20240808.gz"),
            SharedData.Path("binance-coinm", "btcusd_perp_20240809.gz"));

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("applied 44772, gaps 0, resyncs 0,", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Book_MissingFile_OneLineErrorExitCodeTwo()
    {
        var run = await CliRun.InvokeAsync("book", "--format", "binance-usdm", "/no/such/capture.gz");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal("streamrisk: capture file not found: /no/such/capture.gz", Assert.Single(run.ErrorLines));
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("book", "--format", "binance-spot", "capture.gz")]
    [InlineData("book", "--format", "binance-usdm")]
    [InlineData("book", "capture.gz")]
    [InlineData("book", "--format", "binance-usdm", "--tick", "BTCUSDT", "capture.gz")]
    [InlineData("book", "--format", "binance-usdm", "--tick", "BTCUSDT=-1", "capture.gz")]
    public async Task Book_BadCommandLine_OneLineErrorExitCodeTwo(params string[] args)
    {
        var run = await CliRun.InvokeAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("streamrisk: ", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Book_BadLines_ReportedByFileAndLineAndSkipped_TheBookGoesOn()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, string.Join('\n',
                "1 {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":5,\"s\":\"BTCUSDT\",\"U\":6,\"u\":10,\"pu\":5,\"b\":[],\"a\":[]}}",
                "2 {\"lastUpdateId\":8,\"bids\":[[\"100.0\",\"1\"]],\"asks\":[[\"100.3\",\"1\"]]}",
                "not a capture line",
                "3 {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"U\":",
                "4 {\"data\":{\"e\":\"depthUpdate\",\"s\":\"BTCUSDT\",\"U\":11,\"u\":12,\"b\":[],\"a\":[]}}",
                "5 {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":9,\"s\":\"BTCUSDT\",\"U\":11,\"u\":12,\"pu\":10,\"b\":[[\"100.1\",\"2\"]],\"a\":[]}}") + "\n", TestContext.Current.CancellationToken);

            var run = await CliRun.InvokeAsync("book", "--format", "binance-usdm", path);

            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Equal(2, run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            var name = Path.GetFileName(path);
            Assert.Equal([$"book: {name} line 3: ", $"book: {name} line 4: ", $"book: {name} line 5: "], run.ErrorLines.Take(3).Select(line => line[..$"book: {name} line 3: ".Length]));
            Assert.StartsWith("applied 2, gaps 0, resyncs 0, skipped 0, bookTicker checked 0, mismatched 0, bad lines skipped 3", run.ErrorLines[^1], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Replay_BinanceCaptureWithBadLines_ReportedAndSkipped_ReplayCompletes()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, string.Join('\n',
                "1 {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1723161256000,\"s\":\"BTCUSDT\",\"U\":6,\"u\":10,\"pu\":5,\"b\":[],\"a\":[]}}",
                "2 {\"lastUpdateId\":8,\"bids\":[[\"100.0\",\"1\"]],\"asks\":[[\"100.3\",\"1\"]]}",
                "\u0001\u0002garbage\u00ff",
                "5 {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1723161257000,\"s\":\"BTCUSDT\",\"U\":11,\"u\":12,\"pu\":10,\"b\":[[\"100.1\",\"2\"]],\"a\":[]}}") + "\n", TestContext.Current.CancellationToken);

            var run = await CliRun.InvokeAsync("replay", path, "--format", "binance-usdm", "--accounts", "100");

            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Contains($"replay: {Path.GetFileName(path)} line 3: ", run.Error, StringComparison.Ordinal);
            Assert.Contains("2 book updates", run.Output, StringComparison.Ordinal);
            Assert.Contains("1 bad lines skipped", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Help_ListsBookVerb()
    {
        var run = await CliRun.InvokeAsync("--help");

        Assert.Contains("book", run.Output, StringComparison.Ordinal);
    }
}
