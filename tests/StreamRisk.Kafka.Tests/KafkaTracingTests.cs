using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Kafka.ScaleOut;
using StreamRisk.Testing;

namespace StreamRisk.Kafka.Tests;

/// <summary>
/// W3C trace context through the embedded Kafka: what each producer writes into the headers, read back by a plain
/// consumer, and what <see cref="KafkaSource"/> makes of it. Each test has its own activity source, so spans of tests
/// running alongside never reach its listener.
/// </summary>
public sealed partial class KafkaTracingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void ReplayProducerSend_UnderATracedSpan_TraceParentHeaderCarriesTheSendSpan()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        cluster.CreateTopic(topics.Marks, 1);
        using var traced = new TracedSource();
        using (var producer = new ReplayProducer(cluster.BootstrapServers, topics, _ => TimeSpan.Zero, _ => { }, activities: traced.Source))
        using (var parent = traced.Source.StartActivity("replay"))
        {
            Assert.NotNull(parent);
            parent.TraceStateString = "streamrisk=test";
            producer.Send(WireTopic.Marks, "BTCUSDT"u8.ToArray(), "{}"u8.ToArray(), eventTime: 1);
            producer.Complete();
        }

        var message = FirstMessage(cluster, topics.Marks);
        var send = traced.Stopped("send " + topics.Marks);

        AssertCarries(message, send);
        Assert.Equal(traced.Stopped("replay").SpanId, send.ParentSpanId);
        Assert.True(message.Message.Headers.TryGetLastBytes(KafkaTracing.TraceStateHeader, out var state), "no tracestate header");
        Assert.Equal("streamrisk=test", Encoding.ASCII.GetString(state));
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal("kafka", send.GetTagItem("messaging.system"));
        Assert.Equal("send", send.GetTagItem("messaging.operation.type"));
        Assert.Equal(topics.Marks, send.GetTagItem("messaging.destination.name"));
        Assert.Equal("BTCUSDT", send.GetTagItem("messaging.kafka.message.key"));
        // Ended by the delivery report: where the broker wrote it.
        Assert.Equal("0", send.GetTagItem("messaging.destination.partition.id"));
        Assert.Equal(0L, send.GetTagItem("messaging.kafka.offset"));
    }

    [Fact]
    public void DeadLetterProducerSend_UnderATracedSpan_TraceParentHeaderCarriesTheSendSpanAndNoKey()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        cluster.CreateTopic(topics.DeadLetter, 1);
        using var traced = new TracedSource();
        using (var deadLetters = new DeadLetterProducer(new KafkaMonitorOptions { BootstrapServers = cluster.BootstrapServers }, activities: traced.Source))
        using (traced.Source.StartActivity("process"))
        {
            deadLetters.Send(new WireRecord(WireTopic.Positions, "account-7"u8.ToArray(), "{"u8.ToArray(), 0, 3), "malformed", "not JSON");
        }

        var letter = FirstMessage(cluster, topics.DeadLetter);
        var send = traced.Stopped("send " + topics.DeadLetter);

        AssertCarries(letter, send);
        Assert.Equal(traced.Stopped("process").SpanId, send.ParentSpanId);
        Assert.Equal(topics.DeadLetter, send.GetTagItem("messaging.destination.name"));
        Assert.Null(send.GetTagItem("messaging.kafka.message.key")); // an account's key is named by no span
    }

    [Fact]
    public void LadderProducerPublish_UnderATracedSpan_TraceParentHeaderCarriesTheSendSpan()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        cluster.CreateTopic(topics.Ladders, 1);
        using var traced = new TracedSource();
        using (var producer = new LadderProducer(new KafkaMonitorOptions { BootstrapServers = cluster.BootstrapServers }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, traced.Source))
        {
            using (traced.Source.StartActivity("process"))
            {
                producer.Publish("ETHUSDT", "{}"u8.ToArray(), EventTimeMerge.Order(1, 1), _ => { });
            }

            producer.Flush(Deadline);
        }

        var update = FirstMessage(cluster, topics.Ladders);
        var send = traced.Stopped("send " + topics.Ladders);

        AssertCarries(update, send);
        Assert.Equal("ETHUSDT", send.GetTagItem("messaging.kafka.message.key"));
        Assert.Equal("kafka", send.GetTagItem("messaging.system"));
    }

    [Fact]
    public void Producers_NothingListens_NoTraceHeaders()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        cluster.CreateTopic(topics.Marks, 1);
        cluster.CreateTopic(topics.DeadLetter, 1);
        cluster.CreateTopic(topics.Ladders, 1);
        var options = new KafkaMonitorOptions { BootstrapServers = cluster.BootstrapServers };
        // A source with no listener, while the thread has a current activity of another (listened) source: still nothing.
        using var unheard = new ActivitySource("StreamRisk.Tests.Unheard." + Guid.NewGuid().ToString("N"));
        using var traced = new TracedSource();
        using (traced.Source.StartActivity("elsewhere"))
        {
            using (var replay = new ReplayProducer(cluster.BootstrapServers, topics, _ => TimeSpan.Zero, _ => { }, activities: unheard))
            {
                replay.Send(WireTopic.Marks, "BTCUSDT"u8.ToArray(), "{}"u8.ToArray(), eventTime: 1);
                replay.Complete();
            }

            using (var deadLetters = new DeadLetterProducer(options, activities: unheard))
            {
                deadLetters.Send(new WireRecord(WireTopic.Marks, "BTCUSDT"u8.ToArray(), "{"u8.ToArray(), 0, 3), "malformed", "not JSON");
            }

            using var ladders = new LadderProducer(options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, unheard);
            ladders.Publish("BTCUSDT", "{}"u8.ToArray(), EventTimeMerge.Order(1, 1), _ => { });
            ladders.Flush(Deadline);
        }

        foreach (var topic in (string[])[topics.Marks, topics.DeadLetter, topics.Ladders])
        {
            var message = FirstMessage(cluster, topic);
            Assert.False(message.Message.Headers.TryGetLastBytes(KafkaTracing.TraceParentHeader, out _), $"{topic}: a traceparent header with no listener");
            Assert.False(message.Message.Headers.TryGetLastBytes(KafkaTracing.TraceStateHeader, out _), $"{topic}: a tracestate header with no listener");
        }
    }

    [Fact]
    public async Task KafkaSource_TracedMessages_ProcessSpanContinuesOrLinksEachProducerSpan()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var topics = new TopicNames();
        foreach (var topic in (string[])[topics.Instruments, topics.Book, topics.Marks, topics.Positions, topics.Liquidations, topics.Insurance])
        {
            cluster.CreateTopic(topic, 1);
        }

        using var traced = new TracedSource();
        using (var producer = new ReplayProducer(cluster.BootstrapServers, topics, _ => TimeSpan.Zero, _ => { }, activities: traced.Source))
        {
            producer.Send(WireTopic.Marks, "BTCUSDT"u8.ToArray(), "{}"u8.ToArray(), eventTime: 1);
            producer.Send(WireTopic.Marks, "ETHUSDT"u8.ToArray(), "{}"u8.ToArray(), eventTime: 1);
            producer.Complete();
        }

        Assert.True(await Eventually.TrueAsync(() => traced.All("send " + topics.Marks).Count == 2, Deadline), "the producer spans did not end");
        var sends = traced.All("send " + topics.Marks);
        // Separate traces: a replay record starts its own.
        Assert.NotEqual(sends[0].TraceId, sends[1].TraceId);

        var options = new KafkaMonitorOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            Topics = topics,
            GroupId = "tracing-" + Guid.NewGuid().ToString("N"),
            SessionTimeoutMs = 3000,
            HeartbeatIntervalMs = 1000,
        };
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var applied = 0;
        using (KafkaSource.Create(options, stopped: () => stopped.TrySetResult(), activities: traced.Source)
            .Subscribe(m => { if (m.Kind == IngestKind.Message) { Interlocked.Increment(ref applied); } }, ex => stopped.TrySetException(ex)))
        {
            Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref applied) >= 2 && traced.All("process " + topics.Marks).Count > 0, Deadline),
                $"messages applied: {Volatile.Read(ref applied)}; spans: {string.Join(", ", traced.Names())}");
        }

        await stopped.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        var processes = traced.All("process " + topics.Marks);
        foreach (var send in sends)
        {
            var continued = processes.Where(p => p.ParentSpanId == send.SpanId && p.TraceId == send.TraceId).ToList();
            var linked = processes.Where(p => p.Links.Any(l => l.Context.TraceId == send.TraceId && l.Context.SpanId == send.SpanId)).ToList();
            Assert.True(continued.Count + linked.Count == 1, $"the message of trace {send.TraceId} is continued by {continued.Count} and linked by {linked.Count} process spans");
        }

        var first = processes.Single(p => p.ParentSpanId == sends[0].SpanId);
        Assert.Equal(ActivityKind.Consumer, first.Kind);
        Assert.True(first.HasRemoteParent);
        Assert.Equal("kafka", first.GetTagItem("messaging.system"));
        Assert.Equal("process", first.GetTagItem("messaging.operation.type"));
        Assert.Equal(topics.Marks, first.GetTagItem("messaging.destination.name"));
    }

    /// <summary>The message's <c>traceparent</c> is the W3C form of <paramref name="send"/>'s context, sampled.</summary>
    private static void AssertCarries(ConsumeResult<byte[], byte[]> message, Activity send)
    {
        Assert.True(message.Message.Headers.TryGetLastBytes(KafkaTracing.TraceParentHeader, out var bytes), "no traceparent header");
        var traceParent = Encoding.ASCII.GetString(bytes);
        var parts = TraceParent().Match(traceParent);
        Assert.True(parts.Success, $"not a W3C traceparent: {traceParent}");
        Assert.Equal(send.TraceId.ToHexString(), parts.Groups["trace"].Value);
        Assert.Equal(send.SpanId.ToHexString(), parts.Groups["span"].Value);
        Assert.Equal("01", parts.Groups["flags"].Value);
    }

    [GeneratedRegex("^00-(?<trace>[0-9a-f]{32})-(?<span>[0-9a-f]{16})-(?<flags>[0-9a-f]{2})$")]
    private static partial Regex TraceParent();

    /// <summary>The first record of partition 0 of <paramref name="topic"/>; fails when none arrives within <see cref="Deadline"/>.</summary>
    private static ConsumeResult<byte[], byte[]> FirstMessage(EmbeddedKafkaCluster cluster, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaTestClients.Consumer(cluster.BootstrapServers, "trace-reader")).Build();
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

        Assert.Fail($"nothing arrived on {topic}");
        return null!;
    }

    /// <summary>An activity source of the test's own, every span of it sampled and kept once stopped.</summary>
    private sealed class TracedSource : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public TracedSource()
        {
            Source = new ActivitySource("StreamRisk.Tests." + Guid.NewGuid().ToString("N"));
            _listener = new ActivityListener
            {
                ShouldListenTo = source => ReferenceEquals(source, Source),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public ActivitySource Source { get; }

        public List<Activity> All(string name) => [.. _stopped.Where(a => a.DisplayName == name)];

        /// <summary>The one span of that name, waited for: a producer span ends on the client's delivery thread.</summary>
        public Activity Stopped(string name)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (All(name).Count == 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }

            return Assert.Single(All(name));
        }

        public IEnumerable<string> Names() => _stopped.Select(a => a.DisplayName);

        public void Dispose()
        {
            _listener.Dispose();
            Source.Dispose();
        }
    }
}
