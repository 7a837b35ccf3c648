using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StreamRisk.Reporting.Tests;

/// <summary>
/// The report says where its results come from and what the capture was: provenance facts on the page, and a title
/// naming the real market span (a 6-minute capture is not a market day).
/// </summary>
public sealed partial class ReportProvenanceTests : IDisposable
{
    private static readonly long CaptureStart = Ms("2024-08-08T23:54:15.000Z");
    private static readonly long CaptureEnd = Ms("2024-08-08T23:59:59.000Z");

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("report-provenance-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("2024-08-08T23:54:15.000Z", "2024-08-08T23:59:59.000Z", "6-minute capture 2024-08-08 23:54–23:59 UTC")]
    [InlineData("2024-08-08T14:02:00.000Z", "2024-08-08T14:02:45.400Z", "45-second capture 2024-08-08 14:02:00–14:02:45 UTC")]
    [InlineData("2024-08-08T23:54:16.509Z", "2024-08-09T00:00:01.105Z", "6-minute capture 2024-08-08 23:54 – 2024-08-09 00:00 UTC")]
    [InlineData("2024-08-08T00:00:00.000Z", "2024-08-08T23:59:59.999Z", "24-hour capture 2024-08-08 00:00–23:59 UTC")]
    [InlineData("2024-08-01T00:00:00.000Z", "2024-08-11T00:00:00.000Z", "10-day capture 2024-08-01 00:00 – 2024-08-11 00:00 UTC")]
    public void Describe_Span_SaysHowLongTheCaptureIsAndWhen(string first, string last, string expected) =>
        Assert.Equal(expected, new MarketSpan { First = Ms(first), Last = Ms(last) }.Describe());

    [Fact]
    public void Write_WithProvenance_TitleNamesTheShortCapture_AndThePageHoldsEveryFact()
    {
        var provenance = Provenance();

        var html = File.ReadAllText(ReplayReport.Write(Alerts(), Projections(), Path.Combine(_dir.FullName, "report"), provenance).HtmlPath);

        var title = WebUtility.HtmlDecode(TitleRegex().Match(html).Groups[1].Value);
        Assert.Equal("StreamRisk replay report: BTCUSDT, 6-minute capture 2024-08-08 23:54–23:59 UTC", title);
        Assert.Contains($"<h1>{WebUtility.HtmlEncode(title)}</h1>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("recorded market day", html, StringComparison.Ordinal);
        Assert.Contains("not a market day", html, StringComparison.Ordinal);
        Assert.Contains("2024-08-08 23:54:15.000 to 2024-08-08 23:59:59.000 (5 min 44 s)", html, StringComparison.Ordinal);

        var section = ProvenanceRegex().Match(html).Value;
        Assert.Contains("streamrisk 9.8.7+abc123", section, StringComparison.Ordinal);
        Assert.Contains("binance-usdm", section, StringComparison.Ordinal);
        Assert.Contains("<td>btcusdt_20240808.gz</td><td class=\"n\">3,637,062</td><td><code>0ad7b3a0f5cff220761ea890cfd6e3c15f6899edc7f94637ec915043d7a72251</code></td>", section, StringComparison.Ordinal);
        Assert.Contains("synthetic (seed 7, 500 accounts)", section, StringComparison.Ordinal);
        Assert.Contains("<th>Margin profile</th><td>bybit</td>", section, StringComparison.Ordinal);
        Assert.Contains("<th>Liquidations</th><td>venue</td>", section, StringComparison.Ordinal);
        Assert.Contains("<th>Results from (--from)</th><td>2024-08-08 23:55:00.000</td>", section, StringComparison.Ordinal);
        Assert.Contains("replay.json, 120 bytes, SHA-256 ", section, StringComparison.Ordinal);
        Assert.Contains("<th>Default.CriticalShock</th><td>0.045</td>", section, StringComparison.Ordinal);
        Assert.Contains("<th>Symbols.BTCUSDT.WallRatio</th><td>2.5</td>", section, StringComparison.Ordinal);
        Assert.Contains("<th>ProjectionIntervalMs</th><td>250</td>", section, StringComparison.Ordinal);
        Assert.Contains("<th>Profile</th><td>bybit</td>", section, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WithoutProvenance_TitleFromTheResultsTimes_AndProvenanceSaidUnknown()
    {
        var html = File.ReadAllText(ReplayReport.Write(Alerts(), Projections(), Path.Combine(_dir.FullName, "report")).HtmlPath);

        Assert.Equal("StreamRisk replay report: BTCUSDT, 5-minute replay 2024-08-08 23:55–23:59 UTC", WebUtility.HtmlDecode(TitleRegex().Match(html).Groups[1].Value));
        Assert.Contains("Not known: this report was made from the ndjson files alone", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ProvenanceJson_WrittenAndReadBack_SameFacts()
    {
        var provenance = Provenance();

        provenance.Write(_dir.FullName);
        var text = File.ReadAllText(Path.Combine(_dir.FullName, ReplayProvenance.FileName));
        var read = ReplayProvenance.Read(Path.Combine(_dir.FullName, ReplayProvenance.FileName));

        Assert.Contains("\"toolVersion\": \"9.8.7+abc123\"", text, StringComparison.Ordinal);
        Assert.Equal(provenance.Span, read.Span);
        Assert.Equal(provenance.Inputs, read.Inputs);
        Assert.Equal(provenance.Population, read.Population);
        Assert.Equal(provenance.Config, read.Config);
        Assert.Equal((provenance.ToolVersion, provenance.Format, provenance.Profile, provenance.Liquidations), (read.ToolVersion, read.Format, read.Profile, read.Liquidations));
        Assert.Equal(provenance.Thresholds.ToJsonString(), read.Thresholds.ToJsonString());
        Assert.Equal(provenance.Engine.ToJsonString(), read.Engine.ToJsonString());
    }

    private static ReplayProvenance Provenance() => new()
    {
        ToolVersion = "9.8.7+abc123",
        Format = "binance-usdm",
        Inputs = [new ProvenanceFile("btcusdt_20240808.gz", 3_637_062, "0ad7b3a0f5cff220761ea890cfd6e3c15f6899edc7f94637ec915043d7a72251")],
        Population = new ProvenancePopulation { Kind = "synthetic", Spec = "synthetic:seed=7", Seed = 7, Accounts = 500, Description = "synthetic (seed 7, 500 accounts)" },
        Profile = "bybit",
        Liquidations = "venue",
        Config = new ProvenanceFile("replay.json", 120, new string('a', 64)),
        Thresholds = JsonNode.Parse("""{"Default":{"CriticalShock":0.045,"RaiseDwell":"00:00:00.5000000"},"Symbols":{"BTCUSDT":{"WallRatio":2.5}}}""")!.AsObject(),
        Engine = JsonNode.Parse("""{"Profile":"bybit","ProjectionIntervalMs":250,"InsuranceFunds":{}}""")!.AsObject(),
        Span = new MarketSpan { First = CaptureStart, Last = CaptureEnd, ResultsFrom = Ms("2024-08-08T23:55:00.000Z") },
    };

    private string Projections()
    {
        var path = Path.Combine(_dir.FullName, "projections.ndjson");
        File.WriteAllLines(path, [Line(Ms("2024-08-08T23:55:00.000Z"), 61_800), Line(Ms("2024-08-08T23:59:40.000Z"), 61_650)]);
        return path;
    }

    private string Alerts()
    {
        var path = Path.Combine(_dir.FullName, "alerts.ndjson");
        File.WriteAllText(path, string.Empty);
        return path;
    }

    private static string Line(long eventTime, double mark) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"symbol\":\"BTCUSDT\",\"eventTime\":{eventTime},\"mark\":{mark},\"criticalShockDown\":0.04,\"criticalShockUp\":null,\"liquidatable\":{{\"down1\":1,\"down2\":2,\"down5\":3,\"up1\":0,\"up2\":0,\"up5\":0}},\"depth1\":5000000}}");

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    [GeneratedRegex("<title>(.*?)</title>")]
    private static partial Regex TitleRegex();

    [GeneratedRegex("<section class=\"provenance\".*?</section>", RegexOptions.Singleline)]
    private static partial Regex ProvenanceRegex();
}
