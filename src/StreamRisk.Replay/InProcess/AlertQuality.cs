using System.Globalization;
using StreamRisk.Domain.Alerts;

namespace StreamRisk.Replay.InProcess;

/// <summary>
/// How noisy a run's alerts are, from its transitions alone (event time): transitions per minute (the mean over the
/// span and the busiest whole minute), alerts by the highest severity they reached, and the critical alerts that
/// lived less than <see cref="ShortLived"/> from raise to resolve. The measure behind the alert-quality targets
/// (docs/domain.md, "Alert rules"): a replay prints it, and the bench's <c>alerts</c> part reports it on a simulated hour.
/// </summary>
public sealed class AlertQuality
{
    /// <summary>A critical alert resolved sooner than this after it was raised counts as short-lived.</summary>
    public static readonly TimeSpan ShortLived = TimeSpan.FromSeconds(2);

    private readonly Dictionary<long, int> _perMinute = [];
    private readonly Dictionary<string, AlertSeverity> _highest = new(StringComparer.Ordinal);
    private readonly Dictionary<AlertSeverity, int> _bySeverity = [];
    private long _first = long.MaxValue, _last = long.MinValue;

    /// <summary>Transitions counted.</summary>
    public long Transitions { get; private set; }

    /// <summary>Alerts resolved that had reached critical.</summary>
    public int CriticalResolved { get; private set; }

    /// <summary>Of those, resolved under <see cref="ShortLived"/> after their raise.</summary>
    public int CriticalShortLived { get; private set; }

    /// <summary>The busiest minute of event time (counted from the first transition's minute): its transitions.</summary>
    public int MaxPerMinute { get; private set; }

    public void Add(AlertTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        Transitions++;
        _first = Math.Min(_first, transition.EventTime);
        _last = Math.Max(_last, transition.EventTime);
        var minute = Math.DivRem(transition.EventTime, 60_000L).Quotient;
        var count = _perMinute[minute] = _perMinute.GetValueOrDefault(minute) + 1;
        MaxPerMinute = Math.Max(MaxPerMinute, count);

        var highest = _highest.TryGetValue(transition.Id, out var seen) ? (AlertSeverity)Math.Max((int)seen, (int)transition.Severity) : transition.Severity;
        if (transition.State == AlertState.Resolved)
        {
            _highest.Remove(transition.Id);
            _bySeverity[highest] = _bySeverity.GetValueOrDefault(highest) + 1;
            if (highest == AlertSeverity.Critical)
            {
                CriticalResolved++;
                if (transition.EventTime - transition.RaisedAt < (long)ShortLived.TotalMilliseconds)
                {
                    CriticalShortLived++;
                }
            }
        }
        else
        {
            _highest[transition.Id] = highest;
        }
    }

    /// <summary>Transitions per minute over <paramref name="span"/> (the run's event time; at least a minute).</summary>
    public double PerMinute(TimeSpan span) => Transitions / Math.Max(1, span.TotalMinutes);

    /// <summary>Alerts by the highest severity they reached: resolved ones and those still open.</summary>
    public IReadOnlyDictionary<AlertSeverity, int> BySeverity()
    {
        var counts = new Dictionary<AlertSeverity, int>(_bySeverity);
        foreach (var severity in _highest.Values)
        {
            counts[severity] = counts.GetValueOrDefault(severity) + 1;
        }

        return counts;
    }

    /// <summary>One line: per-minute rates over <paramref name="span"/>, severities, short-lived critical alerts.</summary>
    public string Describe(TimeSpan span)
    {
        var severities = BySeverity();
        return string.Create(CultureInfo.InvariantCulture,
            $"{PerMinute(span):0.0} alert transitions a minute (busiest minute {MaxPerMinute}); alerts by highest severity: info {severities.GetValueOrDefault(AlertSeverity.Info)}, warning {severities.GetValueOrDefault(AlertSeverity.Warning)}, critical {severities.GetValueOrDefault(AlertSeverity.Critical)}; critical alerts resolved under {ShortLived.TotalSeconds:0} s: {CriticalShortLived} of {CriticalResolved}");
    }
}
