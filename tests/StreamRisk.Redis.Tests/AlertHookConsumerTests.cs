using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.Redis.Tests;

/// <summary>The hook SDK against a real redis-server: act once, filter, ack after success, retry, reclaim, dedupe.</summary>
public sealed class AlertHookConsumerTests
{
    private const string Stream = "streamrisk:alerts";
    private const string Group = "breakers";

    [Fact]
    public async Task Consumer_ActsOncePerTransitionInStreamOrder_LeavesNothingPending()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var sent = await PublishAsync(redis, Enumerable.Range(0, 40).Select(i => Alerts.Transition(i)));
        var acted = new Acted();

        await using (var hook = Alerts.Hook(redis, Options("hook-1"), acted.Record))
        {
            hook.Start();
            Assert.True(await Eventually.TrueAsync(() => acted.Count == 40, Alerts.Deadline));
            Assert.Equal(40, hook.Acted);
        }

        Assert.Equal(sent.Select(t => t.TransitionId), acted.Ids());
        Assert.Equal(0, (await redis.GetDatabase().StreamPendingAsync(Stream, Group)).PendingMessageCount);
        Assert.Equal(40, await redis.GetDatabase().SortedSetLengthAsync($"streamrisk:hooks:{Group}:done"));
    }

    [Fact]
    public async Task Consumer_Filters_ActsOnlyOnMatchesAndAcknowledgesTheRest()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var sent = await PublishAsync(redis,
        [
            Alerts.Transition(0, AlertSeverity.Critical, "BTCUSDT", AlertRuleNames.CascadeRisk),
            Alerts.Transition(1, AlertSeverity.Warning, "BTCUSDT", AlertRuleNames.CascadeRisk),
            Alerts.Transition(2, AlertSeverity.Critical, "ETHUSDT", AlertRuleNames.CascadeRisk),
            Alerts.Transition(3, AlertSeverity.Critical, "BTCUSDT", AlertRuleNames.LiquidationWall),
            Alerts.Transition(4, AlertSeverity.Critical, "SOLUSDT", AlertRuleNames.InsuranceFundAtRisk),
            Alerts.Transition(5, AlertSeverity.Info, "SOLUSDT", AlertRuleNames.InsuranceFundAtRisk),
        ]);
        var acted = new Acted();
        var options = Options("hook-1") with
        {
            Rules = new HashSet<string> { AlertRuleNames.CascadeRisk, AlertRuleNames.InsuranceFundAtRisk },
            Severities = new HashSet<AlertSeverity> { AlertSeverity.Critical },
            Symbols = new HashSet<string> { "BTCUSDT", "SOLUSDT" },
        };

        await using (var hook = Alerts.Hook(redis, options, acted.Record))
        {
            hook.Start();
            Assert.True(await Eventually.TrueAsync(() => hook.Acted + hook.Filtered == 6, Alerts.Deadline));
            Assert.Equal(4, hook.Filtered);
        }

        Assert.Equal([sent[0].TransitionId, sent[4].TransitionId], acted.Ids());
        Assert.Equal(0, (await redis.GetDatabase().StreamPendingAsync(Stream, Group)).PendingMessageCount);
    }

    [Fact]
    public async Task Consumer_ActionFailsTwice_EntryStaysPendingUntilTheActionSucceeds()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var db = redis.GetDatabase();
        var sent = await PublishAsync(redis, [Alerts.Transition(0, AlertSeverity.Critical)]);
        var pendingSeen = new List<long>();
        var calls = 0;

        await using (var hook = Alerts.Hook(redis, Options("hook-1") with { MaxAttempts = 5 }, async (transition, cancel) =>
        {
            pendingSeen.Add((await db.StreamPendingAsync(Stream, Group)).PendingMessageCount);
            if (++calls <= 2)
            {
                throw new HttpRequestException("breaker endpoint answered 503");
            }
        }))
        {
            hook.Start();
            Assert.True(await Eventually.TrueAsync(() => hook.Acted == 1, Alerts.Deadline));
            Assert.Equal(2, hook.FailedAttempts);
            Assert.True(await Alerts.EventuallyAsync(async () => (await db.StreamPendingAsync(Stream, Group)).PendingMessageCount == 0));
        }

        Assert.Equal(3, calls);
        Assert.Equal(new long[] { 1, 1, 1 }, pendingSeen);
        Assert.Equal(sent[0].TransitionId, (await db.SortedSetRangeByRankAsync($"streamrisk:hooks:{Group}:done")).Single().ToString());
    }

    [Fact]
    public async Task Consumer_ActionKeepsFailing_GivesUpLeavesItPendingMovesOnAndSucceedsAfterReclaim()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var db = redis.GetDatabase();
        var sent = await PublishAsync(redis, Enumerable.Range(0, 3).Select(i => Alerts.Transition(i)));
        var acted = new Acted();
        var endpointUp = false;
        var log = new Alerts.LogLines();
        var options = Options("hook-1") with
        {
            MaxAttempts = 2,
            RetryBackoffMin = TimeSpan.FromMilliseconds(10),
            RetryBackoffMax = TimeSpan.FromMilliseconds(20),
            ReclaimIdleTime = TimeSpan.FromMilliseconds(300),
            ReclaimInterval = TimeSpan.FromMilliseconds(100),
            Log = log.Sink,
        };

        await using (var hook = Alerts.Hook(redis, options, (transition, cancel) =>
        {
            if (transition.TransitionId == sent[0].TransitionId && !Volatile.Read(ref endpointUp))
            {
                throw new HttpRequestException("connection refused");
            }

            return acted.Record(transition, cancel);
        }))
        {
            hook.Start();

            // The first entry is given up on and left pending; the others are acted on meanwhile.
            Assert.True(await Eventually.TrueAsync(() => hook.GaveUp >= 1 && acted.Count == 2, Alerts.Deadline));
            var pending = await db.StreamPendingMessagesAsync(Stream, Group, 10, RedisValue.Null);
            Assert.Equal(sent[0].TransitionId, (await db.StreamRangeAsync(Stream, pending.Single().MessageId, pending.Single().MessageId)).Single()["id"].ToString());

            Volatile.Write(ref endpointUp, true);
            Assert.True(await Eventually.TrueAsync(() => acted.Count == 3, Alerts.Deadline));
            Assert.True(hook.Reclaimed >= 1);
        }

        Assert.Equal([sent[1].TransitionId, sent[2].TransitionId, sent[0].TransitionId], acted.Ids());
        Assert.Equal(0, (await db.StreamPendingAsync(Stream, Group)).PendingMessageCount);
        Assert.Contains(log.Snapshot(), l => l.Contains("left pending", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Consumer_DisposedMidStream_NewConsumerOfTheGroupFinishes_EachTransitionActedOnExactlyOnce()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var sent = await PublishAsync(redis, Enumerable.Range(0, 30).Select(i => Alerts.Transition(i)));
        var acted = new Acted();
        using var tenthDone = new SemaphoreSlim(0);
        var options = Options("hook-a") with { ReclaimIdleTime = TimeSpan.FromMilliseconds(300), ReclaimInterval = TimeSpan.FromMilliseconds(100) };

        // Consumer A acts on ten, then hangs in the eleventh action until it is disposed (a crash mid-action).
        var first = Alerts.Hook(redis, options, async (transition, cancel) =>
        {
            if (acted.Count == 10)
            {
                tenthDone.Release();
                await Task.Delay(Timeout.InfiniteTimeSpan, cancel);
            }

            await acted.Record(transition, cancel);
        });
        first.Start();
        Assert.True(await tenthDone.WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken));
        await first.DisposeAsync();
        Assert.Equal(10, acted.Count);
        Assert.Equal(20, (await redis.GetDatabase().StreamPendingAsync(Stream, Group)).PendingMessageCount);

        // Consumer B, same group, another name: takes over A's pending entries once they are idle long enough.
        await using (var second = Alerts.Hook(redis, options with { Consumer = "hook-b" }, acted.Record))
        {
            second.Start();
            Assert.True(await Eventually.TrueAsync(() => acted.Count >= 30, Alerts.Deadline));
            Assert.Equal(20, second.Reclaimed);
        }

        Assert.Equal(sent.Select(t => t.TransitionId), acted.Ids());
        Assert.Equal(0, (await redis.GetDatabase().StreamPendingAsync(Stream, Group)).PendingMessageCount);
    }

    [Fact]
    public async Task Consumer_DeadConsumersPendingEntries_ReclaimedWithAutoclaim_AlreadyDoneOnesAcknowledgedNotActedAgain()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var db = redis.GetDatabase();
        var sent = await PublishAsync(redis, Enumerable.Range(0, 5).Select(i => Alerts.Transition(i)));
        await db.StreamCreateConsumerGroupAsync(Stream, Group, StreamPosition.Beginning);

        // A consumer that read five entries and died. It had acted on the first two and recorded them as done,
        // but died before acknowledging them (the crash the done record is for).
        var delivered = await db.StreamReadGroupAsync(Stream, Group, "dead-consumer", StreamPosition.NewMessages, 5);
        Assert.Equal(5, delivered.Length);
        await db.SortedSetAddAsync($"streamrisk:hooks:{Group}:done", [new(sent[0].TransitionId, 1), new(sent[1].TransitionId, 2)]);

        var acted = new Acted();
        var options = Options("hook-live") with { ReclaimIdleTime = TimeSpan.FromMilliseconds(200), ReclaimInterval = TimeSpan.FromMilliseconds(100) };
        await using (var hook = Alerts.Hook(redis, options, acted.Record))
        {
            hook.Start();
            Assert.True(await Eventually.TrueAsync(() => hook.Acted + hook.Duplicates == 5, Alerts.Deadline));
            Assert.Equal(5, hook.Reclaimed);
            Assert.Equal(2, hook.Duplicates);
        }

        Assert.Equal(sent.Skip(2).Select(t => t.TransitionId), acted.Ids());
        Assert.Equal(0, (await db.StreamPendingAsync(Stream, Group)).PendingMessageCount);
    }

    [Fact]
    public async Task Consumer_SameTransitionTwiceInTheStream_ActsOnce()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var db = redis.GetDatabase();
        var transition = Alerts.Transition(0, AlertSeverity.Critical);

        // Two publishers of an active-active pair (separate dedupe records) both wrote it.
        for (var copy = 0; copy < 2; copy++)
        {
            await db.StreamAddAsync(Stream,
            [
                new NameValueEntry("alert", AlertJson.Write(transition)), new NameValueEntry("id", transition.TransitionId),
                new NameValueEntry("rule", transition.Rule), new NameValueEntry("symbol", transition.Symbol),
                new NameValueEntry("severity", "critical"), new NameValueEntry("state", "raised"),
            ]);
        }

        var acted = new Acted();
        await using (var hook = Alerts.Hook(redis, Options("hook-1"), acted.Record))
        {
            hook.Start();
            Assert.True(await Eventually.TrueAsync(() => hook.Duplicates == 1, Alerts.Deadline));
        }

        Assert.Equal([transition.TransitionId], acted.Ids());
        Assert.Equal(0, (await db.StreamPendingAsync(Stream, Group)).PendingMessageCount);
    }

    [Fact]
    public async Task Consumer_RestartedUnderTheSameName_ResumesItsOwnPendingEntriesAtOnce()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var sent = await PublishAsync(redis, Enumerable.Range(0, 6).Select(i => Alerts.Transition(i)));
        var acted = new Acted();
        using var thirdStarted = new SemaphoreSlim(0);

        // Reclaim is an hour away: only the own-pending read at start can pick the entries up.
        var options = Options("hook-1") with { ReclaimIdleTime = TimeSpan.FromHours(1) };
        var first = Alerts.Hook(redis, options, async (transition, cancel) =>
        {
            if (acted.Count == 2)
            {
                thirdStarted.Release();
                await Task.Delay(Timeout.InfiniteTimeSpan, cancel);
            }

            await acted.Record(transition, cancel);
        });
        first.Start();
        Assert.True(await thirdStarted.WaitAsync(Alerts.Deadline, TestContext.Current.CancellationToken));
        await first.DisposeAsync();

        await using (var again = Alerts.Hook(redis, options, acted.Record))
        {
            again.Start();
            Assert.True(await Eventually.TrueAsync(() => acted.Count == 6, Alerts.Deadline));
        }

        Assert.Equal(sent.Select(t => t.TransitionId), acted.Ids());
    }

    [Fact]
    public async Task Consumer_NewGroupStartingAtNewOnly_IgnoresEarlierAlerts()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var db = redis.GetDatabase();
        await PublishAsync(redis, Enumerable.Range(0, 3).Select(i => Alerts.Transition(i)));
        var acted = new Acted();

        await using (var hook = Alerts.Hook(redis, Options("hook-1") with { StartFrom = HookStart.NewOnly }, acted.Record))
        {
            hook.Start();
            Assert.True(await Alerts.EventuallyAsync(async () => (await db.StreamGroupInfoAsync(Stream)).Length == 1, Alerts.Deadline));
            var later = await PublishAsync(redis, [Alerts.Transition(3)]);
            Assert.True(await Eventually.TrueAsync(() => acted.Count == 1, Alerts.Deadline));
            Assert.Equal([later[0].TransitionId], acted.Ids());
        }
    }

    [Fact]
    public async Task Consumer_RedisRestartedWithoutPersistence_RecreatesItsGroupAndKeepsActing()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await Alerts.ConnectAsync(server);
        var acted = new Acted();
        var log = new Alerts.LogLines();
        LocalRedisServer? restarted = null;
        try
        {
            await using var hook = Alerts.Hook(redis, Options("hook-1") with { Log = log.Sink }, acted.Record);
            hook.Start();
            var before = await PublishAsync(redis, Enumerable.Range(0, 3).Select(i => Alerts.Transition(i)));
            Assert.True(await Eventually.TrueAsync(() => acted.Count == 3, Alerts.Deadline));

            // Stream, group and done record are gone with the process: the hook must notice and start over.
            server.Kill();
            Assert.True(await Eventually.TrueAsync(() => log.Snapshot().Any(l => l.Contains("Redis call failed", StringComparison.Ordinal)), Alerts.Deadline));
            restarted = server.Restart();
            var after = await PublishAsync(redis, Enumerable.Range(3, 3).Select(i => Alerts.Transition(i)));

            Assert.True(await Eventually.TrueAsync(() => acted.Count == 6, Alerts.Deadline));
            Assert.Equal(before.Concat(after).Select(t => t.TransitionId), acted.Ids());
            Assert.Contains(log.Snapshot(), l => l.Contains("reachable again", StringComparison.Ordinal));
        }
        finally
        {
            restarted?.Dispose();
        }
    }

    private static AlertHookOptions Options(string consumer) => new()
    {
        Group = Group,
        Consumer = consumer,
        StartFrom = HookStart.Beginning,
        PollInterval = TimeSpan.FromMilliseconds(20),
        RetryBackoffMin = TimeSpan.FromMilliseconds(10),
        RetryBackoffMax = TimeSpan.FromMilliseconds(50),
    };

    private static async Task<AlertTransition[]> PublishAsync(ConnectionMultiplexer redis, IEnumerable<AlertTransition> transitions)
    {
        var sent = transitions.ToArray();
        await using var publisher = Alerts.Publisher(redis);
        foreach (var transition in sent)
        {
            await publisher.PublishAsync(transition);
        }

        await publisher.FlushAsync().WaitAsync(Alerts.Deadline);
        return sent;
    }

    /// <summary>What the hook's action did, in order, from whichever consumer ran it.</summary>
    private sealed class Acted
    {
        private readonly List<string> _ids = [];

        public int Count
        {
            get
            {
                lock (_ids)
                {
                    return _ids.Count;
                }
            }
        }

        public Task Record(AlertTransition transition, CancellationToken cancel)
        {
            lock (_ids)
            {
                _ids.Add(transition.TransitionId);
            }

            return Task.CompletedTask;
        }

        public string[] Ids()
        {
            lock (_ids)
            {
                return [.. _ids];
            }
        }
    }
}
