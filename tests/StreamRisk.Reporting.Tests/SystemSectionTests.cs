using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Domain.Alerts;
using StreamRisk.Reporting;

namespace StreamRisk.Reporting.Tests;

/// <summary>
/// The report's system section, from <c>"type":"system"</c> lines of projections.ndjson written by the replay's own
/// writer (<see cref="SystemViewJson.Line"/>): the charts, the smallest system critical shock and the tables at it.
/// </summary>
public sealed partial class SystemSectionTests : IDisposable
{
    // 2024-01-01 00:00:00 UTC.
    private const long Start = 1_704_067_200_000;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("report-system-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Write_WithSystemLines_SectionHasChartsAndTheTablesAtTheSmallestCriticalShock()
    {
        // Three views: the smallest critical shock of the day is 2.1 % down, in the second view (the up shock of the
        // third, 5 %, and the first view's 4 % are larger), so the tables are that view's.
        var projections = Write("projections.ndjson",
            SymbolLine("BTCUSDT", Start, 60_000),
            SystemViewJson.Line(View(Start, shockDown: 0.04, shockUp: 0.08, btcDownAt5: 100_000, ethDownAt5: 200_000, ethUpAt5: 10_000, contagionEth: -0.012, account: "acct-1")),
            SymbolLine("BTCUSDT", Start + 1_000, 59_000),
            SystemViewJson.Line(View(Start + 1_000, shockDown: 0.021, shockUp: null, btcDownAt5: 2_500_000, ethDownAt5: 1_234_567.89, ethUpAt5: 30_000, contagionEth: -0.031, account: "acct-7")),
            SystemViewJson.Line(View(Start + 2_000, shockDown: null, shockUp: 0.05, btcDownAt5: 400_000, ethDownAt5: 300_000, ethUpAt5: 20_000, contagionEth: -0.02, account: "acct-9")));
        var alerts = Write("alerts.ndjson");

        var result = ReplayReport.Write(alerts, projections, Path.Combine(_dir.FullName, "report"));
        var system = SystemSection(File.ReadAllText(result.HtmlPath));

        Assert.Equal(3, result.SystemViews);
        foreach (var image in new[] { "system-shock.png", "system-liquidation-down.png", "system-liquidation-up.png" })
        {
            Assert.Contains(image, result.Images);
            Assert.True(new FileInfo(Path.Combine(_dir.FullName, "report", image)).Length > 5_000, $"{image} is empty");
            Assert.Contains($"<img src=\"{image}\"", system, StringComparison.Ordinal);
        }

        var facts = Facts(system);
        Assert.Equal("3", facts["System views"]);
        Assert.Equal("BTCUSDT", facts["Reference"]);
        Assert.Equal("2.1% down at 2024-01-01 00:00:01.000", facts["Smallest system critical shock"]);
        Assert.Equal("2.1% at 2024-01-01 00:00:01.000", facts["Smallest critical shock down"]);
        Assert.Equal("5% at 2024-01-01 00:00:02.000", facts["Smallest critical shock up"]);

        // Largest liquidated notional per instrument at the -5 % and +5 % grid moves, with when.
        var grid = Rows(Table(system, "system-grid"));
        Assert.Equal(["BTCUSDT", "2,500,000 at 2024-01-01 00:00:01.000", "0 at 2024-01-01 00:00:00.000"], grid[0]);
        Assert.Equal(["ETHUSDT", "1,234,568 at 2024-01-01 00:00:01.000", "30,000 at 2024-01-01 00:00:01.000"], grid[1]);

        // The chain at that shock: ETHUSDT's liquidation, how much of it was its own move and how much came from BTCUSDT.
        var chain = Rows(Table(system, "system-chain"));
        Assert.Equal(["ETHUSDT", "-2.52%", "-7.5%", "900,000", "300,000", "600,000", "66.67%", "yes"], chain[1]);

        // Contagion at that moment: BTCUSDT alone 5 % down takes ETHUSDT 3.1 % down.
        var contagion = Rows(Table(system, "system-contagion"));
        Assert.Equal(["BTCUSDT down 5%", "—", "-3.1% / 1,234,568"], contagion[0]);
        Assert.Equal(["ETHUSDT up 5%", "0% / 0", "—"], contagion[3]);

        var accounts = Rows(Table(system, "system-accounts"));
        Assert.Equal(["acct-7", "750,000", "250,000", "12", "ETHUSDT 500,000<br>BTCUSDT 250,000"], Assert.Single(accounts));
    }

    [Fact]
    public void Write_WithoutSystemLines_SectionSaysSoInOneLine_AndDrawsNoSystemChart()
    {
        var projections = Write("projections.ndjson", SymbolLine("BTCUSDT", Start, 60_000), SymbolLine("BTCUSDT", Start + 1_000, 59_900));

        var result = ReplayReport.Write(Write("alerts.ndjson"), projections, Path.Combine(_dir.FullName, "report"));
        var system = SystemSection(File.ReadAllText(result.HtmlPath));

        Assert.Equal(0, result.SystemViews);
        Assert.DoesNotContain(result.Images, image => image.StartsWith("system-", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.FullName, "report"), "system-*"));
        var body = system[(system.IndexOf("</h2>", StringComparison.Ordinal) + 5)..].Trim();
        Assert.Equal("<p>No system views in projections.ndjson: it was written without them (an older replay, or Engine:SystemIntervalMs 0).</p>", body);
    }

    [Fact]
    public void Write_HostileSymbolsAndAccounts_AreEscapedInTheSystemTables()
    {
        const string symbol = "<img src=x onerror=alert(1)>";
        const string account = "\"><script>alert('acct')</script>&";
        var view = View(Start, shockDown: 0.02, shockUp: null, btcDownAt5: 1, ethDownAt5: 2, ethUpAt5: 3, contagionEth: -0.01, account: account, eth: symbol);
        var projections = Write("projections.ndjson", SystemViewJson.Line(view));

        var result = ReplayReport.Write(Write("alerts.ndjson"), projections, Path.Combine(_dir.FullName, "report"));
        var html = File.ReadAllText(result.HtmlPath);
        var system = SystemSection(html);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(account), Table(system, "system-accounts"), StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(symbol), Table(system, "system-contagion"), StringComparison.Ordinal);
        Assert.Equal(symbol, WebUtility.HtmlDecode(Rows(Table(system, "system-chain"))[1][0]));
        Assert.Equal(account, WebUtility.HtmlDecode(Assert.Single(Rows(Table(system, "system-accounts")))[0]));
    }

    [Fact]
    public void Write_SymbolNamedSystem_ChartsDoNotOverwriteTheSystemCharts()
    {
        var projections = Write("projections.ndjson",
            SymbolLine("system", Start, 100), SymbolLine("system", Start + 1_000, 101),
            SystemViewJson.Line(View(Start, shockDown: 0.03, shockUp: 0.04, btcDownAt5: 1, ethDownAt5: 2, ethUpAt5: 3, contagionEth: -0.01, account: "a")));

        var result = ReplayReport.Write(Write("alerts.ndjson"), projections, Path.Combine(_dir.FullName, "report"));

        Assert.Equal(result.Images.Count, result.Images.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("system-shock.png", result.Images);
        Assert.Contains("system-2-shock.png", result.Images);
    }

    [Fact]
    public void Write_MalformedSystemLine_NamesFileAndLine()
    {
        var projections = Write("projections.ndjson", SymbolLine("BTCUSDT", Start, 60_000), "{\"type\":\"system\",\"eventTime\":\"soon\"}");

        var error = Assert.Throws<InvalidDataException>(() => ReplayReport.Write(Write("alerts.ndjson"), projections, Path.Combine(_dir.FullName, "report")));

        Assert.StartsWith($"{projections}:2: not a system line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_SystemicCascadeRiskAlerts_AreInTheAlertTable_ButSystemIsNotListedAsASymbol()
    {
        var projections = Write("projections.ndjson",
            SymbolLine("BTCUSDT", Start, 60_000),
            SystemViewJson.Line(View(Start + 1_000, shockDown: 0.02, shockUp: null, btcDownAt5: 1, ethDownAt5: 2, ethUpAt5: 3, contagionEth: -0.01, account: "a")));
        var alerts = Write("alerts.ndjson",
            "{\"id\":\"SystemicCascadeRisk:SYSTEM:down:1704067201000\",\"transitionId\":\"SystemicCascadeRisk:SYSTEM:down:1704067201000:0\",\"rule\":\"SystemicCascadeRisk\","
            + "\"symbol\":\"SYSTEM\",\"severity\":\"warning\",\"state\":\"raised\",\"eventTime\":1704067201000,\"metrics\":{\"criticalShock\":0.02,\"threshold\":0.05},"
            + "\"explanation\":\"A 2.0% move down of BTCUSDT runs away.\",\"suggestedAction\":\"Watch.\"}");

        var result = ReplayReport.Write(alerts, projections, Path.Combine(_dir.FullName, "report"));
        var html = File.ReadAllText(result.HtmlPath);

        // The title lists the symbols, then the span the results cover: SYSTEM is not among the symbols.
        Assert.Contains("<h1>StreamRisk replay report: BTCUSDT, 1-second replay 2024-01-01 00:00:00–00:00:01 UTC</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Symbols</th><td>BTCUSDT</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<td>SystemicCascadeRisk</td><td>SYSTEM</td>", html, StringComparison.Ordinal);
    }

    /// <summary>
    /// A view over BTCUSDT (reference) and ETHUSDT: grid at ±2, ±5, ±10 %; at the down critical shock ETHUSDT liquidates
    /// 900,000 of which 300,000 alone; contagion 5 %; one critical account.
    /// </summary>
    private static SystemView View(long time, double? shockDown, double? shockUp, double btcDownAt5, double ethDownAt5, double ethUpAt5, double contagionEth,
        string account, string eth = "ETHUSDT")
    {
        const string btc = "BTCUSDT";
        SystemScenario Scenario(double move, double btcNotional, double ethNotional) => new(move, move < 0 ? "down" : "up",
            [new(btc, move, btcNotional, false), new(eth, move, ethNotional, false)], 1, btcNotional + ethNotional, 1_000_000);
        SystemChain? Chain(string direction, double? shock) => shock is not { } s ? null : new SystemChain(direction, s,
            [new(btc, direction == "down" ? -s : s, -0.03, 400_000, 400_000, 0, false), new(eth, (direction == "down" ? -s : s) * 1.2, -0.075, 900_000, 300_000, 600_000, true)],
            40, 1_300_000, 900_000);
        return new SystemView
        {
            EventTime = time,
            Reference = btc,
            Symbols = [btc, eth],
            Marks = [60_000, 3_000],
            Betas = [1, 1.2],
            InsuranceFund = 1_000_000,
            Accounts = 250,
            Grid =
            [
                Scenario(-0.02, 0, 0), Scenario(-0.05, btcDownAt5, ethDownAt5), Scenario(-0.1, 9e9, 9e9),
                Scenario(0.02, 0, 0), Scenario(0.05, 0, ethUpAt5), Scenario(0.1, 9e9, 9e9),
            ],
            CriticalShockDown = shockDown,
            CriticalShockUp = shockUp,
            ChainDown = Chain("down", shockDown),
            ChainUp = Chain("up", shockUp),
            ContagionMove = 0.05,
            Contagion =
            [
                new(btc, "down", eth, contagionEth, ethDownAt5), new(btc, "up", eth, 0.004, 5_000),
                new(eth, "down", btc, -0.001, 100), new(eth, "up", btc, 0, 0),
            ],
            CriticalAccounts = [new(account, 750_000, 250_000, 12, [new(eth, 500_000), new(btc, 250_000)])],
        };
    }

    private static string SymbolLine(string symbol, long time, double mark) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"symbol\":{System.Text.Json.JsonSerializer.Serialize(symbol)},\"eventTime\":{time},\"mark\":{mark},\"criticalShockDown\":0.02,\"criticalShockUp\":null,\"liquidatable\":{{\"down1\":1,\"down2\":2,\"down5\":3,\"up1\":1,\"up2\":2,\"up5\":3}},\"depth1\":1000000}}");

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string SystemSection(string html)
    {
        var match = SystemSectionPattern().Match(html);
        Assert.True(match.Success, "no system section");
        return match.Groups[1].Value;
    }

    private static Dictionary<string, string> Facts(string section) =>
        FactPattern().Matches(Table(section, "system-facts")).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    private static string Table(string section, string name)
    {
        var match = Regex.Match(section, $"<table class=\"{name}\">(.*?)</table>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no table {name}");
        return match.Groups[1].Value;
    }

    /// <summary>The body rows' cells (th or td), as HTML.</summary>
    private static List<string[]> Rows(string table)
    {
        var body = table[table.IndexOf("<tbody>", StringComparison.Ordinal)..];
        return RowPattern().Matches(body).Select(r => CellPattern().Matches(r.Groups[1].Value).Select(c => c.Groups[1].Value).ToArray()).ToList();
    }

    [GeneratedRegex("<section class=\"system\" id=\"system\">(.*?)</section>", RegexOptions.Singleline)]
    private static partial Regex SystemSectionPattern();

    [GeneratedRegex("<tr><th>([^<]*)</th><td>([^<]*)</td></tr>")]
    private static partial Regex FactPattern();

    [GeneratedRegex("<tr[^>]*>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex RowPattern();

    [GeneratedRegex("<t[hd][^>]*>(.*?)</t[hd]>", RegexOptions.Singleline)]
    private static partial Regex CellPattern();
}
