namespace StreamRisk.Engine;

/// <summary>
/// (event time, value) samples over a sliding window of event time: running sum, first value and maximum. Used for
/// realized liquidations per second, the mark's move and peak book depth. Amortised O(1) per sample; the queue only
/// allocates while it grows. Single writer.
/// </summary>
internal sealed class TimeWindow(TimeSpan window)
{
    private readonly Queue<(long Time, double Value)> _samples = new();
    private readonly long _windowMs = (long)window.TotalMilliseconds;

    public double Sum { get; private set; }

    public void Add(long time, double value)
    {
        _samples.Enqueue((time, value));
        Sum += value;
        Trim(time);
    }

    public void Trim(long now)
    {
        while (_samples.Count > 0 && _samples.Peek().Time < now - _windowMs)
        {
            Sum -= _samples.Dequeue().Value;
        }

        if (_samples.Count == 0)
        {
            Sum = 0; // no drift from repeated add/subtract
        }
    }

    /// <summary>Oldest value still in the window, or NaN.</summary>
    public double First => _samples.Count > 0 ? _samples.Peek().Value : double.NaN;

    public double Max()
    {
        var max = double.NaN;
        foreach (var (_, value) in _samples)
        {
            if (double.IsNaN(max) || value > max)
            {
                max = value;
            }
        }

        return max;
    }

    public double WindowSeconds => _windowMs / 1000.0;
}
