using StreamRisk.Reporting;

namespace StreamRisk.Reporting.Tests;

/// <summary>The downsampling that keeps a day-long file to a bounded number of chart points.</summary>
public sealed class ProjectionSeriesTests
{
    [Fact]
    public void Add_ManyMorePointsThanBuckets_StaysBounded_AndKeepsTheWorstReadings()
    {
        var series = new ProjectionSeries("X");
        const int points = 200_000;
        for (var i = 0; i < points; i++)
        {
            var spike = i == 123_457;
            series.Add(new ProjectionPoint("X", 1_700_000_000_000 + (i * 100L), 100 + (i % 7), spike ? 0.001 : 0.05, null,
                BandNotional.FromCumulative(1, spike ? 9_999 : 2, 3, 1, 2, 3), spike ? 5 : 1_000));
        }

        Assert.Equal(points, series.Count);
        Assert.InRange(series.Buckets.Count, ProjectionSeries.MaxBuckets / 2, ProjectionSeries.MaxBuckets);
        Assert.Equal(0.001, series.Buckets.Min(b => b.ShockDown));
        Assert.True(series.Buckets.All(b => double.IsNaN(b.ShockUp)));
        Assert.Equal(9_998, series.Buckets.Max(b => b.Bands.Down12));
        Assert.Equal(5, series.Buckets.Min(b => b.DepthLow));
        Assert.Equal(1_700_000_000_000 + ((points - 1) * 100L), series.Buckets.Last().LastTime);
        Assert.Equal(100 + ((points - 1) % 7), series.Buckets.Last().MarkClose);
    }

    [Fact]
    public void BandsFromCumulative_AreRings_NeverNegative()
    {
        // up5 below up2 is rounding noise in the file: the 2-5% ring is then empty, not negative.
        var bands = BandNotional.FromCumulative(10, 25, 25, 0, 5, 4);

        Assert.Equal(new[] { 0.0, 5, 0, 10, 15, 0 }, bands.TopToBottom());
    }
}

/// <summary>The typeface the charts' text is drawn in.</summary>
public sealed class ReportFontsTests
{
    [Fact]
    public void Resolve_FindsAFont_BecauseTheChartsHaveNoTextWithoutOne()
    {
        // test.sh installs fonts-dejavu-core: without a font Skia draws labels as nothing and the charts lose their axes.
        Assert.NotNull(ReportFonts.Resolve());
    }
}
