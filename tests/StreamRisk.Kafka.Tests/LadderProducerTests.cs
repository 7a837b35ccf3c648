using System.Collections.Concurrent;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Kafka.ScaleOut;
using StreamRisk.Testing;

namespace StreamRisk.Kafka.Tests;

public sealed class LadderProducerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Publish_BrokerRefusesTheWrite_TheSymbolIsReportedUndelivered()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        cluster.CreateTopic(topics.Ladders, 1);
        var log = new ConcurrentQueue<string>();
        var undelivered = new ConcurrentQueue<string>();
        using var producer = new LadderProducer(new KafkaMonitorOptions { BootstrapServers = cluster.BootstrapServers }, new LineLogger(log.Enqueue));

        // A refusal the producer does not retry: the update is gone unless the account stage sends it again.
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        producer.Publish("BTCUSDT", "{}"u8.ToArray(), EventTimeMerge.Order(1, 1), undelivered.Enqueue);
        producer.Flush(Deadline);

        Assert.True(await Eventually.TrueAsync(() => !undelivered.IsEmpty, Deadline), $"no delivery failure reported; log: {string.Join(" | ", log)}");
        Assert.Equal(["BTCUSDT"], undelivered);

        // The producer keeps the topic's refusal for a while: the next write fails at once, and is reported, not thrown.
        producer.Publish("ETHUSDT", "{}"u8.ToArray(), EventTimeMerge.Order(2, 1), undelivered.Enqueue);
        producer.Flush(Deadline);

        Assert.True(await Eventually.TrueAsync(() => undelivered.Count == 2, Deadline), $"the second write was not reported; log: {string.Join(" | ", log)}");
        Assert.Equal(["BTCUSDT", "ETHUSDT"], undelivered);
    }
}
