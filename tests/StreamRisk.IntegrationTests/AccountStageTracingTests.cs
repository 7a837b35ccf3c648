using System.Collections.Concurrent;
using System.Diagnostics;
using StreamRisk.Contracts;
using StreamRisk.Host;
using StreamRisk.Host.Logging;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Replay.Capture;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// One trace from the record a replay produces, through the account stage that files its position, to the ladder
/// update that stage produces for the projector: the stage's <c>process streamrisk.positions</c> span continues the
/// replay's <c>send</c> span, and its <c>send streamrisk.ladders</c> span is a child of that process span.
/// </summary>
public sealed class AccountStageTracingTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("account-tracing-");

    [Fact]
    public async Task PositionRecord_AccountStage_LadderUpdate_OneTrace()
    {
        var capture = Path.Combine(_dir.FullName, "market.capture.gz");
        Assert.Equal(0, await Cli.RunAsync(["simulate", "--out", capture, "--events", "3000", "--accounts", "200", "--seed", "9"], TextWriter.Null, TextWriter.Null, TimeProvider.System));
        var topics = new TopicNames();
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, name == topics.Positions ? 2 : name == topics.Ladders ? 1 : partitions, replicationFactor: 1);
        }

        // The test's own source: spans of tests running alongside never reach this listener.
        using var source = new ActivitySource("StreamRisk.Tests.AccountStage." + Guid.NewGuid().ToString("N"));
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using var log = new LogCapture();
        using var logging = RunLogging.Create(log);
        var stage = new AccountPartitionsRunner(new MonitorSettings
        {
            Kafka = new KafkaSettings { BootstrapServers = cluster.BootstrapServers, GroupId = "tracing", SessionTimeoutMs = 6000, HeartbeatIntervalMs = 1000 },
            Dashboard = new DashboardSettings { Urls = string.Empty },
            Engine = new EngineSettings { SystemIntervalMs = 0 },
            Role = Roles.Accounts,
        }, logging) { Activities = source };
        using var stop = new CancellationTokenSource();
        var running = stage.RunAsync(stop.Token);
        Assert.True(await Eventually.TrueAsync(() => stage.Partitions.Count == 2, Deadline), $"the stage did not take both positions partitions; {log}");

        // The capture produced with every record under a traced send span (each record starts its own trace).
        using (var producer = new ReplayProducer(cluster.BootstrapServers, topics, _ => TimeSpan.Zero, _ => { }, activities: source))
        {
            foreach (var record in CaptureReader.ReadFile(capture))
            {
                producer.Send(CaptureTopics.ToWire(record.Topic), record.Key, record.Payload, record.EventTime);
            }

            producer.Complete();
        }

        List<Activity> Named(string name) => [.. stopped.Where(a => a.DisplayName == name)];
        var chained = await Eventually.TrueAsync(() => Chains(Named("send " + topics.Positions), Named("process " + topics.Positions), Named("send " + topics.Ladders)).Any(), Deadline);
        await stop.CancelAsync();
        await running;

        var sends = Named("send " + topics.Positions);
        var processes = Named("process " + topics.Positions);
        var ladders = Named("send " + topics.Ladders);
        Assert.True(chained, $"{sends.Count} position sends, {processes.Count} position process spans, {ladders.Count} ladder sends, none in one chain; {log}");
        var (send, process, ladder) = Chains(sends, processes, ladders).First();
        Assert.Equal(send.TraceId, ladder.TraceId);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(ActivityKind.Producer, ladder.Kind);
        Assert.Equal(topics.Ladders, ladder.GetTagItem("messaging.destination.name"));
        // Every ladder update made while a traced batch was processed belongs to that batch's trace.
        var byProcess = processes.ToDictionary(p => p.SpanId);
        Assert.All(ladders.Where(l => byProcess.ContainsKey(l.ParentSpanId)), l => Assert.Equal(byProcess[l.ParentSpanId].TraceId, l.TraceId));
    }

    /// <summary>Position sends continued by a process span that is the parent of a ladder send.</summary>
    private static IEnumerable<(Activity Send, Activity Process, Activity Ladder)> Chains(List<Activity> sends, List<Activity> processes, List<Activity> ladders) =>
        from send in sends
        from process in processes
        where process.ParentSpanId == send.SpanId && process.TraceId == send.TraceId
        from ladder in ladders
        where ladder.ParentSpanId == process.SpanId
        select (send, process, ladder);

    public void Dispose() => _dir.Delete(recursive: true);
}
