using System.Text.Json;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.Redis.Tests;

/// <summary>The publisher against a real redis-server: order, fields, channels, outages, overflow and idempotency.</summary>
public sealed class RedisAlertPublisherTests
{
    [Fact]
    public async Task PublishAsync_Transitions_LandInStreamInOrderWithFieldsAndOnTheirChannel()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var received = new List<(string Channel, string Message)>();
        var subscription = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("streamrisk:alerts:*"));
        subscription.OnMessage(m =>
        {
            lock (received)
            {
                received.Add((m.Channel.ToString(), m.Message.ToString()));
            }
        });
        AlertSeverity[] severities = [AlertSeverity.Info, AlertSeverity.Warning, AlertSeverity.Critical];
        var sent = Enumerable.Range(0, 30).Select(i => Alerts.Transition(i, severities[i % 3], i % 2 == 0 ? "BTCUSDT" : "ETHUSDT")).ToArray();

        await using (var publisher = Alerts.Publisher(redis))
        {
            foreach (var transition in sent)
            {
                await publisher.PublishAsync(transition, TestContext.Current.CancellationToken);
            }

            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            Assert.Equal(30, publisher.Published);
            Assert.Equal(0, publisher.BufferDepth);
        }

        var entries = await redis.GetDatabase().StreamRangeAsync("streamrisk:alerts");
        Assert.Equal(sent.Select(t => t.TransitionId), entries.Select(e => e["id"].ToString()));
        for (var i = 0; i < sent.Length; i++)
        {
            var entry = entries[i];
            Assert.Equal(sent[i].Rule, entry["rule"]);
            Assert.Equal(sent[i].Symbol, entry["symbol"]);
            Assert.Equal(AlertNames.Of(sent[i].Severity), entry["severity"]);
            Assert.Equal("raised", entry["state"]);
            var read = AlertJson.ReadTransition((byte[])entry["alert"]!);
            Assert.Equal(AlertJson.Write(sent[i]), AlertJson.Write(read));
        }

        Assert.True(await Eventually.TrueAsync(() => { lock (received) { return received.Count == 30; } }, Alerts.Deadline));
        for (var i = 0; i < sent.Length; i++)
        {
            Assert.Equal($"streamrisk:alerts:{AlertNames.Of(sent[i].Severity)}:{sent[i].Symbol}", received[i].Channel);
            Assert.Equal(AlertJson.Write(sent[i]), received[i].Message);
        }
    }

    [Fact]
    public async Task PublishPictureAsync_ReplacesSymbolHash_OlderPictureIgnored()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var db = redis.GetDatabase();
        var first = Picture(1000, criticalShockDown: 0.031);
        var second = first with { EventTime = 2000, Mark = 58_900.5, CriticalShockDown = null, CriticalShockUp = 0.07, OpenAlertIds = [] };
        var stale = first with { EventTime = 1500, Mark = 1 };

        await using (var publisher = Alerts.Publisher(redis, new RedisPublisherOptions { Prefix = "desk1" }))
        {
            await publisher.PublishPictureAsync(first, TestContext.Current.CancellationToken);
            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            var hash = (await db.HashGetAllAsync("desk1:state:BTCUSDT")).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
            Assert.Equal("1000", hash["eventTime"]);
            Assert.Equal("59012.5", hash["mark"]);
            Assert.Equal("0.031", hash["criticalShockDown"]);
            Assert.False(hash.ContainsKey("criticalShockUp"));
            Assert.Equal("12000000", hash["liquidatableDown1Pct"]);
            Assert.Equal("1", hash["openAlerts"]);
            Assert.Equal(AlertJson.Write(first), hash["json"]);

            await publisher.PublishPictureAsync(second, TestContext.Current.CancellationToken);
            await publisher.PublishPictureAsync(stale, TestContext.Current.CancellationToken);
            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
        }

        var latest = (await db.HashGetAllAsync("desk1:state:BTCUSDT")).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal("2000", latest["eventTime"]);
        Assert.Equal("58900.5", latest["mark"]);
        Assert.False(latest.ContainsKey("criticalShockDown"));
        Assert.Equal("0.07", latest["criticalShockUp"]);
        var picture = JsonSerializer.Deserialize(latest["json"], AlertJson.Default.SymbolPicture)!;
        Assert.Equal(58_900.5, picture.Mark);
        Assert.Empty(picture.OpenAlertIds);
    }

    [Fact]
    public async Task RedisKilledWhilePublishing_AllTransitionsArriveInOrderExactlyOnce()
    {
        using var server = LocalRedisServer.Start(new LocalRedisServerOptions { AppendOnly = true });
        await using var redis = await Alerts.ConnectAsync(server, queueWhileDisconnected: true);
        var log = new Alerts.LogLines();
        var sent = Enumerable.Range(0, 200).Select(i => Alerts.Transition(i, i % 10 == 0 ? AlertSeverity.Critical : AlertSeverity.Warning)).ToArray();
        LocalRedisServer? restarted = null;
        try
        {
            await using (var publisher = Alerts.Publisher(redis, new RedisPublisherOptions { Log = log.Sink, RetryBackoffMax = TimeSpan.FromMilliseconds(500) }))
            {
                for (var i = 0; i < 50; i++)
                {
                    await publisher.PublishAsync(sent[i], TestContext.Current.CancellationToken);
                }

                Assert.True(await Eventually.TrueAsync(() => publisher.Published >= 20, Alerts.Deadline));
                server.Kill();
                for (var i = 50; i < 200; i++)
                {
                    await publisher.PublishAsync(sent[i], TestContext.Current.CancellationToken);
                }

                Assert.True(await Eventually.TrueAsync(() => publisher.Retried > 0, Alerts.Deadline));
                Assert.True(publisher.BufferDepth > 0);
                restarted = server.Restart();
                await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
                Assert.Equal(0, publisher.Dropped);
            }

            var ids = await Alerts.StreamTransitionIdsAsync(redis.GetDatabase());
            Assert.Equal(sent.Select(t => t.TransitionId), ids);
            Assert.Contains(log.Snapshot(), l => l.Contains("failed", StringComparison.Ordinal));
            Assert.Contains(log.Snapshot(), l => l.Contains("writing again", StringComparison.Ordinal));
        }
        finally
        {
            restarted?.Dispose();
        }
    }

    [Fact]
    public async Task PublishAsync_SameTransitionsAfterPublisherRestart_WritesNothingNew()
    {
        using var server = LocalRedisServer.Start();
        var sent = Enumerable.Range(0, 20).Select(i => Alerts.Transition(i)).ToArray();
        await using (var redis = await Alerts.ConnectAsync(server))
        {
            await using var publisher = Alerts.Publisher(redis);
            foreach (var transition in sent)
            {
                await publisher.PublishAsync(transition, TestContext.Current.CancellationToken);
            }

            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            Assert.Equal(20, publisher.Published);
        }

        // A new process: new multiplexer, new publisher, replaying what it had before the crash plus one new transition.
        await using var again = await Alerts.ConnectAsync(server);
        var received = 0;
        (await again.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("streamrisk:alerts:*"))).OnMessage(_ => Interlocked.Increment(ref received));
        await using (var publisher = Alerts.Publisher(again))
        {
            foreach (var transition in sent.Append(Alerts.Transition(20)))
            {
                await publisher.PublishAsync(transition, TestContext.Current.CancellationToken);
            }

            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            Assert.Equal(1, publisher.Published);
            Assert.Equal(20, publisher.Duplicates);
        }

        var ids = await Alerts.StreamTransitionIdsAsync(again.GetDatabase());
        Assert.Equal(sent.Append(Alerts.Transition(20)).Select(t => t.TransitionId), ids);
        Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref received) == 1, Alerts.Deadline));
    }

    [Fact]
    public async Task DropOldestNonCritical_FullBufferWhileRedisDown_DropsOnlyNonCriticalAndCountsThem()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var log = new Alerts.LogLines();
        server.Kill();
        LocalRedisServer? restarted = null;
        try
        {
            await using var publisher = Alerts.Publisher(redis, new RedisPublisherOptions
            {
                BufferCapacity = 8,
                Overflow = BufferOverflow.DropOldestNonCritical,
                RetryBackoffMax = TimeSpan.FromMilliseconds(300),
                Log = log.Sink,
            });

            // The head item is in flight (never dropped); wait until the first write has failed so it is alone there.
            var head = Alerts.Transition(0, AlertSeverity.Critical);
            await publisher.PublishAsync(head, TestContext.Current.CancellationToken);
            Assert.True(await Eventually.TrueAsync(() => publisher.Retried > 0, Alerts.Deadline));

            // 30 more: criticals at 5, 15 and 25, the rest info/warning. Every publish returns at once.
            var rest = Enumerable.Range(1, 30)
                .Select(i => Alerts.Transition(i, i % 10 == 5 ? AlertSeverity.Critical : i % 2 == 0 ? AlertSeverity.Info : AlertSeverity.Warning))
                .ToArray();
            foreach (var transition in rest)
            {
                await publisher.PublishAsync(transition, TestContext.Current.CancellationToken).AsTask().WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            }

            Assert.Equal(8, publisher.BufferDepth);
            Assert.Equal(31 - 8, publisher.Dropped);

            restarted = server.Restart();
            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);

            // Kept: the head, every critical, and the newest non-critical ones that fit; in publish order.
            var ids = await Alerts.StreamTransitionIdsAsync(redis.GetDatabase());
            var all = rest.Prepend(head).ToArray();
            var criticals = all.Where(t => t.Severity == AlertSeverity.Critical).Select(t => t.TransitionId).ToArray();
            var newestOthers = rest.Where(t => t.Severity != AlertSeverity.Critical).TakeLast(8 - criticals.Length).Select(t => t.TransitionId);
            var expected = all.Select(t => t.TransitionId).Where(id => criticals.Contains(id) || newestOthers.Contains(id));
            Assert.Equal(expected, ids);
            Assert.Equal(all.Length - ids.Length, publisher.Dropped);
            Assert.Equal(publisher.Dropped, publisher.Failed);
            Assert.Equal(publisher.Dropped, log.Snapshot().Count(l => l.Contains("dropped transition", StringComparison.Ordinal)));
            Assert.DoesNotContain(log.Snapshot(), l => l.Contains("dropped", StringComparison.Ordinal) && criticals.Any(c => l.Contains(c, StringComparison.Ordinal)));
        }
        finally
        {
            restarted?.Dispose();
        }
    }

    [Fact]
    public async Task DropOldestNonCritical_OnlyCriticalsBuffered_CallerWaits()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        server.Kill();
        LocalRedisServer? restarted = null;
        try
        {
            await using var publisher = Alerts.Publisher(redis, new RedisPublisherOptions
            {
                BufferCapacity = 3,
                Overflow = BufferOverflow.DropOldestNonCritical,
                RetryBackoffMax = TimeSpan.FromMilliseconds(200),
            });
            for (var i = 0; i < 3; i++)
            {
                await publisher.PublishAsync(Alerts.Transition(i, AlertSeverity.Critical), TestContext.Current.CancellationToken);
            }

            var blocked = publisher.PublishAsync(Alerts.Transition(3, AlertSeverity.Warning), TestContext.Current.CancellationToken).AsTask();
            var retriedBefore = publisher.Retried;
            Assert.True(await Eventually.TrueAsync(() => publisher.Retried >= retriedBefore + 3, Alerts.Deadline));
            Assert.False(blocked.IsCompleted);
            Assert.Equal(0, publisher.Dropped);

            restarted = server.Restart();
            await blocked.WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            Assert.Equal(Enumerable.Range(0, 4).Select(i => Alerts.Transition(i).TransitionId), await Alerts.StreamTransitionIdsAsync(redis.GetDatabase()));
        }
        finally
        {
            restarted?.Dispose();
        }
    }

    [Fact]
    public async Task Wait_FullBufferWhileRedisDown_BlocksCallerThenDeliversEverythingInOrder()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        server.Kill();
        LocalRedisServer? restarted = null;
        try
        {
            await using var publisher = Alerts.Publisher(redis, new RedisPublisherOptions
            {
                BufferCapacity = 4,
                Overflow = BufferOverflow.Wait,
                RetryBackoffMax = TimeSpan.FromMilliseconds(200),
            });
            var sent = Enumerable.Range(0, 7).Select(i => Alerts.Transition(i, AlertSeverity.Info)).ToArray();
            for (var i = 0; i < 4; i++)
            {
                await publisher.PublishAsync(sent[i], TestContext.Current.CancellationToken);
            }

            // Three callers queue up behind the full buffer, in order.
            var blocked = sent.Skip(4).Select(t => publisher.PublishAsync(t).AsTask()).ToArray();
            var retriedBefore = publisher.Retried;
            Assert.True(await Eventually.TrueAsync(() => publisher.Retried >= retriedBefore + 3, Alerts.Deadline));
            Assert.All(blocked, t => Assert.False(t.IsCompleted));
            Assert.Equal(4, publisher.BufferDepth);
            Assert.Equal(0, publisher.Dropped);

            restarted = server.Restart();
            await Task.WhenAll(blocked).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            Assert.Equal(sent.Select(t => t.TransitionId), await Alerts.StreamTransitionIdsAsync(redis.GetDatabase()));
        }
        finally
        {
            restarted?.Dispose();
        }
    }

    [Fact]
    public async Task Wait_CancelledWhileBlocked_ItemNotPublished()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        server.Kill();
        LocalRedisServer? restarted = null;
        try
        {
            await using var publisher = Alerts.Publisher(redis, new RedisPublisherOptions { BufferCapacity = 1, RetryBackoffMax = TimeSpan.FromMilliseconds(200) });
            await publisher.PublishAsync(Alerts.Transition(0), TestContext.Current.CancellationToken);
            using var cancel = new CancellationTokenSource();
            var blocked = publisher.PublishAsync(Alerts.Transition(1), cancel.Token).AsTask();
            var then = publisher.PublishAsync(Alerts.Transition(2), TestContext.Current.CancellationToken).AsTask();

            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken));
            restarted = server.Restart();
            await then.WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            Assert.Equal([Alerts.Transition(0).TransitionId, Alerts.Transition(2).TransitionId], await Alerts.StreamTransitionIdsAsync(redis.GetDatabase()));
        }
        finally
        {
            restarted?.Dispose();
        }
    }

    [Fact]
    public async Task PublishPictureAsync_WhileRedisDown_KeepsOnlyTheLatestPicturePerSymbol()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        server.Kill();
        LocalRedisServer? restarted = null;
        try
        {
            await using var publisher = Alerts.Publisher(redis, new RedisPublisherOptions { BufferCapacity = 10, RetryBackoffMax = TimeSpan.FromMilliseconds(200) });
            await publisher.PublishPictureAsync(Picture(1) with { Symbol = "ETHUSDT" }, TestContext.Current.CancellationToken);
            Assert.True(await Eventually.TrueAsync(() => publisher.Retried > 0, Alerts.Deadline));

            // 100 projections of one symbol during the outage: the buffer holds one picture, the latest.
            for (var t = 2; t <= 101; t++)
            {
                await publisher.PublishPictureAsync(Picture(t), TestContext.Current.CancellationToken).AsTask().WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            }

            Assert.Equal(2, publisher.BufferDepth);
            restarted = server.Restart();
            await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
            Assert.Equal(2, publisher.PicturesWritten);
            Assert.Equal("101", (await redis.GetDatabase().HashGetAsync("streamrisk:state:BTCUSDT", "eventTime")).ToString());
        }
        finally
        {
            restarted?.Dispose();
        }
    }

    [Fact]
    public async Task DisposeAsync_RedisDownForTheWholeDrainTimeout_StopsAndReportsUndelivered()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        server.Kill();
        var log = new Alerts.LogLines();
        var publisher = Alerts.Publisher(redis, new RedisPublisherOptions { DrainTimeout = TimeSpan.FromMilliseconds(300), Log = log.Sink });
        await publisher.PublishAsync(Alerts.Transition(0), TestContext.Current.CancellationToken);
        await publisher.PublishAsync(Alerts.Transition(1), TestContext.Current.CancellationToken);

        await publisher.DisposeAsync().AsTask().WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);

        Assert.Contains(log.Snapshot(), l => l.Contains("stopped with 2 items undelivered", StringComparison.Ordinal));
        Assert.Equal(2, publisher.Undelivered);
        Assert.Equal(2, publisher.Failed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => publisher.PublishAsync(Alerts.Transition(2), TestContext.Current.CancellationToken).AsTask());
    }

    [Fact]
    public async Task DisposeAsync_NothingBufferedWhileRedisDown_StopsQuietly()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var log = new Alerts.LogLines();
        var publisher = Alerts.Publisher(redis, new RedisPublisherOptions { DrainTimeout = TimeSpan.FromSeconds(5), Log = log.Sink });
        await publisher.PublishAsync(Alerts.Transition(0), TestContext.Current.CancellationToken);
        await publisher.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);
        server.Kill();

        await publisher.DisposeAsync().AsTask().WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(1, publisher.Published);
        Assert.Equal(0, publisher.Failed);
        Assert.Empty(log.Snapshot());
    }

    private static SymbolPicture Picture(long eventTime, double? criticalShockDown = null) => new()
    {
        Symbol = "BTCUSDT",
        EventTime = eventTime,
        Mark = 59_012.5,
        CriticalShockDown = criticalShockDown,
        LiquidatableDown1Pct = 12_000_000,
        LiquidatableDown2Pct = 31_000_000,
        LiquidatableDown5Pct = 95_500_000.25,
        LiquidatableUp1Pct = 4_000_000,
        LiquidatableUp2Pct = 9_000_000,
        LiquidatableUp5Pct = 20_000_000,
        InsuranceFund = 250_000_000,
        OpenAlertIds = ["CascadeRisk:BTCUSDT:down:1723161255000"],
    };
}
