using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace StreamRisk.Host.Telemetry;

/// <summary>
/// A periodic health line for long runs (<c>demo --report-every 30s</c>, the soak run): managed heap and resident
/// memory, consumer lag, events applied, and apply and tick-to-alert latency percentiles over the interval — what must
/// stay flat for the monitor to keep up. Listens to the monitor's own instruments; never touches the engine.
/// </summary>
public sealed class HealthSampler : IDisposable
{
    private readonly StreamRiskTelemetry _telemetry;
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<double> _apply = [];
    private readonly List<double> _tickToAlert = [];
    private readonly long _started;
    private long _events;

    public HealthSampler(StreamRiskTelemetry telemetry, TextWriter output, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        _telemetry = telemetry;
        _output = output;
        _time = time;
        _started = time.GetTimestamp();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == telemetry.Meter && instrument.Name is StreamRiskTelemetry.ApplyDurationName or StreamRiskTelemetry.TickToAlertName or StreamRiskTelemetry.EventsAppliedName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (_gate)
            {
                // Seconds, as recorded; the row shows milliseconds.
                (instrument.Name == StreamRiskTelemetry.ApplyDurationName ? _apply : _tickToAlert).Add(value);
            }
        });
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _events, value));
        _listener.Start();
    }

    /// <summary>The rows printed so far (for the closing summary and tests).</summary>
    public List<HealthRow> Rows { get; } = [];

    /// <summary>Prints a row every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancel)
    {
        await _output.WriteLineAsync("health:   elapsed  heap MB   rss MB   consumer lag   events/s   apply p50/p99 ms   tick-to-alert p50/p99 ms").ConfigureAwait(false);
        try
        {
            while (true)
            {
                await Task.Delay(interval, _time, cancel).ConfigureAwait(false);
                Sample(interval);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Sample(TimeSpan interval)
    {
        double[] apply;
        double[] tick;
        lock (_gate)
        {
            apply = [.. _apply];
            tick = [.. _tickToAlert];
            _apply.Clear();
            _tickToAlert.Clear();
        }

        using var process = Process.GetCurrentProcess();
        var row = new HealthRow(
            _time.GetElapsedTime(_started),
            GC.GetTotalMemory(forceFullCollection: false) / 1e6,
            process.WorkingSet64 / 1e6,
            _telemetry.TotalLag,
            Interlocked.Exchange(ref _events, 0) / interval.TotalSeconds,
            Percentile(apply, 0.5) * 1000,
            Percentile(apply, 0.99) * 1000,
            Percentile(tick, 0.5) * 1000,
            Percentile(tick, 0.99) * 1000);
        Rows.Add(row);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"health: {row.Elapsed.TotalSeconds,8:0}s {row.HeapMb,8:0.0} {row.RssMb,8:0.0} {row.ConsumerLag,14:N0} {row.EventsPerSecond,10:N0}   {row.ApplyP50Ms,7:0.000}/{row.ApplyP99Ms,-8:0.000}   {row.TickToAlertP50Ms,7:0.0}/{row.TickToAlertP99Ms:0.0}"));
    }

    private static double Percentile(double[] values, double quantile)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(values);
        return values[Math.Min(values.Length - 1, (int)(quantile * values.Length))];
    }
}

/// <summary>One health sample.</summary>
public readonly record struct HealthRow(
    TimeSpan Elapsed, double HeapMb, double RssMb, long ConsumerLag, double EventsPerSecond, double ApplyP50Ms, double ApplyP99Ms, double TickToAlertP50Ms, double TickToAlertP99Ms);
