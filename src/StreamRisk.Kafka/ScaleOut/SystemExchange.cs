using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Kafka.ScaleOut;

/// <summary>
/// The projector stage's side of the scaled-out system view (docs/scale-out.md): puts a view's requests on the
/// requests topic and waits for every account partition's reply on the replies topic. A request not answered by every
/// partition within <see cref="ResendAfter"/> is put again (a partition that moved, or an instance that joined late,
/// answers the copy); the wait is logged every 10 s with the partitions still missing, and lasts until they answer:
/// the view is a function of every account, so none is made without them.
/// </summary>
public sealed class SystemExchangeClient : IShareTransport, IDisposable
{
    /// <summary>How long a request waits for its replies before it is put again.</summary>
    public static readonly TimeSpan ResendAfter = TimeSpan.FromSeconds(5);

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly string _requests;
    private readonly int _maxMessageBytes;
    private readonly ILogger _log;
    private readonly CancellationToken _cancel;
    private int _wire;

    /// <param name="partitions">Account partitions that must reply (the positions topic's partitions).</param>
    public SystemExchangeClient(KafkaMonitorOptions options, int partitions, ILogger log, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        Partitions = partitions;
        _log = log;
        _cancel = cancel;
        _requests = options.Topics.SystemRequests;
        _maxMessageBytes = Math.Max(options.MaxMessageBytes, 1024 * 1024);
        _producer = ScaleOutClients.Producer(options, "streamrisk-system-coordinator", log);
        _consumer = ScaleOutClients.ConsumerAtEnd(options, options.Topics.SystemReplies, "streamrisk-system-coordinator", log);
    }

    public int Partitions { get; }

    public IReadOnlyList<ShareReply> Exchange(ShareRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A request too large for one message goes as several, the questions split between them; the replies' answers
        // are put back together in question order.
        var encoded = SystemExchangeCodec.EncodeRequest(request with { Exchange = _wire });
        if (encoded.Length > _maxMessageBytes && request.Questions.Count > 1)
        {
            var half = request.Questions.Count / 2;
            var first = Exchange(request with { Questions = [.. request.Questions.Take(half)] });
            var second = Exchange(request with { Questions = [.. request.Questions.Skip(half)], Largest = 0 });
            return [.. first.Zip(second, (a, b) => a with { Answers = [.. a.Answers, .. b.Answers], Exchange = request.Exchange })];
        }

        var wire = _wire++;
        var replies = new ShareReply?[Partitions];
        var missing = Partitions;
        var sent = Stopwatch.StartNew();
        var logged = Stopwatch.StartNew();
        Put(encoded);
        while (missing > 0)
        {
            _cancel.ThrowIfCancellationRequested();
            var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message?.Value is { } value)
            {
                if (!SystemExchangeCodec.TryDecodeReply(value, request.Symbols.Count, out var reply, out var reason))
                {
                    _log.LogWarning("system view: reply at {Offset} refused: {Reason}", result.TopicPartitionOffset, reason);
                }
                else if (reply!.View == request.View && reply.Exchange == wire && reply.Source < Partitions && replies[reply.Source] is null)
                {
                    replies[reply.Source] = reply with { Exchange = request.Exchange };
                    missing--;
                }
            }

            if (missing > 0 && sent.Elapsed > ResendAfter)
            {
                Put(encoded);
                sent.Restart();
            }

            if (missing > 0 && logged.Elapsed > TimeSpan.FromSeconds(10))
            {
                logged.Restart();
                _log.LogInformation("system view {View}: waiting for account partition(s) {Partitions}", request.View, string.Join(",", Enumerable.Range(0, Partitions).Where(p => replies[p] is null).Take(20)));
            }
        }

        return replies!;
    }

    private void Put(byte[] value)
    {
        _producer.Produce(_requests, new Message<byte[], byte[]> { Key = [], Value = value });
        _producer.Flush(_cancel);
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
        _producer.Dispose();
    }
}

/// <summary>
/// The account stage's side: reads the requests topic from where it stands at start (a request before then is put
/// again by the coordinator if still open) and answers each through <paramref name="answer"/> — one reply per account
/// partition this instance runs — on the replies topic. Runs on its own thread until disposed.
/// </summary>
public sealed class SystemExchangeServer : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly string _replies;
    private readonly Func<ShareRequest, CancellationToken, IEnumerable<ShareReply>> _answer;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public SystemExchangeServer(KafkaMonitorOptions options, Func<ShareRequest, CancellationToken, IEnumerable<ShareReply>> answer, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(log);
        _answer = answer;
        _log = log;
        _replies = options.Topics.SystemReplies;
        _producer = ScaleOutClients.Producer(options, "streamrisk-system-partitions", log);
        _consumer = ScaleOutClients.ConsumerAtEnd(options, options.Topics.SystemRequests, "streamrisk-system-partitions", log);
        _thread = new Thread(Run) { IsBackground = true, Name = "streamrisk-system-answers" };
        _thread.Start();
    }

    private void Run()
    {
        var cancel = _stop.Token;
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result?.Message?.Value is not { } value)
                {
                    continue;
                }

                if (!SystemExchangeCodec.TryDecodeRequest(value, out var request, out var reason))
                {
                    _log.LogWarning("system view: request at {Offset} refused: {Reason}", result.TopicPartitionOffset, reason);
                    continue;
                }

                foreach (var reply in _answer(request!, cancel))
                {
                    _producer.Produce(_replies, new Message<byte[], byte[]> { Key = [], Value = SystemExchangeCodec.EncodeReply(reply) });
                }

                _producer.Flush(cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (KafkaException ex)
            {
                // The coordinator puts an unanswered request again: a failed write is answered then.
                _log.LogWarning("system view: answering failed: {Reason}", ex.Error.Reason);
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(30));
        _consumer.Close();
        _consumer.Dispose();
        _producer.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The scale-out stages' Kafka clients of the system exchange, and topic partition counts they wait for.</summary>
public static class ScaleOutClients
{
    /// <summary>Partitions of a topic (waited for: the topics are created beforehand).</summary>
    public static int PartitionsOf(KafkaMonitorOptions options, string topic, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AdminClientConfig { BootstrapServers = options.BootstrapServers };
        foreach (var (key, value) in options.ClientSettings)
        {
            config.Set(key, value);
        }

        using var admin = new AdminClientBuilder(config).Build();
        return PartitionsOf(admin, topic, log);
    }

    /// <summary>Partitions of a topic, asked up to 50 times 200 ms apart; a topic still missing then is an error naming it.</summary>
    public static int PartitionsOf(IAdminClient admin, string topic, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(log);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var found = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.FirstOrDefault();
                if (found is { Error.Code: ErrorCode.NoError } && found.Partitions.Count > 0)
                {
                    return found.Partitions.Count;
                }
            }
            catch (KafkaException ex) when (attempt < 50)
            {
                log.LogWarning("metadata of {Topic} unavailable ({Reason}); trying again", topic, ex.Error.Reason);
            }

            if (attempt >= 50)
            {
                throw new InvalidOperationException($"topic {topic} not found: create it (see docs/scale-out.md)");
            }

            Thread.Sleep(200);
        }
    }

    public static IProducer<byte[], byte[]> Producer(KafkaMonitorOptions options, string clientId, ILogger log)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            LingerMs = 0,
            ClientId = clientId,
            CompressionType = CompressionType.Lz4,
            MessageMaxBytes = Math.Max(options.MaxMessageBytes, 1024 * 1024),
        };
        foreach (var (key, value) in options.ClientSettings)
        {
            config.Set(key, value);
        }

        var clientLog = new KafkaLog(log, config);
        return new ProducerBuilder<byte[], byte[]>(config).SetLogHandler(clientLog.OnLog).SetErrorHandler(clientLog.OnError).Build();
    }

    /// <summary>A group-less consumer of the topic's one partition, positioned at its end as it stands now.</summary>
    public static IConsumer<byte[], byte[]> ConsumerAtEnd(KafkaMonitorOptions options, string topic, string clientId, ILogger log)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = clientId + "-" + Guid.NewGuid().ToString("N"),
            ClientId = clientId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            FetchWaitMaxMs = options.FetchWaitMaxMs,
            FetchMaxBytes = Math.Max(options.MaxMessageBytes, 1024 * 1024) * 2,
            MaxPartitionFetchBytes = Math.Max(options.MaxMessageBytes, 1024 * 1024) * 2,
        };
        foreach (var (key, value) in options.ClientSettings)
        {
            config.Set(key, value);
        }

        var clientLog = new KafkaLog(log, config);
        var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler(clientLog.OnLog).SetErrorHandler(clientLog.OnError).Build();
        var partition = new TopicPartition(topic, 0);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5)).High;
                consumer.Assign(new TopicPartitionOffset(partition, end));
                return consumer;
            }
            catch (KafkaException ex) when (attempt < 50)
            {
                log.LogWarning("system view: {Topic} not ready ({Reason}); trying again", topic, ex.Error.Reason);
                Thread.Sleep(200);
            }
        }
    }
}
