using StreamRisk.Contracts.Wire;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Replay.Capture;
using StreamRisk.Simulation;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

public sealed class RecordCommandTests : IDisposable
{
    private const string Prefix = "rec.";
    private static readonly Symbol A = new("AUSDT");
    private static readonly Symbol B = new("BUSDT");
    private readonly string _directory = Directory.CreateTempSubdirectory("record-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Record_WireMessagesOnEveryTopic_CaptureHoldsTheSameMessagesInEventTimeOrder()
    {
        var topics = TopicNames.WithPrefix(Prefix);
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        // Event times ahead of the instruments' Kafka timestamps, as on a live feed where instruments come first.
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000;
        using (var producer = new WireProducer(cluster.BootstrapServers, topics))
        {
            producer.Instrument(new Instrument(A, ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)), t0);
            producer.Instrument(new Instrument(B, ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)), t0);
            // Two symbols (two partitions of the marks topic) interleaving out of order within the reorder window.
            producer.Mark(A, t0 + 100, 100.5);
            producer.Mark(B, t0 + 50, 20.25);
            producer.Mark(A, t0 + 300, 101);
            producer.Mark(B, t0 + 200, 20.5);
            producer.BookSnapshot(A, t0 + 150, 7, [new PriceLevel(10_000, 1.5)], [new PriceLevel(10_010, 2)]);
            producer.Account(new AccountId("acct-1"), 1, t0 + 250, 1000, [(A, 2.0, 100.0, double.NaN)]);
            producer.Liquidation(B, t0 + 320, true, 20.1, 3, null);
            producer.Raw(topics.Liquidations, Encoding.UTF8.GetBytes("BUSDT"), Encoding.UTF8.GetBytes("not json\n"));
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var produced = ReadAll(cluster.BootstrapServers, topics, expected: 10);
        var path = Path.Combine(_directory, "session.gz");

        var run = await CliRun.InvokeAsync("record", "--out", path, "--bootstrap", cluster.BootstrapServers, "--topic-prefix", Prefix, "--duration", "8s"); // room for the group join on a loaded machine

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("recorded 10 records", run.Output, StringComparison.Ordinal);
        Assert.Contains("instruments 2, book 1, marks 4, positions 1, liquidations 2", run.Output, StringComparison.Ordinal);
        var problems = new List<CaptureProblem>();
        var records = CaptureReader.ReadFile(path, problems.Add).ToList();
        Assert.Empty(problems);
        Assert.Equal(
            produced.Select(p => (p.Kind, Encoding.UTF8.GetString(p.Key), Convert.ToHexString(p.Value))).Order(),
            records.Select(r => (r.Topic, Encoding.UTF8.GetString(r.Key), Convert.ToHexString(r.Payload))).Order());
        Assert.True(records.Zip(records.Skip(1)).All(pair => pair.First.EventTime <= pair.Second.EventTime), "the capture is not in event-time order");
        Assert.Equal([t0 + 50, t0 + 100, t0 + 150, t0 + 200, t0 + 250, t0 + 300, t0 + 320], records.Where(r => r.EventTime >= t0).Select(r => r.EventTime));
        foreach (var record in records)
        {
            // Instruments and the non-wire message carry no eventTime: their Kafka timestamp orders them.
            var source = produced.Single(p => p.Value.AsSpan().SequenceEqual(record.Payload));
            var expected = PayloadEventTime.TryRead(source.Value, out var stamped) ? stamped : source.Timestamp;
            Assert.Equal(expected, record.EventTime);
        }
    }

    [Fact]
    public async Task Record_SimulatedMarketBacklog_ReplaysWhole_NothingLateNothingSkipped()
    {
        var topics = TopicNames.WithPrefix(Prefix);
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        // The demo's market (20,000 account snapshots at its first instant, then books, marks and shocks), 15 s of it
        // already in the topics when the recording starts: a backlog, as when recording a feed that is running.
        var options = new SimulatorOptions { Seed = 1, Accounts = 20_000 };
        var produced = 0;
        using (var producer = new WireProducer(cluster.BootstrapServers, topics))
        using (var messages = new SimulationMessages(options))
        {
            foreach (var simEvent in new MarketSimulator(options).Run(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), TimeSpan.FromSeconds(15)))
            {
                producer.Send(messages.Encode(simEvent));
                produced++;
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }

        var path = Path.Combine(_directory, "demo.gz");
        var record = await CliRun.InvokeAsync("record", "--out", path, "--bootstrap", cluster.BootstrapServers, "--topic-prefix", Prefix, "--duration", "12s");

        Assert.True(record.ExitCode == 0, record.Error);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"recorded {produced:N0} records"), record.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("late", record.Output, StringComparison.Ordinal);

        var replay = await CliRun.InvokeAsync("replay", path, "--format", "capture");

        Assert.True(replay.ExitCode == 0, replay.Error);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"replay: {produced:N0} records, {produced:N0} applied, 0 rejected by validation, 0 bad lines skipped"), replay.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("record")]
    [InlineData("record", "--out", "x.gz", "--topics", "marks,trades")]
    [InlineData("record", "--out", "x.gz", "--topics", ",")]
    [InlineData("record", "--out", "x.gz", "--duration", "soon")]
    [InlineData("record", "--out", "x.gz", "--reorder-window", "-1s")]
    [InlineData("record", "--out", "/no/such/dir/x.gz", "--duration", "1s")]
    public async Task Record_BadCommandLine_OneLineErrorAndExitCodeTwo(params string[] args)
    {
        var run = await CliRun.InvokeAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith("streamrisk: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_OutputFileExists_RefusedWithExitCodeTwoAndFileUntouched()
    {
        var path = Path.Combine(_directory, "exists.gz");
        await File.WriteAllTextAsync(path, "keep me", TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync("record", "--out", path, "--duration", "1s");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("exists", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
    }

    private static List<(string Kind, byte[] Key, byte[] Value, long Timestamp)> ReadAll(string bootstrap, TopicNames topics, int expected)
    {
        var kinds = new Dictionary<string, string>
        {
            [topics.Instruments] = CaptureTopics.Instruments,
            [topics.Book] = CaptureTopics.Book,
            [topics.Marks] = CaptureTopics.Marks,
            [topics.Positions] = CaptureTopics.Positions,
            [topics.Liquidations] = CaptureTopics.Liquidations,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaTestClients.Consumer(bootstrap, "record-check")).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        consumer.Assign(kinds.Keys.SelectMany(topic => admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning))));
        var messages = new List<(string, byte[], byte[], long)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (messages.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false })
            {
                messages.Add((kinds[result.Topic], result.Message.Key, result.Message.Value, result.Message.Timestamp.UnixTimestampMs));
            }
        }

        Assert.Equal(expected, messages.Count);
        return messages;
    }
}
