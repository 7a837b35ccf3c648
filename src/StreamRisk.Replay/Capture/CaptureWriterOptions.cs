namespace StreamRisk.Replay.Capture;

/// <summary>How a <see cref="CaptureWriter"/> groups records into gzip members and restores event-time order.</summary>
public sealed record CaptureWriterOptions
{
    /// <summary>
    /// A member is completed (and becomes visible to readers) once it holds this many records. Larger members
    /// compress better; smaller ones reach a reader sooner.
    /// </summary>
    public int MaxRecordsPerMember { get; init; } = 4096;

    /// <summary>A member with at least one record is completed once it is this old (processing time), so a quiet feed still reaches readers.</summary>
    public TimeSpan MaxMemberAge { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Records are held until event time has moved this far past them, then written in event-time order: messages
    /// from different partitions interleave out of order by up to about this much. Zero writes in arrival order
    /// except that equal-or-later records are never held.
    /// </summary>
    public TimeSpan ReorderWindow { get; init; } = TimeSpan.FromSeconds(2);

    public System.IO.Compression.CompressionLevel Compression { get; init; } = System.IO.Compression.CompressionLevel.Fastest;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordsPerMember, 1, nameof(MaxRecordsPerMember));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxMemberAge, TimeSpan.Zero, nameof(MaxMemberAge));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReorderWindow, TimeSpan.Zero, nameof(ReorderWindow));
    }
}
