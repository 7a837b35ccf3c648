using System.Buffers.Binary;
using Confluent.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Testing;

namespace StreamRisk.Kafka.Tests;

public sealed class EmbeddedKafkaClusterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public void Start_ThreeBrokers_ReportsOneBootstrapAddressPerBroker()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 3 });

        var addresses = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, cluster.BrokerCount);
        Assert.Equal(3, addresses.Length);
        Assert.All(addresses, a => Assert.Matches(@"^(127\.0\.0\.1|localhost):\d+$", a));
    }

    [Fact]
    public void CreateTopic_TwelvePartitions_MetadataShowsThemWithLeaders()
    {
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic("meta-topic", 12);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var topic = admin.GetMetadata("meta-topic", TimeSpan.FromSeconds(10)).Topics.Single();

        Assert.Equal(ErrorCode.NoError, topic.Error.Code);
        Assert.Equal(12, topic.Partitions.Count);
        Assert.All(topic.Partitions, p => Assert.InRange(p.Leader, 1, 3));
    }

    [Fact]
    public void ConsumerGroup_HundredThousandKeyedMessages_ResumeFromCommittedOffsetsLosesAndDuplicatesNothing()
    {
        const int total = 100_000;
        const int firstMemberTakes = 60_000;
        const string topic = "resume-topic";
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic(topic, 12);
        ProduceSequence(cluster.BootstrapServers, topic, 0, total);

        var seen = new int[total];
        var firstCount = 0;
        var config = KafkaTestClients.Consumer(cluster.BootstrapServers, "resume-group");
        using (var first = new ConsumerBuilder<string, byte[]>(config).Build())
        {
            first.Subscribe(topic);
            var next = new Dictionary<TopicPartition, TopicPartitionOffset>();
            var deadline = DateTime.UtcNow + Deadline;
            while (firstCount < firstMemberTakes && DateTime.UtcNow < deadline)
            {
                var result = first.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }

                seen[ValueOf(result)]++;
                firstCount++;
                next[result.TopicPartition] = new TopicPartitionOffset(result.TopicPartition, result.Offset + 1);
            }

            // Commit exactly what this member processed, then leave the group cleanly.
            first.Commit(next.Values);
            first.Close();
        }

        Assert.Equal(firstMemberTakes, firstCount);

        var secondCount = ConsumeToEnd(config, topic, 12, seen);

        Assert.Equal(total - firstMemberTakes, secondCount);
        Assert.Equal(0, seen.Count(n => n == 0));
        Assert.Equal(0, seen.Count(n => n > 1));
        AssertNothingTrimmed(cluster.BootstrapServers, topic, 12);
    }

    [Fact]
    public async Task BrokerDownAndUp_WhileProducingAndConsuming_LosesNothing()
    {
        const int total = 20_000;
        const string topic = "outage-topic";
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic(topic, 6);
        var seen = new int[total];

        ProduceSequence(cluster.BootstrapServers, topic, 0, total / 2);
        cluster.SetBrokerDown(2);
        var producing = Task.Run(() => ProduceSequence(cluster.BootstrapServers, topic, total / 2, total / 2), TestContext.Current.CancellationToken);
        // Let the producer hit the dead broker for a while before it comes back.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        cluster.SetBrokerUp(2);
        await producing.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        var consumed = ConsumeToEnd(KafkaTestClients.Consumer(cluster.BootstrapServers, "outage-group"), topic, 6, seen);

        Assert.True(producing.IsCompletedSuccessfully, "the producer did not finish after the broker came back");
        Assert.Equal(total, consumed);
        Assert.Equal(0, seen.Count(n => n != 1));
    }

    [Fact]
    public void MovePartitionLeader_ToBrokerThree_MetadataReportsNewLeaderAndDataStillFlows()
    {
        const string topic = "leader-topic";
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic(topic, 3, replicationFactor: 3);
        ProduceSequence(cluster.BootstrapServers, topic, 0, 1000);

        cluster.MovePartitionLeader(topic, 0, 3);
        cluster.MovePartitionLeader(topic, 1, 3);
        ProduceSequence(cluster.BootstrapServers, topic, 1000, 1000);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
        var seen = new int[2000];
        var consumed = ConsumeToEnd(KafkaTestClients.Consumer(cluster.BootstrapServers, "leader-group"), topic, 3, seen);

        Assert.Equal(3, partitions.Single(p => p.PartitionId == 0).Leader);
        Assert.Equal(3, partitions.Single(p => p.PartitionId == 1).Leader);
        Assert.Equal(2000, consumed);
        Assert.Equal(0, seen.Count(n => n != 1));
    }

    [Fact]
    public async Task PushRequestErrors_NonRetriableProduceError_ReachesTheProducerThenClears()
    {
        const string topic = "errors-topic";
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic(topic, 1);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All }).Build();
        producer.Produce(topic, new Message<string, byte[]> { Key = "warm", Value = [1] });
        producer.Flush(TimeSpan.FromSeconds(10));

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        var failed = await Assert.ThrowsAsync<ProduceException<string, byte[]>>(() =>
            producer.ProduceAsync(topic, new Message<string, byte[]> { Key = "k", Value = [2] }, TestContext.Current.CancellationToken));
        // librdkafka keeps a topic-level authorization error on the failed producer; a fresh client shows
        // that a queued-then-cleared error no longer reaches anyone.
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        cluster.ClearRequestErrors(KafkaApiKey.Produce);
        using var fresh = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All }).Build();
        var delivered = await fresh.ProduceAsync(topic, new Message<string, byte[]> { Key = "k", Value = [3] }, TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, failed.Error.Code);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    [Fact]
    public void PushRequestErrors_RetriableErrorsOnIdempotentProducer_DeliverEachMessageOnce()
    {
        const string topic = "retriable-topic";
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic(topic, 2);
        cluster.PushRequestErrors(KafkaApiKey.Produce,
            ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas, ErrorCode.Local_Transport);

        ProduceSequence(cluster.BootstrapServers, topic, 0, 5000);
        var seen = new int[5000];
        var consumed = ConsumeToEnd(KafkaTestClients.Consumer(cluster.BootstrapServers, "retriable-group"), topic, 2, seen);

        Assert.Equal(5000, consumed);
        Assert.Equal(0, seen.Count(n => n != 1));
    }

    [Fact]
    public async Task SetRoundTripDelay_FiveHundredMilliseconds_SlowsEveryRequestAndStillDelivers()
    {
        const string topic = "rtt-topic";
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        cluster.CreateTopic(topic, 1);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All, LingerMs = 0 }).Build();
        await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = "warm", Value = [0] }, TestContext.Current.CancellationToken);

        cluster.SetRoundTripDelay(1, TimeSpan.FromMilliseconds(500));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var slow = await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = "k", Value = [1] }, TestContext.Current.CancellationToken);
        var slowElapsed = clock.Elapsed;

        // A lower bound only: a loaded machine can make it slower, never faster than the injected delay.
        Assert.Equal(PersistenceStatus.Persisted, slow.Status);
        Assert.True(slowElapsed >= TimeSpan.FromMilliseconds(450), $"a produce took {slowElapsed.TotalMilliseconds} ms under a 500 ms round trip");
    }

    [Fact]
    public void MoveGroupCoordinator_ThenOldCoordinatorDown_CommittedOffsetsSurvive()
    {
        const string topic = "coordinator-topic";
        const string group = "coordinator-group";
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic(topic, 4, replicationFactor: 3);
        cluster.MoveGroupCoordinator(group, 1);
        ProduceSequence(cluster.BootstrapServers, topic, 0, 4000);
        var seen = new int[4000];
        var config = KafkaTestClients.Consumer(cluster.BootstrapServers, group);

        int firstCount;
        using (var first = new ConsumerBuilder<string, byte[]>(config).Build())
        {
            first.Subscribe(topic);
            var next = new Dictionary<TopicPartition, TopicPartitionOffset>();
            firstCount = 0;
            var deadline = DateTime.UtcNow + Deadline;
            while (firstCount < 1500 && DateTime.UtcNow < deadline)
            {
                var result = first.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }

                seen[ValueOf(result)]++;
                firstCount++;
                next[result.TopicPartition] = new TopicPartitionOffset(result.TopicPartition, result.Offset + 1);
            }

            first.Commit(next.Values);
            first.Close();
        }

        // The group's coordinator moves to broker 2 and the old one dies: the new coordinator must serve the
        // offsets committed through the old one (the mock keeps group state cluster-wide).
        cluster.MoveGroupCoordinator(group, 2);
        cluster.SetBrokerDown(1);
        foreach (var partition in Enumerable.Range(0, 4))
        {
            cluster.MovePartitionLeader(topic, partition, 3);
        }

        var rest = ConsumeToEnd(config, topic, 4, seen);

        Assert.Equal(1500, firstCount);
        Assert.Equal(2500, rest);
        Assert.Equal(0, seen.Count(n => n != 1));
    }

    [Fact]
    public void Dispose_Twice_IsHarmlessAndLaterCallsAreRefused()
    {
        var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        cluster.Dispose();
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
    }

    [Fact]
    public void FaultInjection_UnknownBroker_IsRefusedWithTheValidRange()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 2 });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerDown(7));
        Assert.Contains("1 to 2", error.Message, StringComparison.Ordinal);
    }

    internal static void ProduceSequence(string bootstrap, string topic, int start, int count)
    {
        using var producer = new ProducerBuilder<string, byte[]>(KafkaTestClients.Producer(bootstrap)).Build();
        var failures = 0;
        for (var i = start; i < start + count; i++)
        {
            var value = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(value, i);
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<string, byte[]> { Key = "account-" + (i % 5003), Value = value }, r =>
                    {
                        if (r.Error.IsError)
                        {
                            Interlocked.Increment(ref failures);
                        }
                    });
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        var remaining = producer.Flush(Deadline);
        Assert.Equal(0, remaining);
        Assert.Equal(0, failures);
    }

    /// <summary>Consumes with a new group member until every partition reports end-of-partition.</summary>
    internal static int ConsumeToEnd(ConsumerConfig config, string topic, int partitions, int[] seen)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Subscribe(topic);
        var atEnd = new HashSet<int>();
        var count = 0;
        var deadline = DateTime.UtcNow + Deadline;
        while (atEnd.Count < partitions && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }

            atEnd.Remove(result.Partition.Value);
            seen[ValueOf(result)]++;
            count++;
        }

        Assert.Equal(partitions, atEnd.Count);
        consumer.Close();
        return count;
    }

    private static void AssertNothingTrimmed(string bootstrap, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaTestClients.Consumer(bootstrap, "watermarks")).Build();
        for (var p = 0; p < partitions; p++)
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            Assert.Equal(0, marks.Low.Value);
        }
    }

    private static int ValueOf(ConsumeResult<string, byte[]> result) => BinaryPrimitives.ReadInt32LittleEndian(result.Message.Value);
}
