namespace StreamRisk.Redis;

/// <summary>Exponential backoff with jitter, so many hooks do not hit a recovering Redis in step.</summary>
/// <param name="Jitter">Drawn from by the one loop that owns the backoff (or thread-safe, as <see cref="Random.Shared"/>).</param>
internal readonly record struct Backoff(TimeSpan Min, TimeSpan Max, Random Jitter)
{
    /// <summary>Wait before retry number <paramref name="failures"/> (1 = after the first failure): between half and all of min·2^(n-1), capped at max.</summary>
    public TimeSpan After(int failures)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ceiling = Math.Min(Max.Ticks, Min.Ticks * Math.Pow(2, exponent));
#pragma warning disable CA5394 // Jitter, not security.
        var jittered = ceiling * (0.5 + (Jitter.NextDouble() * 0.5));
#pragma warning restore CA5394
        return TimeSpan.FromTicks((long)Math.Max(Min.Ticks, jittered));
    }
}
