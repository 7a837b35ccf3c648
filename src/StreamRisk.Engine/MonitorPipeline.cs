using System.Reactive.Linq;
using StreamRisk.Domain.Alerts;

namespace StreamRisk.Engine;

/// <summary>
/// The projection pipeline: symbol touches from the engine → per-symbol event-time throttle → projection →
/// alert rules → outputs. Everything runs synchronously on the engine thread (the clock's timers fire inside
/// <see cref="EventClock.AdvanceTo"/>); outputs that cross threads do so through their own bounded channels.
/// </summary>
public sealed class MonitorPipeline : IDisposable
{
    private readonly IDisposable _subscription;
    private readonly List<AlertTransition> _transitions = [];

    /// <param name="projected">Told how long each projection took (processing time, for telemetry); optional.</param>
    public MonitorPipeline(RiskEngine engine, EventClock clock, Action<SymbolRisk> risks, Action<AlertTransition> alerts, Action<Exception> errors,
        Action<TimeSpan>? projected = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(risks);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(errors);
        _subscription = engine.Touches
            .GroupBy(t => t.Instrument)
            .SelectMany(symbol => symbol.ThrottleLatest(engine.Options.ProjectionInterval, t => t.Urgent, clock.Scheduler))
            .Subscribe(
                touch =>
                {
                    // One bad projection must not end the pipeline: report it and carry on with the next.
                    try
                    {
                        var started = System.Diagnostics.Stopwatch.GetTimestamp();
                        var risk = engine.Project(touch.Instrument, Math.Max(touch.EventTime, clock.Now));
                        projected?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
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

    public void Dispose() => _subscription.Dispose();
}
