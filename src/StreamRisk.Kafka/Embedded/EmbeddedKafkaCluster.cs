using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace StreamRisk.Kafka.Embedded;

/// <summary>Settings of an <see cref="EmbeddedKafkaCluster"/>.</summary>
public sealed record EmbeddedKafkaOptions
{
    /// <summary>Number of brokers; ids run from 1 to this number.</summary>
    public int Brokers { get; init; } = 3;

    /// <summary>
    /// group.initial.rebalance.delay.ms of the mock brokers. The mock's default makes a new group's
    /// first join wait 3 s; zero lets tests and the demo start consuming at once.
    /// </summary>
    public TimeSpan InitialRebalanceDelay { get; init; } = TimeSpan.Zero;
}

/// <summary>
/// A real Kafka protocol endpoint in this process: librdkafka's mock cluster, started through its C API.
/// Real clients (Confluent.Kafka, kcat, other processes) connect to <see cref="BootstrapServers"/> over
/// loopback TCP. Used by <c>demo</c> and by the tests. Fault injection methods are thread-safe (librdkafka
/// queues them to the cluster's own thread).
/// </summary>
/// <remarks>
/// Limits of the mock (measured, see docs/testing.md): each partition keeps only
/// 5 MiB / 100,000 message sets; no compaction, no admin CreateTopics, no OffsetsForTimes.
/// </remarks>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    private readonly Lock _gate = new();
    private IntPtr _owner;
    private IntPtr _cluster;

    public EmbeddedKafkaCluster(EmbeddedKafkaOptions? options = null)
    {
        options ??= new EmbeddedKafkaOptions();
        if (options.Brokers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Brokers, "An embedded cluster needs at least one broker.");
        }

        NativeMethods.EnsureResolver();
        BrokerCount = options.Brokers;

        // The cluster needs an rd_kafka_t for book keeping that must outlive it; a bare producer handle
        // with no bootstrap servers never connects anywhere.
        var conf = NativeMethods.ConfNew();
        _ = NativeMethods.ConfSet(conf, "log_level", "3", IntPtr.Zero, UIntPtr.Zero);
        _owner = NativeMethods.KafkaNew(NativeMethods.ProducerType, conf, IntPtr.Zero, UIntPtr.Zero);
        if (_owner == IntPtr.Zero)
        {
            NativeMethods.ConfDestroy(conf);
            throw new InvalidOperationException("librdkafka could not create the handle that owns the embedded cluster.");
        }

        _cluster = NativeMethods.MockClusterNew(_owner, options.Brokers);
        if (_cluster == IntPtr.Zero)
        {
            NativeMethods.KafkaDestroy(_owner);
            _owner = IntPtr.Zero;
            throw new InvalidOperationException("librdkafka could not start the embedded (mock) Kafka cluster.");
        }

        BootstrapServers = Marshal.PtrToStringUTF8(NativeMethods.MockClusterBootstraps(_cluster))
            ?? throw new InvalidOperationException("The embedded cluster reported no bootstrap servers.");
        SetInitialRebalanceDelay(options.InitialRebalanceDelay);
    }

    /// <summary>
    /// The consumer fetch wait to use against this cluster: 1 ms. librdkafka's mock broker holds a fetch with nothing
    /// to return for the whole <c>fetch.wait.max.ms</c> and does not answer early when data arrives (its Fetch handler
    /// says so: "we should cut the wait short … but that is too much of a hassle"), where a Kafka broker answers at
    /// once. With the monitor's 10 ms default every event on a quiet partition waited 0–10 ms in the mock for nothing a
    /// real broker would add: tick-to-alert p99 17.1 ms against 8.1 ms with 1 ms (<c>bench --only latency</c>).
    /// </summary>
    public const int FetchWaitMaxMs = 1;

    /// <summary>Comma-separated host:port list for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; their ids are 1..BrokerCount.</summary>
    public int BrokerCount { get; }

    /// <summary>Creates a topic (the mock does not support the admin CreateTopics API).</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        Check(NativeMethods.MockTopicCreate(Handle(), name, partitions, Math.Min(replicationFactor, BrokerCount)), $"create topic {name}");
    }

    /// <summary>Disconnects the broker and refuses new connections (no leader change).</summary>
    public void SetBrokerDown(int brokerId) => Check(NativeMethods.MockBrokerSetDown(Handle(), ValidBroker(brokerId)), $"take broker {brokerId} down");

    /// <summary>Lets a downed broker accept connections again.</summary>
    public void SetBrokerUp(int brokerId) => Check(NativeMethods.MockBrokerSetUp(Handle(), ValidBroker(brokerId)), $"bring broker {brokerId} up");

    /// <summary>Delays every response of a broker (-1: all brokers) by the given round trip.</summary>
    public void SetRoundTripDelay(int brokerId, TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Check(NativeMethods.MockBrokerSetRtt(Handle(), brokerId == -1 ? -1 : ValidBroker(brokerId), (int)delay.TotalMilliseconds), $"set round trip of broker {brokerId}");
    }

    /// <summary>Moves a partition's leadership to another broker.</summary>
    public void MovePartitionLeader(string topic, int partition, int brokerId) =>
        Check(NativeMethods.MockPartitionSetLeader(Handle(), topic, partition, ValidBroker(brokerId)), $"move leader of {topic}[{partition}]");

    /// <summary>Makes <paramref name="brokerId"/> the coordinator of a consumer group.</summary>
    public void MoveGroupCoordinator(string groupId, int brokerId) =>
        Check(NativeMethods.MockCoordinatorSet(Handle(), "group", groupId, ValidBroker(brokerId)), $"move coordinator of group {groupId}");

    /// <summary>The next requests of the given type fail with these errors, in order, cluster-wide.</summary>
    public void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var codes = new int[errors.Length];
        for (var i = 0; i < errors.Length; i++)
        {
            codes[i] = (int)errors[i];
        }

        NativeMethods.MockPushRequestErrorsArray(Handle(), (short)apiKey, (UIntPtr)codes.Length, codes);
    }

    /// <summary>Drops request errors queued by <see cref="PushRequestErrors"/> and not yet returned.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey) => NativeMethods.MockClearRequestErrors(Handle(), (short)apiKey);

    /// <summary>group.initial.rebalance.delay.ms for groups created from now on.</summary>
    public void SetInitialRebalanceDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        NativeMethods.MockGroupInitialRebalanceDelayMs(Handle(), (int)delay.TotalMilliseconds);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            // The cluster must be destroyed before the handle it was created on.
            if (_cluster != IntPtr.Zero)
            {
                NativeMethods.MockClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_owner != IntPtr.Zero)
            {
                NativeMethods.KafkaDestroy(_owner);
                _owner = IntPtr.Zero;
            }
        }
    }

    private IntPtr Handle()
    {
        var cluster = _cluster;
        ObjectDisposedException.ThrowIf(cluster == IntPtr.Zero, this);
        return cluster;
    }

    private int ValidBroker(int brokerId)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids run from 1 to {BrokerCount}.");
        }

        return brokerId;
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            var text = Marshal.PtrToStringUTF8(NativeMethods.ErrorToString(error)) ?? error.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new InvalidOperationException($"Embedded Kafka could not {what}: {text}");
        }
    }
}
