using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Redis;

/// <summary>Where a new consumer group starts reading the alert stream.</summary>
public enum HookStart
{
    /// <summary>Only alerts added after the group is created (<c>$</c>): a new circuit breaker does not act on last week's alerts.</summary>
    NewOnly,

    /// <summary>Everything still in the stream (<c>0</c>).</summary>
    Beginning,
}

/// <summary>Settings of <see cref="AlertHookConsumer"/>.</summary>
public sealed record AlertHookOptions
{
    public const string DefaultGroup = "streamrisk-hooks";

    public string Prefix { get; init; } = AlertKeys.DefaultPrefix;

    /// <summary>Consumer group: the consumers of one group share the work, each transition is acted on once per group.</summary>
    public string Group { get; init; } = DefaultGroup;

    /// <summary>This consumer's name in the group. A stable name lets a restarted hook resume its own pending entries at once.</summary>
    public required string Consumer { get; init; }

    /// <summary>Used only when the group does not exist yet.</summary>
    public HookStart StartFrom { get; init; } = HookStart.NewOnly;

    /// <summary>Rules to act on (<see cref="AlertRuleNames"/>); empty = all. Others are acknowledged without action.</summary>
    public IReadOnlySet<string> Rules { get; init; } = new HashSet<string>();

    /// <summary>Severities to act on; empty = all.</summary>
    public IReadOnlySet<AlertSeverity> Severities { get; init; } = new HashSet<AlertSeverity>();

    /// <summary>Symbols to act on; empty = all.</summary>
    public IReadOnlySet<string> Symbols { get; init; } = new HashSet<string>();

    /// <summary>Entries read per XREADGROUP.</summary>
    public int ReadCount { get; init; } = 32;

    /// <summary>Wait between reads when the stream has nothing new (StackExchange.Redis has no blocking XREADGROUP).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Attempts of the action per delivery before the entry is left pending for a later reclaim.</summary>
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan RetryBackoffMin { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryBackoffMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An entry pending this long (its consumer died, or gave up on it) is claimed with XAUTOCLAIM and acted on here.
    /// Must exceed the longest single attempt of the action: the owner renews its claim before each attempt, not during one.
    /// </summary>
    public TimeSpan ReclaimIdleTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often to look for idle pending entries.</summary>
    public TimeSpan ReclaimInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Transition ids kept in the group's done record; older ones are trimmed (match the stream's max length).</summary>
    public long DoneMaxLength { get; init; } = 1_000_000;

    /// <summary>Receives one line per notable event (failed attempt, give-up, reclaim, outage). Never given credentials.</summary>
    public Action<string>? Log { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Prefix) || string.IsNullOrEmpty(Group) || string.IsNullOrEmpty(Consumer))
        {
            throw new ArgumentException("Prefix, Group and Consumer must not be empty.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ReadCount, 1, nameof(ReadCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(DoneMaxLength, 1, nameof(DoneMaxLength));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryBackoffMin, TimeSpan.Zero, nameof(RetryBackoffMin));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBackoffMax, RetryBackoffMin, nameof(RetryBackoffMax));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReclaimIdleTime, TimeSpan.Zero, nameof(ReclaimIdleTime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReclaimInterval, TimeSpan.Zero, nameof(ReclaimInterval));
    }
}
