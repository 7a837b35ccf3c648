using System.Globalization;
using StreamRisk.Contracts.Wire;

namespace StreamRisk.Kafka.Ingest;

/// <summary>
/// What a <see cref="KafkaSource"/> has done so far, written by its consume thread (the engine's thread, the single
/// writer) and read from any other — the monitor's health checks. Only a counter and immutable snapshots cross: a
/// reader never touches a consumer or the engine.
/// </summary>
public sealed class SourceStatus
{
    private long _turns;
    private SourceProgress _progress = new("starting", GroupAssigned: false, [], []);
    private SourceLag? _lag;

    /// <summary>
    /// Turns of the consume loop, and of start-up's waits (for a topic, for a broker): a number that stops moving is a
    /// thread stuck somewhere — in applying an event, or in a client call that never returns.
    /// </summary>
    public long Turns => Volatile.Read(ref _turns);

    /// <summary>Start-up, group assignment, and the partitions still being read from the beginning.</summary>
    public SourceProgress Progress => Volatile.Read(ref _progress);

    /// <summary>Consumer lag over every partition assigned now (about once a second); null until first measured.</summary>
    public SourceLag? Lag => Volatile.Read(ref _lag);

    // Single writer (the consume thread): a plain increment published by a volatile write.
    internal void Turned() => Volatile.Write(ref _turns, _turns + 1);

    internal void Publish(SourceProgress progress) => Volatile.Write(ref _progress, progress);

    internal void Publish(SourceLag lag) => Volatile.Write(ref _lag, lag);
}

/// <summary>An immutable picture of the source's progress.</summary>
/// <param name="Step">What start-up is doing (waiting for a topic, reading the instruments), null once the consume loop runs.</param>
/// <param name="GroupAssigned">Whether the consumer group has given this instance its positions partitions (possibly none);
/// true from the start of the loop for a role that joins no group (the projector stage, an account partition).</param>
/// <param name="Positions">The positions partitions held now.</param>
/// <param name="CatchingUp">Partitions read from the beginning when assigned (every positions partition the group gives,
/// every market partition at start) that have not yet been read up to the high watermark they had then.</param>
public sealed record SourceProgress(string? Step, bool GroupAssigned, IReadOnlyList<int> Positions, IReadOnlyList<PartitionCatchUp> CatchingUp);

/// <summary>A partition still being read up to where it was when assigned.</summary>
/// <param name="Position">The next offset to read; -1 before the first message.</param>
/// <param name="Target">The high watermark when assigned; -1 while the broker has not told it yet.</param>
public readonly record struct PartitionCatchUp(WireTopic Kind, string Topic, int Partition, long Position, long Target)
{
    public override string ToString() => Target < 0
        ? string.Create(CultureInfo.InvariantCulture, $"{Topic}[{Partition}] (high watermark not known yet)")
        : string.Create(CultureInfo.InvariantCulture, $"{Topic}[{Partition}] at offset {Math.Max(Position, 0):N0} of {Target:N0}");
}

/// <summary>Consumer lag at one measure: high watermark − position, summed over the assigned partitions.</summary>
/// <param name="Largest">The partition furthest behind (<c>topic[partition]</c>), null when none is.</param>
public sealed record SourceLag(long Total, string? Largest, long LargestLag);
