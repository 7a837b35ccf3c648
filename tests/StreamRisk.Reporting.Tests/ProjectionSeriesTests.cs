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

/// <summary>The system views' series: bounded like a symbol's, keeping the worst readings and the view at the smallest shock.</summary>
public sealed class SystemSeriesTests
{
    [Fact]
    public void Add_ManyMoreViewsThanBuckets_StaysBounded_AndKeepsTheSmallestShockAndLargestLiquidation()
    {
        var series = new SystemSeries();
        const int views = 20_000;
        const int spike = 12_345;
        for (var i = 0; i < views; i++)
        {
            var time = 1_704_067_200_000 + (i * 100L);
            series.Add(View(time, shockDown: i == spike ? 0.004 : i % 3 == 0 ? null : 0.03, shockUp: 0.06, liquidatedDown: i == spike + 1 ? 7e6 : 1e6));
        }

        Assert.Equal(views, series.Count);
        Assert.InRange(series.Buckets.Count, ProjectionSeries.MaxBuckets / 2, ProjectionSeries.MaxBuckets);
        Assert.Equal(0.004, series.Buckets.Min(b => b.ShockDown));
        Assert.Equal(7e6, series.Buckets.Max(b => SystemBucket.At(b.LiquidatedDown, 1)));
        Assert.Equal(new SystemReading(0.004, 1_704_067_200_000 + (spike * 100L)), series.SmallestShockDown);
        Assert.Equal(new SystemReading(7e6, 1_704_067_200_000 + ((spike + 1) * 100L)), series.LargestDown[1]);
        Assert.Equal(new SystemReading(0.06, 1_704_067_200_000), series.SmallestShockUp);
        Assert.Equal(1_704_067_200_000 + (spike * 100L), series.Worst!.EventTime);
        Assert.Equal([-0.05], series.GridMovesDown);
        Assert.Equal(["BTCUSDT", "ETHUSDT"], series.Symbols);
    }

    [Fact]
    public void Add_InstrumentFirstMarkedLater_IsAGapBeforeThen_NotZero()
    {
        var series = new SystemSeries();
        series.Add(View(1_000, 0.02, null, 5, symbols: ["BTCUSDT"]));
        series.Add(View(2_000, 0.02, null, 5));

        Assert.True(double.IsNaN(SystemBucket.At(series.Buckets.First().LiquidatedDown, 1)));
        Assert.Equal(5, SystemBucket.At(series.Buckets.Last().LiquidatedDown, 1));
    }

    private static StreamRisk.Domain.Alerts.SystemView View(long time, double? shockDown, double? shockUp, double liquidatedDown, string[]? symbols = null)
    {
        symbols ??= ["BTCUSDT", "ETHUSDT"];
        StreamRisk.Domain.Alerts.SystemScenario Scenario(double move, double notional) => new(move, move < 0 ? "down" : "up",
            symbols.Select(s => new StreamRisk.Domain.Alerts.SystemInstrumentOutcome(s, move, notional, false)).ToArray(), 0, notional, 0);
        return new StreamRisk.Domain.Alerts.SystemView
        {
            EventTime = time,
            Reference = symbols[0],
            Symbols = symbols,
            Marks = symbols.Select(_ => 1.0).ToArray(),
            Betas = symbols.Select(_ => 1.0).ToArray(),
            InsuranceFund = 0,
            Accounts = 1,
            Grid = [Scenario(-0.02, 1), Scenario(-0.05, liquidatedDown), Scenario(-0.075, 1e12), Scenario(0.05, 2)],
            CriticalShockDown = shockDown,
            CriticalShockUp = shockUp,
            ContagionMove = 0.05,
            Contagion = [],
            CriticalAccounts = [],
        };
    }
}
