using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using StreamRisk.Contracts.Wire;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Redis;

namespace StreamRisk.Host.Telemetry;

/// <summary>
/// The monitor's health, as the checks behind <c>/healthz</c> (liveness: the engine thread runs and comes round its loop)
/// and <c>/readyz</c> (readiness: positions partitions assigned and rebuilt, books in sync, Redis reachable, lag under
/// the bound). See docs/operations.md, "Health".
/// </summary>
/// <remarks>
/// Threads: the engine thread writes (<see cref="BookChecked"/>, <see cref="WaitingForRedis"/>, and the Kafka source's
/// <see cref="SourceStatus"/>); the checks run on the web server's threads and read only what was published for them —
/// volatile fields and immutable snapshots — never the engine's structures. The Redis client and publisher are
/// thread-safe and read directly.
/// </remarks>
public sealed class MonitorHealth
{
    /// <summary>Tag of the checks <c>/healthz</c> runs.</summary>
    public const string Live = "live";

    /// <summary>Tag of the checks <c>/readyz</c> runs.</summary>
    public const string Ready = "ready";

    private const int Listed = 5;

    private readonly SourceStatus _source;
    private readonly TimeProvider _time;
    private readonly TimeSpan _stallTimeout;
    private readonly long _maxLag;
    private readonly bool _projector;
    private readonly bool _redisConfigured;
    private readonly Action<string>? _log;

    // Engine thread only: which books are out of sync; published as _staleBooks whenever that set changes (rarely).
    private bool[] _stale = new bool[16];
    private string?[] _symbols = new string?[16];
    private string[] _staleBooks = [];

    private volatile string? _stopped;
    private volatile bool _started;
    private volatile bool _waitingForRedis;
    private volatile RedisParts? _redis;

    // The checks' own record of the engine's progress (any web thread).
    private readonly Lock _gate = new();
    private long _seenTurns;
    private long _seenAt;
    private bool _stalled;

    /// <param name="source">What the Kafka source publishes from the engine thread.</param>
    /// <param name="stallTimeout">How long the engine thread may go without coming round its loop before liveness fails.</param>
    /// <param name="maxLag">Consumer lag (messages, over every assigned partition) above which readiness fails.</param>
    /// <param name="projector">The projector stage: it holds no positions partitions; its ladders topic stands for them.</param>
    /// <param name="redisConfigured">Whether alerts go to Redis (else the Redis check passes: alerts go to the console).</param>
    /// <param name="log">Told when the engine is first seen stalled, and when it moves again.</param>
    public MonitorHealth(SourceStatus source, TimeProvider time, TimeSpan stallTimeout, long maxLag, bool projector, bool redisConfigured, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(time);
        _source = source;
        _time = time;
        _stallTimeout = stallTimeout;
        _maxLag = maxLag;
        _projector = projector;
        _redisConfigured = redisConfigured;
        _log = log;
    }

    /// <summary>
    /// The engine thread is about to start: the stall bound runs from now. Before, the run is still connecting (Redis,
    /// the web host) on other threads, and liveness says so without judging.
    /// </summary>
    public void EngineStarting()
    {
        lock (_gate)
        {
            _seenTurns = _source.Turns;
            _seenAt = _time.GetTimestamp();
        }

        _started = true;
    }

    /// <summary>The Redis client and publisher, once connected (the Redis check reads both; both are thread-safe).</summary>
    public void ObserveRedis(IConnectionMultiplexer redis, RedisAlertPublisher publisher) => _redis = new RedisParts(redis, publisher);

    /// <summary>The run ended early (the engine failed, or the source did): liveness fails from now on.</summary>
    public void Stopped(string reason) => _stopped = reason;

    /// <summary>
    /// Engine thread: it waits for the Redis publisher's full buffer (back-pressure on purpose) — no loop turns, yet no
    /// stall; the Redis check says why.
    /// </summary>
    public void WaitingForRedis(bool waiting) => _waitingForRedis = waiting;

    /// <summary>Engine thread, per applied book message: whether the symbol's book is out of sync (awaiting a snapshot after a gap).</summary>
    public void BookChecked(int instrument, string symbol, bool stale)
    {
        if (instrument >= _stale.Length)
        {
            var size = Math.Max(instrument + 1, _stale.Length * 2);
            Array.Resize(ref _stale, size);
            Array.Resize(ref _symbols, size);
        }

        _symbols[instrument] = symbol;
        if (_stale[instrument] == stale)
        {
            return; // the usual case: nothing to publish
        }

        _stale[instrument] = stale;
        var staleBooks = new List<string>();
        for (var i = 0; i < _stale.Length; i++)
        {
            if (_stale[i])
            {
                staleBooks.Add(_symbols[i]!);
            }
        }

        Volatile.Write(ref _staleBooks, [.. staleBooks]);
    }

    /// <summary>Liveness (and part of readiness): the engine thread has not stopped, and has come round its loop within the stall timeout.</summary>
    /// <remarks>
    /// A stall is seen by the checks themselves, from the loop's turn counter: a stuck thread cannot report itself. The
    /// counter is compared with the one the previous check saw, so a stall shows at the first check at least the stall
    /// timeout after the last turn.
    /// </remarks>
    public HealthCheckResult Engine()
    {
        if (_stopped is { } reason)
        {
            return HealthCheckResult.Unhealthy("engine stopped: " + reason);
        }

        if (!_started)
        {
            return HealthCheckResult.Healthy("engine thread starting");
        }

        var now = _time.GetTimestamp();
        var turns = _source.Turns;
        TimeSpan still;
        bool stalled;
        bool wasStalled;
        var waiting = _waitingForRedis;
        lock (_gate)
        {
            // A wait for Redis counts as progress: the bound runs from its end, not from the turn before it.
            if (turns != _seenTurns || waiting)
            {
                _seenTurns = turns;
                _seenAt = now;
            }

            still = _time.GetElapsedTime(_seenAt, now);
            stalled = still >= _stallTimeout;
            wasStalled = _stalled;
            _stalled = stalled;
        }

        if (stalled != wasStalled)
        {
            _log?.Invoke(stalled
                ? Invariant($"health: the engine thread has not come round its loop for {still.TotalSeconds:0} s (StreamRisk:Health:StallTimeoutMs {_stallTimeout.TotalMilliseconds:0}): stalled")
                : "health: the engine thread moves again");
        }

        if (stalled)
        {
            return HealthCheckResult.Unhealthy(Invariant($"engine thread stalled: no progress for {still.TotalSeconds:0} s (bound {_stallTimeout.TotalSeconds:0.#} s)"));
        }

        return waiting
            ? HealthCheckResult.Degraded("engine thread waiting for Redis to take alerts (the publish buffer is full)")
            : HealthCheckResult.Healthy(Invariant($"engine thread running ({turns:N0} loop turns)"));
    }

    /// <summary>Readiness: the consumer group has assigned this instance its positions partitions (possibly none).</summary>
    public HealthCheckResult Partitions()
    {
        var progress = _source.Progress;
        if (_projector)
        {
            return HealthCheckResult.Healthy("projector stage: holds no positions partitions (reads the ladders topic)");
        }

        if (progress.Step is { } step)
        {
            return HealthCheckResult.Unhealthy("not assigned yet: start-up is " + step);
        }

        if (!progress.GroupAssigned)
        {
            return HealthCheckResult.Unhealthy("waiting for the consumer group to assign positions partitions");
        }

        return HealthCheckResult.Healthy(progress.Positions.Count == 0
            ? "assigned: no positions partitions (the group gave them to other instances)"
            : "assigned positions partitions " + string.Join(",", progress.Positions));
    }

    /// <summary>Readiness: every assigned positions partition (the projector: ladders partition) read up to where it was when assigned.</summary>
    public HealthCheckResult Positions()
    {
        var progress = _source.Progress;
        var kind = _projector ? WireTopic.Ladders : WireTopic.Positions;
        if (progress.Step is not null || !progress.GroupAssigned)
        {
            return HealthCheckResult.Unhealthy("not rebuilt: no positions partitions assigned yet");
        }

        var reading = progress.CatchingUp.Where(p => p.Kind == kind).ToList();
        return reading.Count == 0
            ? HealthCheckResult.Healthy(_projector ? "ladders read up to where they were at start" : "positions rebuilt")
            : HealthCheckResult.Unhealthy($"rebuilding from the beginning: {Some(reading)}");
    }

    /// <summary>Readiness: the market topics read up to where they were at start, and no order book out of sync.</summary>
    public HealthCheckResult Books()
    {
        var progress = _source.Progress;
        if (progress.Step is { } step)
        {
            return HealthCheckResult.Unhealthy("market not read yet: start-up is " + step);
        }

        var reading = progress.CatchingUp.Where(p => p.Kind is not (WireTopic.Positions or WireTopic.Ladders)).ToList();
        if (reading.Count > 0)
        {
            return HealthCheckResult.Unhealthy($"market still read from the beginning: {Some(reading)}");
        }

        var stale = Volatile.Read(ref _staleBooks);
        return stale.Length == 0
            ? HealthCheckResult.Healthy("books in sync")
            : HealthCheckResult.Unhealthy(Invariant($"{stale.Length} book(s) out of sync, awaiting a snapshot after a gap: {Some(stale)}"));
    }

    /// <summary>Readiness: Redis connected and taking the publisher's writes (passes when alerts go to the console only).</summary>
    public HealthCheckResult Redis()
    {
        if (!_redisConfigured)
        {
            return HealthCheckResult.Healthy("not configured: alerts go to the console");
        }

        if (_redis is not { } redis)
        {
            return HealthCheckResult.Unhealthy("not connected yet");
        }

        // Endpoints are not named: the body is open to anyone who reaches the port.
        var buffered = redis.Publisher.BufferDepth;
        if (!redis.Redis.IsConnected)
        {
            return HealthCheckResult.Unhealthy(Invariant($"not reachable; {buffered:N0} item(s) buffered for it"));
        }

        var failures = redis.Publisher.ConsecutiveFailures;
        return failures > 0
            ? HealthCheckResult.Unhealthy(Invariant($"writes failing ({failures:N0} attempt(s) in a row); {buffered:N0} item(s) buffered"))
            : HealthCheckResult.Healthy(Invariant($"connected; {buffered:N0} item(s) buffered"));
    }

    /// <summary>Readiness: consumer lag over every assigned partition at or under <c>StreamRisk:Health:MaxLag</c>.</summary>
    public HealthCheckResult Lag()
    {
        if (_source.Lag is not { } lag)
        {
            return HealthCheckResult.Unhealthy("not measured yet");
        }

        var text = Invariant($"{lag.Total:N0} message(s) behind (bound {_maxLag:N0})");
        if (lag.Largest is not null)
        {
            text += Invariant($"; most on {lag.Largest}: {lag.LargestLag:N0}");
        }

        return lag.Total <= _maxLag ? HealthCheckResult.Healthy(text) : HealthCheckResult.Unhealthy(text);
    }

    private sealed record RedisParts(IConnectionMultiplexer Redis, RedisAlertPublisher Publisher);

    private static string Some<T>(IReadOnlyList<T> items) =>
        string.Join(", ", items.Take(Listed)) + (items.Count > Listed ? Invariant($" and {items.Count - Listed} more") : string.Empty);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
