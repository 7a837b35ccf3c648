using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Kafka.ScaleOut;

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
        using var producer = new LadderProducer(kafka, Log);
        Log($"account stage: {producer.Partitions} ladders partition(s), group {kafka.GroupId}");

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                try
                {
                    PartitionOwnership.Run(kafka, partition => Start(partition, kafka, producer), Stop, Log, cancel);
                }
                finally
                {
                    Stop(Partitions);
                }

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

    private void Start(int partition, KafkaMonitorOptions kafka, LadderProducer producer)
    {
        lock (_gate)
        {
            if (_workers.ContainsKey(partition))
            {
                return;
            }

            Log($"account stage: running positions partition {partition} (rebuilt from the beginning)");
            _workers[partition] = new PartitionWorker(partition, _settings, kafka, producer, Log);
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

    private void Log(string line) => _output.WriteLine("streamrisk: " + line);

    /// <summary>One positions partition's engine: its accounts and every mark, in event-time order, on its own consume thread.</summary>
    private sealed class PartitionWorker : IDisposable
    {
        private readonly LadderProducer _producer;
        private readonly Action<string> _undeliveredSymbol;
        private readonly RiskEngine _engine;
        private readonly LadderUpdateEncoder _codec = new();
        private readonly IDisposable _subscription;
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Action<string> _log;
        // Symbols whose ladder update the producer reported lost (delivery-report thread in, engine thread out).
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _undelivered = new();
        private readonly HashSet<string> _republishing = new(StringComparer.Ordinal);
        private long _republishAt;
        private int _republishFailures;
        private (long Stage, long Sequence) _input = (long.MinValue, long.MaxValue);
        private long _applied;

        public PartitionWorker(int partition, MonitorSettings settings, KafkaMonitorOptions kafka, LadderProducer producer, Action<string> log)
        {
            Partition = partition;
            _producer = producer;
            _undeliveredSymbol = _undelivered.Enqueue;
            _log = log;
            _engine = new RiskEngine(settings.ToEngineOptions(), EngineLayout.AccountPartition(partition, Publish));
            var clock = new EventClock();
            // Marks are dead-lettered by the projector stage, which reads them too: here only this partition's positions.
            var applier = new EventApplier(_engine, clock, (result, reason, detail) =>
            {
                if (result.Topic == WireTopic.Positions)
                {
                    log($"account stage: positions[{partition}] offset {result.Offset} rejected: {reason}: {detail}");
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
                    if (message is { Kind: IngestKind.Message, Record.Value: { } value })
                    {
                        var time = PayloadEventTime.TryRead(value, out var t) ? t : Math.Max(0, _input.Stage);
                        _input = message.Order ?? (time, long.MaxValue);
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
            _producer.Publish(symbol, _codec.Encode(update, symbol), EventTimeMerge.Order(_input.Stage, _input.Sequence), _undeliveredSymbol);
        }

        /// <summary>Every update of every stage up to <paramref name="stage"/> is produced: say so in each ladders partition, after them.</summary>
        private void Progress(long stage)
        {
            RepublishUndelivered();
            _producer.Progress(Partition, stage);
        }

        /// <summary>
        /// Updates carry absolute totals of the buckets they change, so one the projector never got leaves it wrong until
        /// those buckets change again: for each symbol the producer reported lost, its whole state goes out again (on the
        /// engine thread, before the next input is applied and before the next progress marker).
        /// </summary>
        private void RepublishUndelivered()
        {
            if (_undelivered.IsEmpty)
            {
                _republishFailures = 0;
                return;
            }

            // Backoff while writes keep failing (a topic refused for a while): 50 ms, doubling, at most 5 s.
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (now < _republishAt)
            {
                return;
            }

            _republishFailures = Math.Min(_republishFailures + 1, 8);
            _republishAt = now + (System.Diagnostics.Stopwatch.Frequency * Math.Min(5_000, 50 << (_republishFailures - 1)) / 1_000);
            _republishing.Clear();
            while (_undelivered.TryDequeue(out var symbol))
            {
                if (_republishing.Add(symbol) && _engine.Catalog.TryGetIndex(new Domain.Symbol(symbol), out var instrument))
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
