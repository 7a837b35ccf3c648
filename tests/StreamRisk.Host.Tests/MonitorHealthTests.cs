using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamRisk.Host.Telemetry;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Host.Tests;

/// <summary>
/// The checks on a manual clock, with a source that never turns (a source that runs is in HealthTests and
/// SourceStatusTests): the stall bound, the back-pressure exception, a stopped engine, and what each check says before
/// the source has started.
/// </summary>
public sealed class MonitorHealthTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void Engine_NoTurnForTheStallTimeout_UnhealthyAndLoggedOnce()
    {
        var time = new ManualTime();
        var log = new List<string>();
        var health = new MonitorHealth(new SourceStatus(), time, Bound, maxLag: 100, projector: false, redisConfigured: false, log.Add);
        time.Advance(Bound * 2);
        var connecting = health.Engine(); // the engine thread not started yet: nothing to judge
        health.EngineStarting();

        var early = health.Engine();
        time.Advance(Bound - TimeSpan.FromSeconds(1));
        var justUnder = health.Engine();
        time.Advance(TimeSpan.FromSeconds(1));
        var stalled = health.Engine();
        time.Advance(TimeSpan.FromSeconds(5));
        var still = health.Engine();

        Assert.Equal(HealthStatus.Healthy, connecting.Status);
        Assert.Contains("starting", connecting.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, early.Status);
        Assert.Equal(HealthStatus.Healthy, justUnder.Status);
        Assert.Equal(HealthStatus.Unhealthy, stalled.Status);
        Assert.Contains("stalled: no progress for 30 s", stalled.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, still.Status);
        Assert.Single(log);
        Assert.Contains("StreamRisk:Health:StallTimeoutMs", log[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_WaitingForRedisBackPressure_DegradedNotStalled_BoundRunsFromTheWaitsEnd()
    {
        var time = new ManualTime();
        var health = new MonitorHealth(new SourceStatus(), time, Bound, maxLag: 100, projector: false, redisConfigured: true);
        health.EngineStarting();

        health.WaitingForRedis(true);
        time.Advance(Bound * 3);
        var waiting = health.Engine();
        health.WaitingForRedis(false);
        var justAfter = health.Engine();
        time.Advance(Bound);
        var noTurnSince = health.Engine();

        Assert.Equal(HealthStatus.Degraded, waiting.Status);
        Assert.Contains("waiting for Redis", waiting.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, justAfter.Status);
        Assert.Equal(HealthStatus.Unhealthy, noTurnSince.Status);
    }

    [Fact]
    public void Engine_Stopped_UnhealthyWithTheReason()
    {
        var health = new MonitorHealth(new SourceStatus(), new ManualTime(), Bound, maxLag: 100, projector: false, redisConfigured: false);

        health.Stopped("engine failed applying positions[3]@17: InvalidOperationException: boom");
        var result = health.Engine();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("positions[3]@17", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Readiness_BeforeTheSourceStarts_EveryConditionButAnUnconfiguredRedisFails()
    {
        var health = new MonitorHealth(new SourceStatus(), new ManualTime(), Bound, maxLag: 100, projector: false, redisConfigured: false);

        Assert.Equal(HealthStatus.Unhealthy, health.Partitions().Status);
        Assert.Equal(HealthStatus.Unhealthy, health.Positions().Status);
        Assert.Equal(HealthStatus.Unhealthy, health.Books().Status);
        Assert.Equal(HealthStatus.Unhealthy, health.Lag().Status);
        Assert.Contains("not measured", health.Lag().Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, health.Redis().Status);
        Assert.Contains("not configured", health.Redis().Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_ConfiguredButNotYetConnected_Unhealthy()
    {
        var health = new MonitorHealth(new SourceStatus(), new ManualTime(), Bound, maxLag: 100, projector: false, redisConfigured: true);

        Assert.Equal(HealthStatus.Unhealthy, health.Redis().Status);
    }

    [Fact]
    public void Partitions_ProjectorStage_HoldsNoneAndNeedsNone()
    {
        var health = new MonitorHealth(new SourceStatus(), new ManualTime(), Bound, maxLag: 100, projector: true, redisConfigured: false);

        Assert.Equal(HealthStatus.Healthy, health.Partitions().Status);
    }

    /// <summary>Monotonic time the test moves.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1_000;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;
    }
}
