using System.Buffers.Binary;
using System.Text.RegularExpressions;
using SkiaSharp;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Reporting;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// <c>replay --report</c> on the recorded BTCUSDT capture: one replay (a few seconds) shared by the tests of this class,
/// which then look at the page and the pictures the way a reader would get them.
/// </summary>
public sealed class ReplayReportTests(ReplayReportTests.ReportFixture report) : IClassFixture<ReplayReportTests.ReportFixture>
{
    [Fact]
    public void Replay_WithReportOnly_WritesNdjsonHtmlAndTheSymbolAndSystemChartsIntoTheReportDir()
    {
        Assert.Equal(0, report.ExitCode);
        Assert.Contains("report: ", report.Output, StringComparison.Ordinal);
        foreach (var name in new[] { "alerts.ndjson", "projections.ndjson", "report.html", "BTCUSDT-price.png", "BTCUSDT-shock.png", "BTCUSDT-heatmap.png", "BTCUSDT-depth.png" }.Concat(SystemCharts))
        {
            Assert.True(File.Exists(Path.Combine(report.Dir, name)), $"{name} missing");
        }
    }

    [Fact]
    public void Html_ReferencesEveryPngBesideIt_AndNothingOutside()
    {
        var html = report.Html;
        var pngs = Directory.GetFiles(report.Dir, "*.png").Select(Path.GetFileName).ToList();
        Assert.Equal(4 + SystemCharts.Length, pngs.Count);
        foreach (var png in pngs)
        {
            Assert.Contains($"<img src=\"{png}\"", html, StringComparison.Ordinal);
        }

        var sources = Regex.Matches(html, "src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.All(sources, source => Assert.True(File.Exists(Path.Combine(report.Dir, source)), $"{source} referenced but not written"));
        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<style>", html, StringComparison.Ordinal);
        Assert.Contains("How to read this", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_HasOneTableRowPerAlertTransition_WithRuleStateAndExplanation()
    {
        var transitions = File.ReadLines(Path.Combine(report.Dir, "alerts.ndjson"))
            .Where(line => line.Length > 0)
            .Select(line => AlertJson.ReadTransition(System.Text.Encoding.UTF8.GetBytes(line)))
            .ToList();
        Assert.NotEmpty(transitions);

        var rows = Regex.Matches(report.Html, "<tr class=\"alert [a-z]+\" data-transition=\"([^\"]+)\">(.*?)</tr>");
        Assert.Equal(transitions.Count, rows.Count);
        var byId = rows.ToDictionary(r => System.Net.WebUtility.HtmlDecode(r.Groups[1].Value), r => r.Groups[2].Value);
        foreach (var transition in transitions)
        {
            var row = byId[transition.TransitionId];
            Assert.Contains($"<td>{transition.Rule}</td>", row, StringComparison.Ordinal);
            Assert.Contains($"<td>{AlertNames.Of(transition.State)}</td>", row, StringComparison.Ordinal);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(transition.Explanation), row, StringComparison.Ordinal);
            Assert.Contains(DateTimeOffset.FromUnixTimeMilliseconds(transition.EventTime).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture), row, StringComparison.Ordinal);
        }

        // Summary: every rule that raised something is counted, and the symbol and date are named.
        foreach (var rule in transitions.Where(t => t.State == AlertState.Raised).Select(t => t.Rule).Distinct())
        {
            Assert.Contains($"<tr><td>{rule}</td>", report.Html, StringComparison.Ordinal);
        }

        Assert.Contains("BTCUSDT", report.Html, StringComparison.Ordinal);
        Assert.Contains("2024-08-08", report.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BTCUSDT-price.png")]
    [InlineData("BTCUSDT-shock.png")]
    [InlineData("BTCUSDT-heatmap.png")]
    [InlineData("BTCUSDT-depth.png")]
    [InlineData("system-shock.png")]
    [InlineData("system-liquidation-down.png")]
    [InlineData("system-liquidation-up.png")]
    public void Chart_IsARealPicture(string name)
    {
        var path = Path.Combine(report.Dir, name);

        // The PNG header itself (signature, then IHDR width and height big-endian), independent of any decoder.
        var head = new byte[24];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(head);
        }

        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, head[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(head, 12, 4));
        var width = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(20, 4));
        Assert.True(width >= 400 && height >= 250, $"{name} is {width}x{height}");

        // A blank or one-colour image decodes fine; real data, antialiased lines and colour scales give many colours.
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        var colors = new HashSet<uint>();
        foreach (var pixel in bitmap.Pixels)
        {
            colors.Add((uint)pixel);
        }

        Assert.True(colors.Count > 20, $"{name} has only {colors.Count} distinct colours");
    }

    [Fact]
    public void Charts_HaveText_BecauseAFontWasFound()
    {
        // Without a font Skia draws labels as nothing and the charts lose their axes; test.sh installs fonts-dejavu-core.
        Assert.DoesNotContain("no font", report.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"warn\"", report.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_FromNdjsonAndProvenanceFiles_OtherFolder_GivesTheSamePageAndCharts()
    {
        var other = Path.Combine(report.Dir, "again");

        // The folder the replay wrote holds all the page needs: the ndjson files and provenance.json.
        var provenance = ReplayProvenance.Read(Path.Combine(report.Dir, ReplayProvenance.FileName));
        var result = ReplayReport.Write(Path.Combine(report.Dir, "alerts.ndjson"), Path.Combine(report.Dir, "projections.ndjson"), other, provenance);

        Assert.Equal(1, result.Symbols);
        Assert.Equal(["BTCUSDT-price.png", "BTCUSDT-shock.png", "BTCUSDT-heatmap.png", "BTCUSDT-depth.png", .. SystemCharts], result.Images);
        Assert.All(result.Images, image => Assert.True(new FileInfo(Path.Combine(other, image)).Length > 5_000));
        Assert.Equal(File.ReadAllText(Path.Combine(report.Dir, "report.html")), File.ReadAllText(result.HtmlPath));
    }

    [Fact]
    public void Html_SystemSection_AtTheSmallestSystemCriticalShock_WhereTheSystemicAlertFired()
    {
        var system = Regex.Match(report.Html, "<section class=\"system\" id=\"system\">(.*?)</section>", RegexOptions.Singleline);
        Assert.True(system.Success, "no system section");
        var views = File.ReadLines(Path.Combine(report.Dir, "projections.ndjson")).Count(line => line.StartsWith("{\"type\":\"system\"", StringComparison.Ordinal));
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"<tr><th>System views</th><td>{views:N0}</td></tr>"), system.Groups[1].Value, StringComparison.Ordinal);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $", {views:N0} system views, "), report.Output, StringComparison.Ordinal);

        // The smallest shock of the day is at or below the one SystemicCascadeRisk first raised on.
        var transitions = File.ReadLines(Path.Combine(report.Dir, "alerts.ndjson"))
            .Select(line => AlertJson.ReadTransition(System.Text.Encoding.UTF8.GetBytes(line)))
            .Where(t => t.Rule == AlertRuleNames.SystemicCascadeRisk)
            .ToList();
        var raised = transitions.First(t => t.State == AlertState.Raised);
        var smallest = Regex.Match(system.Groups[1].Value, "<tr><th>Smallest system critical shock</th><td>([0-9.]+)% (down|up) at ");
        Assert.True(smallest.Success, "no smallest system critical shock");
        Assert.True(double.Parse(smallest.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= (raised.Metrics["criticalShock"] * 100) + 1e-9);
        Assert.Contains("<table class=\"system-chain\">", system.Groups[1].Value, StringComparison.Ordinal);

        // The capture's snapshot is known to ±0.25%: a factor chain that ran past it onto modelled depth stays at info.
        Assert.All(transitions.Where(t => t.Explanation.Contains("left the known book", StringComparison.Ordinal)),
            t => Assert.Equal(AlertSeverity.Info, t.Severity));
    }

    [Fact]
    public void Html_TitleAndSummary_CallTheCaptureTheSixMinutesItIs()
    {
        // The capture's event times run from 23:54:16.509 to 00:00:01.105 the next day (shared/data/README.md: ~5¾ min).
        const string span = "6-minute capture 2024-08-08 23:54 – 2024-08-09 00:00 UTC";
        var title = System.Net.WebUtility.HtmlDecode(Regex.Match(report.Html, "<title>(.*?)</title>").Groups[1].Value);

        Assert.Equal($"StreamRisk replay report: BTCUSDT, {span}", title);
        Assert.Contains("2024-08-08 23:54:16.509 to 2024-08-09 00:00:01.105 (5 min 44 s)", report.Html, StringComparison.Ordinal);
        Assert.Contains($"The replay fed the {span} through the monitor", System.Net.WebUtility.HtmlDecode(report.Html), StringComparison.Ordinal);
        Assert.DoesNotContain("recorded market day", report.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Provenance_BesideTheReportAndOnThePage_NamesTheCaptureItsHashAndThePopulation()
    {
        var capture = SharedData.Path("binance-usdm", "btcusdt_20240808.gz");
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(capture)));
        var provenance = ReplayProvenance.Read(Path.Combine(report.Dir, ReplayProvenance.FileName));

        var input = Assert.Single(provenance.Inputs);
        Assert.Equal(("btcusdt_20240808.gz", new FileInfo(capture).Length, sha256), (input.Name, input.Bytes, input.Sha256));
        Assert.Equal("binance-usdm", provenance.Format);
        Assert.Equal(("estimated", SharedData.BtcusdtPositions, 1, 20_000), (provenance.Population.Kind, provenance.Population.Spec, provenance.Population.Seed, provenance.Population.Accounts));
        Assert.Equal("venue", provenance.Liquidations);
        Assert.Equal("binance", provenance.Profile);
        Assert.Equal(new Domain.Alerts.AlertThresholds().CriticalShock, provenance.Thresholds["Default"]!["CriticalShock"]!.GetValue<double>());
        Assert.Equal((1_723_161_256_509L, 1_723_161_601_105L), (provenance.Span.First, provenance.Span.Last));

        Assert.Contains(sha256, report.Html, StringComparison.Ordinal);
        Assert.Contains("<td>btcusdt_20240808.gz</td><td class=\"n\">3,637,062</td>", report.Html, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(provenance.Population.Description), report.Html, StringComparison.Ordinal);
        Assert.Contains("streamrisk " + provenance.ToolVersion, report.Html, StringComparison.Ordinal);
        Assert.Contains("<th>Default.CriticalShock</th><td>0.03</td>", report.Html, StringComparison.Ordinal);
    }

    private static readonly string[] SystemCharts = ["system-shock.png", "system-liquidation-down.png", "system-liquidation-up.png"];

    /// <summary>Runs the replay once for the class: <c>replay FILE --report DIR</c>, no <c>--out</c>.</summary>
    public sealed class ReportFixture : IAsyncLifetime
    {
        private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("replay-report-");

        public string Dir => Path.Combine(_root.FullName, "report");

        public int ExitCode { get; private set; } = -1;

        public string Output { get; private set; } = string.Empty;

        public string Error { get; private set; } = string.Empty;

        public string Html { get; private set; } = string.Empty;

        public async ValueTask InitializeAsync()
        {
            var capture = SharedData.Path("binance-usdm", "btcusdt_20240808.gz");
            var run = await CliRun.InvokeAsync("replay", capture, "--format", "binance-usdm", "--positions", SharedData.BtcusdtPositions, "--report", Dir);
            (ExitCode, Output, Error) = (run.ExitCode, run.Output, run.Error);
            var html = Path.Combine(Dir, "report.html");
            Html = File.Exists(html) ? await File.ReadAllTextAsync(html) : string.Empty;
        }

        public ValueTask DisposeAsync()
        {
            _root.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
