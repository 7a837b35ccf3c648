using StreamRisk.Contracts.Wire;

namespace StreamRisk.Engine;

/// <summary>Which part of the monitor a <see cref="RiskEngine"/> runs.</summary>
public enum EngineRole
{
    /// <summary>Both stages joined in memory: the account stage's buckets read directly by the projector.</summary>
    OneProcess,

    /// <summary>The account stage of one positions partition (scale-out): its updates carry their buckets out.</summary>
    AccountPartition,

    /// <summary>The projector stage alone (scale-out): its ladders come from the account partitions' updates.</summary>
    Projector,
}

/// <summary>
/// An engine's layout, fixed when it is built: its role, and for an account partition which one it is and where its
/// ladder updates go (each update is reused: the receiver copies what it keeps before returning).
/// </summary>
public sealed record EngineLayout
{
    private EngineLayout(EngineRole role, int partition, Action<LadderUpdate>? updates)
    {
        Role = role;
        Partition = partition;
        Updates = updates;
    }

    public static EngineLayout OneProcess { get; } = new(EngineRole.OneProcess, 0, null);

    public static EngineLayout Projector { get; } = new(EngineRole.Projector, 0, null);

    public EngineRole Role { get; }

    /// <summary>The positions partition an account partition speaks for; 0 otherwise.</summary>
    public int Partition { get; }

    /// <summary>Where an account partition's updates go; null otherwise.</summary>
    public Action<LadderUpdate>? Updates { get; }

    public static EngineLayout AccountPartition(int partition, Action<LadderUpdate> updates)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentNullException.ThrowIfNull(updates);
        return new EngineLayout(EngineRole.AccountPartition, partition, updates);
    }
}
