using System.Text;
using Confluent.Kafka;
using StackExchange.Redis;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// The published schemas (docs/schemas) against a real run: messages of every input topic as they sit in the embedded
/// Kafka, and every alert the monitor wrote to the real redis-server's stream (and the symbol picture in its hash).
/// </summary>
public sealed class ContractSchemaTests
{
    private const long T0 = 1_723_161_255_000;
    private static readonly Symbol X = new("XUSDT");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task MonitorRun_InputMessagesAndEveryAlertStreamEntry_ValidateAgainstTheSchemas()
    {
        var topics = new TopicNames();
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        using var redisServer = LocalRedisServer.Start();
        using (var producer = new WireProducer(cluster.BootstrapServers, topics))
        {
            MonitorEndToEndTests.ProduceThinBookScenario(producer);
            // One message of each remaining kind, so every input schema meets what the producer really wrote.
            producer.BookDelta(X, T0 + 50, 2, 2, 1, [new PriceLevel(9_990, 6)], []);
            producer.Position(new AccountId("lev00"), sequence: 2, T0 + 60, X, 10, 100, 20);
            producer.Liquidation(X, T0 + 70, longLiquidated: true, 99, 1, account: null);
            using (var writer = new WireMessageWriter())
            {
                producer.Send(writer.Insurance("XUSDT", T0 + 80, 1_000_000));
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        using var feedStop = new CancellationTokenSource();
        var feed = Task.Run(async () =>
        {
            // Marks keep coming, so event time moves on and throttled projections fall due.
            using var marks = new WireProducer(cluster.BootstrapServers, topics);
            marks.Instrument(new Instrument(X, ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)), T0);
            for (var t = T0 + 200; !feedStop.IsCancellationRequested; t += 200)
            {
                marks.Mark(X, t, 100);
                marks.Flush(TimeSpan.FromSeconds(5));
                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None);

        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings { BootstrapServers = cluster.BootstrapServers, GroupId = "schemas", SessionTimeoutMs = 3000, HeartbeatIntervalMs = 1000 },
            Redis = new RedisSettings { Configuration = redisServer.ConnectionString },
            Alerts = new AlertSettings { Default = new StreamRisk.Domain.Alerts.AlertThresholds { CascadeMinNotional = 0 } },
        };
        using var output = new LogCapture();
                using var logging = StreamRisk.Host.Logging.RunLogging.Create(output);
        var runner = new MonitorRunner(settings, output, logging, TimeProvider.System) { EchoAlerts = false };
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisServer.ConnectionString);
        var db = redis.GetDatabase();
        StreamEntry[] entries = [];
        var raised = await Eventually.TrueAsync(() =>
        {
            entries = db.StreamRange("streamrisk:alerts");
            return entries.Any(e => e["rule"] == "CascadeRisk") && db.HashExists("streamrisk:state:XUSDT", "json");
        }, Deadline, TimeSpan.FromMilliseconds(100));
        await feedStop.CancelAsync();
        await feed;
        await stop.CancelAsync();
        await run.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        entries = db.StreamRange("streamrisk:alerts");
        var picture = db.HashGet("streamrisk:state:XUSDT", "json").ToString();

        Assert.True(raised, "no CascadeRisk alert and picture reached Redis; monitor said: " + output);
        Assert.NotEmpty(entries);
        foreach (var entry in entries)
        {
            var json = entry["alert"].ToString();
            var verdict = ContractSchemas.Validate("alert", json);
            Assert.True(verdict.IsValid, $"stream entry {entry.Id}: {json}\n{verdict}");

            // The filterable fields copy the JSON's (the schema's $comment leaves that to this test).
            using var alert = System.Text.Json.JsonDocument.Parse(json);
            var root = alert.RootElement;
            Assert.Equal(root.GetProperty("transitionId").GetString(), entry["id"].ToString());
            foreach (var field in new[] { "rule", "symbol", "severity", "state" })
            {
                Assert.Equal(root.GetProperty(field).GetString(), entry[field].ToString());
            }

            Assert.StartsWith(root.GetProperty("id").GetString() + ":", root.GetProperty("transitionId").GetString(), StringComparison.Ordinal);
        }

        var pictureVerdict = ContractSchemas.Validate("symbol-picture", picture);
        Assert.True(pictureVerdict.IsValid, $"{picture}\n{pictureVerdict}");

        var schemaOf = new Dictionary<string, string>
        {
            [topics.Instruments] = "instrument", [topics.Book] = "book", [topics.Marks] = "mark", [topics.Positions] = "positions",
            [topics.Liquidations] = "liquidation", [topics.Insurance] = "insurance",
        };
        foreach (var (topic, partitions) in topics.WithDefaultPartitions().Where(t => schemaOf.ContainsKey(t.Name)))
        {
            var messages = ReadAll(cluster.BootstrapServers, topic, partitions);
            Assert.NotEmpty(messages);
            foreach (var value in messages)
            {
                var verdict = ContractSchemas.Validate(schemaOf[topic], value);
                Assert.True(verdict.IsValid, $"{topic}: {Encoding.UTF8.GetString(value)}\n{verdict}");
            }
        }
    }

    /// <summary>Every value of the topic, from the beginning of each partition to its end.</summary>
    private static List<byte[]> ReadAll(string bootstrap, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "schemas-" + Guid.NewGuid().ToString("N"), EnablePartitionEof = true, EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<byte[]>();
        var ended = new HashSet<int>();
        var deadline = DateTime.UtcNow + Deadline;
        while (ended.Count < partitions && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                ended.Add(result.Partition.Value);
                continue;
            }

            values.Add(result.Message.Value);
        }

        Assert.Equal(partitions, ended.Count);
        return values;
    }
}
