using StreamRisk.Kafka.Capture;

namespace StreamRisk.Kafka.Tests.Capture;

public sealed class EventTimeAlignmentTests
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(5);

    [Fact]
    public void Offer_RecordFarAheadOfABehindInput_HeldUntilThatInputComesWithinTheSlack()
    {
        var time = new ManualTime();
        var alignment = new EventTimeAlignment<string>(2, Slack, IdleAfter, time);
        var ready = new List<(string Record, long EventTime)>();
        var resume = new List<int>();
        alignment.SetBehind(1, false);

        Assert.True(alignment.Offer(0, 0, "a0"));
        Assert.False(alignment.Offer(1, 10_000, "b10"));
        for (var t = 1_000L; t < 9_000; t += 1_000)
        {
            Assert.True(alignment.Offer(0, t, $"a{t}"));
            alignment.Release(ready, resume);
            Assert.Empty(ready);
        }

        Assert.True(alignment.Offer(0, 9_000, "a9"));
        alignment.Release(ready, resume);

        Assert.Equal([("b10", 10_000L)], ready);
        Assert.Equal([1], resume);
        Assert.Equal(0, alignment.Held);
    }

    [Fact]
    public void Offer_InputNotFetchedYet_MayHoldTheEarliest_OthersWait()
    {
        var alignment = new EventTimeAlignment<string>(2, Slack, IdleAfter, new ManualTime());

        Assert.False(alignment.Offer(0, 1_000, "a"));
    }

    [Fact]
    public void Offer_OtherInputsCaughtUp_NothingHeld()
    {
        var alignment = new EventTimeAlignment<string>(3, Slack, IdleAfter, new ManualTime());
        alignment.SetBehind(0, false);
        alignment.SetBehind(2, false);

        Assert.True(alignment.Offer(1, 50_000, "b"));
        alignment.SetBehind(1, false);
        Assert.True(alignment.Offer(0, 1_000, "a"));
    }

    [Fact]
    public void Release_BehindInputSilentLongerThanIdleAfter_NotWaitedFor()
    {
        var time = new ManualTime();
        var alignment = new EventTimeAlignment<string>(2, Slack, IdleAfter, time);
        var ready = new List<(string Record, long EventTime)>();
        var resume = new List<int>();
        Assert.False(alignment.Offer(1, 10_000, "b"));

        time.Advance(IdleAfter - TimeSpan.FromMilliseconds(1));
        alignment.Release(ready, resume);
        Assert.Empty(ready);
        time.Advance(TimeSpan.FromMilliseconds(1));
        alignment.Release(ready, resume);

        Assert.Equal([("b", 10_000L)], ready);
    }

    [Fact]
    public void ReleaseAll_EveryHeldRecordInEventTimeOrder()
    {
        var alignment = new EventTimeAlignment<string>(3, Slack, IdleAfter, new ManualTime());
        alignment.SetBehind(1, false);
        alignment.SetBehind(2, false);
        Assert.True(alignment.Offer(0, 0, "a"));
        Assert.False(alignment.Offer(2, 9_000, "c"));
        Assert.False(alignment.Offer(1, 5_000, "b"));
        var ready = new List<(string Record, long EventTime)>();
        var resume = new List<int>();

        alignment.ReleaseAll(ready, resume);

        Assert.Equal(["b", "c"], ready.Select(r => r.Record));
        Assert.Equal([1, 2], resume.Order());
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
