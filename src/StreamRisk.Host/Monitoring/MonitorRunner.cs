using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain.Alerts;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;
using StreamRisk.Host.Dashboard;
using StreamRisk.Host.Logging;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Kafka.ScaleOut;
using StreamRisk.Redis;
using StreamRisk.Replay.InProcess;
using AlertMapping = StreamRisk.Contracts.Alerts.AlertMapping;
using MonitorHealth = StreamRisk.Host.Telemetry.MonitorHealth;

namespace StreamRisk.Host.Monitoring;

/// <summary>What a monitor run did, for the closing summary.</summary>
/// <param name="Failure">Why the run stopped early (an exception on the engine thread), or null when it was stopped.</param>
/// <param name="PublishFailures">Alerts and pictures that never reached Redis (dropped by the buffer's overflow policy or still buffered at shutdown).</param>
/// <param name="PublishRetries">Redis writes that failed and were tried again (an outage shows here, not as a failure).</param>
/// <param name="DeadLetterFailures">Dead letters the dead-letter topic did not take.</param>
public sealed record MonitorSummary(long EventsApplied, long DeadLettered, IReadOnlyDictionary<string, int> AlertsByRule, long AlertTransitions,
    long PublishFailures, long PublishRetries, long DeadLetterFailures, string? Failure = null);

/// <summary>
/// The live monitor, composed: Kafka source → decode/validate → risk engine (single writer, on the source's thread)
/// → projection pipeline → alert rules → Redis publisher (bounded buffer) and the console. Used by <c>run</c> and
/// <c>demo</c>. Runs until cancelled or until the Kafka source fails fatally. An exception while applying an event
/// ends the run too: logged at once, consumption stopped before that event's offset is stored (a restart reads it
/// again), and the summary carries it — never a consume thread that died while the process stays up.
/// Alert lines go to the output; diagnostics are log entries (<see cref="LogCategories"/>).
/// </summary>
public sealed class MonitorRunner
{
    private readonly MonitorSettings _settings;
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _logging;
    private readonly ILogger _log;
    private readonly Dictionary<string, int> _alertsByRule = new(StringComparer.Ordinal);
    private long _transitions;
    private long _processed;

    /// <param name="output">Where alert lines and the addresses of the dashboard go.</param>
    /// <param name="logging">Where diagnostics go; the caller owns it.</param>
    public MonitorRunner(MonitorSettings settings, TextWriter output, ILoggerFactory logging, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logging);
        _settings = settings;
        _output = TextWriter.Synchronized(output);
        _time = time;
        _logging = logging;
        _log = logging.CreateLogger(LogCategories.Monitor);
    }

    /// <summary>Echo alert transitions to the output (the demo does; a production run logs them only at warning and above).</summary>
    public bool EchoAlerts { get; init; } = true;

    /// <summary>Called with every risk snapshot and alert transition on the engine thread (the dashboard feeds from it).</summary>
    public Action<SymbolRisk>? RiskObserved { get; init; }

    public Action<AlertTransition>? AlertObserved { get; init; }

    /// <summary>Called with every system view on the engine thread.</summary>
    public Action<SystemView>? SystemObserved { get; init; }

    /// <summary>Input messages taken from Kafka and applied or dead-lettered so far, not counting ladder updates (readable from any thread).</summary>
    public long EventsProcessed => Volatile.Read(ref _processed);

    /// <summary>Files of every projection and alert transition (as <c>replay --out</c> writes them), when given.</summary>
    public ReplayOutputs? Outputs { get; init; }

    /// <summary>Where metrics and spans go; the runner makes (and disposes) its own when none is given.</summary>
    public Telemetry.StreamRiskTelemetry? Telemetry { get; init; }

    public async Task<MonitorSummary> RunAsync(CancellationToken cancel)
    {
        var ownTelemetry = Telemetry is null ? new Telemetry.StreamRiskTelemetry() : null;
        var telemetry = Telemetry ?? ownTelemetry!;
        using var disposeTelemetry = ownTelemetry;
        var lastInputTimestamp = -1L; // Kafka timestamp (ms) of the last applied message: where tick-to-alert starts
        var serving = !string.IsNullOrWhiteSpace(_settings.Dashboard.Urls);
        var kafkaLog = _logging.CreateLogger(LogCategories.Kafka);
        var deadLetterLog = _logging.CreateLogger(LogCategories.DeadLetters);
        var redisLog = _logging.CreateLogger(LogCategories.Redis);
        // The Kafka source publishes its progress here from the engine thread; the health checks read it from theirs.
        var sourceStatus = new SourceStatus();
        var health = new MonitorHealth(sourceStatus, _time, TimeSpan.FromMilliseconds(_settings.Health.StallTimeoutMs),
            _settings.Health.MaxLag, _settings.Role == Roles.Projector, !string.IsNullOrWhiteSpace(_settings.Redis.Configuration),
            line => _log.LogWarning("{Line}", line));
        ConnectionMultiplexer? redis = null;
        RedisAlertPublisher? publisher = null;
        if (!string.IsNullOrWhiteSpace(_settings.Redis.Configuration))
        {
            var redisOptions = RedisConnection.Options(_settings.Redis.Configuration, _settings.Redis.PasswordFile);
            // The client's own connection events (connects, failures, reconnects) under its categories.
            redisOptions.LoggerFactory = _logging;
            redis = await ConnectionMultiplexer.ConnectAsync(redisOptions).ConfigureAwait(false);
            publisher = new RedisAlertPublisher(redis, _time, Random.Shared, new RedisPublisherOptions { Prefix = _settings.Redis.Prefix, BufferCapacity = _settings.Redis.BufferCapacity, Log = line => redisLog.LogWarning("{Line}", line) });
            var observed = publisher;
            telemetry.ObserveRedis(() => observed.BufferDepth, () => observed.Retried);
            health.ObserveRedis(redis, publisher);
        }

        // Before the dashboard: operators' acknowledgements are shared through the same Redis.
        using var dashboard = serving ? new DashboardState(_time, sharedAcks: redis is null ? null : new RedisAlertAcks(redis, new Contracts.Alerts.AlertKeys(_settings.Redis.Prefix))) : null;
        if (dashboard is not null)
        {
            telemetry.ObserveDashboard(() => dashboard.LetGo, () => dashboard.Resumed);
        }
        await using var web = serving
            // Started whatever the token says: a stop requested during start-up (a very short demo) ends the run
            // normally below instead of failing it half-started.
            ? await global::StreamRisk.Host.Telemetry.MonitorWebHost.StartAsync(_settings.Dashboard.Urls, _settings.Dashboard.Token, CancellationToken.None, dashboard,
                _settings.Dashboard.AllowedHosts, telemetry.Meter.Name, health, _logging).ConfigureAwait(false)
            : null;
        if (web is not null)
        {
            // The token is never printed: whoever set it knows it (open the page with ?token=...).
            _output.WriteLine($"dashboard: {web.Url}/");
            _output.WriteLine($"metrics: {web.Url}/metrics   health: {web.Url}/healthz   ready: {web.Url}/readyz   api: {web.Url}/api/symbols, {web.Url}/api/system");
        }

        var kafka = _settings.ToKafkaOptions();
        // The projector stage's ladders come from the account stage instances; this process holds no accounts of its own.
        var engine = new RiskEngine(_settings.ToEngineOptions(), _settings.Role == Roles.Projector ? EngineLayout.Projector : EngineLayout.OneProcess);

        var clock = new EventClock();
        using var deadLetters = new DeadLetterProducer(kafka, kafkaLog, telemetry.Activities);
        // A scaled-out projector asks the account partitions for the system view's accounts, as of the input being applied.
        var inputStage = long.MinValue;
        using var systemExchange = _settings.Role == Roles.Projector && _settings.Engine.SystemIntervalMs > 0
            ? new SystemExchangeClient(kafka, ScaleOutClients.PartitionsOf(kafka, kafka.Topics.Positions, kafkaLog), kafkaLog, cancel)
            : null;
        var systemAccounts = systemExchange is null ? null : new RemoteSystemAccounts(systemExchange, () => inputStage);
        var logged = 0;
        var applier = new EventApplier(engine, clock, (result, reason, detail) =>
        {
            // The first few are logged with where they came from (the dead-letter topic has them all, with reasons).
            if (logged++ < 10)
            {
                deadLetterLog.LogWarning("dead-lettered {Topic}[{Partition}]@{Offset}: {Reason}: {Detail}", kafka.Topics.Of(result.Topic), result.Partition, result.Offset, reason, detail);
            }

            deadLetters.Send(result, reason, detail);
        }, new Contracts.Wire.WireDecoderOptions { MaxMessageBytes = kafka.MaxMessageBytes }, _time);
        applier.Counters.OnApplied = telemetry.EventApplied;
        deadLetters.DeadLettered = telemetry.DeadLettered;

        var alertStream = new Contracts.Alerts.AlertKeys(_settings.Redis.Prefix).Stream;
        var alertSendName = "send " + alertStream;
        var failure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? engineFailure = null;
        var consumeStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var pipeline = new MonitorPipeline(engine, clock,
            risk =>
            {
                Outputs?.Projection(risk);
                telemetry.RiskProjected(risk);
                RiskObserved?.Invoke(risk);
                dashboard?.Observe(risk);
                if (publisher is not null)
                {
                    Wait(publisher.PublishPictureAsync(AlertMapping.ToPicture(risk, engine.Alerts.OpenIds(risk.Symbol).ToList())), health);
                }
            },
            transition =>
            {
                Outputs?.Alert(transition);
                _transitions++;
                if (transition.State == AlertState.Raised)
                {
                    var rule = AlertMapping.RuleName(transition.Rule);
                    _alertsByRule[rule] = _alertsByRule.GetValueOrDefault(rule) + 1;
                }

                TimeSpan? tickToAlert = lastInputTimestamp < 0 ? null : TimeSpan.FromMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds() - lastInputTimestamp);
                telemetry.Alert(transition, tickToAlert);
                AlertObserved?.Invoke(transition);
                var wire = AlertMapping.ToWire(transition);
                dashboard?.Observe(wire);
                if (EchoAlerts)
                {
                    _output.WriteLine(ConsoleText.Visible(string.Create(CultureInfo.InvariantCulture,
                        $"alert {transition.State.ToString().ToLowerInvariant(),-9} {transition.Severity.ToString().ToLowerInvariant(),-8} {transition.Rule} {transition.Symbol} {transition.Qualifier}: {transition.Explanation}")));
                }

                if (publisher is not null)
                {
                    // Back-pressure on purpose: with the buffer full (Redis down for long), the engine thread waits
                    // and Kafka consumption pauses; nothing is dropped.
                    // A span per published transition (a boundary, not per event), around the hand-off to the publisher's
                    // buffer (the XADD itself is batched later, on the publisher's loop); its id travels in the alert JSON.
                    using var activity = telemetry.Activities.StartActivity(alertSendName, ActivityKind.Producer);
                    if (activity is { IsAllDataRequested: true })
                    {
                        activity.SetTag("messaging.system", "redis");
                        activity.SetTag("messaging.operation.type", "send");
                        activity.SetTag("messaging.operation.name", "send");
                        activity.SetTag("messaging.destination.name", alertStream);
                        activity.SetTag("streamrisk.rule", wire.Rule);
                        activity.SetTag("streamrisk.symbol", transition.Symbol);
                    }

                    Wait(publisher.PublishAsync(wire with { TraceParent = activity?.Id }), health);
                }
            },
            ex => _log.LogError("projection failed: {Error}", ex.Message),
            telemetry.Projected,
            view =>
            {
                Outputs?.System(view);
                telemetry.SystemProjected(view);
                SystemObserved?.Invoke(view);
                dashboard?.Observe(view);
            },
            systemAccounts);

        telemetry.ObserveLagAndBooks();
        health.EngineStarting();
        using var subscription = KafkaSource.Create(kafka, kafkaLog, () => consumeStopped.TrySetResult(), telemetry.Lag, telemetry.Activities, sourceStatus).Subscribe(
            message =>
            {
                try
                {
                    var applyStarted = Stopwatch.GetTimestamp();
                    if (systemAccounts is not null && message.Kind == IngestKind.Message)
                    {
                        inputStage = message.Order?.Stage ?? (PayloadEventTime.TryRead(message.Record.Value, out var time) ? time : inputStage);
                    }

                    applier.Apply(message);
                    if (message.Kind == IngestKind.Message)
                    {
                        var record = message.Record;
                        if (record.Topic != WireTopic.Ladders)
                        {
                            Volatile.Write(ref _processed, _processed + 1);
                        }

                        telemetry.Applied(applyStarted);
                        lastInputTimestamp = record.Timestamp;
                        if (record.Topic == WireTopic.Book && record.Key is { } key && applier.TryGetInstrument(key, out var index))
                        {
                            var symbol = engine.Catalog[index].Symbol.Value;
                            var stale = engine.BookOf(index)?.IsStale ?? true;
                            telemetry.BookUpdated(index, symbol, stale);
                            health.BookChecked(index, symbol, stale);
                        }
                    }
                }
                catch (Exception ex)
                {
                    // The engine's state may be half-changed: nothing more is applied. Thrown on, so the source stops
                    // without storing this event's offset; the run ends through engineFailure (the source's own
                    // OnError does not reach a subscriber whose OnNext threw).
                    var where = message.Kind == IngestKind.Message ? $"{kafka.Topics.Of(message.Record.Topic)}[{message.Record.Partition}]@{message.Record.Offset}" : message.Kind.ToString();
                    engineFailure = $"engine failed applying {where}: {ex.GetType().Name}: {ex.Message}";
                    _log.LogCritical("{Failure}", engineFailure);
                    health.Stopped(engineFailure);
                    failure.TrySetResult();
                    throw;
                }
            },
            ex =>
            {
                health.Stopped($"kafka: {ex.Message}");
                failure.TrySetException(ex);
            },
            () => failure.TrySetResult());
        using (cancel.Register(() => failure.TrySetResult()))
        {
            await failure.Task.ConfigureAwait(false);
        }

        subscription.Dispose();
        // The consume thread commits what was applied and leaves the group; the engine is quiet after that.
        try
        {
            await consumeStopped.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            kafkaLog.LogWarning("consumers did not close within 30 s; offsets of the last events may be re-read on restart");
        }
        if (publisher is not null)
        {
            using var flush = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await publisher.FlushAsync(flush.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                redisLog.LogError("alerts still buffered at shutdown (Redis unreachable)");
            }

            await publisher.DisposeAsync().ConfigureAwait(false);
        }

        if (redis is not null)
        {
            // The dashboard hears of acknowledgements through this connection: it stops listening before the connection goes.
            dashboard?.Acks.Dispose();
            await redis.DisposeAsync().ConfigureAwait(false);
        }

        return new MonitorSummary(applier.Counters.TotalApplied, applier.Counters.DeadLettered, _alertsByRule, _transitions,
            publisher?.Failed ?? 0, publisher?.Retried ?? 0, deadLetters.Failed, engineFailure);
    }

    /// <summary>Engine thread: waits for the publisher to take an item — at once unless its buffer is full (back-pressure).</summary>
    private static void Wait(ValueTask pending, MonitorHealth health)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            health.WaitingForRedis(true);
            try
            {
                pending.AsTask().GetAwaiter().GetResult();
            }
            finally
            {
                health.WaitingForRedis(false);
            }
        }
    }
}
