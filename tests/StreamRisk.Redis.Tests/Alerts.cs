using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.Redis.Tests;

/// <summary>Test data and connections shared by the Redis tests.</summary>
internal static class Alerts
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>A hook on the system clock with seeded jitter.</summary>
    public static AlertHookConsumer Hook(IConnectionMultiplexer redis, AlertHookOptions options, Func<AlertTransition, CancellationToken, Task> action) =>
        new(redis, options, action, TimeProvider.System, new Random(1));

    /// <summary>A publisher on the system clock with seeded jitter.</summary>
    public static RedisAlertPublisher Publisher(IConnectionMultiplexer redis, RedisPublisherOptions? options = null) =>
        new(redis, TimeProvider.System, new Random(1), options);

    public static AlertTransition Transition(
        int n,
        AlertSeverity severity = AlertSeverity.Warning,
        string symbol = "BTCUSDT",
        string rule = AlertRuleNames.CascadeRisk,
        int sequence = 0)
    {
        var id = $"{rule}:{symbol}:down:{1723161255000 + n}";
        return new AlertTransition
        {
            Id = id,
            TransitionId = AlertTransition.TransitionIdOf(id, sequence),
            Rule = rule,
            Symbol = symbol,
            Severity = severity,
            State = sequence == 0 ? AlertState.Raised : AlertState.Updated,
            EventTime = 1723161255000 + n,
            Metrics = new Dictionary<string, double> { ["criticalShock"] = 0.025 + (n * 0.0001), ["liquidatedNotional"] = 1.5e7 },
            Explanation = $"A 2.5% drop in {symbol} would liquidate 15M USDT and walk the book through its thin side.",
            SuggestedAction = "Widen price bands; consider raising maintenance margin on the top tier.",
            TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        };
    }

    /// <summary>
    /// Fast timeouts and reconnects (the default reconnect backoff starts at seconds), so an outage shows up as
    /// failed writes promptly and a restarted server is found again at once. <paramref name="queueWhileDisconnected"/>
    /// keeps the client's default of holding commands in its backlog during an outage; otherwise they fail fast.
    /// </summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(LocalRedisServer server, bool queueWhileDisconnected = false)
    {
        var options = ConfigurationOptions.Parse(server.ConnectionString);
        options.AsyncTimeout = 1000;
        options.SyncTimeout = 1000;
        options.ConnectTimeout = 1000;
        options.ReconnectRetryPolicy = new LinearRetry(200);
        options.BacklogPolicy = queueWhileDisconnected ? BacklogPolicy.Default : BacklogPolicy.FailFast;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public static async Task<string[]> StreamTransitionIdsAsync(IDatabase db, string stream = "streamrisk:alerts")
    {
        var entries = await db.StreamRangeAsync(stream);
        return [.. entries.Select(e => e["id"].ToString())];
    }

    /// <summary>Polls an asynchronous condition (a Redis query) until it holds or the deadline passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Deadline);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    /// <summary>Collects log lines from several threads.</summary>
    public sealed class LogLines
    {
        private readonly List<string> _lines = [];

        public Action<string> Sink => line =>
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        };

        public string[] Snapshot()
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }
}
