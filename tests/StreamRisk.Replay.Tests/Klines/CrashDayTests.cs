using StreamRisk.Replay.Klines;

namespace StreamRisk.Replay.Tests.Klines;

/// <summary>
/// The drop, trough and calm minutes of small generated candle series, each answer worked out by hand in the comments.
/// A calm candle at p is open = close = p, high p + 0.2, low p − 0.1: a range of 0.3/p, under 0.5 % for p ≥ 60.
/// </summary>
public sealed class CrashDayTests
{
    [Fact]
    public void Of_CrashSeries_DropTroughAndCalmMinutesAsWorkedOut()
    {
        var klines = CrashSeries();

        var day = CrashDay.Of(klines);

        // Minute 20 falls to 96.2, 4.75 % under the hour's high of 101 (minute 10); minute 21 to 95.9, 5.05 % under it.
        Assert.Equal(21, day.Drop);

        // Lows after the drop: 95 (22), 93 (25), 93 again (30): the earliest lowest is minute 25.
        Assert.Equal(25, day.Trough);

        // Outside [21 − 5, 25 + 15] = [16, 40]: minutes 0-15 but 10 (range 1.1 %) are calm, and 41-49: 15 + 9.
        Assert.Equal(24, day.CalmMinutes);
        Assert.True(day.Calm[15]);
        Assert.False(day.Calm[16]);
        Assert.False(day.Calm[40]);
        Assert.True(day.Calm[41]);
    }

    [Fact]
    public void Of_MinuteFallingFromItsOwnHigh_NotTheDrop()
    {
        var klines = Calm(10, 100);

        // Minute 1's low of 100.6 is 5.1 % under its own high of 106 but only 0.1 % under the 100.2 before it.
        klines[1] = Candle(1, 100, 106, 100.6, 101);

        // Minute 2's low of 100.8 is 4.9 % under 106; minute 3's 100.6 is 5.1 % under it.
        klines[2] = Candle(2, 101, 101, 100.8, 101);
        klines[3] = Candle(3, 101, 101, 100.6, 101);

        Assert.Equal(3, CrashDay.Of(klines).Drop);
    }

    [Theory]
    [InlineData(60, 60)] // minute 0's high of 104 is in minute 60's window (minutes 0-59): 98.7 ≤ 0.95 × 104 = 98.8
    [InlineData(61, null)] // minute 61's window is minutes 1-60, highest 100.2: 98.7 is only 1.5 % under it
    public void Of_HighAnHourBefore_CountsOnlyInsideTheSixtyMinuteWindow(int fallAt, int? drop)
    {
        var klines = Calm(70, 100);
        klines[0] = Candle(0, 100, 104, 99.9, 100);
        klines[fallAt] = Candle(fallAt, 100, 100, 98.7, 99);

        var day = CrashDay.Of(klines);

        Assert.Equal(drop, day.Drop);
        Assert.Equal(drop, day.Trough);
    }

    [Fact]
    public void Of_NoDrop_EveryMinuteOfSmallRangeCalm()
    {
        var klines = Calm(30, 100);
        klines[7] = Candle(7, 100, 100.6, 99.9, 100); // range 0.7 %

        var day = CrashDay.Of(klines);

        Assert.Null(day.Drop);
        Assert.Null(day.Trough);
        Assert.Equal(29, day.CalmMinutes);
    }

    [Fact]
    public void Of_TwoInstruments_EarliestDropAndCalmOnlyWhereBothAre()
    {
        var first = CrashSeries();
        var second = Calm(50, 100);

        // The second falls 6 % at minute 12 (low 94.2 under its hour's high of 100.2) and lies lowest at minute 13.
        second[12] = Candle(12, 100, 100.1, 94.2, 95);
        second[13] = Candle(13, 95, 95.1, 94, 95);
        second[2] = Candle(2, 100, 101, 99.9, 100); // range 1.1 %

        var day = CrashDay.Of([first, second]);

        // Drop 12, trough 13: calm only outside [7, 28]; minutes 0-6 but 2 in both, and 29-49 in the first (26-29
        // and 31-49 are calm, 30 is not) where the second is calm too: 6 + 20.
        Assert.Equal(12, day.Drop);
        Assert.Equal(13, day.Trough);
        Assert.Equal(26, day.CalmMinutes);
    }

    [Fact]
    public void MarkAt_FallingCandle_UpFirstThenDown()
    {
        var candle = Candle(0, 100, 110, 90, 95);

        Assert.Equal(100, KlineMarketSource.MarkAt(candle, 0));
        Assert.Equal(105, KlineMarketSource.MarkAt(candle, 2));
        Assert.Equal(110, KlineMarketSource.MarkAt(candle, 4));
        Assert.Equal(90, KlineMarketSource.MarkAt(candle, 8));
        Assert.Equal(95, KlineMarketSource.MarkAt(candle, KlineMarketSource.MarksPerMinute - 1));
    }

    [Fact]
    public void MarkAt_RisingCandle_DownFirstThenUp()
    {
        var candle = Candle(0, 100, 110, 90, 105);

        Assert.Equal(90, KlineMarketSource.MarkAt(candle, 4));
        Assert.Equal(100, KlineMarketSource.MarkAt(candle, 6));
        Assert.Equal(110, KlineMarketSource.MarkAt(candle, 8));
        Assert.Equal(105, KlineMarketSource.MarkAt(candle, KlineMarketSource.MarksPerMinute - 1));
    }

    /// <summary>50 minutes: calm at 100 with a 1.1 % minute at 10, the fall at 20-22, a low of 93 at 25 and 30, calm at 94 after.</summary>
    private static Kline[] CrashSeries()
    {
        var klines = Calm(50, 100);
        klines[10] = Candle(10, 100, 101, 99.9, 100.5);
        klines[20] = Candle(20, 100, 100.1, 96.2, 97);
        klines[21] = Candle(21, 97, 97.2, 95.9, 96);
        klines[22] = Candle(22, 96, 96.1, 95, 95.5);
        klines[23] = CalmAt(23, 95.5);
        klines[24] = CalmAt(24, 95.5);
        klines[25] = Candle(25, 95.5, 95.6, 93, 94);
        for (var i = 26; i < 50; i++)
        {
            klines[i] = CalmAt(i, 94);
        }

        klines[30] = Candle(30, 94, 94.1, 93, 94);
        return klines;
    }

    private static Kline[] Calm(int minutes, double price)
    {
        var klines = new Kline[minutes];
        for (var i = 0; i < minutes; i++)
        {
            klines[i] = CalmAt(i, price);
        }

        return klines;
    }

    private static Kline CalmAt(int minute, double price) => Candle(minute, price, price + 0.2, price - 0.1, price);

    private static Kline Candle(int minute, double open, double high, double low, double close) =>
        new(1_700_000_000_000L - (1_700_000_000_000L % 60_000) + (minute * 60_000L), open, high, low, close, 10, 1_000);
}
