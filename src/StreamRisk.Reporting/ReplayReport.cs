using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Reporting;

/// <summary>What <see cref="ReplayReport.Write"/> produced.</summary>
/// <param name="HtmlPath">Full path of report.html.</param>
/// <param name="Images">File names of the PNG charts, beside report.html.</param>
/// <param name="FontName">The font the chart text is drawn in; null when none was found and the charts have no text.</param>
/// <param name="SystemViews">The <c>"type":"system"</c> lines read (0 for a replay written without them).</param>
public sealed record ReplayReportResult(string HtmlPath, IReadOnlyList<string> Images, string? FontName, int Symbols, int AlertTransitions, long SystemViews);

/// <summary>
/// <c>report.html</c> for a replay: summary, "how to read this", the provenance of the results, four PNG charts per
/// symbol (ScottPlot) and the table of alert transitions. The title names the market span the capture really covers
/// (a 6-minute capture is called that), from the provenance when given, else from the results' own times. Reads
/// <c>alerts.ndjson</c> and <c>projections.ndjson</c> as the replay wrote them, streaming the projections (see
/// <see cref="ProjectionSeries"/>). The page is self-contained: inline CSS, images as sibling files, no scripts, no
/// external URL, so it can be mailed as a folder or opened from a CI artifact offline.
/// </summary>
public static class ReplayReport
{
    public const string HtmlFileName = "report.html";

    /// <summary>Beyond this the table stops being read and only makes the page slow; alerts.ndjson has them all.</summary>
    public const int MaxTableRows = 5000;

    public static ReplayReportResult Write(string alertsNdjson, string projectionsNdjson, string outputDir, ReplayProvenance? provenance = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(alertsNdjson);
        ArgumentException.ThrowIfNullOrEmpty(projectionsNdjson);
        ArgumentException.ThrowIfNullOrEmpty(outputDir);
        Directory.CreateDirectory(outputDir);

        var (series, system) = ReportInputs.ReadProjections(projectionsNdjson);
        var alerts = ReportInputs.ReadAlerts(alertsNdjson);
        var font = ReportFonts.Resolve();

        var images = new List<string>();
        var sections = new List<(ProjectionSeries Series, string Stem, string[] Images)>();

        // The system section's charts and HTML id are "system-…": a symbol called that gets another stem.
        var stems = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { SystemStem };
        foreach (var symbolSeries in series.Values.OrderBy(s => s.Symbol, StringComparer.Ordinal))
        {
            if (symbolSeries.Buckets.Count == 0)
            {
                continue;
            }

            var symbolAlerts = alerts.Where(a => a.Symbol == symbolSeries.Symbol).ToList();
            // Two symbols that differ only in punctuation or case must not overwrite each other's charts.
            var stem = FileStem(symbolSeries.Symbol);
            for (var n = 2; !stems.Add(stem); n++)
            {
                stem = Inv($"{FileStem(symbolSeries.Symbol)}-{n}");
            }

            string[] files = [$"{stem}-price.png", $"{stem}-shock.png", $"{stem}-heatmap.png", $"{stem}-depth.png"];
            ReportCharts.Price(symbolSeries, symbolAlerts, Path.Combine(outputDir, files[0]));
            ReportCharts.CriticalShock(symbolSeries, symbolAlerts, Path.Combine(outputDir, files[1]));
            ReportCharts.LiquidationHeatmap(symbolSeries, Path.Combine(outputDir, files[2]));
            ReportCharts.Depth(symbolSeries, Path.Combine(outputDir, files[3]));
            images.AddRange(files);
            sections.Add((symbolSeries, stem, files));
        }

        string[] systemImages = [];
        if (system.Count > 0)
        {
            systemImages = [$"{SystemStem}-shock.png", $"{SystemStem}-liquidation-down.png", $"{SystemStem}-liquidation-up.png"];
            ReportCharts.SystemCriticalShock(system, alerts, Path.Combine(outputDir, systemImages[0]));
            ReportCharts.SystemLiquidation(system, down: true, Path.Combine(outputDir, systemImages[1]));
            ReportCharts.SystemLiquidation(system, down: false, Path.Combine(outputDir, systemImages[2]));
            images.AddRange(systemImages);
        }

        var htmlPath = Path.Combine(outputDir, HtmlFileName);
        File.WriteAllText(htmlPath, Html(series.Values.ToList(), sections, system, systemImages, alerts, font, provenance), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return new ReplayReportResult(Path.GetFullPath(htmlPath), images, font, series.Count, alerts.Count, system.Count);
    }

    private const string SystemStem = "system";

    private static string Html(
        List<ProjectionSeries> allSeries,
        List<(ProjectionSeries Series, string Stem, string[] Images)> sections,
        SystemSeries system,
        string[] systemImages,
        List<AlertTransition> alerts,
        string? font,
        ReplayProvenance? provenance)
    {
        // SystemicCascadeRisk alerts carry a pseudo-symbol (SystemView.AlertSymbol): the system is in its own section, not a symbol.
        var symbols = allSeries.Select(s => s.Symbol)
            .Concat(alerts.Where(a => a.Rule != AlertRuleNames.SystemicCascadeRisk).Select(a => a.Symbol))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var times = allSeries.SelectMany(s => s.Buckets).SelectMany(b => new[] { b.FirstTime, b.LastTime }).Concat(alerts.Select(a => a.EventTime)).ToList();
        if (system.Count > 0)
        {
            times.Add(system.FirstTime);
            times.Add(system.LastTime);
        }
        // What the replay covered: the capture's span when the replay said so, else the span of its results.
        var span = provenance is not null ? provenance.Span.Describe()
            : times.Count > 0 ? MarketSpan.Describe(times.Min(), times.Max(), "replay")
            : "empty replay";
        var covered = provenance is not null ? provenance.Span.Duration
            : times.Count > 0 ? TimeSpan.FromMilliseconds(times.Max() - times.Min())
            : TimeSpan.Zero;
        var heading = $"StreamRisk replay report: {(symbols.Count == 0 ? "no symbols" : string.Join(", ", symbols))}, {span}";
        var html = new StringBuilder();
        void Line(string text) => html.Append(text).Append('\n');

        Line("<!DOCTYPE html>");
        Line("<html lang=\"en\">");
        Line("<head>");
        Line("<meta charset=\"utf-8\">");
        Line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        Line($"<title>{E(heading)}</title>");
        Line("<style>");
        Line(Css);
        Line("</style>");
        Line("</head>");
        Line("<body>");
        Line($"<h1>{E(heading)}</h1>");

        Line("<section class=\"summary\">");
        Line("<h2>Summary</h2>");
        Line("<table class=\"facts\">");
        Fact(html, "Symbols", symbols.Count == 0 ? "none" : string.Join(", ", symbols));
        if (provenance is not null)
        {
            Fact(html, "Market span (UTC)", provenance.Span is { First: { } first, Last: { } last }
                ? $"{Utc(first)} to {Utc(last)} ({Duration(last - first)}): {provenance.Span.Describe()}"
                : "the capture held no events");
        }

        if (times.Count > 0)
        {
            var (from, to) = (times.Min(), times.Max());
            Fact(html, "Results (UTC)", $"{Utc(from)} to {Utc(to)} ({Duration(to - from)})");
        }
        else
        {
            Fact(html, "Results (UTC)", "no events");
        }

        Fact(html, "Projections", Inv($"{allSeries.Sum(s => s.Count):N0}"));
        Fact(html, "Alert transitions", Inv($"{alerts.Count:N0} ({alerts.Count(a => a.State == AlertState.Raised):N0} alerts raised)"));
        Line("</table>");

        Line("<table class=\"rules\">");
        Line("<thead><tr><th>Rule</th><th>raised</th><th>escalated</th><th>updated</th><th>resolved</th><th>highest severity</th></tr></thead>");
        Line("<tbody>");
        foreach (var rule in alerts.GroupBy(a => a.Rule, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            int Of(AlertState state) => rule.Count(a => a.State == state);
            var worst = rule.Max(a => a.Severity);
            Line(Inv($"<tr><td>{E(rule.Key)}</td><td class=\"n\">{Of(AlertState.Raised)}</td><td class=\"n\">{Of(AlertState.Escalated)}</td><td class=\"n\">{Of(AlertState.Updated)}</td><td class=\"n\">{Of(AlertState.Resolved)}</td><td><span class=\"sev {AlertNames.Of(worst)}\">{AlertNames.Of(worst)}</span></td></tr>"));
        }

        if (alerts.Count == 0)
        {
            Line("<tr><td colspan=\"6\">No alert was raised.</td></tr>");
        }

        Line("</tbody>");
        Line("</table>");
        Line("</section>");

        Line("<section class=\"howto\">");
        Line("<h2>How to read this</h2>");
        var population = provenance is null ? "a population of leveraged positions" : $"the population {provenance.Population.Description}";
        Line($"<p>The replay fed the {E(span)} through the monitor on event time, with {E(population)}. "
            + (covered < TimeSpan.FromHours(20) ? "Everything below covers that span only, not a market day. " : string.Empty)
            + "For each symbol: the <b>price chart</b> shows the mark with every alert transition "
            + "(colour is severity: blue info, orange warning, red critical; circles are raised, triangles escalated, rings "
            + "updated, grey crosses resolved). The <b>critical shock</b> chart is the smallest move, down (red) or up "
            + "(green), that would set off a liquidation cascade: the lower the line, the more fragile the market, and an "
            + "alert fires when it falls under the dashed threshold; a gap means no cascade within the projected range. The "
            + "<b>heatmap</b> shows how much position notional would be liquidated in each ring around the current mark "
            + "(rows above the dashed line are price rises, below are falls; the 2–5% rows span three points, so they "
            + "naturally hold more). The <b>depth</b> chart is the order book notional within ±1% of the mark, which "
            + "absorbs forced orders: a thinning book with a bright heatmap row close to the mark is the dangerous "
            + "combination. Charts are downsampled to at most "
            + Inv($"{ProjectionSeries.MaxBuckets:N0}")
            + " points per symbol, each point keeping the worst reading in its interval (smallest shock, largest "
            + "notional, thinnest book), so no spike is averaged away.</p>");
        if (font is null)
        {
            Line("<p class=\"warn\">No font was found on the machine that made this report, so the charts have no text. "
                + "Install one (Debian: <code>apt-get install fonts-dejavu-core</code>) or point "
                + $"<code>{ReportFonts.EnvironmentVariable}</code> at a .ttf file and run the report again.</p>");
        }

        Line("</section>");

        ProvenanceSection(html, provenance);
        SystemSection(html, system, systemImages);

        foreach (var (symbolSeries, stem, images) in sections)
        {
            Line($"<section class=\"symbol\" id=\"{E(stem)}\">");
            Line(Inv($"<h2>{E(symbolSeries.Symbol)}</h2>"));
            Line(Inv($"<p class=\"meta\">{symbolSeries.Count:N0} projections, one chart point per {Duration(symbolSeries.WidthMs)} at most.</p>"));
            Figure(html, images[0], "Mark price over time (line: last mark in each point; band: low to high) with alert transitions.");
            Figure(html, images[1], "Critical shock over time, in percent of the mark: smallest move down (red) or up (green) that starts a cascade.");
            Figure(html, images[2], "Liquidatable notional by distance from the mark over time; colour is notional in millions, empty columns had no projection.");
            Figure(html, images[3], "Order book notional within ±1% of the mark over time, in millions.");
            Line("</section>");
        }

        Line("<section class=\"alerts\">");
        Line("<h2>Alert transitions</h2>");
        if (alerts.Count > MaxTableRows)
        {
            Line(Inv($"<p class=\"warn\">The first {MaxTableRows:N0} of {alerts.Count:N0} transitions; alerts.ndjson has all of them.</p>"));
        }

        Line("<table class=\"alerts\">");
        Line("<thead><tr><th>Time (UTC)</th><th>Rule</th><th>Symbol</th><th>State</th><th>Severity</th><th>Key metrics</th><th>Explanation</th></tr></thead>");
        Line("<tbody>");
        foreach (var alert in alerts.OrderBy(a => a.EventTime).Take(MaxTableRows))
        {
            var state = AlertNames.Of(alert.State);
            var severity = AlertNames.Of(alert.Severity);
            Line($"<tr class=\"alert {state}\" data-transition=\"{E(alert.TransitionId)}\"><td class=\"t\">{Utc(alert.EventTime)}</td><td>{E(alert.Rule)}</td><td>{E(alert.Symbol)}</td>"
                + $"<td>{state}</td><td><span class=\"sev {severity}\">{severity}</span></td><td class=\"metrics\">{Metrics(alert.Metrics)}</td>"
                + $"<td>{E(alert.Explanation)}<div class=\"action\">{E(alert.SuggestedAction)}</div></td></tr>");
        }

        if (alerts.Count == 0)
        {
            Line("<tr><td colspan=\"7\">No alert transitions.</td></tr>");
        }

        Line("</tbody>");
        Line("</table>");
        Line("</section>");
        Line("<footer>Made by <code>streamrisk replay --report</code> from alerts.ndjson and projections.ndjson.</footer>");
        Line("</body>");
        Line("</html>");
        return html.ToString();
    }

    /// <summary>
    /// Where the results come from: the tool version, the inputs with their sizes and SHA-256, the population, the
    /// settings that change results. Without a provenance (a report made from ndjson files alone) the section says so.
    /// </summary>
    private static void ProvenanceSection(StringBuilder html, ReplayProvenance? provenance)
    {
        void Line(string text) => html.Append(text).Append('\n');

        Line("<section class=\"provenance\" id=\"provenance\">");
        Line("<h2>Provenance</h2>");
        if (provenance is null)
        {
            Line($"<p>Not known: this report was made from the ndjson files alone, without the {ReplayProvenance.FileName} of the replay that wrote them.</p>");
            Line("</section>");
            return;
        }

        Line($"<p>The same inputs and settings replay to the same results; {ReplayProvenance.FileName} beside the outputs holds these facts.</p>");
        Line("<table class=\"facts\">");
        Line("<tbody>");
        Fact(html, "Tool version", "streamrisk " + provenance.ToolVersion);
        Fact(html, "Format", provenance.Format);
        if (provenance.Span.ResultsFrom is { } resultsFrom)
        {
            Fact(html, "Results from (--from)", Utc(resultsFrom));
        }

        if (provenance.Span.ResultsTo is { } resultsTo)
        {
            Fact(html, "Events up to (--to)", Utc(resultsTo));
        }

        Fact(html, "Population", provenance.Population.Description
            + (provenance.Population.File is { } positions ? Inv($"; {positions.Name}, {positions.Bytes:N0} bytes, SHA-256 {positions.Sha256}") : string.Empty));
        Fact(html, "Margin profile", provenance.Profile);
        Fact(html, "Liquidations", provenance.Liquidations);
        Fact(html, "Settings", provenance.Config is { } config ? Inv($"{config.Name}, {config.Bytes:N0} bytes, SHA-256 {config.Sha256}") : "built-in defaults");
        Line("</tbody>");
        Line("</table>");

        Line("<table class=\"inputs\">");
        Line("<thead><tr><th>Input</th><th>bytes</th><th>SHA-256</th></tr></thead>");
        Line("<tbody>");
        foreach (var input in provenance.Inputs)
        {
            Line(Inv($"<tr><td>{E(input.Name)}</td><td class=\"n\">{input.Bytes:N0}</td><td><code>{E(input.Sha256)}</code></td></tr>"));
        }

        Line("</tbody>");
        Line("</table>");

        Line("<h3>Alert thresholds in force</h3>");
        Settings(html, "thresholds", provenance.Thresholds);
        Line("<h3>Engine settings in force</h3>");
        Settings(html, "engine", provenance.Engine);
        Line("</section>");
    }

    /// <summary>A settings section as one row per value, named by its path (<c>Default.CriticalShock</c>).</summary>
    private static void Settings(StringBuilder html, string css, JsonObject section)
    {
        html.Append("<table class=\"settings ").Append(css).Append("\">\n<tbody>\n");
        var rows = 0;
        void Walk(string path, JsonNode? node)
        {
            if (node is JsonObject obj)
            {
                foreach (var (name, child) in obj)
                {
                    Walk(path.Length == 0 ? name : path + "." + name, child);
                }

                return;
            }

            rows++;
            html.Append("<tr><th>").Append(E(path)).Append("</th><td>").Append(E(node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString() ?? "null")).Append("</td></tr>\n");
        }

        Walk(string.Empty, section);
        if (rows == 0)
        {
            html.Append("<tr><td>none</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    /// <summary>
    /// The system section: the system critical shock and the liquidation per instrument at the ±5% reference moves over
    /// time, then the view at the smallest system critical shock of the replay: its chain (how much of each instrument's
    /// liquidation came from elsewhere), the contagion matrix and the critical accounts. Every symbol and account id is
    /// input and is HTML-encoded.
    /// </summary>
    private static void SystemSection(StringBuilder html, SystemSeries system, string[] images)
    {
        void Line(string text) => html.Append(text).Append('\n');

        Line($"<section class=\"system\" id=\"{SystemStem}\">");
        Line("<h2>System: failure spreading across instruments and accounts</h2>");
        if (system.Count == 0 || system.Last is not { } last)
        {
            Line("<p>No system views in projections.ndjson: it was written without them (an older replay, or Engine:SystemIntervalMs 0).</p>");
            Line("</section>");
            return;
        }

        var worst = system.Worst;
        var shown = worst ?? last;
        Line("<p>The monitor's portfolio projection over every account, instrument and book it held, on its event-time cadence. "
            + "A factor move shocks the reference and every other instrument by β × it at once; accounts fail in simultaneous rounds, "
            + "a failing cross account is liquidated whole, and its legs walk the other books. The <b>system critical shock</b> is the "
            + "smallest such move (0.1% steps) after which any instrument runs away. The tables show the view at the smallest system "
            + "critical shock of the replay: how far each instrument moves and how much of its liquidation came from elsewhere "
            + "(<i>imported</i>), what each instrument alone does to the others (<i>contagion</i>), and the accounts whose forced "
            + "liquidation would liquidate most beyond themselves.</p>");
        Line("<table class=\"system-facts\">");
        Line("<tbody>");
        Fact(html, "System views", Inv($"{system.Count:N0}"));
        Fact(html, "Reference", last.Reference);
        Fact(html, "Instruments", string.Join(", ", system.Symbols));
        Fact(html, "Smallest system critical shock",
            worst is not null && SystemSeries.Smallest(worst) is { } smallest ? $"{Percent(smallest.Shock)} {smallest.Direction} at {Utc(worst.EventTime)}" : "none: no factor move up to 50% makes any instrument run away");
        Fact(html, "Smallest critical shock down", system.SmallestShockDown is { } down ? $"{Percent(down.Value)} at {Utc(down.EventTime)}" : "none");
        Fact(html, "Smallest critical shock up", system.SmallestShockUp is { } up ? $"{Percent(up.Value)} at {Utc(up.EventTime)}" : "none");
        Line("</tbody>");
        Line("</table>");
        Line(Inv($"<p class=\"meta\">One chart point per {Duration(system.WidthMs)} at most, keeping the smallest shock and the largest notional of its interval.</p>"));

        Figure(html, images[0], "System critical shock over time, in percent of the reference: smallest factor move down (red) or up (green) after which any instrument runs away.");
        Figure(html, images[1], "Notional liquidated per instrument over time when the reference falls by the grid move nearest 5% and every instrument by β × it, in millions.");
        Figure(html, images[2], "Notional liquidated per instrument over time when the reference rises by the grid move nearest 5% and every instrument by β × it, in millions.");

        Line("<h3>Largest liquidation per instrument at the ±5% reference moves</h3>");
        Line("<table class=\"system-grid\">");
        Line($"<thead><tr><th>Instrument</th><th>liquidated at {E(Moves(system.GridMovesDown))}</th><th>liquidated at {E(Moves(system.GridMovesUp))}</th></tr></thead>");
        Line("<tbody>");
        for (var i = 0; i < system.Symbols.Count; i++)
        {
            Line($"<tr><td>{E(system.Symbols[i])}</td><td class=\"n\">{E(Reading(system.LargestDown[i]))}</td><td class=\"n\">{E(Reading(system.LargestUp[i]))}</td></tr>");
        }

        Line("</tbody>");
        Line("</table>");

        Line(worst is null
            ? $"<h3>The last view, at {Utc(shown.EventTime)}</h3>"
            : $"<h3>At the smallest system critical shock, {Utc(shown.EventTime)}</h3>");
        var marks = shown.Symbols.Select((symbol, i) => Inv($"{E(symbol)} {E(Number(shown.Marks[i]))} (β {shown.Betas[i]:0.##})"));
        Line(Inv($"<p class=\"meta\">Marks: {string.Join(", ", marks)}. {shown.Accounts:N0} accounts, insurance fund {E(Number(shown.InsuranceFund))}.</p>"));
        var chain = worst is null ? null : SystemSeries.Smallest(worst)!.Value.Direction == "down" ? worst.ChainDown : worst.ChainUp;
        if (chain is not null)
        {
            Line(Inv($"<p>A {E(Percent(chain.Shock))} move {E(chain.Direction)} of {E(shown.Reference)}: {chain.LiquidatedAccounts:N0} accounts and {E(Number(chain.LiquidatedNotional))} notional liquidated, fund {E(Number(shown.InsuranceFund))} → {E(Number(chain.InsuranceFundAfter))}.</p>"));
            Line("<table class=\"system-chain\">");
            Line("<thead><tr><th>Instrument</th><th>β × shock</th><th>final move</th><th>liquidated</th><th>alone</th><th>imported</th><th>imported share</th><th>runs away</th></tr></thead>");
            Line("<tbody>");
            foreach (var i in chain.Instruments)
            {
                var share = i.LiquidatedNotional > 0 ? Percent(i.ImportedNotional / i.LiquidatedNotional) : "–";
                Line($"<tr><td>{E(i.Symbol)}</td><td class=\"n\">{E(Percent(i.TargetMove))}</td><td class=\"n\">{E(Percent(i.Move))}</td><td class=\"n\">{E(Number(i.LiquidatedNotional))}</td>"
                    + $"<td class=\"n\">{E(Number(i.AloneNotional))}</td><td class=\"n\">{E(Number(i.ImportedNotional))}</td><td class=\"n\">{E(share)}</td><td>{(i.Runaway ? "yes" : "no")}</td></tr>");
            }

            Line("</tbody>");
            Line("</table>");
        }
        else
        {
            Line("<p>No factor move up to 50% made any instrument run away at any time of the replay; the tables are the last view's.</p>");
        }

        Line(Inv($"<p>Contagion: each instrument alone moves {E(Percent(shown.ContagionMove))} down and up; each cell is the other instrument's final move / its liquidated notional.</p>"));
        Line("<table class=\"system-contagion\">");
        Line($"<thead><tr><th>alone</th>{string.Concat(shown.Symbols.Select(symbol => $"<th>{E(symbol)}</th>"))}</tr></thead>");
        Line("<tbody>");
        var effects = shown.Contagion.ToLookup(c => (c.From, c.Direction));
        foreach (var from in shown.Symbols)
        {
            foreach (var direction in new[] { "down", "up" })
            {
                var row = new StringBuilder();
                row.Append("<tr><th>").Append(E($"{from} {direction} {Percent(shown.ContagionMove)}")).Append("</th>");
                foreach (var to in shown.Symbols)
                {
                    var cell = to == from ? "—"
                        : effects[(from, direction)].FirstOrDefault(c => c.To == to) is { } effect ? $"{Percent(effect.Move)} / {Number(effect.LiquidatedNotional)}"
                        : "";
                    row.Append(to == from ? "<td class=\"self\">" : "<td class=\"n\">").Append(E(cell)).Append("</td>");
                }

                Line(row.Append("</tr>").ToString());
            }
        }

        Line("</tbody>");
        Line("</table>");

        Line("<p>Critical accounts: whose whole forced liquidation at the marks liquidates most beyond their own positions, and where it lands.</p>");
        Line("<table class=\"system-accounts\">");
        Line("<thead><tr><th>Account</th><th>additional notional</th><th>own notional</th><th>other accounts liquidated</th><th>where it lands</th></tr></thead>");
        Line("<tbody>");
        foreach (var account in shown.CriticalAccounts)
        {
            var lands = string.Join("<br>", account.Instruments.Select(i => $"{E(i.Symbol)} {E(Number(i.Notional))}"));
            Line(Inv($"<tr><td>{E(account.Account)}</td><td class=\"n\">{E(Number(account.AdditionalNotional))}</td><td class=\"n\">{E(Number(account.OwnNotional))}</td><td class=\"n\">{account.OtherAccounts:N0}</td><td>{lands}</td></tr>"));
        }

        if (shown.CriticalAccounts.Count == 0)
        {
            Line("<tr><td colspan=\"5\">No account's forced liquidation liquidates any other.</td></tr>");
        }

        Line("</tbody>");
        Line("</table>");
        Line("</section>");
    }

    private static string Moves(IReadOnlyCollection<double> moves) => moves.Count == 0 ? "–" : string.Join(", ", moves.Select(SignedPercent));

    private static string Reading(SystemReading reading) => double.IsNaN(reading.Value) ? "–" : $"{Number(reading.Value)} at {Utc(reading.EventTime)}";

    /// <summary>A fraction as a percentage with up to two decimals: <c>-0.031</c> is <c>-3.1%</c>; what rounds to zero is <c>0%</c>, never <c>-0%</c>.</summary>
    private static string Percent(double fraction) => Percent(fraction, "0.##");

    /// <summary>A move of the grid, signed both ways: <c>-5%</c>, <c>+5%</c>.</summary>
    private static string SignedPercent(double fraction) => Percent(fraction, "+0.##;-0.##;0");

    private static string Percent(double fraction, string format)
    {
        var percent = Math.Round(fraction * 100, 2);
        return (percent == 0 ? 0 : percent).ToString(format, CultureInfo.InvariantCulture) + "%";
    }

    private const string Css = """
        body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1180px; color: #1b1b1b; padding: 0 1em; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
        table { border-collapse: collapse; font-size: 0.9em; margin: 0.6em 0; }
        th, td { border: 1px solid #ddd; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
        th { background: #f3f5f7; }
        table.facts th, table.settings th { width: 16em; font-weight: normal; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        td.t, td.metrics { white-space: nowrap; font-variant-numeric: tabular-nums; }
        td.metrics { font-size: 0.85em; }
        table.alerts { width: 100%; }
        tr.resolved { color: #777; }
        .sev { padding: 0.05em 0.45em; border-radius: 0.3em; color: #fff; font-size: 0.85em; }
        .sev.info { background: #2c7bb6; }
        .sev.warning { background: #f39c12; }
        .sev.critical { background: #d7191c; }
        tr.resolved .sev { background: #9e9e9e; }
        .action { color: #555; font-size: 0.85em; margin-top: 0.2em; }
        .warn { background: #fff4e0; border-left: 4px solid #f39c12; padding: 0.5em 0.8em; }
        .meta { color: #555; }
        figure { margin: 1em 0; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { color: #555; font-size: 0.9em; }
        h3 { font-size: 1.05em; margin-top: 1.2em; }
        td.self { color: #999; text-align: center; }
        footer { margin-top: 2em; color: #777; font-size: 0.85em; }
        """;

    private static void Fact(StringBuilder html, string name, string value) =>
        html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");

    private static void Figure(StringBuilder html, string image, string caption) =>
        html.Append("<figure><img src=\"").Append(E(image)).Append("\" alt=\"").Append(E(caption))
            .Append(Inv($"\" width=\"{ReportCharts.Width}\" height=\"{ReportCharts.Height}\"><figcaption>")).Append(E(caption)).Append("</figcaption></figure>\n");

    private static string Metrics(IReadOnlyDictionary<string, double> metrics) =>
        string.Join("<br>", metrics.Select(m => $"{E(m.Key)} {E(Number(m.Value))}"));

    /// <summary>Readable numbers: thousands separated; prices keep their cents, large notionals drop them, fractions keep four decimals.</summary>
    private static string Number(double value) =>
        Math.Abs(value) >= 1_000_000 ? value.ToString("N0", CultureInfo.InvariantCulture)
            : Math.Abs(value) >= 1000 ? value.ToString("#,##0.##", CultureInfo.InvariantCulture)
            : value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Utc(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Duration(long ms)
    {
        var span = TimeSpan.FromMilliseconds(ms);
        return span.TotalSeconds < 1 ? Inv($"{ms} ms")
            : span.TotalMinutes < 1 ? Inv($"{span.TotalSeconds:0.#} s")
            : span.TotalHours < 1 ? Inv($"{(int)span.TotalMinutes} min {span.Seconds} s")
            : Inv($"{(int)span.TotalHours} h {span.Minutes} min");
    }

    /// <summary>Symbols become file names and HTML ids: keep letters and digits only so no symbol can escape the folder.</summary>
    private static string FileStem(string symbol)
    {
        var stem = new string(symbol.Where(char.IsAsciiLetterOrDigit).ToArray());
        return stem.Length == 0 ? "symbol" : stem;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
