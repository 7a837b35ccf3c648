using StreamRisk.Domain.Portfolio;

namespace StreamRisk.Domain.Tests.Portfolio;

public sealed class BetaEstimatorTests
{
    private const long Minute = BetaEstimator.IntervalMs;

    // 2025-10-10 00:00 UTC, a whole minute.
    private const long Start = 1_760_054_400_000;

    private const int Ref = 0;

    [Fact]
    public void Beta_SeriesWithKnownBeta_RecoveredWithinTolerance()
    {
        var random = new Random(7);
        var estimator = new BetaEstimator(Ref, 4);
        double pRef = 60_000, pHigh = 3_000, pNeg = 150, pFree = 10;
        // One mark per instrument per minute, 20 s into it; 300 minutes fill the 240-return window.
        for (var m = 0; m < 300; m++)
        {
            var r = Normal(random) * 1e-3;
            pRef *= Math.Exp(r);
            pHigh *= Math.Exp((1.5 * r) + (Normal(random) * 2e-4));
            pNeg *= Math.Exp((-0.5 * r) + (Normal(random) * 2e-4));
            pFree *= Math.Exp(Normal(random) * 1e-3);
            var t = Start + (m * Minute) + 20_000;
            Assert.True(estimator.OnMark(0, t, pRef));
            Assert.True(estimator.OnMark(1, t, pHigh));
            Assert.True(estimator.OnMark(2, t, pNeg));
            Assert.True(estimator.OnMark(3, t, pFree));
        }

        Assert.Equal(240, estimator.Observations(1));
        Assert.Equal(1.5, estimator.Beta(1), 0.05);
        Assert.Equal(-0.5, estimator.Beta(2), 0.05);
        Assert.Equal(0.0, estimator.Beta(3), 0.2);
        Assert.Equal(BetaSource.Estimated, estimator.Source(1));
        Assert.Equal(1.0, estimator.Beta(Ref));
        Assert.Equal(BetaSource.Reference, estimator.Source(Ref));
    }

    [Theory]
    [InlineData(1, 240, 30)]
    [InlineData(2, 20, 5)]
    [InlineData(3, 7, 7)]
    [InlineData(4, 2, 2)]
    public void Beta_GeneratedMarks_EqualsOlsRecomputedOverTheWindow(int seed, int window, int minObservations)
    {
        var random = new Random(seed);
        const int instruments = 4;
        var estimator = new BetaEstimator(Ref, instruments, window, minObservations);
        var marks = new List<(int Instrument, long Time, double Price)>();
        var prices = new[] { 60_000.0, 3_000.0, 150.0, 1.0 };
        var betas = new[] { 1.0, 1.4, 0.7, -0.3 };
        var noise = new double[instruments];
        var factor = 0.0;
        var t = Start - 17_000;
        var checks = 0;
        for (var step = 0; step < 6_000; step++)
        {
            // Mostly seconds apart, sometimes a quiet stretch of minutes, rarely a gap longer than the window. Marks are
            // asynchronous (an instrument's last mark can be a minute old at a boundary), so the estimate is biased towards
            // 0 here; this test is about the arithmetic, the known-β test about the statistics.
            var u = random.NextDouble();
            t += u < 0.002 ? (window + 3 + random.Next(50)) * Minute : u < 0.05 ? random.Next(1, 5) * Minute : random.Next(0, 20_000);
            // Some marks fall exactly on a boundary (they belong to it).
            t = u > 0.97 ? CeilMinutes(t) * Minute : t;
            var r = Normal(random) * 1e-3;
            var instrument = random.Next(instruments);
            // Instrument 3 joins late: its first mark comes a third of the way in.
            if (instrument == 3 && step < 2_000)
            {
                continue;
            }

            // A common factor moves every step; an instrument's mark shows its β times the factor plus its own noise.
            factor += r;
            noise[instrument] += instrument == Ref ? 0 : Normal(random) * 3e-4;
            var price = prices[instrument] * Math.Exp((betas[instrument] * factor) + noise[instrument]);
            Assert.True(estimator.OnMark(instrument, t, price));
            marks.Add((instrument, t, price));

            if (step % 97 == 0 || step == 5_999)
            {
                checks++;
                for (var i = 0; i < instruments; i++)
                {
                    var (expected, observations) = ReferenceBeta(marks, i, window, minObservations);
                    Assert.Equal(observations, estimator.Observations(i));
                    Assert.True(Math.Abs(expected - estimator.Beta(i)) <= 1e-9,
                        $"instrument {i} after {marks.Count} marks: reference {expected:R}, incremental {estimator.Beta(i):R}");
                }
            }
        }

        Assert.True(checks > 50);
        Assert.Equal(window, estimator.Observations(1));

    }

    [Fact]
    public void Beta_FewerThanMinObservations_One_ThenTheEstimate()
    {
        var estimator = new BetaEstimator(Ref, 2, window: 50, minObservations: 10);
        var random = new Random(3);
        double pRef = 100, p = 100;
        estimator.OnMark(0, Start, pRef);
        estimator.OnMark(1, Start, p);
        for (var m = 1; m <= 10; m++)
        {
            var r = Normal(random) * 1e-3;
            pRef *= Math.Exp(r);
            p *= Math.Exp(2 * r);
            estimator.OnMark(0, Start + (m * Minute), pRef);
            estimator.OnMark(1, Start + (m * Minute), p);
            // The boundary at minute m is sampled only once a later mark arrives: m − 1 returns so far.
            Assert.Equal(m - 1, estimator.Observations(1));
            Assert.Equal(1.0, estimator.Beta(1));
            Assert.Equal(BetaSource.Default, estimator.Source(1));
        }

        estimator.OnMark(0, Start + (11 * Minute), pRef);

        Assert.Equal(10, estimator.Observations(1));
        Assert.Equal(2.0, estimator.Beta(1), 1e-9);
        Assert.Equal(BetaSource.Estimated, estimator.Source(1));
    }

    [Fact]
    public void Beta_ReferenceNeverMoves_One()
    {
        var estimator = new BetaEstimator(Ref, 2, window: 10, minObservations: 3);
        for (var m = 0; m < 30; m++)
        {
            estimator.OnMark(0, Start + (m * Minute), 100);
            estimator.OnMark(1, Start + (m * Minute), 100 + m);
        }

        Assert.Equal(10, estimator.Observations(1));
        Assert.Equal(1.0, estimator.Beta(1));
        Assert.Equal(BetaSource.Default, estimator.Source(1));
    }

    [Fact]
    public void Beta_QuietLongerThanTheWindow_WindowHoldsZeros_BetaOne()
    {
        var estimator = new BetaEstimator(Ref, 2, window: 20, minObservations: 5);
        var random = new Random(11);
        double pRef = 100, p = 100;
        var m = 0;
        for (; m < 40; m++)
        {
            var r = Normal(random) * 1e-3;
            pRef *= Math.Exp(r);
            p *= Math.Exp(3 * r);
            estimator.OnMark(0, Start + (m * Minute), pRef);
            estimator.OnMark(1, Start + (m * Minute), p);
        }

        Assert.Equal(3.0, estimator.Beta(1), 1e-9);

        // Ten thousand quiet minutes: the window is all zero returns.
        estimator.OnMark(0, Start + ((m + 10_000) * Minute), pRef);

        Assert.Equal(20, estimator.Observations(1));
        Assert.Equal(1.0, estimator.Beta(1));
    }

    [Fact]
    public void Beta_Override_WinsOverTheEstimate_UntilCleared()
    {
        var estimator = new BetaEstimator(Ref, 3, window: 20, minObservations: 5);
        var random = new Random(5);
        double pRef = 100, p = 100;
        estimator.SetOverride(2, 0.8);
        for (var m = 0; m < 30; m++)
        {
            var r = Normal(random) * 1e-3;
            pRef *= Math.Exp(r);
            p *= Math.Exp(2 * r);
            estimator.OnMark(0, Start + (m * Minute), pRef);
            estimator.OnMark(1, Start + (m * Minute), p);
        }

        estimator.SetOverride(1, 1.25);

        Assert.Equal(1.25, estimator.Beta(1));
        Assert.Equal(BetaSource.Override, estimator.Source(1));
        Assert.Equal(0.8, estimator.Beta(2));

        estimator.ClearOverride(1);

        Assert.Equal(2.0, estimator.Beta(1), 1e-9);
        Assert.Throws<ArgumentException>(() => estimator.SetOverride(Ref, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.SetOverride(1, double.NaN));
    }

    [Fact]
    public void OnMark_OutOfOrderOrSampledMinute_Ignored_SameTimeReplaces()
    {
        var estimator = new BetaEstimator(Ref, 2, window: 10, minObservations: 2);
        Assert.True(estimator.OnMark(0, Start + 30_000, 100));
        Assert.True(estimator.OnMark(1, Start + 30_000, 50));
        // Older than the instrument's last mark: ignored.
        Assert.False(estimator.OnMark(1, Start + 29_999, 1));
        // Same time: replaces the last mark.
        Assert.True(estimator.OnMark(1, Start + 30_000, 40));
        // Opens the next minute: the boundary at Start + 60 s is sampled with 100 and 40.
        Assert.True(estimator.OnMark(0, Start + 60_001, 110));
        // Newer than instrument 1's last mark, but inside a sampled minute: ignored.
        Assert.False(estimator.OnMark(1, Start + 59_000, 1_000));
        Assert.False(estimator.OnMark(1, Start + 60_000, 1_000));
        // Not a price.
        Assert.False(estimator.OnMark(1, Start + 70_000, 0));
        Assert.False(estimator.OnMark(1, Start + 70_000, double.NaN));
        Assert.False(estimator.OnMark(1, Start + 70_000, double.PositiveInfinity));
        Assert.True(estimator.OnMark(1, Start + 70_000, 48));
        Assert.True(estimator.OnMark(0, Start + 120_001, 99));
        Assert.True(estimator.OnMark(1, Start + 120_001, 58.08));
        Assert.True(estimator.OnMark(0, Start + 180_001, 99));

        // Samples: ref 100, 110, 99 and instrument 40, 48, 58.08 at the three boundaries: two pairs, OLS through them.
        Assert.Equal(2, estimator.Observations(1));
        var expected = (Math.Log(1.21) - Math.Log(1.2)) / (Math.Log(0.9) - Math.Log(1.1));
        Assert.Equal(expected, estimator.Beta(1), 1e-12);
    }

    [Fact]
    public void GrowTo_NewInstrument_StartsWithoutMarks_AndIsEstimatedFromItsFirstMinute()
    {
        var estimator = new BetaEstimator(Ref, 1, window: 20, minObservations: 5);
        var random = new Random(9);
        double pRef = 100, p = 100;
        for (var m = 0; m < 10; m++)
        {
            pRef *= Math.Exp(Normal(random) * 1e-3);
            estimator.OnMark(0, Start + (m * Minute), pRef);
        }

        estimator.GrowTo(2);
        Assert.Equal(2, estimator.InstrumentCount);
        Assert.Equal(0, estimator.Observations(1));
        for (var m = 10; m < 40; m++)
        {
            var r = Normal(random) * 1e-3;
            pRef *= Math.Exp(r);
            p *= Math.Exp(-2 * r);
            estimator.OnMark(0, Start + (m * Minute), pRef);
            estimator.OnMark(1, Start + (m * Minute), p);
        }

        Assert.Equal(20, estimator.Observations(1));
        Assert.Equal(-2.0, estimator.Beta(1), 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Beta(2));
    }

    [Fact]
    public void OnMark_SteadyState_AllocatesNothing()
    {
        var estimator = new BetaEstimator(Ref, 8);
        var random = new Random(13);
        var t = Start;
        for (var k = 0; k < 100_000; k++)
        {
            t += 7_000;
            estimator.OnMark(k % 8, t, 100 * Math.Exp(Normal(random) * 1e-3));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 100_000; k++)
        {
            t += 7_000;
            estimator.OnMark(k % 8, t, 100 * Math.Exp(Normal(random) * 1e-3));
            _ = estimator.Beta(k % 8);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// The estimator's definition written out plainly: sample every boundary from the marks, form returns, pair them
    /// with the reference, take the last <paramref name="window"/> pairs and fit OLS in two passes.
    /// </summary>
    private static (double Beta, int Observations) ReferenceBeta(List<(int Instrument, long Time, double Price)> marks, int instrument, int window, int minObservations)
    {
        // Boundaries are sampled once a later mark has arrived: those strictly before the last mark's own boundary.
        var first = CeilMinutes(marks[0].Time);
        var open = CeilMinutes(marks[^1].Time);
        var pairs = new List<(double X, double Y)>();
        double lastRef = double.NaN, lastI = double.NaN, prevRef = double.NaN, prevI = double.NaN;
        var next = 0;
        for (var b = first; b < open; b++)
        {
            // The sample at b is the last mark at or before b.
            for (; next < marks.Count && marks[next].Time <= b * Minute; next++)
            {
                if (marks[next].Instrument == Ref)
                {
                    lastRef = marks[next].Price;
                }

                if (marks[next].Instrument == instrument)
                {
                    lastI = marks[next].Price;
                }
            }

            if (!double.IsNaN(prevRef) && !double.IsNaN(prevI))
            {
                pairs.Add((Math.Log(lastRef / prevRef), Math.Log(lastI / prevI)));
            }

            prevRef = lastRef;
            prevI = lastI;
        }

        var windowed = pairs.Skip(Math.Max(0, pairs.Count - window)).ToList();
        var n = windowed.Count;
        if (instrument == Ref)
        {
            return (1.0, n);
        }

        if (n < minObservations)
        {
            return (1.0, n);
        }

        double meanX = 0, meanY = 0;
        foreach (var (x, y) in windowed)
        {
            meanX += x;
            meanY += y;
        }

        meanX /= n;
        meanY /= n;
        double sxx = 0, sxy = 0, squares = 0;
        foreach (var (x, y) in windowed)
        {
            sxx += (x - meanX) * (x - meanX);
            sxy += (x - meanX) * (y - meanY);
            squares += x * x;
        }

        return sxx > 1e-12 * squares ? (sxy / sxx, n) : (1.0, n);
    }

    private static long CeilMinutes(long time) => (time + Minute - 1) / Minute;

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
