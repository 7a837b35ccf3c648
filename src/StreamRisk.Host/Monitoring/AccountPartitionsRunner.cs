using Microsoft.Extensions.Logging;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;
using StreamRisk.Host.Logging;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Kafka.ScaleOut;

namespace StreamRisk.Host.Monitoring;

/// <summary>
/// The account stage of a scaled-out deployment (<c>run --role accounts</c>): joins the consumer group on the positions
/// topic, and for each positions partition the group gives it runs one partition engine — that partition's accounts
/// plus every mark and liquidation fill, read from the beginning in event-time order — publishing the partition's
/// ladder updates (with the fund settlements of fills naming its accounts) to the ladders topic (keyed by symbol) and,
/// after each released stage, a progress marker to every ladders partition.
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
    private readonly ILogger _log;
    private readonly ILogger _kafkaLog;
    private readonly Dictionary<int, PartitionWorker> _workers = [];
    private readonly object _gate = new();
    private long _appliedByStopped;

    /// <param name="logging">Where diagnostics go; the caller owns it.</param>
    public AccountPartitionsRunner(MonitorSettings settings, ILoggerFactory logging)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logging);
        _settings = settings;
        _log = logging.CreateLogger(LogCategories.Accounts);
        _kafkaLog = logging.CreateLogger(LogCategories.Kafka);
    }

    /// <summary>Where the partition engines' batch spans and the ladder updates' producer spans go; none: no spans, no trace headers.</summary>
    public System.Diagnostics.ActivitySource? Activities { get; init; }

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
        using var producer = new LadderProducer(kafka, _kafkaLog, Activities);
        _log.LogInformation("account stage: {Partitions} ladders partition(s), group {Group}", producer.Partitions, kafka.GroupId);
        // The system view's requests, answered from each partition's accounts as of the view (docs/scale-out.md).
        using var system = _settings.Engine.SystemIntervalMs > 0 ? new SystemExchangeServer(kafka, Answer, _kafkaLog) : null;

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                try
                {
                    PartitionOwnership.Run(kafka, partition => Start(partition, kafka, producer), Stop, _kafkaLog, cancel);
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

            _log.LogInformation("account stage: running positions partition {Partition} (rebuilt from the beginning)", partition);
            _workers[partition] = new PartitionWorker(partition, _settings, kafka, producer, _log, _kafkaLog, Activities);
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
            _log.LogInformation("account stage: stopping positions partition {Partition}", worker.Partition);
            worker.Dispose();
            Interlocked.Add(ref _appliedByStopped, worker.Applied);
        }
    }

    /// <summary>One reply per partition this instance runs, each once the partition has applied everything up to the request's stage.</summary>
    private IEnumerable<ShareReply> Answer(ShareRequest request, CancellationToken cancel)
    {
        List<PartitionWorker> workers;
        lock (_gate)
        {
            workers = [.. _workers.Values.OrderBy(w => w.Partition)];
        }

        foreach (var worker in workers)
        {
            var responder = worker.ResponderFor(request, cancel);
            if (responder is null)
            {
                continue;
            }

            var answers = new ShareAnswer[request.Questions.Count];
            for (var q = 0; q < answers.Length; q++)
            {
                answers[q] = responder.Answer(request.Questions[q]);
            }

            yield return new ShareReply(request.View, request.Exchange, worker.Partition, responder.Share.AccountCount,
                request.Largest > 0 ? responder.LargestAccounts(request.Largest) : [], answers);
        }
    }

    /// <summary>One positions partition's engine: its accounts and every mark, in event-time order, on its own consume thread.</summary>
    private sealed class PartitionWorker : IDisposable
    {
        private readonly LadderProducer _producer;
        private readonly Action<string> _undeliveredSymbol;
        private readonly RiskEngine _engine;
        private readonly LadderUpdateEncoder _codec = new();
        private readonly IDisposable _subscription;
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ILogger _log;
        // Symbols whose ladder update the producer reported lost (delivery-report thread in, engine thread out).
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _undelivered = new();
        private readonly HashSet<string> _republishing = new(StringComparer.Ordinal);
        private long _republishAt;
        private int _republishFailures;
        private (long Stage, long Sequence) _input = (long.MinValue, long.MaxValue);
        private long _applied;

        // The system view (docs/scale-out.md): the engine's state is written on the consume thread and read, under this
        // lock, by the system answers; the accounts are kept as they stood at each cadence boundary an input passed.
        private readonly object _state = new();
        private readonly EventClock _clock;
        private readonly long _systemIntervalMs;
        private readonly Domain.Margin.MarginProfile _profile;
        private readonly List<(long After, long Through, AccountsSnapshot Accounts)> _snapshots = [];
        private AccountsSnapshot? _latest;
        private long _version;
        private long _latestVersion = -1;
        private long _released = long.MinValue;
        private volatile bool _disposed;
        private (long View, long Stage, PortfolioShareResponder Responder)? _answering;

        public PartitionWorker(int partition, MonitorSettings settings, KafkaMonitorOptions kafka, LadderProducer producer, ILogger log, ILogger kafkaLog,
            System.Diagnostics.ActivitySource? activities)
        {
            Partition = partition;
            _producer = producer;
            _undeliveredSymbol = _undelivered.Enqueue;
            _log = log;
            var engineOptions = settings.ToEngineOptions();
            _engine = new RiskEngine(engineOptions, EngineLayout.AccountPartition(partition, Publish));
            _systemIntervalMs = (long)engineOptions.SystemInterval.TotalMilliseconds;
            _profile = engineOptions.Profile;
            var clock = new EventClock();
            _clock = clock;
            // Marks and liquidations are dead-lettered by the projector stage, which reads them too: here only this
            // partition's positions.
            var applier = new EventApplier(_engine, clock, (result, reason, detail) =>
            {
                if (result.Topic == WireTopic.Positions)
                {
                    log.LogWarning("account stage: positions[{Partition}] offset {Offset} rejected: {Reason}: {Detail}", partition, result.Offset, reason, detail);
                }
            }, new WireDecoderOptions { MaxMessageBytes = kafka.MaxMessageBytes })
            {
                StagesReleased = Progress,
            };
            var options = kafka with { PositionsPartitions = [partition], GroupId = $"{kafka.GroupId}-partition-{partition}", Projector = false };
            _subscription = KafkaSource.Create(options, new PrefixedLogger(kafkaLog, $"[positions {partition}] "), () => _stopped.TrySetResult(), activities: activities).Subscribe(
                message =>
                {
                    RepublishUndelivered();
                    lock (_state)
                    {
                        if (message is { Kind: IngestKind.Message, Record.Value: { } value })
                        {
                            var time = PayloadEventTime.TryRead(value, out var t) ? t : Math.Max(0, _input.Stage);
                            _input = message.Order ?? (time, long.MaxValue);
                            Interlocked.Increment(ref _applied);
                            KeepAccountsAtBoundaries(time);
                            if (message.Record.Topic is not (WireTopic.Marks or WireTopic.Liquidations))
                            {
                                // Accounts or instruments may change; marks and fills do not touch what a view reads of them.
                                _version++;
                            }
                        }

                        applier.Apply(message);
                    }
                },
                ex => log.LogError("account stage: positions partition {Partition} failed: {Error}", partition, ex.Message));
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
            Volatile.Write(ref _released, stage);
        }

        /// <summary>
        /// A view at boundary B reflects every input before the first at or after B: before an input that passes one or
        /// more boundaries is applied, the accounts as they stand serve every boundary it passes (a copy taken only when
        /// something but a mark was applied since the last). Under <c>_state</c>.
        /// </summary>
        private void KeepAccountsAtBoundaries(long time)
        {
            var now = _clock.Now;
            if (_systemIntervalMs <= 0 || time <= now || time / _systemIntervalMs <= Math.Max(0, now) / _systemIntervalMs)
            {
                return;
            }

            _snapshots.Add((now, time, Current()));
        }

        private AccountsSnapshot Current()
        {
            if (_latest is null || _latestVersion != _version)
            {
                _latest = AccountsSnapshot.Of(_engine.Margins, _engine.Catalog);
                _latestVersion = _version;
            }

            return _latest;
        }

        /// <summary>
        /// The partition's accounts as of a view, ready to answer it: waits until the partition has applied every input up
        /// to the request's stage; null if the partition stopped meanwhile or no longer has the view's accounts.
        /// </summary>
        public PortfolioShareResponder? ResponderFor(ShareRequest request, CancellationToken cancel)
        {
            if (_answering is { } current && current.View == request.View && current.Stage == request.Stage)
            {
                return current.Responder;
            }

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (Volatile.Read(ref _released) < request.Stage)
            {
                if (_disposed || cancel.IsCancellationRequested)
                {
                    return null;
                }

                if (waited.Elapsed > TimeSpan.FromSeconds(10))
                {
                    waited.Restart();
                    _log.LogInformation("system view {View}: positions partition {Partition} still applying up to stage {Stage} (at {Released})", request.View, Partition, request.Stage, Volatile.Read(ref _released));
                }

                Thread.Sleep(2);
            }

            AccountsSnapshot? accounts = null;
            lock (_state)
            {
                // Views come in order: the accounts of boundaries before this one are no longer asked for.
                _snapshots.RemoveAll(s => s.Through < request.View);
                foreach (var (after, through, snapshot) in _snapshots)
                {
                    if (after < request.View && request.View <= through)
                    {
                        accounts = snapshot;
                        break;
                    }
                }

                // No input of the partition has reached the boundary yet: its accounts now are those of the view.
                if (accounts is null && _clock.Now < request.View)
                {
                    accounts = Current();
                }
            }

            if (accounts is null)
            {
                _log.LogWarning("system view {View}: positions partition {Partition} no longer holds its accounts as of then; not answered", request.View, Partition);
                return null;
            }

            var responder = new PortfolioShareResponder(accounts.Share(_profile, request.Symbols, request.Marks));
            _answering = (request.View, request.Stage, responder);
            return responder;
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
            _disposed = true;
            _subscription.Dispose();
            _stopped.Task.Wait(TimeSpan.FromSeconds(30));
        }
    }
}
