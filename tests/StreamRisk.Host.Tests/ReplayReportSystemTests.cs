using System.Globalization;
using System.Text.RegularExpressions;

namespace StreamRisk.Host.Tests;

/// <summary>
/// <c>replay --report</c> on the simulated market (three instruments, cross accounts holding two of them): the report's
/// system section shows every instrument and failure spreading from one instrument to another.
/// </summary>
public sealed partial class ReplayReportSystemTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("replay-report-system-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Replay_SimulatedMarketWithCrossAccounts_ReportHasTheSystemSection_WithContagionBetweenInstruments()
    {
        var capture = Path.Combine(_dir.FullName, "simulated.gz");
        var simulate = await CliRun.InvokeAsync("simulate", "--out", capture, "--events", "5000", "--accounts", "500", "--seed", "11");
        Assert.True(simulate.ExitCode == 0, simulate.Error);
        var report = Path.Combine(_dir.FullName, "report");

        var run = await CliRun.InvokeAsync("replay", capture, "--report", report);

        Assert.True(run.ExitCode == 0, run.Error);
        var views = File.ReadLines(Path.Combine(report, "projections.ndjson")).Count(line => line.StartsWith("{\"type\":\"system\"", StringComparison.Ordinal));
        Assert.True(views > 10, $"{views} system views");
        var html = await File.ReadAllTextAsync(Path.Combine(report, "report.html"), TestContext.Current.CancellationToken);
        var system = SystemSection().Match(html);
        Assert.True(system.Success, "no system section");
        var section = system.Groups[1].Value;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"<tr><th>System views</th><td>{views:N0}</td></tr>"), section, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Instruments</th><td>BTCUSDT, ETHUSDT, SOLUSDT</td></tr>", section, StringComparison.Ordinal);
        foreach (var chart in new[] { "system-shock.png", "system-liquidation-down.png", "system-liquidation-up.png" })
        {
            Assert.Contains($"<img src=\"{chart}\"", section, StringComparison.Ordinal);
            Assert.True(new FileInfo(Path.Combine(report, chart)).Length > 5_000, $"{chart} is empty");
        }

        // Contagion: one row per instrument and direction, and some instrument moving alone liquidates on another,
        // which only cross accounts (failing whole, their other legs sold into the other book) can do.
        var contagion = Regex.Match(section, "<table class=\"system-contagion\">(.*?)</table>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(6, Regex.Count(contagion, "<tr><th>[A-Z]+USDT (down|up) 5%</th>"));
        var spread = ContagionCell().Matches(contagion).Select(m => double.Parse(m.Groups[1].Value, NumberStyles.Number, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(12, spread.Count);
        Assert.Contains(spread, notional => notional > 0);
        // Cross accounts whose failure takes others down exist in the population (some view names one), and the section's
        // table lists the shown view's, or says there were none at that moment.
        Assert.Contains(File.ReadLines(Path.Combine(report, "projections.ndjson")), line => line.StartsWith("{\"type\":\"system\"", StringComparison.Ordinal)
            && line.Contains("\"criticalAccounts\":[{\"account\":\"sim-", StringComparison.Ordinal));
        Assert.Matches(new Regex("<table class=\"system-accounts\">.*?(<tr><td>sim-|No account's forced liquidation liquidates any other)", RegexOptions.Singleline), section);
    }

    [GeneratedRegex("<section class=\"system\" id=\"system\">(.*?)</section>", RegexOptions.Singleline)]
    private static partial Regex SystemSection();

    /// <summary>A contagion cell of another instrument: "move% / liquidated notional".</summary>
    [GeneratedRegex("<td class=\"n\">-?[0-9.]+% / ([0-9,.]+)</td>")]
    private static partial Regex ContagionCell();
}
