namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Limits the decoder enforces before anything reaches the engine. A message over a limit is refused with a reason
/// (<c>too-large</c>, <c>too-deep</c>, <c>too-many:bids</c>, <c>too-long:account</c>) instead of costing memory or stack.
/// </summary>
public sealed record WireDecoderOptions
{
    /// <summary>The nesting a valid message needs: message object → bids array → level array (or positions/tiers entries).</summary>
    public const int MinimumDepth = 3;

    /// <summary>Largest message in bytes; 1 MiB by default (the Kafka default <c>message.max.bytes</c> is about that).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>Deepest nesting of objects and arrays, counting the message object as 1; at least <see cref="MinimumDepth"/>.</summary>
    public int MaxDepth { get; init; } = 16;

    /// <summary>Most levels per side in one book message (venues' full snapshots are at most a few thousand).</summary>
    public int MaxLevelsPerSide { get; init; } = 10_000;

    /// <summary>Most positions in one account snapshot (one per instrument in one-way mode).</summary>
    public int MaxPositions { get; init; } = 1_000;

    /// <summary>Most maintenance tiers of one instrument (venues use at most ~15).</summary>
    public int MaxTiers { get; init; } = 64;

    /// <summary>Longest symbol in bytes (venues' longest contract names are under 20).</summary>
    public int MaxSymbolBytes { get; init; } = 32;

    /// <summary>Longest account id in UTF-8 bytes.</summary>
    public int MaxAccountBytes { get; init; } = 128;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxMessageBytes, nameof(MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDepth, MinimumDepth, nameof(MaxDepth));

        // The reader is given MaxDepth + 1 so that this decoder, not the reader, sees the first level too deep.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxDepth, 1000, nameof(MaxDepth));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxLevelsPerSide, nameof(MaxLevelsPerSide));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxPositions, nameof(MaxPositions));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxTiers, nameof(MaxTiers));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxSymbolBytes, nameof(MaxSymbolBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxAccountBytes, nameof(MaxAccountBytes));
    }
}
