using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using StreamRisk.Domain.Alerts;

namespace StreamRisk.Engine;

/// <summary>
/// The projection pipeline: symbol touches from the engine → per-symbol event-time throttle → projection →
/// alert rules → outputs; and the system view (<see cref="SystemStage"/>) on its event-time cadence → the
/// SystemicCascadeRisk rule → outputs. Everything runs synchronously on the engine thread (the clock's timers fire
/// inside <see cref="EventClock.AdvanceTo"/>); outputs that cross threads do so through their own bounded channels.
/// </summary>
/// <remarks>
/// The system cadence: the first touch after a view (any change of any symbol's picture) schedules the next view at
/// the next multiple of <see cref="EngineOptions.SystemInterval"/> of event time; it is made when event time reaches
/// that boundary, before the event that reaches it is applied, and is stamped with the boundary. So a view reflects
/// every event before the boundary, nothing runs while nothing changes, and the same events give the same views at
/// any replay speed, in process or through Kafka. A view still due when the input ends is not forced out (as with
/// throttled projections). One process makes it from its own accounts; a scaled-out projector asks the account
/// partitions for theirs (<see cref="ISystemAccounts"/>).
/// </remarks>
public sealed class MonitorPipeline : IDisposable
{
    private readonly IDisposable _subscription;
    private readonly List<AlertTransition> _transitions = [];
    private readonly SerialDisposable _systemTimer = new();
    private readonly RiskEngine _engine;
    private readonly EventClock _clock;
    private readonly Action<SystemView>? _system;
    private readonly Action<AlertTransition> _alerts;
    private readonly Action<Exception> _errors;
    private readonly long _systemIntervalMs;
    private bool _systemDue;

    /// <param name="projected">Told how long each projection took (processing time, for telemetry); optional.</param>
    /// <param name="system">Told each system view; optional (the SystemicCascadeRisk rule runs on the views either way).</param>
    /// <param name="systemAccounts">Where the system view's accounts are when the engine holds none (a scaled-out projector); optional.</param>
    public MonitorPipeline(RiskEngine engine, EventClock clock, Action<SymbolRisk> risks, Action<AlertTransition> alerts, Action<Exception> errors,
        Action<TimeSpan>? projected = null, Action<SystemView>? system = null, ISystemAccounts? systemAccounts = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(risks);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(errors);
        _engine = engine;
        _clock = clock;
        _system = system;
        _alerts = alerts;
        _errors = errors;
        _systemIntervalMs = (long)engine.Options.SystemInterval.TotalMilliseconds;
        if (_systemIntervalMs > 0 && (engine.Layout.Role == EngineRole.OneProcess || (engine.Layout.Role == EngineRole.Projector && systemAccounts is not null)))
        {
            SystemStage = new SystemStage(engine, engine.Layout.Role == EngineRole.Projector ? systemAccounts : null);
        }

        var touches = SystemStage is null ? engine.Touches : engine.Touches.Do(_ => ScheduleSystem());
        _subscription = touches
            .GroupBy(t => t.Instrument)
            .SelectMany(symbol => symbol.ThrottleLatest(engine.Options.ProjectionInterval, t => t.Urgent, clock.Scheduler))
            .Subscribe(
                touch =>
                {
                    // One bad projection must not end the pipeline: report it and carry on with the next.
                    try
                    {
                        var started = Stopwatch.GetTimestamp();
                        var risk = engine.Project(touch.Instrument, Math.Max(touch.EventTime, clock.Now));
                        projected?.Invoke(Stopwatch.GetElapsedTime(started));
                        if (risk is null)
                        {
                            return;
                        }

                        risks(risk);
                        _transitions.Clear();
                        engine.Alerts.Evaluate(risk, _transitions);
                        foreach (var transition in _transitions)
                        {
                            alerts(transition);
                        }
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        errors(ex);
                    }
                },
                errors);
    }

    /// <summary>The system stage; null when <see cref="EngineOptions.SystemInterval"/> is zero, or the engine holds no accounts and has no <see cref="ISystemAccounts"/>.</summary>
    public SystemStage? SystemStage { get; }

    public void Dispose()
    {
        _subscription.Dispose();
        _systemTimer.Dispose();
    }

    private void ScheduleSystem()
    {
        if (_systemDue)
        {
            return;
        }

        _systemDue = true;
        var boundary = ((Math.Max(0, _clock.Now) / _systemIntervalMs) + 1) * _systemIntervalMs;
        _systemTimer.Disposable = _clock.Scheduler.Schedule(DateTimeOffset.FromUnixTimeMilliseconds(boundary), () => RunSystem(boundary));
    }

    private void RunSystem(long boundary)
    {
        _systemDue = false;
        try
        {
            if (SystemStage!.Run(boundary) is not { } view)
            {
                return;
            }

            _system?.Invoke(view);
            _transitions.Clear();
            _engine.Alerts.Evaluate(view, _transitions);
            foreach (var transition in _transitions)
            {
                _alerts(transition);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _errors(ex);
        }
    }
}
