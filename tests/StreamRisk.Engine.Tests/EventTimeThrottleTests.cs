using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace StreamRisk.Engine.Tests;

public sealed class EventTimeThrottleTests
{
    [Fact]
    public void ThrottleLatest_OnEventTime_LeadingThenLatestAtIntervalEndAndUrgentAtOnce()
    {
        var clock = new EventClock();
        var emitted = new List<(long Time, string Item)>();
        using var source = new Subject<(string Item, bool Urgent)>();
        using var subscription = source.ThrottleLatest(TimeSpan.FromMilliseconds(100), x => x.Urgent, clock.Scheduler)
            .Subscribe(x => emitted.Add((clock.Now, x.Item)));

        void At(long time, string item, bool urgent = false)
        {
            clock.AdvanceTo(time);
            source.OnNext((item, urgent));
        }

        At(1_000, "a");          // quiet before: passes at once
        At(1_030, "b");          // held
        At(1_060, "c");          // replaces b
        At(1_250, "d");          // c went out at 1,100; d is 150 ms after: passes at once
        At(1_260, "e", urgent: true); // urgent: at once
        At(1_270, "f");          // held until 1,360
        clock.AdvanceTo(2_000);

        Assert.Equal([(1_000L, "a"), (1_100L, "c"), (1_250L, "d"), (1_260L, "e"), (1_360L, "f")], emitted);
    }

    [Fact]
    public void EventClock_TimeGoingBackwards_StaysPut()
    {
        var clock = new EventClock();
        clock.AdvanceTo(5_000);

        clock.AdvanceTo(4_000);

        Assert.Equal(5_000, clock.Now);
    }
}
