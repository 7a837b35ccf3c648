using System.Text.Json;
using StackExchange.Redis;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// Redis goes away for 30 s of scenario time (kill -9 of redis-server with AOF on) while a market day streams through
/// the whole monitor, then comes back on the same port: the alert stream ends up with every transition of the
/// undisturbed in-process replay, once, in order — the publisher buffered them and delivered on reconnect.
/// </summary>
public sealed class RedisOutageTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("redis-outage-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task RedisDownForAMinuteOfScenarioTime_EveryTransitionDeliveredOnceInOrder()
    {
        var replay = new KafkaReplayRun(_dir.FullName, "2024-08-08T23:57:00Z"); // ~2½ minutes of market after the 20,000 accounts: room for the fault to land mid-stream
        var expected = (await File.ReadAllLinesAsync(Path.Combine(await replay.InProcessAsync(), "alerts.ndjson"), TestContext.Current.CancellationToken))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("transitionId").GetString()!)
            .ToList();
        using var cluster = KafkaReplayRun.StartCluster();
        var server = LocalRedisServer.Start(new LocalRedisServerOptions { AppendOnly = true });
        try
        {
            var downFrom = 0L;
            var downTo = 0L;
            // 10x: 6 s of wall time is a minute of the market day, long enough that alert transitions fall inside it.
            var (_, summary, log) = await replay.ThroughKafkaAsync(cluster, "10x", async processed =>
            {
                Assert.True(await Eventually.TrueAsync(() => processed() > 20_100, TimeSpan.FromSeconds(60)), "the replay did not start");
                downFrom = processed();
                server.Kill();
                await Task.Delay(TimeSpan.FromSeconds(6));
                downTo = processed();
                server = server.Restart();
            }, redis: server.ConnectionString);

            Assert.True(downTo > downFrom, "the monitor did not keep consuming while Redis was down");
            Assert.Equal(expected.Count, summary.AlertTransitions);
            // The publisher met the outage (its writes failed and were retried) and lost nothing to it.
            Assert.True(summary.PublishRetries > 0, $"no Redis write failed: the outage did not reach the publisher; monitor log:\n{log}");
            Assert.Equal(0, summary.PublishFailures);
            await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
            var written = (await redis.GetDatabase().StreamRangeAsync("streamrisk:alerts")).Select(entry => (string)entry["id"]!).ToList();
            Assert.True(expected.SequenceEqual(written), $"{written.Count} of {expected.Count} transitions, or out of order; monitor log:\n{log}");
        }
        finally
        {
            server.Dispose();
        }
    }
}
