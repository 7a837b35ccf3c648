using System.IO.Compression;
using System.Text;
using System.Text.Json;
using StreamRisk.Domain.Alerts;
using StreamRisk.Replay.InProcess;
using StreamRisk.Reporting;

namespace StreamRisk.Host.Tests;

/// <summary>Symbols and account ids are input: whatever they hold, the files stay valid JSON and the console shows them inert.</summary>
public sealed class HostileTextTests : IDisposable
{
    /// <summary>Quotes, a backslash, an ANSI escape that clears the screen, CR/LF that forge a line, non-ASCII and a bidi override.</summary>
    private const string Hostile = "X\"Y\\Z\u001b[2J\r\nalert raised critical FAKE\u00e9\u20ac\u202e\U0001F600";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hostile-text-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void ReplayOutputs_HostileSymbol_EveryLineIsJsonWithTheSymbolIntact_AndTheReportReadsThem()
    {
        var data = Path.Combine(_dir.FullName, "data");
        using (var outputs = new ReplayOutputs(data))
        {
            for (var i = 0; i < 240; i++)
            {
                var time = 1_723_161_255_000 + (i * 1_000L);
                outputs.Projection(new SymbolRisk { Symbol = i % 2 == 0 ? Hostile : "BTCUSDT", EventTime = time, Mark = 100 + i, CriticalShockDown = 0.02 });
                outputs.Alert(new AlertTransition($"CascadeRisk:{Hostile}:down:{time}", 0, AlertRule.CascadeRisk, Hostile, "down", AlertSeverity.Warning, AlertState.Raised,
                    time, time, [new AlertMetric("criticalShock", 0.02)], $"A 2% move down on {Hostile} runs away.", "Watch."));
            }
        }

        var projections = File.ReadAllLines(Path.Combine(data, "projections.ndjson"));
        var alerts = File.ReadAllLines(Path.Combine(data, "alerts.ndjson"));
        Assert.Equal(240, projections.Length);
        Assert.Equal(240, alerts.Length);
        Assert.Equal(Enumerable.Range(0, 240).Select(i => i % 2 == 0 ? Hostile : "BTCUSDT"), projections.Select(line => Parse(line).GetProperty("symbol").GetString()));
        Assert.All(alerts, line => Assert.Equal(Hostile, Parse(line).GetProperty("symbol").GetString()));
        Assert.All(projections.Concat(alerts), line => Assert.True(line.All(c => c is >= ' ' and <= '~'), $"not printable ASCII: {line}"));

        var report = ReplayReport.Write(Path.Combine(data, "alerts.ndjson"), Path.Combine(data, "projections.ndjson"), Path.Combine(_dir.FullName, "report"));

        Assert.Equal(2, report.Symbols);
        Assert.Equal(240, report.AlertTransitions);
    }

    [Fact]
    public void Visible_ControlAndBidiCharacters_WrittenAsEscapes_PlainTextUntouched()
    {
        Assert.Equal("X\"Y\\Z\\u001b[2J\\u000d\\u000aalert raised critical FAKE\u00e9\u20ac\\u202e\U0001F600", ConsoleText.Visible(Hostile));
        const string plain = "alert raised   critical CascadeRisk BTCUSDT down: fine";
        Assert.Same(plain, ConsoleText.Visible(plain));
    }

    [Fact]
    public async Task Replay_CaptureLineWithControlCharacters_ReportedOnOneInertLine()
    {
        var capture = Path.Combine(_dir.FullName, "hostile.gz");
        var topic = JsonSerializer.Serialize(Hostile);
        await using (var gzip = new GZipStream(File.Create(capture), CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes($"{{\"topic\":{topic},\"key\":\"K\",\"eventTime\":1,\"payload\":{{}}}}\n"), TestContext.Current.CancellationToken);
        }

        var run = await CliRun.InvokeAsync("replay", capture, "--format", "capture");

        Assert.Equal(0, run.ExitCode);
        var reported = Assert.Single(run.ErrorLines, line => line.StartsWith("replay: hostile.gz line 1:", StringComparison.Ordinal));
        Assert.Contains("\\u001b[2J\\u000d\\u000aalert raised critical FAKE", reported, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.Error);
        Assert.DoesNotContain('\r', run.Error);
    }

    private static JsonElement Parse(string line)
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.Clone();
    }
}
