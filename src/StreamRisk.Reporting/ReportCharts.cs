using System.Globalization;
using ScottPlot;
using StreamRisk.Contracts.Alerts;
using SystemView = StreamRisk.Domain.Alerts.SystemView;

namespace StreamRisk.Reporting;

/// <summary>
/// The four PNG charts of a symbol and the three of the system section. Every chart shares the UTC time axis (OLE automation dates, which is what
/// ScottPlot's date-time ticks read) and the same size, so they line up when the page stacks them.
/// </summary>
internal static class ReportCharts
{
    public const int Width = 1100;
    public const int Height = 420;

    /// <summary>Heatmap columns: beyond this a column is narrower than a pixel and only costs time.</summary>
    private const int MaxHeatmapColumns = 800;

    private const double Million = 1_000_000;

    private static readonly Color MarkColor = Color.FromHex("#1f4e79");
    private static readonly Color DownColor = Color.FromHex("#c0392b");
    private static readonly Color UpColor = Color.FromHex("#1e8449");
    private static readonly Color ResolvedColor = Color.FromHex("#9e9e9e");

    public static Color SeverityColor(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Color.FromHex("#d7191c"),
        AlertSeverity.Warning => Color.FromHex("#f39c12"),
        _ => Color.FromHex("#2c7bb6"),
    };

    /// <summary>Chart 1: mark over time (close per bucket, with the bucket's low–high range shaded) and the alerts on it.</summary>
    public static void Price(ProjectionSeries series, IReadOnlyList<AlertTransition> alerts, string path)
    {
        var plot = NewPlot(series, $"{series.Symbol}: mark price and alerts", "mark price");
        var buckets = series.Buckets.ToArray();
        var xs = buckets.Select(b => X(b.LastTime)).ToArray();
        if (buckets.Any(b => b.MarkHigh > b.MarkLow))
        {
            var range = plot.Add.FillY(xs, buckets.Select(b => b.MarkLow).ToArray(), buckets.Select(b => b.MarkHigh).ToArray());
            range.FillColor = MarkColor.WithAlpha(0.18);
            range.LineWidth = 0;
            range.LegendText = "low–high within a point";
        }

        var line = plot.Add.ScatterLine(xs, buckets.Select(b => b.MarkClose).ToArray());
        line.Color = MarkColor;
        line.LineWidth = 1.5f;
        line.LegendText = "mark";

        // One scatter per (state, severity) so the legend explains the marker code without a separate key.
        var groups = alerts
            .GroupBy(a => (a.State, Severity: a.State == AlertState.Resolved ? AlertSeverity.Info : a.Severity))
            .OrderBy(g => g.Key.State).ThenBy(g => g.Key.Severity);
        foreach (var group in groups)
        {
            var points = group
                .Select(a => (X: X(a.EventTime), Y: a.Metrics.TryGetValue("mark", out var m) && m > 0 ? m : series.MarkNear(a.EventTime)))
                .Where(p => p.Y is not null)
                .ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var markers = plot.Add.ScatterPoints(points.Select(p => p.X).ToArray(), points.Select(p => p.Y!.Value).ToArray());
            var (state, severity) = group.Key;
            markers.Color = state == AlertState.Resolved ? ResolvedColor : SeverityColor(severity);
            markers.MarkerShape = state switch
            {
                AlertState.Raised => MarkerShape.FilledCircle,
                AlertState.Escalated => MarkerShape.FilledTriangleUp,
                AlertState.Updated => MarkerShape.OpenCircle,
                _ => MarkerShape.Eks,
            };
            markers.MarkerSize = state == AlertState.Updated ? 7 : 10;
            markers.LegendText = state == AlertState.Resolved
                ? "resolved"
                : $"{AlertNames.Of(state)} {AlertNames.Of(severity)}";
        }

        // Outside the data area: alerts cluster where the price moves, which is exactly where an inner legend would sit.
        plot.ShowLegend(Edge.Right);
        Save(plot, path, legend: null);
    }

    /// <summary>Chart 2: the smallest move that sets off a cascade, down and up, in percent; gaps where there is none.</summary>
    public static void CriticalShock(ProjectionSeries series, IReadOnlyList<AlertTransition> alerts, string path)
    {
        var plot = NewPlot(series, $"{series.Symbol}: critical shock (smallest move that starts a liquidation cascade)", "move from mark, %");
        var buckets = series.Buckets.ToArray();
        var any = AddSegments(plot, buckets.Select(b => (b.LastTime, b.ShockDown)), 100, DownColor, "critical shock down");
        any |= AddSegments(plot, buckets.Select(b => (b.LastTime, b.ShockUp)), 100, UpColor, "critical shock up");
        var thresholds = AddThresholds(plot, alerts, AlertRuleNames.CascadeRisk);
        if (!any)
        {
            var note = plot.Add.Text("no cascade within the projected range at any time", X(buckets[0].LastTime), 0);
            note.LabelFontColor = Colors.Gray;
        }

        plot.Axes.SetLimitsY(0, Math.Max(1, buckets.Select(b => Math.Max(Finite(b.ShockDown), Finite(b.ShockUp))).Concat(thresholds).Max() * 100 * 1.15));
        Save(plot, path, Alignment.UpperRight);
    }

    /// <summary>
    /// System chart 1: the system critical shock down (red) and up (green), in percent of the reference: the smallest
    /// factor move (every instrument by β × it) after which any instrument runs away; gaps where there is none.
    /// </summary>
    public static void SystemCriticalShock(SystemSeries series, IReadOnlyList<AlertTransition> alerts, string path)
    {
        var reference = series.Last?.Reference ?? "the reference";
        var plot = NewPlot(series.FirstTime, series.LastTime, $"System critical shock: smallest move of {reference} (all by β × it) that runs away", $"move of {reference}, %");
        var buckets = series.Buckets.ToArray();
        var any = AddSegments(plot, buckets.Select(b => (b.LastTime, b.ShockDown)), 100, DownColor, "system critical shock down");
        any |= AddSegments(plot, buckets.Select(b => (b.LastTime, b.ShockUp)), 100, UpColor, "system critical shock up");
        var thresholds = AddThresholds(plot, alerts.Where(a => a.Symbol == SystemView.AlertSymbol).ToList(), AlertRuleNames.SystemicCascadeRisk);
        if (!any)
        {
            // Mid-height: the y range is 0 to 1 % then, and a note on the axis line would be clipped.
            var note = plot.Add.Text("no factor move up to 50% makes any instrument run away at any time", X(series.FirstTime), 0.5);
            note.LabelFontColor = Colors.Gray;
        }

        plot.Axes.SetLimitsY(0, Math.Max(1, buckets.Select(b => Math.Max(Finite(b.ShockDown), Finite(b.ShockUp))).Concat(thresholds).Max() * 100 * 1.15));
        Save(plot, path, Alignment.UpperRight);
    }

    /// <summary>
    /// System charts 2 and 3: per instrument, the notional liquidated in the factor scenario at the grid move nearest to
    /// <see cref="SystemSeries.ReferenceMove"/> down (or up), in millions (largest reading per point): where a move of
    /// the reference lands, and how that changes through the day.
    /// </summary>
    public static void SystemLiquidation(SystemSeries series, bool down, string path)
    {
        var reference = series.Last?.Reference ?? "the reference";
        var moves = down ? series.GridMovesDown : series.GridMovesUp;
        var move = moves.Count == 1 ? Percent(moves.First()) : $"{(down ? "-" : "+")}{SystemSeries.ReferenceMove * 100:0.##}% (nearest grid move)";
        var plot = NewPlot(series.FirstTime, series.LastTime, $"Liquidated notional per instrument, {reference} {move} and all by β × it", "notional, millions");
        var buckets = series.Buckets.ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var any = false;
        double top = 0;
        for (var i = 0; i < series.Symbols.Count; i++)
        {
            var instrument = i;
            var points = buckets.Select(b => (b.LastTime, SystemBucket.At(down ? b.LiquidatedDown : b.LiquidatedUp, instrument))).ToArray();
            any |= AddSegments(plot, points, 1 / Million, palette.GetColor(i), series.Symbols[i]);
            top = Math.Max(top, points.Max(p => Finite(p.Item2)) / Million);
        }

        var height = Math.Max(1e-6, top * 1.1);
        if (!any || top == 0)
        {
            var note = plot.Add.Text("nothing liquidated at this move at any time", X(series.FirstTime), height / 2);
            note.LabelFontColor = Colors.Gray;
        }

        plot.Axes.SetLimitsY(0, height);
        Save(plot, path, Alignment.UpperLeft);
    }

    /// <summary>
    /// Chart 3: liquidatable notional per price ring around the mark, over time. Rows are rings (not absolute prices)
    /// because the mark moves: "how much would liquidate 1–2% below wherever the price is now" is the question.
    /// </summary>
    public static void LiquidationHeatmap(ProjectionSeries series, string path)
    {
        var plot = NewPlot(series, $"{series.Symbol}: liquidatable notional by distance from mark (millions)", "distance from mark");
        var buckets = series.Buckets.ToArray();
        var start = buckets[0].LastTime;
        var end = buckets[^1].LastTime;
        var columns = Math.Max(1, Math.Min(MaxHeatmapColumns, buckets.Length));
        var span = Math.Max(1, end - start);
        var rows = new double[6, columns];
        for (var row = 0; row < 6; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                rows[row, column] = double.NaN; // no projection in that slice: drawn transparent, not as zero risk
            }
        }

        foreach (var bucket in buckets)
        {
            var column = (int)Math.Min(columns - 1, (bucket.LastTime - start) * columns / span);
            var values = bucket.Bands.TopToBottom();
            for (var row = 0; row < 6; row++)
            {
                var value = values[row] / Million;
                rows[row, column] = double.IsNaN(rows[row, column]) ? value : Math.Max(rows[row, column], value);
            }
        }

        var heatmap = plot.Add.Heatmap(rows);
        heatmap.Colormap = new ScottPlot.Colormaps.Turbo();
        heatmap.NaNCellColor = Colors.Transparent;
        var right = end > start ? X(end) : X(start + 1000);
        heatmap.Rectangle = new CoordinateRect(X(start), right, 0, 6);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "liquidatable notional, millions";

        var mark = plot.Add.HorizontalLine(3);
        mark.Color = Colors.White;
        mark.LineWidth = 1.5f;
        mark.LinePattern = LinePattern.Dashed;

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [5.5, 4.5, 3.5, 2.5, 1.5, 0.5],
            ["+2 to +5%", "+1 to +2%", "0 to +1%", "0 to −1%", "−1 to −2%", "−2 to −5%"]);
        plot.Axes.SetLimitsY(0, 6);
        Save(plot, path, legend: null);
    }

    /// <summary>Chart 4: book notional within ±1% of the mark (thinnest reading per point): what absorbs forced orders.</summary>
    public static void Depth(ProjectionSeries series, string path)
    {
        var plot = NewPlot(series, $"{series.Symbol}: order book depth within ±1% of mark", "notional, millions");
        var buckets = series.Buckets.ToArray();
        var xs = buckets.Select(b => X(b.LastTime)).ToArray();
        var depth = buckets.Select(b => b.DepthLow / Million).ToArray();
        var area = plot.Add.FillY(xs, new double[xs.Length], depth);
        area.FillColor = MarkColor.WithAlpha(0.15);
        area.LineWidth = 0;
        var line = plot.Add.ScatterLine(xs, depth);
        line.Color = MarkColor;
        line.LineWidth = 1.5f;
        line.LegendText = "depth ±1% (thinnest in each point)";
        plot.Axes.SetLimitsY(0, Math.Max(1e-6, depth.Max() * 1.1));
        Save(plot, path, Alignment.LowerLeft);
    }

    /// <summary>UTC wall time as an OLE automation date, the x unit ScottPlot's date-time axis reads.</summary>
    private static double X(long unixMs) => Utc(unixMs).ToOADate();

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;

    private static string Percent(double fraction) => (fraction * 100).ToString("+0.##;-0.##;0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A rule's own threshold, read from its alerts rather than configuration, so the line is the one that fired.</summary>
    private static double[] AddThresholds(Plot plot, IReadOnlyList<AlertTransition> alerts, string ruleName)
    {
        var thresholds = alerts
            .Where(a => a.Rule == ruleName && a.Metrics.ContainsKey("threshold"))
            .Select(a => a.Metrics["threshold"])
            .Distinct()
            .ToArray();
        foreach (var threshold in thresholds)
        {
            var rule = plot.Add.HorizontalLine(threshold * 100);
            rule.Color = Colors.Black.WithAlpha(0.6);
            rule.LinePattern = LinePattern.Dashed;
            rule.LineWidth = 1;
            rule.LegendText = $"{ruleName} threshold {threshold * 100:0.##}%";
        }

        return thresholds;
    }

    /// <summary>Lines through the defined points (time, value × <paramref name="scale"/>); NaN breaks the line. False when there was no point.</summary>
    private static bool AddSegments(Plot plot, IEnumerable<(long Time, double Value)> points, double scale, Color color, string legend)
    {
        // ScottPlot joins every point of a scatter, so each run of defined values is its own line: a gap stays a gap.
        var labelled = false;
        var run = new List<(double X, double Y)>();
        void Flush()
        {
            if (run.Count == 0)
            {
                return;
            }

            var line = plot.Add.Scatter(run.Select(p => p.X).ToArray(), run.Select(p => p.Y).ToArray());
            line.Color = color;
            line.LineWidth = 1.5f;
            line.MarkerSize = run.Count == 1 ? 4 : 0;
            if (!labelled)
            {
                line.LegendText = legend;
                labelled = true;
            }

            run.Clear();
        }

        foreach (var (time, v) in points)
        {
            if (double.IsFinite(v))
            {
                run.Add((X(time), v * scale));
            }
            else
            {
                Flush();
            }
        }

        Flush();
        return labelled;
    }

    /// <summary>A chart with the symbol's shared time axis: UTC, titled with the day(s), the same x range on every chart.</summary>
    internal static Plot NewPlot(ProjectionSeries series, string title, string yLabel) =>
        NewPlot(series.Buckets.First().FirstTime, series.Buckets.Last().LastTime, title, yLabel);

    /// <summary>A chart on the UTC time axis from <paramref name="start"/> to <paramref name="end"/> (Unix ms).</summary>
    internal static Plot NewPlot(long start, long end, string title, string yLabel)
    {
        var plot = new Plot();
        if (ReportFonts.Resolve() is { } font)
        {
            plot.Font.Set(font);
        }

        var (startDay, endDay) = (Utc(start).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Utc(end).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        plot.Title(title, size: 15);
        plot.YLabel(yLabel, size: 13);

        // The date-time axis replaces the bottom axis, title and all, so the title is set on it afterwards.
        var axis = plot.Axes.DateTimeTicksBottom();
        plot.XLabel(startDay == endDay ? $"time (UTC) on {startDay}" : $"time (UTC), {startDay} to {endDay}", size: 13);

        // The date is in the axis title; ticks show the UTC time of day, which stays readable at 1100 px (ScottPlot's
        // default repeats a US-style date on every tick), and a tick at midnight shows the date of the day it starts,
        // so a replay that crosses days says on the axis where each day begins.
        if (axis.TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic ticks)
        {
            var format = end - start > TimeSpan.FromDays(2).TotalMilliseconds ? "HH:mm" : "HH:mm:ss";
            ticks.LabelFormatter = time => time.ToString(time.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : format, CultureInfo.InvariantCulture);
        }

        // Same x range on every chart of a symbol, so the four stacked charts line up in time.
        var pad = Math.Max(500, (end - start) / 100);
        plot.Axes.SetLimitsX(X(start - pad), X(end + pad));
        return plot;
    }

    private static DateTime Utc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;

    private static void Save(Plot plot, string path, Alignment? legend)
    {
        if (legend is { } alignment)
        {
            plot.ShowLegend(alignment);
        }

        plot.SavePng(path, Width, Height);
    }
}
