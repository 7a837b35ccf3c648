namespace StreamRisk.Reporting;

/// <summary>A time bucket of a downsampled series that absorbs the bucket after it when the series coarsens.</summary>
internal interface IMergingBucket<in TBucket>
{
    void Merge(TBucket later);
}

/// <summary>What the downsampled series (projections, system views) share: halving their resolution in place.</summary>
internal static class TimeBuckets
{
    /// <summary>Merges each pair of neighbouring buckets (keys k and k+1 for even k) into key k/2: the width doubles.</summary>
    public static void Halve<TBucket>(SortedDictionary<long, TBucket> buckets)
        where TBucket : IMergingBucket<TBucket>
    {
        var merged = new SortedDictionary<long, TBucket>();
        foreach (var (key, bucket) in buckets)
        {
            if (merged.TryGetValue(key / 2, out var existing))
            {
                existing.Merge(bucket);
            }
            else
            {
                merged.Add(key / 2, bucket);
            }
        }

        buckets.Clear();
        foreach (var (key, bucket) in merged)
        {
            buckets.Add(key, bucket);
        }
    }
}
