namespace StreamRisk.Reporting;

/// <summary>One line of <c>projections.ndjson</c>, with the cumulative liquidatable figures already split into bands.</summary>
internal readonly record struct ProjectionPoint(
    string Symbol,
    long EventTime,
    double Mark,
    double? CriticalShockDown,
    double? CriticalShockUp,
    BandNotional Bands,
    double Depth1);

/// <summary>
/// Liquidatable notional per price band around the mark. The file holds cumulative figures (within 1%, 2%, 5%); the
/// heatmap wants what sits in each ring, so 1–2% is <c>down2 - down1</c> and so on. Floating-point noise could make a
/// ring a hair negative; it is clamped to zero because a negative notional means nothing to a reader.
/// </summary>
internal readonly record struct BandNotional(double Down01, double Down12, double Down25, double Up01, double Up12, double Up25)
{
    public static BandNotional FromCumulative(double down1, double down2, double down5, double up1, double up2, double up5) =>
        new(Math.Max(0, down1), Math.Max(0, down2 - down1), Math.Max(0, down5 - down2),
            Math.Max(0, up1), Math.Max(0, up2 - up1), Math.Max(0, up5 - up2));

    public static BandNotional Max(BandNotional a, BandNotional b) =>
        new(Math.Max(a.Down01, b.Down01), Math.Max(a.Down12, b.Down12), Math.Max(a.Down25, b.Down25),
            Math.Max(a.Up01, b.Up01), Math.Max(a.Up12, b.Up12), Math.Max(a.Up25, b.Up25));

    /// <summary>Heatmap rows, top to bottom as on a price axis: far above the mark first, far below last.</summary>
    public double[] TopToBottom() => [Up25, Up12, Up01, Down01, Down12, Down25];
}

/// <summary>
/// What a time bucket of projections shows: the close, range and the worst reading of each risk figure. "Worst" is
/// chosen per figure on purpose (smallest critical shock, largest liquidatable ring, thinnest book) so that
/// downsampling a day into a few thousand points never hides the spike an analyst is looking for.
/// </summary>
internal sealed class Bucket : IMergingBucket<Bucket>
{
    public long FirstTime { get; private set; }

    public long LastTime { get; private set; }

    public double MarkClose { get; private set; }

    public double MarkLow { get; private set; }

    public double MarkHigh { get; private set; }

    /// <summary>NaN when no projection in the bucket had a critical shock (no cascade within the projected range).</summary>
    public double ShockDown { get; private set; } = double.NaN;

    public double ShockUp { get; private set; } = double.NaN;

    public BandNotional Bands { get; private set; }

    public double DepthLow { get; private set; }

    public static Bucket Of(in ProjectionPoint point) => new()
    {
        FirstTime = point.EventTime,
        LastTime = point.EventTime,
        MarkClose = point.Mark,
        MarkLow = point.Mark,
        MarkHigh = point.Mark,
        ShockDown = point.CriticalShockDown ?? double.NaN,
        ShockUp = point.CriticalShockUp ?? double.NaN,
        Bands = point.Bands,
        DepthLow = point.Depth1,
    };

    /// <summary>Folds <paramref name="later"/> (a point or bucket at or after this one) into this bucket.</summary>
    public void Merge(Bucket later)
    {
        FirstTime = Math.Min(FirstTime, later.FirstTime);
        if (later.LastTime >= LastTime)
        {
            LastTime = later.LastTime;
            MarkClose = later.MarkClose;
        }

        MarkLow = Math.Min(MarkLow, later.MarkLow);
        MarkHigh = Math.Max(MarkHigh, later.MarkHigh);
        ShockDown = MinIgnoringNaN(ShockDown, later.ShockDown);
        ShockUp = MinIgnoringNaN(ShockUp, later.ShockUp);
        Bands = BandNotional.Max(Bands, later.Bands);
        DepthLow = Math.Min(DepthLow, later.DepthLow);
    }

    private static double MinIgnoringNaN(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Min(a, b);
}

/// <summary>
/// One symbol's projections, downsampled while streaming: buckets are aligned on multiples of a width in unix ms, and
/// when there are more than <see cref="MaxBuckets"/> of them the width doubles and neighbours merge pairwise. One pass,
/// memory bounded by <see cref="MaxBuckets"/> whatever the file size, and no need to know the time range up front.
/// </summary>
internal sealed class ProjectionSeries(string symbol)
{
    /// <summary>Enough for a sharp 1000-pixel-wide chart; a full day at 100 ms projections is ~860,000 lines.</summary>
    public const int MaxBuckets = 2000;

    private readonly SortedDictionary<long, Bucket> _buckets = [];
    private long _width = 100;

    public string Symbol { get; } = symbol;

    public long Count { get; private set; }

    public long WidthMs => _width;

    public IReadOnlyCollection<Bucket> Buckets => _buckets.Values;

    public void Add(in ProjectionPoint point)
    {
        Count++;
        var key = Math.Max(0, point.EventTime) / _width;
        var bucket = Bucket.Of(point);
        if (_buckets.TryGetValue(key, out var existing))
        {
            existing.Merge(bucket);
        }
        else
        {
            _buckets.Add(key, bucket);
        }

        while (_buckets.Count > MaxBuckets)
        {
            Coarsen();
        }
    }

    /// <summary>The mark at the bucket nearest to <paramref name="eventTime"/>, for placing alerts that carry no mark.</summary>
    public double? MarkNear(long eventTime)
    {
        Bucket? best = null;
        foreach (var bucket in _buckets.Values)
        {
            if (best is null || Math.Abs(bucket.LastTime - eventTime) < Math.Abs(best.LastTime - eventTime))
            {
                best = bucket;
            }
        }

        return best?.MarkClose;
    }

    private void Coarsen()
    {
        _width *= 2;
        TimeBuckets.Halve(_buckets);
    }
}
