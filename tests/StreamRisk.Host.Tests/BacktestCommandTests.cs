using System.Globalization;
using System.Text.Json;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary><c>backtest</c>: a shipped crash day end to end, runs formed from files' periods, and bad input refused in one line.</summary>
public sealed class BacktestCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("backtest-command-").FullName;

    /// <summary>2020-03-13 01:39 to 04:00: its drop minute is 01:51 (low 4,219.14, 8.0 % under 01:40's high of 4,586.97), its trough 02:16.</summary>
    private static string March2020 => SharedData.Path("klines", "BTCUSDT-1m-2020-03__2020-03-13T0139_0400Z.csv");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Backtest_ShippedDay_BacktestJsonWithTheDropAtItsMinute()
    {
        // 1,000 accounts: with fewer, each holds so large a share of the open interest that the brackets cap its leverage
        // low enough to survive the crash.
        var run = await CliRun.InvokeAsync("backtest", "--klines", March2020, "--accounts", "1000", "--out", _directory);

        Assert.True(run.ExitCode == 0, run.Error);
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_directory, "backtest.json")));
        var only = Assert.Single(document.RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal(["BTCUSDT"], only.GetProperty("symbols").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("2020-03-13T01:51:00.000Z", only.GetProperty("dropMinute").GetString());
        Assert.Equal("2020-03-13T02:16:00.000Z", only.GetProperty("troughMinute").GetString());
        foreach (var first in new[] { "firstWarning", "firstCritical" })
        {
            foreach (var rule in new[] { "CascadeRisk", "SystemicCascadeRisk" })
            {
                var at = only.GetProperty(first).GetProperty(rule);
                Assert.True(at.ValueKind == JsonValueKind.Null || DateTimeOffset.TryParse(at.GetString(), CultureInfo.InvariantCulture, out _), $"{first}.{rule}: {at}");
            }
        }

        // The whole day is wild (no minute under a 0.5 % range): no calm minute.
        Assert.Equal(0, only.GetProperty("calmMinutes").GetInt32());
        Assert.Equal(0, only.GetProperty("calmMinutesWithCritical").GetInt32());
        // A 40 % crash: the venue liquidation engine liquidates, and its fills settle with the fund.
        Assert.True(only.GetProperty("liquidatedNotional").GetDouble() > 0);
        Assert.Empty(only.GetProperty("rejected").EnumerateObject());
        var fund = only.GetProperty("fundPath").EnumerateArray().ToList();
        Assert.Equal(142, fund.Count);
        Assert.Equal("2020-03-13T01:39:00.000Z", fund[0].GetProperty("time").GetString());
        Assert.Equal(1_000_000, fund[0].GetProperty("balances").GetProperty("BTCUSDT").GetDouble());
        Assert.NotEqual(1_000_000, fund[^1].GetProperty("balances").GetProperty("BTCUSDT").GetDouble());
        Assert.Contains("drop 2020-03-13T01:51:00.000Z", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_TwoInstrumentsOfOnePeriodAndOneOfAnother_TwoRunsTheFirstWithBoth()
    {
        // ALTUSDT: the March day at a hundredth of the price, four decimals (an instrument the program does not know).
        var alt = Path.Combine(_directory, "ALTUSDT-1m-2020-03.csv");
        await File.WriteAllLinesAsync(alt, File.ReadLines(March2020).Select(line =>
        {
            var fields = line.Split(',');
            for (var i = 1; i <= 4; i++)
            {
                fields[i] = (double.Parse(fields[i], CultureInfo.InvariantCulture) / 100).ToString("0.0000", CultureInfo.InvariantCulture);
            }

            return string.Join(',', fields);
        }), TestContext.Current.CancellationToken);
        var later = Path.Combine(_directory, "BTCUSDT-1m-2021-01.csv");
        await File.WriteAllLinesAsync(later, Candles(new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero), 20), TestContext.Current.CancellationToken);
        var outDir = Path.Combine(_directory, "out");

        var run = await CliRun.InvokeAsync("backtest", "--klines", later, March2020, alt, "--accounts", "100", "--out", outDir);

        Assert.True(run.ExitCode == 0, run.Error);
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "backtest.json")));
        var runs = document.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal(["BTCUSDT", "ALTUSDT"], runs[0].GetProperty("symbols").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("2020-03-13T01:51:00.000Z", runs[0].GetProperty("dropMinute").GetString());
        Assert.Equal(["BTCUSDT", "ALTUSDT"], runs[0].GetProperty("fundPath")[0].GetProperty("balances").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).Reverse());
        Assert.Equal(["BTCUSDT"], runs[1].GetProperty("symbols").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(JsonValueKind.Null, runs[1].GetProperty("dropMinute").ValueKind);
        Assert.Equal(20, runs[1].GetProperty("calmMinutes").GetInt32());
        Assert.All(runs, r => Assert.Empty(r.GetProperty("rejected").EnumerateObject()));
    }

    [Theory]
    [InlineData("missing", "kline file not found")]
    [InlineData("bad-row", "BTCUSDT-bad.csv:3: high 'x' is not a positive price")]
    [InlineData("gap", "BTCUSDT-gap.csv:4: open_time")]
    [InlineData("mixed", "overlap but cover different minutes")]
    [InlineData("same-symbol", "a run holds one file per instrument")]
    [InlineData("unknown-option", "--bogus")]
    [InlineData("no-klines", "--klines")]
    [InlineData("bad-config", "StreamRisk:Backtest:Instruments[0]")]
    public async Task Backtest_BadInput_OneLineErrorExitTwo(string input, string expected)
    {
        var start = new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var good = Path.Combine(_directory, "BTCUSDT-good.csv");
        await File.WriteAllLinesAsync(good, Candles(start, 10), TestContext.Current.CancellationToken);
        string[] args;
        switch (input)
        {
            case "missing":
                args = ["--klines", Path.Combine(_directory, "BTCUSDT-none.csv")];
                break;
            case "bad-row":
                var bad = Candles(start, 10);
                bad[2] = bad[2].Split(',') is var f ? string.Join(',', f[..2].Append("x").Concat(f[3..])) : bad[2];
                args = ["--klines", await Write("BTCUSDT-bad.csv", bad)];
                break;
            case "gap":
                var gap = Candles(start, 10).ToList();
                gap.RemoveAt(3);
                args = ["--klines", await Write("BTCUSDT-gap.csv", [.. gap])];
                break;
            case "mixed":
                args = ["--klines", good, await Write("ETHUSDT-shifted.csv", Candles(start.AddMinutes(5), 10))];
                break;
            case "same-symbol":
                args = ["--klines", good, await Write("BTCUSDT-again.csv", Candles(start, 10))];
                break;
            case "unknown-option":
                args = ["--klines", good, "--bogus"];
                break;
            case "no-klines":
                args = [];
                break;
            default:
                args = ["--klines", good, "--config", await Write("settings.json", ["""{"StreamRisk":{"Backtest":{"Instruments":[{"symbol":"BTCUSDT","tiers":[]}]}}}"""])];
                break;
        }

        var run = await CliRun.InvokeAsync(["backtest", .. args, "--accounts", "100", "--out", Path.Combine(_directory, "out")]);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "out", "backtest.json")));
    }

    private async Task<string> Write(string name, string[] lines)
    {
        var path = Path.Combine(_directory, name);
        await File.WriteAllLinesAsync(path, lines);
        return path;
    }

    /// <summary>Quiet 1-minute candles at 30,000 (range 0.1 %), in Binance's twelve columns.</summary>
    private static string[] Candles(DateTimeOffset start, int minutes) =>
        [.. Enumerable.Range(0, minutes).Select(i =>
        {
            var open = start.AddMinutes(i).ToUnixTimeMilliseconds();
            return string.Create(CultureInfo.InvariantCulture, $"{open},30000.0,30020.0,29990.0,30010.0,12.345,{open + 59_999},370000.0,100,6.0,180000.0,0");
        })];
}
