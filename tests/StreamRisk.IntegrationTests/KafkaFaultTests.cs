using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// Kafka faults while a market day streams through the monitor: the results equal the undisturbed in-process replay
/// byte for byte (every alert transition, every projection — which covers the margin state they are computed from).
/// </summary>
public sealed class KafkaFaultTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("kafka-faults-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task BrokerDownLeaderMovesCoordinatorDownRequestErrorsSlowBrokers_SameResultsAsUndisturbed()
    {
        var replay = new KafkaReplayRun(_dir.FullName, "2024-08-08T23:57:00Z"); // ~2½ minutes of market after the 20,000 accounts: room for the fault to land mid-stream
        var inProcess = await replay.InProcessAsync();
        var topics = new TopicNames();
        using var cluster = KafkaReplayRun.StartCluster(replicationFactor: 3);
        var faults = new List<string>();

        var (throughKafka, summary, log) = await replay.ThroughKafkaAsync(cluster, "10x", async processed =>
        {
            Assert.True(await Eventually.TrueAsync(() => processed() > 20_100, TimeSpan.FromSeconds(60)), "the replay did not start");
            cluster.SetRoundTripDelay(1, TimeSpan.FromMilliseconds(500));
            faults.Add("500 ms round trips on broker 1");
            cluster.SetBrokerDown(2);
            faults.Add("broker 2 down");
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.SetBrokerUp(2);
            cluster.MovePartitionLeader(topics.Book, 3, 2);
            cluster.MovePartitionLeader(topics.Marks, 3, 1);
            faults.Add("book and marks leaders moved");
            cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas);
            cluster.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.NotLeaderForPartition, ErrorCode.UnknownLeaderEpoch);
            faults.Add("request errors on produce and fetch");
            cluster.MoveGroupCoordinator("replay", 3);
            cluster.SetBrokerDown(3);
            faults.Add("group coordinator moved to broker 3, then broker 3 down");
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.SetBrokerUp(3);
            cluster.SetRoundTripDelay(1, TimeSpan.Zero);
        });

        Assert.Equal(5, faults.Count);
        // Nothing lost. More than produced when the coordinator's outage made the group rebalance: the positions
        // partitions are then read again from the beginning, as a new owner rebuilds them (the results stay the same).
        Assert.True(summary.EventsApplied >= replay.Produced, $"{summary.EventsApplied} applied of {replay.Produced} produced");
        Assert.Equal(0, summary.DeadLettered);
        KafkaReplayRun.AssertSameResults(inProcess, throughKafka, log);
    }
}
