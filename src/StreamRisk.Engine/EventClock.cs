using System.Reactive.Concurrency;

namespace StreamRisk.Engine;

/// <summary>
/// Event time as an Rx scheduler: a virtual-time scheduler that the engine thread advances to each event's timestamp
/// before applying it, so every time-based operator (throttles, windows) runs on event time — live and replay alike.
/// Event times that go backwards (partitions interleave) leave the clock where it is. Single writer.
/// </summary>
public sealed class EventClock
{
    private readonly HistoricalScheduler _scheduler = new(DateTimeOffset.UnixEpoch);

    public IScheduler Scheduler => _scheduler;

    /// <summary>Current event time, Unix milliseconds.</summary>
    public long Now => _scheduler.Now.ToUnixTimeMilliseconds();

    /// <summary>Moves event time forward (running any timers that fall due, on this thread); never backwards.</summary>
    public void AdvanceTo(long unixMilliseconds)
    {
        var target = DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
        if (target > _scheduler.Now)
        {
            _scheduler.AdvanceTo(target);
        }
    }
}
