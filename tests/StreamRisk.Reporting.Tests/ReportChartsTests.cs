using ScottPlot;

namespace StreamRisk.Reporting.Tests;

/// <summary>
/// The time axis every chart of a symbol shares: a reader must see the replayed day's UTC date and times, not bare
/// times whose day is nowhere on the picture.
/// </summary>
public sealed class ReportChartsTests
{
    // The recorded BTCUSDT capture's span: 2024-08-08 23:54:16.509 to 2024-08-09 00:00:01.105 UTC.
    private const long CaptureStart = 1_723_161_256_509;
    private const long CaptureEnd = 1_723_161_601_105;

    [Fact]
    public void TimeAxis_AcrossMidnight_LabelNamesBothUtcDays_AndTheMidnightTickShowsTheNewDate()
    {
        var (label, ticks) = RenderTimeAxis(Series(CaptureStart, CaptureEnd));

        Assert.Equal("time (UTC), 2024-08-08 to 2024-08-09", label);
        Assert.Contains("23:55:00", ticks);
        Assert.Contains("2024-08-09", ticks);
        Assert.DoesNotContain("00:00:00", ticks);
        Assert.All(ticks.Where(t => t != "2024-08-09"), t => Assert.Matches(@"^23:5\d:\d\d$", t));
    }

    [Fact]
    public void TimeAxis_WithinOneDay_LabelNamesTheDay_AndTicksAreUtcTimesOfDay()
    {
        // 2024-08-08 12:00:00 to 12:10:00 UTC.
        var (label, ticks) = RenderTimeAxis(Series(1_723_118_400_000, 1_723_119_000_000));

        Assert.Equal("time (UTC) on 2024-08-08", label);
        Assert.Contains("12:05:00", ticks);
        Assert.All(ticks, t => Assert.Matches(@"^1[12]:\d\d:\d\d$", t));
    }

    [Fact]
    public void TimeAxis_OverSeveralDays_TicksCarryTheDate()
    {
        // 2024-08-01 00:00 to 2024-08-05 00:00 UTC.
        var (label, ticks) = RenderTimeAxis(Series(1_722_470_400_000, 1_722_816_000_000));

        Assert.Equal("time (UTC), 2024-08-01 to 2024-08-05", label);
        Assert.Contains("2024-08-02", ticks);
        Assert.Contains("2024-08-04", ticks);
        Assert.All(ticks, t => Assert.Matches(@"^(2024-08-0[1-5]|\d\d:\d\d)$", t));
    }

    private static ProjectionSeries Series(long start, long end)
    {
        var series = new ProjectionSeries("BTCUSDT");
        const int points = 500;
        for (var i = 0; i < points; i++)
        {
            var time = start + ((end - start) * i / (points - 1));
            series.Add(new ProjectionPoint("BTCUSDT", time, 61_700 + (i % 13), 0.02, null, BandNotional.FromCumulative(1, 2, 3, 1, 2, 3), 40_000_000));
        }

        return series;
    }

    /// <summary>The bottom axis's title and its major tick labels as drawn at the report's chart size.</summary>
    private static (string Label, string[] Ticks) RenderTimeAxis(ProjectionSeries series)
    {
        var plot = ReportCharts.NewPlot(series, "title", "y");
        plot.Add.ScatterLine(new[] { plot.Axes.Bottom.Min, plot.Axes.Bottom.Max }, new[] { 0.0, 1.0 });
        plot.GetImage(ReportCharts.Width, ReportCharts.Height).Dispose();
        var ticks = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor && !string.IsNullOrEmpty(t.Label)).Select(t => t.Label).ToArray();
        Assert.NotEmpty(ticks);
        return (plot.Axes.Bottom.Label.Text, ticks);
    }
}
