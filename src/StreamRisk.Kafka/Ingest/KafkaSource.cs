using System.Diagnostics;
using System.Globalization;
using System.Reactive.Linq;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRisk.Contracts.Wire;

namespace StreamRisk.Kafka.Ingest;

/// <summary>
/// The monitor's Kafka input as an observable. One dedicated thread runs both consumers — the positions consumer
/// in the group (accounts split across instances by partition) and the market consumer assigned every partition of
/// the market topics (every instance needs every book and mark) — and calls OnNext synchronously, so the subscriber
/// applies each event on that thread (the engine's single writer) and <c>Consume</c> does not return to Kafka until
/// the event is applied: natural back-pressure. Offsets are stored only after OnNext returns (at-least-once).
/// </summary>
/// <remarks>
/// Rebuild on rebalance: the state of a partition lives only in memory, so newly assigned positions partitions are
/// read from the beginning (the topic is compacted in production) and revoked ones are announced so the subscriber
/// drops their accounts. Market topics are always read from the beginning at start for the same reason.
/// Fatal Kafka errors end the sequence with OnError; everything else is retried by the client.
/// </remarks>
public static class KafkaSource
{
    private const int MaxLinksPerBatch = 64;

    /// <summary>How long a consume call waits when nothing was read on the last turn.</summary>
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(1);

    /// <param name="stopped">Called on the consume thread once it has closed its consumers (offsets committed, group left):
    /// after disposing the subscription, wait for it before reading engine state or shutting down.</param>
    /// <param name="lag">Told, about once a second, each assigned partition's consumer lag (high watermark − position, from
    /// the client's cached watermarks: no broker round trip).</param>
    /// <param name="activities">Where the <c>process {topic}</c> spans go (one per drained batch, never per message);
    /// the caller owns the source. A batch continues the trace of its first message's W3C <c>traceparent</c> header and
    /// links the others'.</param>
    /// <param name="status">Where the consume thread publishes its progress for other threads (the health checks): loop
    /// turns, group assignment, the partitions still being read from the beginning, the lag.</param>
    public static IObservable<IngestedMessage> Create(KafkaMonitorOptions options, ILogger? log = null, Action? stopped = null,
        Action<string, int, long>? lag = null, ActivitySource? activities = null, SourceStatus? status = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Observable.Create<IngestedMessage>((observer, cancel) =>
        {
            var done = new TaskCompletionSource();
            var thread = new Thread(() =>
            {
                try
                {
                    Run(options, observer, log, lag, activities, status, cancel);
                    observer.OnCompleted();
                }
                catch (OperationCanceledException)
                {
                    observer.OnCompleted();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    observer.OnError(ex);
                }
                finally
                {
                    done.TrySetResult();
                    stopped?.Invoke();
                }
            })
            {
                IsBackground = true,
                Name = "streamrisk-engine",
            };
            thread.Start();
            return done.Task;
        });
    }

    private static void Run(KafkaMonitorOptions options, IObserver<IngestedMessage> observer, ILogger? log, Action<string, int, long>? lag,
        ActivitySource? activities, SourceStatus? status, CancellationToken cancel)
    {
        var topics = options.Topics;
        var kinds = Enum.GetValues<WireTopic>().ToDictionary(topics.Of, StringComparer.Ordinal);
        var accountStage = options.PositionsPartitions is not null;

        var ordering = options.EventTimeOrdering ? new Ordering(options.OrderingIdleRelease, options.OrderingStallRelease, log) : null;
        var clientLog = new KafkaLog(log, options.ClientSettings);
        var progress = new Progress(status, kinds);
        var reach = new Reach(options, log, status);
        using var positions = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(options, options.GroupId))
            .SetPartitionsAssignedHandler((consumer, assigned) =>
            {
                log?.LogInformation("assigned {Count} positions partition(s): {Partitions}", assigned.Count, string.Join(",", assigned.Select(p => p.Partition.Value)));
                ordering?.Assigned(assigned);
                progress.Assigned(consumer, assigned, positions: true);
                observer.OnNext(new IngestedMessage(IngestKind.PartitionsAssigned, default, assigned.Select(p => p.Partition.Value).ToList()));
                // Rebuild the accounts of these partitions from the start of the (compacted) topic.
                return assigned.Select(p => new TopicPartitionOffset(p, Offset.Beginning));
            })
            .SetPartitionsRevokedHandler((_, revoked) => Revoked(revoked.Select(p => p.TopicPartition).ToList(), lost: false))
            .SetPartitionsLostHandler((_, lost) => Revoked(lost.Select(p => p.TopicPartition).ToList(), lost: true))
            .SetLogHandler(clientLog.OnLog)
            .SetErrorHandler(clientLog.OnError)
            .Build();

        void Revoked(List<TopicPartition> partitions, bool lost)
        {
            log?.LogInformation("revoked {Count} positions partition(s): {Partitions}", partitions.Count, string.Join(",", partitions.Select(p => p.Partition.Value)));
            ordering?.Revoke(partitions);
            progress.Revoked(partitions, lost);
            observer.OnNext(new IngestedMessage(IngestKind.PartitionsRevoked, default, partitions.Select(p => p.Partition.Value).ToList()));
        }

        // The market consumer belongs to no group: it is assigned every partition and reads from the beginning.
        using var market = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(options, groupId: options.GroupId + "-market"))
            .SetLogHandler(clientLog.OnLog)
            .SetErrorHandler(clientLog.OnError)
            .Build();
        // Instruments first, to their end: every other message names a symbol, and a book, mark or position that
        // arrives before its instrument would be dead-lettered as unknown. Then everything else.
        var instruments = Partitions(market, [topics.Instruments], reach, progress, cancel);
        market.Assign(instruments);
        progress.Step($"reading topic {topics.Instruments} to its end");
        while (!cancel.IsCancellationRequested && !reach.Try(() => AtEnd(market, instruments), cancel))
        {
            Drain(market, kinds, observer, maxMessages: 512, firstTimeout: TimeSpan.FromMilliseconds(50), offsetsToStore: null, ordering, activities, cancel, hold: false);
        }

        // What each role reads besides instruments: the account stage (scale-out) marks and liquidations (a fill naming
        // one of its accounts settles with the fund there), the projector stage the market and the ladders, one process
        // the market (and the positions through the group, below).
        string[] marketTopics = accountStage ? [topics.Marks, topics.Liquidations]
            : options.Projector ? [topics.Book, topics.Marks, topics.Liquidations, topics.Insurance, topics.Ladders]
            : [topics.Book, topics.Marks, topics.Liquidations, topics.Insurance];
        var rest = Partitions(market, marketTopics, reach, progress, cancel);
        market.Assign(instruments.Select(p => new TopicPartitionOffset(p.TopicPartition, market.Position(p.TopicPartition))).Concat(rest));
        progress.Assigned(market, rest.Select(p => p.TopicPartition), positions: false);
        if (options.Projector)
        {
            var ladders = rest.Count(p => p.Topic == topics.Ladders);
            var sources = Partitions(market, [topics.Positions], reach, progress, cancel).Count;
            ordering?.Merge.GateOnLadders(sources, ladders);
            ordering?.Assigned([]);
            log?.LogInformation("projector stage: {Ladders} ladders partition(s), waiting on {Sources} account partition(s)", ladders, sources);
        }
        else if (accountStage)
        {
            // An account partition is read whole, outside the group (the caller owns it through the group): from the
            // beginning, so its state is rebuilt exactly as the previous owner had it.
            var own = options.PositionsPartitions!.Select(p => new TopicPartitionOffset(topics.Positions, p, Offset.Beginning)).ToList();
            positions.Assign(own);
            ordering?.Assigned(own.Select(p => p.TopicPartition));
            progress.Assigned(positions, own.Select(p => p.TopicPartition), positions: true);
        }
        else
        {
            positions.Subscribe(topics.Positions);
        }

        // Only the group waits for an assignment; the projector and an account partition have all they read.
        progress.Started(groupAssigned: options.Projector || accountStage);

        // The positions consumer's pending offset stores, reused by every drain (the loop allocates nothing per turn).
        var toStore = new List<ConsumeResult<byte[], byte[]>>(4);
        var lagReported = System.Diagnostics.Stopwatch.StartNew();
        var first = true;
        var idle = false;
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                status?.Turned();
                if ((lag is not null || status is not null) && (lagReported.Elapsed >= TimeSpan.FromSeconds(1) || first))
                {
                    first = false;
                    lagReported.Restart();
                    var measured = new LagMeasure();
                    ReportLag(positions, lag, ref measured);
                    ReportLag(market, lag, ref measured);
                    status?.Publish(new SourceLag(measured.Total, measured.Largest, measured.LargestLag));
                }

                progress.Check();

                // Market data first (it moves marks and books); both consumers share this one thread.
                // Two consumers on one thread cannot block on both. Only the market consumer ever waits, and only when
                // neither had anything last turn: a mark arriving then is taken the moment it lands, where a wait on
                // the positions consumer would hold it up to 1 ms (a share of the tick-to-alert tail). A busy
                // topic never waits behind an idle one (such a wait would cap ingest at 512 messages per wait).
                var fromMarket = Drain(market, kinds, observer, maxMessages: 512, firstTimeout: idle ? IdleWait : TimeSpan.Zero, offsetsToStore: null, ordering, activities, cancel);
                var fromPositions = Drain(positions, kinds, observer, maxMessages: 512, firstTimeout: TimeSpan.Zero,
                    offsetsToStore: accountStage ? null : toStore, ordering, activities, cancel, group: accountStage ? null : options.GroupId);
                idle = fromMarket == 0 && fromPositions == 0;
                ordering?.Step(positions, market, observer, cancel);
            }
        }
        finally
        {
            // Commit what was applied and leave the group cleanly so partitions move at once.
            try
            {
                positions.Close();
            }
            catch (KafkaException ex)
            {
                log?.LogWarning("close: {Reason}", ex.Error.Reason);
            }

            market.Close();
        }
    }

    /// <returns>How many messages were consumed.</returns>
    private static int Drain(IConsumer<byte[], byte[]> consumer, Dictionary<string, WireTopic> kinds, IObserver<IngestedMessage> observer,
        int maxMessages, TimeSpan firstTimeout, List<ConsumeResult<byte[], byte[]>>? offsetsToStore, Ordering? ordering, ActivitySource? activities,
        CancellationToken cancel, bool hold = true, string? group = null)
    {
        Activity? batch = null;
        ConsumeResult<byte[], byte[]>? first = null; // the batch's first message, while its span is recorded
        var mixed = false;
        var count = 0;
        // The last applied message of each partition; its offset is stored once when the drain ends, not per message:
        // a store is a native call that builds a partition list (in a profile of the bench's Kafka run the stores took
        // 60 % as long as applying every message). Offsets are "read up to", so the last one says it all. Null: this
        // consumer stores no offsets (it is in no group).
        offsetsToStore?.Clear();

        try
        {
            var timeout = firstTimeout;
            for (var i = 0; i < maxMessages; i++)
            {
                // Once the subscriber has gone, OnNext no longer applies anything: stop before consuming (and storing
                // the offset of) a message nobody applied.
                if (cancel.IsCancellationRequested)
                {
                    return count;
                }

                ConsumeResult<byte[], byte[]>? result;
                try
                {
                    result = consumer.Consume(timeout);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    // e.g. an unknown topic while it is being created: retried on the next turn.
                    return count;
                }

                if (result is null || result.IsPartitionEOF)
                {
                    return count;
                }

                timeout = TimeSpan.Zero;
                ordering?.Consumed(result);
                if (count++ == 0)
                {
                    if (activities is not null && activities.HasListeners())
                    {
                        // Empty polls make no span: it starts with the batch's first message and continues that message's trace.
                        KafkaTracing.TryExtract(result.Message.Headers, out var parent);
                        batch = activities.StartActivity("process " + result.Topic, ActivityKind.Consumer, parent);
                        if (batch is { IsAllDataRequested: true })
                        {
                            batch.SetTag("messaging.system", "kafka");
                            batch.SetTag("messaging.operation.type", "process");
                            batch.SetTag("messaging.operation.name", "process");
                            batch.SetTag("messaging.destination.name", result.Topic);
                            batch.SetTag("messaging.consumer.group.name", group);
                            first = result;
                        }
                    }
                }
                else if (first is not null)
                {
                    mixed |= !string.Equals(result.Topic, first.Topic, StringComparison.Ordinal);
                    // Every other traced message of the batch is linked (OpenTelemetry's batch convention), up to a bound:
                    // header parsing costs only while a listener records spans.
                    if (count <= MaxLinksPerBatch && KafkaTracing.TryExtract(result.Message.Headers, out var producer))
                    {
                        batch!.AddLink(new ActivityLink(producer));
                    }
                }

                if (kinds.TryGetValue(result.Topic, out var kind))
                {
                    if (hold && ordering is not null && ordering.TryHold(result, kind, fromGroup: offsetsToStore is not null))
                    {
                        continue; // applied (and its offset stored) when the merge lets it out
                    }

                    Emit(observer, result, kind);
                }

                if (offsetsToStore is not null && !cancel.IsCancellationRequested)
                {
                    Remember(offsetsToStore, result);
                }
            }
        }
        finally
        {
            if (offsetsToStore is not null)
            {
                foreach (var applied in offsetsToStore)
                {
                    try
                    {
                        consumer.StoreOffset(applied);
                    }
                    catch (KafkaException ex) when (!ex.Error.IsFatal)
                    {
                        // The partition was revoked later in this drain (a rebalance runs inside Consume), so its offset
                        // can no longer be stored. Nothing is lost: stored offsets only show the group's progress, and
                        // whoever is assigned a positions partition reads it from the beginning.
                    }
                }

                offsetsToStore.Clear(); // hold no consumed message until the next drain
            }

            if (batch is not null)
            {
                if (first is null)
                {
                    // Not recorded (a propagation-only sampling decision): nothing to describe.
                }
                else if (count > 1)
                {
                    batch.SetTag("messaging.batch.message_count", count);
                }
                else
                {
                    batch.SetTag("messaging.destination.partition.id", first.Partition.Value.ToString(CultureInfo.InvariantCulture));
                    batch.SetTag("messaging.kafka.offset", first.Offset.Value);
                }

                if (mixed)
                {
                    // The market consumer's batch spans several topics: the convention names such an operation alone.
                    batch.DisplayName = "process";
                    batch.SetTag("messaging.destination.name", null);
                }

                batch.Dispose();
            }
        }

        return count;
    }

    /// <summary>
    /// Hands a consumed message to the subscriber as the engine's input record: the one place Kafka's types end. A
    /// replay's epoch marker and an account partition's progress marker are the merge's business, never input.
    /// </summary>
    private static void Emit(IObserver<IngestedMessage> observer, ConsumeResult<byte[], byte[]> result, WireTopic topic)
    {
        var message = result.Message;
        if (message.Value is null && (EventTimeMerge.IsReplayControl(result) || EventTimeMerge.IsLadderProgress(result, out _, out _)))
        {
            return;
        }

        var record = new WireRecord(topic, message.Key, message.Value, result.Partition.Value, result.Offset.Value, message.Timestamp.UnixTimestampMs);
        observer.OnNext(IngestedMessage.Of(record, EventTimeMerge.ReplayOrderOf(result)));
    }

    private static void Remember(List<ConsumeResult<byte[], byte[]>> toStore, ConsumeResult<byte[], byte[]> result)
    {
        for (var i = 0; i < toStore.Count; i++)
        {
            if (toStore[i].Partition == result.Partition && string.Equals(toStore[i].Topic, result.Topic, StringComparison.Ordinal))
            {
                toStore[i] = result;
                return;
            }
        }

        toStore.Add(result);
    }

    private static List<TopicPartitionOffset> Partitions(IConsumer<byte[], byte[]> consumer, string[] wanted, Reach reach, Progress progress, CancellationToken cancel)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = new List<TopicPartitionOffset>();
        foreach (var topic in wanted)
        {
            // The topic may not exist yet (a fresh cluster): wait for it rather than fail.
            progress.Step($"waiting for topic {topic}");
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                progress.Turned();
                var metadata = reach.Try(() => admin.GetMetadata(topic, TimeSpan.FromSeconds(5)), cancel)?.Topics.FirstOrDefault();
                if (metadata is not null && metadata.Error.Code == ErrorCode.NoError && metadata.Partitions.Count > 0)
                {
                    partitions.AddRange(metadata.Partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
                    break;
                }

                Thread.Sleep(200);
            }
        }

        return partitions;
    }

    private static void ReportLag(IConsumer<byte[], byte[]> consumer, Action<string, int, long>? lag, ref LagMeasure measured)
    {
        foreach (var partition in consumer.Assignment)
        {
            var high = consumer.GetWatermarkOffsets(partition).High;
            var position = consumer.Position(partition);
            if (high != Offset.Unset && position != Offset.Unset)
            {
                var behind = Math.Max(0, high.Value - position.Value);
                lag?.Invoke(partition.Topic, partition.Partition.Value, behind);
                measured.Total += behind;
                if (behind > measured.LargestLag)
                {
                    measured.LargestLag = behind;
                    measured.Largest = string.Create(CultureInfo.InvariantCulture, $"{partition.Topic}[{partition.Partition.Value}]");
                }
            }
        }
    }

    private struct LagMeasure
    {
        public long Total;
        public string? Largest;
        public long LargestLag;
    }

    /// <summary>
    /// The consume thread's account of its progress, published to a <see cref="SourceStatus"/> (nothing without one):
    /// start-up's step, the group's assignment, and the partitions read from the beginning on assignment until each
    /// reaches the high watermark it had then — for a positions partition, its accounts rebuilt; for a market partition,
    /// every book and mark as of the start.
    /// </summary>
    private sealed class Progress(SourceStatus? status, Dictionary<string, WireTopic> kinds)
    {
        private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(100);
        private readonly List<Reading> _reading = [];
        private readonly SortedSet<int> _positions = [];
        private readonly Stopwatch _sinceCheck = Stopwatch.StartNew();
        private string? _step = "connecting to Kafka";
        private bool _groupAssigned;

        public void Turned() => status?.Turned();

        public void Step(string step)
        {
            _step = step;
            Publish();
        }

        public void Started(bool groupAssigned)
        {
            _step = null;
            _groupAssigned |= groupAssigned;
            Publish();
        }

        public void Assigned(IConsumer<byte[], byte[]> consumer, IEnumerable<TopicPartition> partitions, bool positions)
        {
            if (status is null)
            {
                return;
            }

            foreach (var partition in partitions)
            {
                _reading.RemoveAll(r => r.Partition == partition);
                _reading.Add(new Reading(consumer, partition, kinds.GetValueOrDefault(partition.Topic)));
                if (positions)
                {
                    _positions.Add(partition.Partition.Value);
                }
            }

            _groupAssigned |= positions;
            Publish();
        }

        public void Revoked(IReadOnlyCollection<TopicPartition> partitions, bool lost)
        {
            if (status is null)
            {
                return;
            }

            _reading.RemoveAll(r => partitions.Contains(r.Partition));
            foreach (var partition in partitions)
            {
                _positions.Remove(partition.Partition.Value);
            }

            // Lost (the session expired): the consumer joins again and waits for a new assignment.
            _groupAssigned &= !lost;
            Publish();
        }

        /// <summary>At most every 100 ms while a partition is still being read: a watermark query per partition, once.</summary>
        public void Check()
        {
            if (status is null || _reading.Count == 0 || _sinceCheck.Elapsed < CheckEvery)
            {
                return;
            }

            _sinceCheck.Restart();
            for (var i = _reading.Count - 1; i >= 0; i--)
            {
                var reading = _reading[i];
                try
                {
                    if (reading.Target < 0)
                    {
                        // Where the partition ended when it was assigned (a broker round trip, bounded).
                        var watermarks = reading.Consumer.QueryWatermarkOffsets(reading.Partition, TimeSpan.FromSeconds(1));
                        reading.Target = watermarks.High.Value;
                        if (watermarks.High.Value <= watermarks.Low.Value)
                        {
                            _reading.RemoveAt(i); // empty: nothing to read
                            continue;
                        }
                    }

                    var position = reading.Consumer.Position(reading.Partition);
                    reading.Position = position == Offset.Unset ? -1 : position.Value;
                    if (reading.Position >= reading.Target)
                    {
                        _reading.RemoveAt(i);
                    }
                }
                catch (KafkaException)
                {
                    // A broker busy or moving a leader: asked again at the next check.
                }
            }

            Publish();
        }

        private void Publish() => status?.Publish(new SourceProgress(_step, _groupAssigned, [.. _positions],
            [.. _reading.Select(r => new PartitionCatchUp(r.Kind, r.Partition.Topic, r.Partition.Partition.Value, r.Position, r.Target))]));

        private sealed class Reading(IConsumer<byte[], byte[]> consumer, TopicPartition partition, WireTopic kind)
        {
            public IConsumer<byte[], byte[]> Consumer { get; } = consumer;
            public TopicPartition Partition { get; } = partition;
            public WireTopic Kind { get; } = kind;
            public long Position { get; set; } = -1;
            public long Target { get; set; } = -1;
        }
    }

    /// <summary>
    /// Whether <paramref name="consumer"/> has read every one of <paramref name="partitions"/> to its high watermark (a
    /// broker round trip per partition; an empty partition counts as read). Throws <see cref="KafkaException"/> when a
    /// broker cannot answer.
    /// </summary>
    public static bool AtEnd(IConsumer<byte[], byte[]> consumer, IReadOnlyList<TopicPartitionOffset> partitions)
    {
        foreach (var p in partitions)
        {
            var high = consumer.QueryWatermarkOffsets(p.TopicPartition, TimeSpan.FromSeconds(5)).High;
            var position = consumer.Position(p.TopicPartition);
            if (high.Value > 0 && (position == Offset.Unset || position.Value < high.Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Start-up calls that need a broker (metadata, watermarks), retried with a growing wait while the brokers cannot be
    /// reached: a monitor started before its cluster, or during an outage, waits for it (a line per retry, the client's
    /// own lines rate-limited by <see cref="KafkaLog"/>) rather than exiting; <see cref="KafkaMonitorOptions.ConnectTimeout"/>
    /// bounds the wait. Consumption itself needs no help: the client reconnects by itself.
    /// </summary>
    private sealed class Reach(KafkaMonitorOptions options, ILogger? log, SourceStatus? status)
    {
        private static readonly TimeSpan FirstWait = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(30);
        private readonly Stopwatch _unreachable = new();
        private TimeSpan _wait = FirstWait;

        /// <summary>The call's result, or default once it failed for want of a broker and the wait before the next try is over.</summary>
        public T? Try<T>(Func<T> call, CancellationToken cancel)
        {
            status?.Turned();
            try
            {
                var result = call();
                _unreachable.Reset();
                _wait = FirstWait;
                return result;
            }
            catch (KafkaException ex) when (!ex.Error.IsFatal)
            {
                _unreachable.Start();
                if (options.ConnectTimeout > TimeSpan.Zero && _unreachable.Elapsed >= options.ConnectTimeout)
                {
                    throw new KafkaException(new Error(ex.Error.Code, string.Create(CultureInfo.InvariantCulture,
                        $"brokers {options.BootstrapServers} unreachable for {_unreachable.Elapsed.TotalSeconds:0} s ({ex.Error.Reason}); giving up (StreamRisk:Kafka:ConnectTimeoutMs)")));
                }

                log?.LogWarning("brokers {Brokers} not reachable ({Reason}) for {Seconds} s; retrying in {Wait} s", options.BootstrapServers, ex.Error.Reason,
                    Math.Round(_unreachable.Elapsed.TotalSeconds), Math.Round(_wait.TotalSeconds));
                // Waited a second at a time, each a turn: a thread waiting for its brokers is not a stalled one.
                for (var waited = TimeSpan.Zero; waited < _wait && !cancel.IsCancellationRequested; waited += TimeSpan.FromSeconds(1))
                {
                    cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(1) < _wait - waited ? TimeSpan.FromSeconds(1) : _wait - waited);
                    status?.Turned();
                }

                cancel.ThrowIfCancellationRequested();
                _wait = TimeSpan.FromTicks(Math.Min(_wait.Ticks * 2, LongestWait.Ticks));
                return default;
            }
        }
    }

    /// <summary>The consume thread's side of <see cref="EventTimeMerge"/>: when to release, and the watermark barrier.</summary>
    private sealed class Ordering(TimeSpan idleRelease, TimeSpan stallRelease, ILogger? log)
    {
        private readonly System.Diagnostics.Stopwatch _sinceReceived = System.Diagnostics.Stopwatch.StartNew();
        private readonly System.Diagnostics.Stopwatch _barrierAge = new();
        private readonly System.Diagnostics.Stopwatch _sinceStep = System.Diagnostics.Stopwatch.StartNew();
        private readonly List<(IConsumer<byte[], byte[]> Consumer, TopicPartition Partition, long Low, long High)> _targets = [];
        private readonly Dictionary<TopicPartition, long> _next = [];
        private bool _assigned;
        private long? _barrier;
        private long _releasedThrough = long.MinValue;
        private readonly System.Diagnostics.Stopwatch _gateWait = new();
        // How far each barrier target had been read when last seen to move, and since when: a fetch that stalls shows here.
        private readonly Dictionary<TopicPartition, (long Read, long Since)> _progress = [];
        private bool _stallWarned;

        public EventTimeMerge Merge { get; } = new();

        /// <summary>Notes how far a partition has been read (our own count: the client's position lags what it has handed out).</summary>
        public void Consumed(ConsumeResult<byte[], byte[]> result) => _next[result.TopicPartition] = result.Offset.Value + 1;

        /// <summary>The group gave this instance positions partitions (read again from the start): until then nothing can be ordered against them.</summary>
        public void Assigned(IEnumerable<TopicPartition> partitions)
        {
            _assigned = true;
            foreach (var partition in partitions)
            {
                _next.Remove(partition);
            }
        }

        public void Revoke(List<TopicPartition> partitions)
        {
            Merge.Revoke(partitions);
            foreach (var partition in partitions)
            {
                _next.Remove(partition);
            }
        }

        public bool TryHold(ConsumeResult<byte[], byte[]> result, WireTopic topic, bool fromGroup)
        {
            if (!Merge.TryHold(result, topic, fromGroup))
            {
                return false;
            }

            _sinceReceived.Restart();
            _stallWarned = false;
            return true;
        }

        public void Step(IConsumer<byte[], byte[]> group, IConsumer<byte[], byte[]> market, IObserver<IngestedMessage> observer, CancellationToken cancel)
        {
            // Quiet means quiet while this thread was looking: time spent blocked elsewhere (a group join, a slow
            // apply) says nothing about the input.
            if (_sinceStep.Elapsed > TimeSpan.FromMilliseconds(50))
            {
                _sinceReceived.Restart();
            }

            _sinceStep.Restart();
            // Nothing held can still mean news: a later stage was seen (a replay's end marker, or a stage with nothing
            // for this instance) — releasing it says the stages before it are complete here (the account stage's
            // progress markers depend on it).
            var stagesToClose = Merge.MaxStage != long.MinValue && Merge.MaxStage != long.MaxValue && Merge.MaxStage - 1 > _releasedThrough;
            if (!_assigned || (Merge.Count == 0 && !stagesToClose) || cancel.IsCancellationRequested)
            {
                return;
            }

            var gate = Merge.LadderGate;
            if (gate != long.MaxValue && Merge.NextStage >= gate)
            {
                // Say who is holding the projector up (an account partition with no running owner shows here).
                if (!_gateWait.IsRunning || _gateWait.Elapsed > TimeSpan.FromSeconds(10))
                {
                    if (_gateWait.IsRunning)
                    {
                        log?.LogInformation("ordering: waiting for account partition(s) {Partitions} to complete stage {Stage}; {Held} messages held", string.Join(",", Merge.SourcesBehind(Merge.NextStage).Take(20)), Merge.NextStage, Merge.Count);
                    }

                    _gateWait.Restart();
                }

                return; // projector stage: an account partition has not finished the next stage yet
            }

            _gateWait.Reset();

            if (_barrier is null)
            {
                if (Merge.NextStage < Merge.MaxStage || (Merge.Count == 0 && stagesToClose))
                {
                    Start(Merge.MaxStage, group, market);
                }
                else if (!Merge.SawReplayOrder && _sinceReceived.Elapsed >= idleRelease)
                {
                    // Quiet input: the latest stage is taken as complete (a replay flushes before it waits), but only
                    // what was seen by now goes out — messages arriving meanwhile wait for the next barrier.
                    Start(Merge.MaxStage == long.MaxValue ? long.MaxValue : Merge.MaxStage + 1, group, market);
                }
                else if (Merge.SawReplayOrder && Merge.Count > 0 && _sinceReceived.Elapsed >= stallRelease)
                {
                    // A replay's next epoch has not come for this long: its end marker was lost or its producer stopped
                    // mid-epoch. Holding on would stall the monitor for good; what is held goes out once every
                    // partition is read to its end (the barrier below), as on a stream without replay order.
                    if (!_stallWarned)
                    {
                        // Once a stall: a watermark query that fails is retried every turn, as for any barrier.
                        _stallWarned = true;
                        log?.LogWarning("ordering: {Held} messages of stage {Stage} held for {Seconds:0} s with nothing new and no later stage; releasing them once every partition is read to its end",
                            Merge.Count, Merge.NextStage, _sinceReceived.Elapsed.TotalSeconds);
                    }

                    Start(Merge.MaxStage == long.MaxValue ? long.MaxValue : Merge.MaxStage + 1, group, market);
                }

                return;
            }

            foreach (var (consumer, partition, low, high) in _targets)
            {
                if (!consumer.Assignment.Contains(partition))
                {
                    continue; // revoked meanwhile: nothing of it will be applied
                }

                var read = Math.Max(low, _next.GetValueOrDefault(partition));
                if (read < high)
                {
                    // Not yet read up to the barrier's watermark.
                    if (_barrierAge.Elapsed > TimeSpan.FromSeconds(10))
                    {
                        _barrierAge.Restart();
                        log?.LogInformation("ordering: still reading {Topic}[{Partition}] up to offset {High} (at {Read}); {Held} messages held", partition.Topic, partition.Partition.Value, high, read, Merge.Count);
                    }

                    Unstall(consumer, partition, read, high);
                    return;
                }
            }

            var barrier = Math.Min(_barrier.Value, Merge.LadderGate);
            _barrier = null;
            Merge.ReleaseBefore(barrier, held =>
            {
                Emit(observer, held.Result, held.Topic);
                if (held.FromGroup && !cancel.IsCancellationRequested)
                {
                    try
                    {
                        group.StoreOffset(held.Result);
                    }
                    catch (KafkaException)
                    {
                        // The partition moved on since: the new owner re-reads it anyway.
                    }
                }
            });
            if (barrier != long.MinValue && barrier - 1 > _releasedThrough)
            {
                _releasedThrough = barrier == long.MaxValue ? long.MaxValue : barrier - 1;
                observer.OnNext(new IngestedMessage(IngestKind.StagesReleased, default, [], _releasedThrough));
            }
        }

        /// <summary>
        /// A partition behind its end whose read position has not moved for <c>stallRelease</c>: its fetch is stuck (seen
        /// after leader moves with fetch errors). Seeking it to where it stands restarts the fetch; nothing is skipped.
        /// </summary>
        private void Unstall(IConsumer<byte[], byte[]> consumer, TopicPartition partition, long read, long high)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!_progress.TryGetValue(partition, out var progress) || progress.Read != read)
            {
                _progress[partition] = (read, now);
                return;
            }

            if (System.Diagnostics.Stopwatch.GetElapsedTime(progress.Since, now) < stallRelease)
            {
                return;
            }

            _progress[partition] = (read, now);
            log?.LogWarning("ordering: {Topic}[{Partition}] has stayed at offset {Read} (end {High}) for {Seconds:0} s; restarting its fetch",
                partition.Topic, partition.Partition.Value, read, high, stallRelease.TotalSeconds);
            try
            {
                consumer.Seek(new TopicPartitionOffset(partition, read));
            }
            catch (KafkaException ex)
            {
                log?.LogWarning("ordering: restarting the fetch of {Topic}[{Partition}] failed: {Reason}", partition.Topic, partition.Partition.Value, ex.Error.Reason);
            }
        }

        /// <summary>Everything earlier than <paramref name="barrier"/> is in the logs now: note how far each partition reaches.</summary>
        private void Start(long barrier, IConsumer<byte[], byte[]> group, IConsumer<byte[], byte[]> market)
        {
            _targets.Clear();
            foreach (var consumer in (IConsumer<byte[], byte[]>[])[group, market])
            {
                foreach (var partition in consumer.Assignment)
                {
                    WatermarkOffsets watermarks;
                    try
                    {
                        watermarks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5));
                    }
                    catch (KafkaException ex)
                    {
                        // A broker down or a leader moving: hold on (nothing is released early) and try again next turn.
                        if (_barrierAge.Elapsed > TimeSpan.FromSeconds(10) || !_barrierAge.IsRunning)
                        {
                            _barrierAge.Restart();
                            log?.LogWarning("ordering: watermarks of {Topic}[{Partition}] unavailable ({Reason}); holding {Held} messages", partition.Topic, partition.Partition.Value, ex.Error.Reason, Merge.Count);
                        }

                        return;
                    }

                    _targets.Add((consumer, partition, watermarks.Low.Value, watermarks.High.Value));
                }
            }

            _barrier = barrier;
            _barrierAge.Restart();
        }
    }

    private static ConsumerConfig ConsumerConfig(KafkaMonitorOptions options, string groupId)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = options.SessionTimeoutMs,
            HeartbeatIntervalMs = options.HeartbeatIntervalMs,
            EnablePartitionEof = false,
            // See KafkaMonitorOptions.FetchWaitMaxMs; Kafka:Settings:fetch.wait.max.ms still overrides it.
            FetchWaitMaxMs = options.FetchWaitMaxMs,
            FetchMaxBytes = Math.Max(options.MaxMessageBytes * 2, 1024 * 1024),
            ClientId = "streamrisk",
            // Incremental rebalances: a rebalance hands over only the partitions that move, so only their accounts are rebuilt.
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        };
        foreach (var (key, value) in options.ClientSettings)
        {
            config.Set(key, value);
        }

        return config;
    }
}
