using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Testing;

namespace StreamRisk.Kafka.Tests;

public sealed class DeadLetterProducerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void Send_LargerThanTheProducerTakes_TruncatedWithTheOriginalLengthInAHeader()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        cluster.CreateTopic(topics.DeadLetter, 1);
        var options = new KafkaMonitorOptions { BootstrapServers = cluster.BootstrapServers };
        var original = new byte[5 * 1024 * 1024]; // beyond the dead-letter producer's 4 MiB
        Random.Shared.NextBytes(original);
        var source = new WireRecord(WireTopic.Marks, "BTCUSDT"u8.ToArray(), original, 2, 17);
        var logged = new List<string>();

        using (var deadLetters = new DeadLetterProducer(options, new LineLogger(line => { lock (logged) { logged.Add(line); } })))
        {
            deadLetters.Send(source, "too-large", "the message is too large");
        }

        var letter = FirstLetter(cluster, topics.DeadLetter);

        Assert.True(letter is not null, $"no dead letter arrived; log: {string.Join(" | ", logged)}");
        Assert.Equal(source.Key, letter.Message.Key);
        Assert.True(letter.Message.Headers.TryGetLastBytes(DeadLetterProducer.TruncatedHeader, out var truncated));
        Assert.Equal(original.Length.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetString(truncated));
        Assert.InRange(letter.Message.Value.Length, 1, original.Length - 1);
        Assert.True(original.AsSpan(0, letter.Message.Value.Length).SequenceEqual(letter.Message.Value), "the kept part is not the message's beginning");
        Assert.True(letter.Message.Headers.TryGetLastBytes("streamrisk-reason", out var reason));
        Assert.Equal("too-large", Encoding.UTF8.GetString(reason));
    }

    [Fact]
    public void Send_WithinTheLimit_WholeAndNotMarkedTruncated()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        cluster.CreateTopic(topics.DeadLetter, 1);
        var options = new KafkaMonitorOptions { BootstrapServers = cluster.BootstrapServers };
        var source = new WireRecord(WireTopic.Marks, "BTCUSDT"u8.ToArray(), "{\"v\":2}"u8.ToArray(), 0, 3);

        using (var deadLetters = new DeadLetterProducer(options))
        {
            deadLetters.Send(source, "unsupported-version", "v 2");
        }

        var letter = FirstLetter(cluster, topics.DeadLetter);

        Assert.NotNull(letter);
        Assert.Equal(source.Value, letter.Message.Value);
        Assert.False(letter.Message.Headers.TryGetLastBytes(DeadLetterProducer.TruncatedHeader, out _));
    }

    /// <summary>The first record of the dead-letter topic, or null when none arrives within <see cref="Deadline"/>.</summary>
    private static ConsumeResult<byte[], byte[]>? FirstLetter(EmbeddedKafkaCluster cluster, string topic)
    {
        var config = KafkaTestClients.Consumer(cluster.BootstrapServers, "dead-letter-reader");
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false })
            {
                return result;
            }
        }

        return null;
    }
}
