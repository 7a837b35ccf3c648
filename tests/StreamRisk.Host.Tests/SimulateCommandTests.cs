using StreamRisk.Replay.Capture;

namespace StreamRisk.Host.Tests;

/// <summary><c>simulate</c>: a deterministic synthetic market day in the capture format, replayable as is.</summary>
public sealed class SimulateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simulate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task SameSeed_SameBytes_AndTheCaptureReplaysWithNothingRejected()
    {
        var first = Path.Combine(_directory, "a.srcap.gz");
        var second = Path.Combine(_directory, "b.srcap.gz");

        var run = await CliRun.InvokeAsync("simulate", "--out", first, "--events", "5000", "--accounts", "500", "--seed", "7");
        var again = await CliRun.InvokeAsync("simulate", "--out", second, "--events", "5000", "--accounts", "500", "--seed", "7");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("simulate: 5,000 events (500 accounts, seed 7)", run.Output, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(first, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(second, TestContext.Current.CancellationToken));
        var records = CaptureReader.ReadFile(first).ToList();
        Assert.Equal(5_000, records.Count);
        Assert.Subset(records.Select(r => r.Topic).ToHashSet(), new HashSet<string> { "book", "instruments", "marks", "positions" });
        Assert.True(records.Zip(records.Skip(1)).All(pair => pair.First.EventTime <= pair.Second.EventTime), "not in event-time order");

        var replay = await CliRun.InvokeAsync("replay", first, "--format", "capture", "--out", Path.Combine(_directory, "out"));

        Assert.True(replay.ExitCode == 0, replay.Error);
        Assert.Contains("replay: 5,000 records, 5,000 applied, 0 rejected by validation, 0 bad lines skipped", replay.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayFrom_ResultsAreTheFullReplaysFromThatTimeOn_StateBuiltFromWhatCameBefore()
    {
        var capture = Path.Combine(_directory, "day.srcap.gz");
        Assert.Equal(0, (await CliRun.InvokeAsync("simulate", "--out", capture, "--events", "8000", "--accounts", "800", "--seed", "5")).ExitCode);
        var times = CaptureReader.ReadFile(capture).Select(r => r.EventTime).ToList();
        var from = times[times.Count / 2];
        // Alerts without dwell and damping, so this short day has transitions on both sides of --from (and their
        // open state crosses it).
        var config = Path.Combine(_directory, "undamped.json");
        await File.WriteAllTextAsync(config, """
            {"StreamRisk": {"Alerts": {"Default": {"RaiseDwell": "00:00:00", "ResolveDwell": "00:00:00", "UpdateMinInterval": "00:00:00"}}}}
            """, TestContext.Current.CancellationToken);

        var whole = await CliRun.InvokeAsync("replay", capture, "--format", "capture", "--config", config, "--out", Path.Combine(_directory, "whole"));
        var window = await CliRun.InvokeAsync("replay", capture, "--format", "capture", "--config", config, "--from", from.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", Path.Combine(_directory, "window"));

        Assert.True(whole.ExitCode == 0 && window.ExitCode == 0, whole.Error + window.Error);
        foreach (var file in new[] { "projections.ndjson", "alerts.ndjson" })
        {
            var expected = (await File.ReadAllLinesAsync(Path.Combine(_directory, "whole", file), TestContext.Current.CancellationToken))
                .Where(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("eventTime").GetInt64() >= from)
                .ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, await File.ReadAllLinesAsync(Path.Combine(_directory, "window", file), TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task TruncatedCapture_ReplaysEveryWholeMember_AndSaysWhereItEnds()
    {
        var capture = Path.Combine(_directory, "whole.srcap.gz");
        Assert.Equal(0, (await CliRun.InvokeAsync("simulate", "--out", capture, "--events", "20000", "--accounts", "500", "--seed", "3")).ExitCode);
        var bytes = await File.ReadAllBytesAsync(capture, TestContext.Current.CancellationToken);
        var cut = Path.Combine(_directory, "cut.srcap.gz");
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length * 2 / 3)], TestContext.Current.CancellationToken);

        var replay = await CliRun.InvokeAsync("replay", cut, "--format", "capture");

        Assert.True(replay.ExitCode == 0, replay.Error);
        Assert.Contains("cut.srcap.gz line ", replay.Error, StringComparison.Ordinal);
        Assert.Contains("truncated gzip member", replay.Error, StringComparison.Ordinal);
        var records = long.Parse(System.Text.RegularExpressions.Regex.Match(replay.Output, @"replay: ([\d,]+) records").Groups[1].Value.Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(records, 20_000 / 2, 20_000 * 2 / 3);
    }

    [Theory]
    [InlineData("simulate")]
    [InlineData("simulate", "--out", "x.gz", "--events", "10")]
    [InlineData("simulate", "--out", "/no/such/dir/x.gz")]
    [InlineData("replay", "x.gz", "--to-kafka", "localhost:9092", "--out", "dir")]
    [InlineData("replay", "x.gz", "--liquidations", "sometimes")]
    [InlineData("replay", "x.gz", "--to-kafka", "localhost:9092", "--liquidations", "venue")]
    public async Task BadCommandLine_OneLineExitTwo(params string[] args)
    {
        if (args.Contains("x.gz") && args[0] == "replay")
        {
            args[Array.IndexOf(args, "x.gz")] = Path.Combine(_directory, "exists.gz");
            await File.WriteAllBytesAsync(Path.Combine(_directory, "exists.gz"), [0x1f, 0x8b], TestContext.Current.CancellationToken);
        }

        var run = await CliRun.InvokeAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
    }
}
