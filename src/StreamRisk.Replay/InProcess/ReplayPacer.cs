namespace StreamRisk.Replay.InProcess;

/// <summary>
/// Holds a replay back to a multiple of real time (event time / speed against the wall clock); speed 0 = as fast as
/// possible. Only the wall-clock pace changes with speed — never what the engine sees — so outputs are identical.
/// </summary>
public sealed class ReplayPacer(double speed, TimeProvider time)
{
    private long _firstEventTime = -1;
    private long _wallStart;

    /// <summary>How long <see cref="WaitFor"/> would wait for <paramref name="eventTime"/> now.</summary>
    public TimeSpan DueIn(long eventTime) =>
        speed <= 0 || _firstEventTime < 0 ? TimeSpan.Zero
        : TimeSpan.FromMilliseconds((eventTime - _firstEventTime) / speed) - time.GetElapsedTime(_wallStart);

    public void WaitFor(long eventTime)
    {
        if (speed <= 0)
        {
            return;
        }

        if (_firstEventTime < 0)
        {
            _firstEventTime = eventTime;
            _wallStart = time.GetTimestamp();
            return;
        }

        var wait = TimeSpan.FromMilliseconds((eventTime - _firstEventTime) / speed) - time.GetElapsedTime(_wallStart);
        if (wait > TimeSpan.FromMilliseconds(1))
        {
            Thread.Sleep(wait);
        }
    }
}
