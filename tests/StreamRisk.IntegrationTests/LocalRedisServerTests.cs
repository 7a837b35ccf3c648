using StackExchange.Redis;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>The test Redis is a real redis-server: pub/sub and streams with consumer groups round-trip.</summary>
public sealed class LocalRedisServerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task PublishSubscribe_MessageReachesSubscriber()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var received = new List<string>();
        var channel = RedisChannel.Literal("streamrisk.alerts.BTCUSDT");
        var queue = await redis.GetSubscriber().SubscribeAsync(channel);
        queue.OnMessage(m =>
        {
            lock (received)
            {
                received.Add(m.Message.ToString());
            }
        });

        var subscribers = await redis.GetSubscriber().PublishAsync(channel, "alert-1");

        Assert.Equal(1, subscribers);
        Assert.True(await Eventually.TrueAsync(() => { lock (received) { return received.Count == 1; } }, Deadline));
        Assert.Equal("alert-1", received[0]);
    }

    [Fact]
    public async Task StreamConsumerGroup_AddReadAck_LeavesNothingPending()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var db = redis.GetDatabase();
        const string stream = "streamrisk:alerts";
        var ids = new List<RedisValue>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await db.StreamAddAsync(stream, [new NameValueEntry("alertId", $"a{i}"), new NameValueEntry("state", "raised")]));
        }

        Assert.True(await db.StreamCreateConsumerGroupAsync(stream, "breakers", StreamPosition.Beginning));
        var read = await db.StreamReadGroupAsync(stream, "breakers", "hook-1", StreamPosition.NewMessages, count: 100);
        var pendingBefore = await db.StreamPendingAsync(stream, "breakers");
        var acked = await db.StreamAcknowledgeAsync(stream, "breakers", read.Select(e => e.Id).ToArray());
        var pendingAfter = await db.StreamPendingAsync(stream, "breakers");

        Assert.Equal(ids, read.Select(e => e.Id).ToList());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"a{i}"), read.Select(e => e["alertId"].ToString()));
        Assert.Equal(10, pendingBefore.PendingMessageCount);
        Assert.Equal(10, acked);
        Assert.Equal(0, pendingAfter.PendingMessageCount);
    }

    [Fact]
    public async Task AppendOnly_KillNineAndRestart_StreamSurvives()
    {
        using var server = LocalRedisServer.Start(new LocalRedisServerOptions { AppendOnly = true });
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
        {
            await redis.GetDatabase().StreamAddAsync("durable", "k", "v");
        }

        server.Kill();
        using var restarted = server.Restart();
        await using var again = await ConnectionMultiplexer.ConnectAsync(restarted.ConnectionString);

        Assert.Equal(server.Port, restarted.Port);
        Assert.Equal(1, await again.GetDatabase().StreamLengthAsync("durable"));
    }

    [Fact]
    public async Task Dispose_StopsTheProcessByPid()
    {
        var server = LocalRedisServer.Start();
        var pid = server.Pid;

        server.Dispose();

        Assert.True(await Eventually.TrueAsync(() => !ProcessExists(pid), Deadline));
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
