using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Redis;

/// <summary>What <see cref="RedisAlertPublisher"/> does when its buffer is full (Redis slow or unreachable).</summary>
public enum BufferOverflow
{
    /// <summary>
    /// The caller waits for room: nothing is lost, but a long Redis outage stalls the engine (and with it Kafka
    /// consumption). The default, because an alert stream with holes is worse than a late one.
    /// </summary>
    Wait,

    /// <summary>
    /// Make room by dropping the oldest buffered info/warning transition or picture; a critical transition is never
    /// dropped, and when only critical ones are buffered the caller waits. Keeps the engine running through an outage.
    /// </summary>
    DropOldestNonCritical,
}

/// <summary>Settings of <see cref="RedisAlertPublisher"/>.</summary>
public sealed record RedisPublisherOptions
{
    /// <summary>Prefix of every key and channel (<see cref="AlertKeys"/>).</summary>
    public string Prefix { get; init; } = AlertKeys.DefaultPrefix;

    /// <summary>
    /// Items (transitions and pictures) held while Redis is slow or down, including the batch being written.
    /// About 1 KiB each; pictures of one symbol replace each other in the buffer, so they do not pile up.
    /// </summary>
    public int BufferCapacity { get; init; } = 10_000;

    public BufferOverflow Overflow { get; init; } = BufferOverflow.Wait;

    /// <summary>First wait after a failed write; doubles per consecutive failure up to <see cref="RetryBackoffMax"/>.</summary>
    public TimeSpan RetryBackoffMin { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryBackoffMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Approximate cap on the stream's length (<c>XADD MAXLEN ~</c>); the dedupe record is trimmed to match.</summary>
    public long StreamMaxLength { get; init; } = 1_000_000;

    /// <summary>How long <see cref="RedisAlertPublisher.DisposeAsync"/> keeps trying to deliver what is buffered.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Receives one line per notable event (outage, recovery, drop). Never given credentials.</summary>
    public Action<string>? Log { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Prefix))
        {
            throw new ArgumentException("Prefix must not be empty.", nameof(Prefix));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BufferCapacity, 1, nameof(BufferCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(StreamMaxLength, 1, nameof(StreamMaxLength));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryBackoffMin, TimeSpan.Zero, nameof(RetryBackoffMin));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBackoffMax, RetryBackoffMin, nameof(RetryBackoffMax));
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainTimeout, TimeSpan.Zero, nameof(DrainTimeout));
    }
}
