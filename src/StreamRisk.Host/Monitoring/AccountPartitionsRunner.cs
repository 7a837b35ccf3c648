using System.Text;
using Confluent.Kafka;
using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Host.Monitoring;

/// <summary>
/// The account stage of a scaled-out deployment (<c>run --role accounts</c>): joins the consumer group on the positions
/// topic, and for each positions partition the group gives it runs one partition engine — that partition's accounts
/// plus every mark, read from the beginning in event-time order — publishing the partition's ladder updates to the
/// ladders topic (keyed by symbol) and, after each released stage, a progress marker to every ladders partition.
/// </summary>
/// <remarks>
/// A partition engine's output is a function of its inputs: a partition that moves (an instance stopped or failed) is
/// rebuilt by its new owner from the beginning, which republishes the very updates with the very numbers; the projector
/// skips the ones it has. One engine per partition (not per instance) is what keeps that true whichever instance
/// owned what when. The group consumer itself reads nothing (its partitions are paused); it only says who owns what.
/// </remarks>
public sealed class AccountPartitionsRunner
{
    private readonly MonitorSettings _settings;
    private readonly TextWriter _output;
    private readonly Dictionary<int, PartitionWorker> _workers = [];
    private readonly object _gate = new();
    private long _appliedByStopped;

    public AccountPartitionsRunner(MonitorSettings settings, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        _settings = settings;
        _output = TextWriter.Synchronized(output);
    }

    /// <summary>Positions partitions this instance runs now.</summary>
    public IReadOnlyList<int> Partitions
    {
        get
        {
            lock (_gate)
            {
                return [.. _workers.Keys.Order()];
            }
        }
    }

    /// <summary>Events applied by every partition engine this instance ran.</summary>
    public long EventsApplied
    {
        get
        {
            lock (_gate)
            {
                return _appliedByStopped + _workers.Values.Sum(w => w.Applied);
            }
        }
    }

    /// <summary>Runs until <paramref name="cancel"/>; then leaves the group (partitions move at once) and stops its engines.</summary>
    public async Task<long> RunAsync(CancellationToken cancel)
    {
        var kafka = _settings.ToKafkaOptions();
        var producerConfig = new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
            ClientId = "streamrisk-accounts",
            MessageMaxBytes = Math.Max(kafka.MaxMessageBytes, 1024 * 1024),
        };
        foreach (var (key, value) in kafka.ClientSettings)
        {
            producerConfig.Set(key, value);
        }

        using var producer = new ProducerBuilder<byte[], byte[]>(producerConfig)
            .SetErrorHandler((_, e) => Log($"kafka producer: {e.Code}: {e.Reason}"))
            .Build();
        var ladderPartitions = LadderPartitions(producer, kafka);
        Log($"account stage: {ladderPartitions} ladders partition(s), group {kafka.GroupId}");

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Own(kafka, producer, ladderPartitions, cancel);
                done.TrySetResult();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "streamrisk-ownership",
        };
        thread.Start();
        await done.Task.ConfigureAwait(false);
        producer.Flush(TimeSpan.FromSeconds(10));
        return EventsApplied;
    }

    /// <summary>The group member: starts and stops partition engines as the group assigns and revokes partitions.</summary>
    private void Own(KafkaMonitorOptions kafka, IProducer<byte[], byte[]> producer, int ladderPartitions, CancellationToken cancel)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = kafka.GroupId,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = kafka.SessionTimeoutMs,
            HeartbeatIntervalMs = kafka.HeartbeatIntervalMs,
            ClientId = "streamrisk-ownership",
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        };
        foreach (var (key, value) in kafka.ClientSettings)
        {
            config.Set(key, value);
        }

        var pause = false;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetPartitionsAssignedHandler((_, assigned) =>
            {
                foreach (var partition in assigned)
                {
                    Start(partition.Partition.Value, kafka, producer, ladderPartitions);
                }

                pause = true;
            })
            .SetPartitionsRevokedHandler((_, revoked) => Stop(revoked.Select(p => p.Partition.Value)))
            .SetPartitionsLostHandler((_, lost) => Stop(lost.Select(p => p.Partition.Value)))
            .SetErrorHandler((_, e) => Log($"kafka: {e.Code}: {e.Reason}"))
            .Build();
        consumer.Subscribe(kafka.Topics.Positions);
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                // Polling keeps the membership alive and runs the handlers; the partitions themselves are read by the engines.
                consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (pause)
                {
                    pause = false;
                    consumer.Pause(consumer.Assignment);
                }
            }
        }
        finally
        {
            try
            {
                consumer.Close(); // leave the group: the partitions move to the other instances at once
            }
            catch (KafkaException ex)
            {
                Log($"kafka: close: {ex.Error.Reason}");
            }

            Stop(Partitions);
        }
    }

    private void Start(int partition, KafkaMonitorOptions kafka, IProducer<byte[], byte[]> producer, int ladderPartitions)
    {
        lock (_gate)
        {
            if (_workers.ContainsKey(partition))
            {
                return;
            }

            Log($"account stage: running positions partition {partition} (rebuilt from the beginning)");
            _workers[partition] = new PartitionWorker(partition, _settings, kafka, producer, ladderPartitions, Log);
        }
    }

    private void Stop(IEnumerable<int> partitions)
    {
        List<PartitionWorker> stopping;
        lock (_gate)
        {
            stopping = [];
            foreach (var partition in partitions.ToList())
            {
                if (_workers.Remove(partition, out var worker))
                {
                    stopping.Add(worker);
                }
            }
        }

        foreach (var worker in stopping)
        {
            Log($"account stage: stopping positions partition {worker.Partition}");
            worker.Dispose();
            Interlocked.Add(ref _appliedByStopped, worker.Applied);
        }
    }

    private static int LadderPartitions(IProducer<byte[], byte[]> producer, KafkaMonitorOptions kafka)
    {
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        for (var attempt = 0; ; attempt++)
        {
            var topic = admin.GetMetadata(kafka.Topics.Ladders, TimeSpan.FromSeconds(5)).Topics.FirstOrDefault();
            if (topic is { Error.Code: ErrorCode.NoError } && topic.Partitions.Count > 0)
            {
                return topic.Partitions.Count;
            }

            if (attempt >= 50)
            {
                throw new InvalidOperationException($"topic {kafka.Topics.Ladders} not found: create it (see README \"Scale-out\")");
            }

            Thread.Sleep(200);
        }
    }

    private void Log(string line) => _output.WriteLine("streamrisk: " + line);

    /// <summary>One positions partition's engine: its accounts and every mark, in event-time order, on its own consume thread.</summary>
    private sealed class PartitionWorker : IDisposable
    {
        private readonly IProducer<byte[], byte[]> _producer;
        private readonly string _ladders;
        private readonly int _ladderPartitions;
        private readonly RiskEngine _engine;
        private readonly LadderUpdateEncoder _codec = new();
        private readonly IDisposable _subscription;
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Action<string> _log;
        // Symbols whose ladder update the producer reported lost (delivery-report thread in, engine thread out).
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _undelivered = new();
        private (long Stage, long Sequence) _input = (long.MinValue, long.MaxValue);
        private long _applied;

        public PartitionWorker(int partition, MonitorSettings settings, KafkaMonitorOptions kafka, IProducer<byte[], byte[]> producer, int ladderPartitions,
            Action<string> log)
        {
            Partition = partition;
            _producer = producer;
            _ladders = kafka.Topics.Ladders;
            _ladderPartitions = ladderPartitions;
            _log = log;
            _engine = RiskEngine.ForAccountPartition(settings.ToEngineOptions(), partition);
            _engine.Accounts.Updates = Publish;
            var clock = new EventClock();
            var positionsTopic = kafka.Topics.Positions;
            // Marks are dead-lettered by the projector stage, which reads them too: here only this partition's positions.
            var applier = new EventApplier(_engine, clock, (result, reason, detail) =>
            {
                if (result.Topic == positionsTopic)
                {
                    log($"account stage: positions[{partition}] offset {result.Offset.Value} rejected: {reason}: {detail}");
                }
            }, new WireDecoderOptions { MaxMessageBytes = kafka.MaxMessageBytes })
            {
                StagesReleased = Progress,
            };
            var options = kafka with { PositionsPartitions = [partition], GroupId = $"{kafka.GroupId}-partition-{partition}", Projector = false };
            _subscription = KafkaSource.Create(options, line => log($"[positions {partition}] {line}"), () => _stopped.TrySetResult()).Subscribe(
                message =>
                {
                    RepublishUndelivered();
                    if (message.Result is { Message.Value: { } value } result)
                    {
                        var time = PayloadEventTime.TryRead(value, out var t) ? t : Math.Max(0, _input.Stage);
                        _input = EventTimeMerge.OrderOf(result, time);
                        Interlocked.Increment(ref _applied);
                    }

                    applier.Apply(message);
                },
                ex => log($"account stage: positions partition {partition} failed: {ex.Message}"));
        }

        public int Partition { get; }

        public long Applied => Interlocked.Read(ref _applied);

        private void Publish(LadderUpdate update)
        {
            var symbol = _engine.Catalog[update.Instrument].Symbol.Value;
            var message = new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(symbol),
                Value = _codec.Encode(update, symbol).ToArray(),
                Headers = [new Header(EventTimeMerge.LadderOrderHeader, EventTimeMerge.Order(_input.Stage, _input.Sequence))],
            };
            Produce(_ladders, message);
        }

        /// <summary>Every update of every stage up to <paramref name="stage"/> is produced: say so in each ladders partition, after them.</summary>
        private void Progress(long stage)
        {
            RepublishUndelivered();
            for (var q = 0; q < _ladderPartitions; q++)
            {
                var marker = new Message<byte[], byte[]>
                {
                    Key = [],
                    Value = null!,
                    Headers = [new Header(EventTimeMerge.LadderProgressHeader, EventTimeMerge.LadderProgress(Partition, stage))],
                };
                Produce(new TopicPartition(_ladders, q), marker);
            }
        }

        private void Produce(string topic, Message<byte[], byte[]> message) => Produce(() => _producer.Produce(topic, message, Report));

        private void Produce(TopicPartition partition, Message<byte[], byte[]> message) => Produce(() => _producer.Produce(partition, message, Report));

        /// <summary>Back-pressure: with the producer's queue full the engine waits for it rather than drop an update.</summary>
        private void Produce(Action produce)
        {
            while (true)
            {
                try
                {
                    produce();
                    return;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    _producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        /// <summary>
        /// Updates carry absolute totals of the buckets they change, so one the projector never got leaves it wrong until
        /// those buckets change again: the symbol's whole state goes out again (on the engine thread, before the next
        /// input is applied and before the next progress marker). A lost progress marker needs nothing: the next one says more.
        /// </summary>
        private void Report(DeliveryReport<byte[], byte[]> report)
        {
            if (!report.Error.IsError)
            {
                return;
            }

            if (report.Message.Key is { Length: > 0 } key)
            {
                _undelivered.Enqueue(Encoding.UTF8.GetString(key));
                _log($"account stage: ladder update to {report.TopicPartition} not delivered ({report.Error.Reason}); the symbol's whole ladder goes again");
            }
            else
            {
                _log($"account stage: progress marker to {report.TopicPartition} not delivered: {report.Error.Reason}");
            }
        }

        private void RepublishUndelivered()
        {
            while (_undelivered.TryDequeue(out var symbol))
            {
                if (_engine.Catalog.TryGetIndex(new Domain.Symbol(symbol), out var instrument))
                {
                    _engine.Accounts.Republish(instrument);
                }
            }
        }

        public void Dispose()
        {
            _subscription.Dispose();
            _stopped.Task.Wait(TimeSpan.FromSeconds(30));
        }
    }
}
