namespace StreamRisk.Replay.Klines;

/// <summary>
/// Where a crash sits in a run of 1-minute candles, and which minutes were calm (docs/backtest.md):
/// <list type="bullet">
/// <item>the <b>drop minute</b> is the first whose low is at least <see cref="DropSize"/> under the highest high of the
/// up to <see cref="DropWindow"/> minutes before it (the minute itself not included, so a minute cannot drop from its
/// own high; the first minute of a file has no window and is never the drop);</item>
/// <item>the <b>trough</b> is the minute of the lowest low from the drop minute to the end of the file (the earliest
/// on a tie);</item>
/// <item>a <b>calm minute</b> has a range (high − low)/open under <see cref="CalmRange"/> and lies outside
/// [drop − <see cref="CalmBeforeDrop"/>, trough + <see cref="CalmAfterTrough"/>] (with no drop, every minute of small
/// range is calm).</item>
/// </list>
/// With several instruments the run's drop is the earliest of their drops, its trough that instrument's trough, and a
/// minute is calm when every instrument's range is small.
/// </summary>
public sealed class CrashDay
{
    public const double DropSize = 0.05;
    public const int DropWindow = 60;
    public const double CalmRange = 0.005;
    public const int CalmBeforeDrop = 5;
    public const int CalmAfterTrough = 15;

    private CrashDay(int? drop, int? trough, bool[] calm)
    {
        Drop = drop;
        Trough = trough;
        Calm = calm;
    }

    /// <summary>Index of the drop minute; null when no minute drops <see cref="DropSize"/>.</summary>
    public int? Drop { get; }

    /// <summary>Index of the trough minute; null without a drop.</summary>
    public int? Trough { get; }

    /// <summary>Per minute, whether it is calm.</summary>
    public IReadOnlyList<bool> Calm { get; }

    public int CalmMinutes => Calm.Count(c => c);

    /// <summary>The drop, trough and calm minutes of one instrument's candles.</summary>
    public static CrashDay Of(IReadOnlyList<Kline> klines) => Of([klines]);

    /// <summary>The drop, trough and calm minutes of several instruments' candles of the same minutes.</summary>
    public static CrashDay Of(IReadOnlyList<IReadOnlyList<Kline>> instruments)
    {
        ArgumentNullException.ThrowIfNull(instruments);
        if (instruments.Count == 0)
        {
            throw new ArgumentException("at least one instrument", nameof(instruments));
        }

        var minutes = instruments[0].Count;
        int? drop = null, trough = null;
        foreach (var klines in instruments)
        {
            if (klines.Count != minutes)
            {
                throw new ArgumentException("every instrument must cover the same minutes", nameof(instruments));
            }

            if (DropOf(klines) is { } d && (drop is null || d < drop))
            {
                drop = d;
                trough = TroughOf(klines, d);
            }
        }

        var calm = new bool[minutes];
        for (var i = 0; i < minutes; i++)
        {
            var quiet = true;
            foreach (var klines in instruments)
            {
                quiet &= klines[i].Range < CalmRange;
            }

            calm[i] = quiet && (drop is null || i < drop - CalmBeforeDrop || i > trough + CalmAfterTrough);
        }

        return new CrashDay(drop, trough, calm);
    }

    private static int? DropOf(IReadOnlyList<Kline> klines)
    {
        for (var i = 1; i < klines.Count; i++)
        {
            var high = double.MinValue;
            for (var j = Math.Max(0, i - DropWindow); j < i; j++)
            {
                high = Math.Max(high, klines[j].High);
            }

            if (klines[i].Low <= high * (1 - DropSize))
            {
                return i;
            }
        }

        return null;
    }

    private static int TroughOf(IReadOnlyList<Kline> klines, int drop)
    {
        var trough = drop;
        for (var i = drop + 1; i < klines.Count; i++)
        {
            if (klines[i].Low < klines[trough].Low)
            {
                trough = i;
            }
        }

        return trough;
    }
}
