using System.Globalization;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Contracts.Documents;

namespace StreamRisk.Redis;

/// <summary>
/// The hook SDK: reads the alert stream in a consumer group and runs an action (widen bands, pause an instrument,
/// page someone) once per matching transition.
/// </summary>
/// <remarks>
/// <para>Contract (exactly-once effect per group, given an action that finishes what it starts):</para>
/// <list type="bullet">
/// <item>An entry is acknowledged (XACK) only after the action succeeded, together with recording its transition id
/// in the group's done record (<c>{prefix}:hooks:{group}:done</c>) in one script; entries that do not match the
/// filters, or cannot be read, are acknowledged without action.</item>
/// <item>Before acting, the done record is checked: a transition that reappears (written twice to the stream,
/// redelivered, reclaimed after its consumer died) is acknowledged, not acted on again.</item>
/// <item>A failing action is retried with exponential backoff up to <see cref="AlertHookOptions.MaxAttempts"/>, then
/// the entry is left pending and the consumer moves on; any consumer of the group claims it again (XAUTOCLAIM) once it
/// has been idle for <see cref="AlertHookOptions.ReclaimIdleTime"/>, which is also how a dead consumer's entries
/// are taken over.</item>
/// <item>Before each attempt the consumer checks, atomically, that the entry is still its own and resets its idle
/// time, so an entry that waited behind slow actions, or is being retried, is not taken over meanwhile.</item>
/// <item>Two windows are left in which the action runs twice: a crash after the action returned and before the done
/// record was written, and a single attempt that outlasts the reclaim idle time. Actions that must never repeat
/// should use <see cref="AlertTransition.TransitionId"/> as their idempotency key.</item>
/// </list>
/// <para>Threading: one loop per consumer owns all its Redis calls and runs the action for one entry at a time, in
/// stream order (a given-up entry is retried later, out of order).</para>
/// </remarks>
public sealed class AlertHookConsumer : IAsyncDisposable
{
    /// <summary>KEYS[1] stream, KEYS[2] done record. ARGV: group, transition id, score (stream time), keep, entry id.</summary>
    private const string DoneScript = """
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
        redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
        return redis.call('XACK', KEYS[1], ARGV[1], ARGV[5])
        """;

    /// <summary>
    /// KEYS[1] stream. ARGV: group, entry id, consumer. If the entry is still pending for this consumer, reset its idle
    /// time (XCLAIM JUSTID does not count a delivery) and return 1; else 0. One script, so that a reclaim by another
    /// consumer lands either before (we see it and stand down) or after (it finds the entry fresh and leaves it).
    /// </summary>
    private const string KeepClaimScript = """
        local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
        if #pending == 0 or pending[1][2] ~= ARGV[3] then
          return 0
        end
        redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
        return 1
        """;

    private static readonly RedisValue FirstId = "0-0";

    private readonly IDatabase _db;
    private readonly AlertHookOptions _options;
    private readonly Func<AlertTransition, CancellationToken, Task> _action;
    private readonly TimeProvider _time;
    private readonly Backoff _backoff;
    private readonly RedisKey _stream;
    private readonly RedisKey _done;
    private readonly HashSet<string> _severities;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _acted;
    private long _filtered;
    private long _duplicates;
    private long _failedAttempts;
    private long _gaveUp;
    private long _reclaimed;
    private long _unreadable;
    private int _state;

    /// <param name="action">
    /// Runs once per matching transition; a thrown exception is a failed attempt. Its token is cancelled when the
    /// consumer is disposed: an action cancelled midway leaves the entry pending for another try.
    /// </param>
    /// <param name="time">Clock of the polls, the reclaim schedule and the retry waits.</param>
    /// <param name="jitter">Spreads the retry waits; drawn from by the consume loop only.</param>
    public AlertHookConsumer(IConnectionMultiplexer redis, AlertHookOptions options, Func<AlertTransition, CancellationToken, Task> action, TimeProvider time, Random jitter)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(jitter);
        options.Validate();
        _db = redis.GetDatabase();
        _options = options;
        _action = action;
        _time = time;
        _backoff = new Backoff(options.RetryBackoffMin, options.RetryBackoffMax, jitter);
        var keys = new AlertKeys(options.Prefix);
        _stream = keys.Stream;
        _done = keys.HookDone(options.Group);
        _severities = options.Severities.Select(AlertNames.Of).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Transitions the action succeeded on.</summary>
    public long Acted => Interlocked.Read(ref _acted);

    /// <summary>Entries acknowledged without action because they did not match the filters.</summary>
    public long Filtered => Interlocked.Read(ref _filtered);

    /// <summary>Entries acknowledged without action because the group had already acted on their transition.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Deliveries whose attempts all failed; the entry was left pending for a later reclaim.</summary>
    public long GaveUp => Interlocked.Read(ref _gaveUp);

    /// <summary>Entries taken over with XAUTOCLAIM (from a dead consumer, or given up earlier).</summary>
    public long Reclaimed => Interlocked.Read(ref _reclaimed);

    /// <summary>Entries acknowledged without action because they were trimmed away or not a readable transition.</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>The consume loop; it handles its own errors and ends only on disposal.</summary>
    public Task Completion => _loop;

    /// <summary>Starts the consume loop (once).</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The hook consumer was already started or disposed.");
        }

        _loop = Task.Run(() => ConsumeLoopAsync(_stop.Token));
    }

    /// <summary>Cancels the action in progress (its entry stays pending) and stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ConsumeLoopAsync(CancellationToken stop)
    {
        var failures = 0;
        var groupReady = false;
        var ownPending = true;
        var nextReclaim = _time.GetUtcNow();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                {
                    await EnsureGroupAsync().ConfigureAwait(false);
                    groupReady = true;
                }

                // Entries delivered to this consumer name before a restart or an error, not yet acknowledged.
                if (ownPending)
                {
                    await ProcessOwnPendingAsync(stop).ConfigureAwait(false);
                    ownPending = false;
                }

                if (_time.GetUtcNow() >= nextReclaim)
                {
                    await ReclaimIdleAsync(stop).ConfigureAwait(false);
                    nextReclaim = _time.GetUtcNow() + _options.ReclaimInterval;
                }

                var entries = await _db.StreamReadGroupAsync(_stream, _options.Group, _options.Consumer, StreamPosition.NewMessages, _options.ReadCount).ConfigureAwait(false);
                if (failures > 0)
                {
                    Log($"hook {_options.Consumer}: Redis reachable again after {failures} failed attempts");
                    failures = 0;
                }

                if (entries.Length == 0)
                {
                    await Task.Delay(_options.PollInterval, _time, stop).ConfigureAwait(false);
                    continue;
                }

                await ProcessAsync(entries, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Redis down or refusing: back off, then re-read our own pending entries first, since a batch may
                // have been cut short. NOGROUP: the group vanished (Redis restarted without persistence): recreate it.
                failures++;
                ownPending = true;
                if (ex is RedisServerException && ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
                {
                    groupReady = false;
                }

                if (failures == 1 || failures % 50 == 0)
                {
                    Log($"hook {_options.Consumer}: Redis call failed (attempt {failures}): {RedisErrors.Describe(ex)}");
                }

                try
                {
                    await Task.Delay(_backoff.After(failures), _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task EnsureGroupAsync()
    {
        var start = _options.StartFrom == HookStart.Beginning ? FirstId : (RedisValue)"$";
        try
        {
            if (await _db.StreamCreateConsumerGroupAsync(_stream, _options.Group, start, createStream: true).ConfigureAwait(false))
            {
                Log($"hook {_options.Consumer}: created consumer group {_options.Group} ({(_options.StartFrom == HookStart.Beginning ? "from the beginning" : "new alerts only")})");
            }
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another consumer created it first.
        }
    }

    private async Task ProcessOwnPendingAsync(CancellationToken stop)
    {
        var after = FirstId;
        while (true)
        {
            var entries = await _db.StreamReadGroupAsync(_stream, _options.Group, _options.Consumer, after, _options.ReadCount).ConfigureAwait(false);
            if (entries.Length == 0)
            {
                return;
            }

            await ProcessAsync(entries, stop).ConfigureAwait(false);
            after = entries[^1].Id;
        }
    }

    private async Task ReclaimIdleAsync(CancellationToken stop)
    {
        var idleMs = (long)_options.ReclaimIdleTime.TotalMilliseconds;
        var start = FirstId;
        do
        {
            var claimed = await _db.StreamAutoClaimAsync(_stream, _options.Group, _options.Consumer, idleMs, start, _options.ReadCount).ConfigureAwait(false);
            if (claimed.IsNull)
            {
                return;
            }

            if (claimed.ClaimedEntries.Length > 0)
            {
                Interlocked.Add(ref _reclaimed, claimed.ClaimedEntries.Length);
                Log($"hook {_options.Consumer}: claimed {claimed.ClaimedEntries.Length} entries pending for over {_options.ReclaimIdleTime.TotalSeconds:0.###} s");
                await ProcessAsync(claimed.ClaimedEntries, stop).ConfigureAwait(false);
            }

            start = claimed.NextStartId;
        }
        while (start != FirstId);
    }

    private async Task ProcessAsync(StreamEntry[] entries, CancellationToken stop)
    {
        var acknowledge = new List<RedisValue>();
        try
        {
            foreach (var entry in entries)
            {
                stop.ThrowIfCancellationRequested();
                var json = entry.IsNull ? RedisValue.Null : entry["alert"];
                if (json.IsNull)
                {
                    // Trimmed from the stream while pending, or not an alert entry: nothing to act on.
                    Interlocked.Increment(ref _unreadable);
                    acknowledge.Add(entry.Id);
                    continue;
                }

                if (!Matches(entry))
                {
                    Interlocked.Increment(ref _filtered);
                    acknowledge.Add(entry.Id);
                    continue;
                }

                AlertTransition transition;
                try
                {
                    transition = AlertJson.ReadTransition((byte[])json!);
                }
                catch (DocumentException ex)
                {
                    // Retrying cannot fix it; keeping it pending would retry it for ever.
                    Interlocked.Increment(ref _unreadable);
                    Log($"hook {_options.Consumer}: entry {entry.Id} is not a readable alert transition, acknowledged without action: {ex.Message}");
                    acknowledge.Add(entry.Id);
                    continue;
                }

                await HandleAsync(entry.Id, transition, stop).ConfigureAwait(false);
            }
        }
        finally
        {
            if (acknowledge.Count > 0)
            {
                await _db.StreamAcknowledgeAsync(_stream, _options.Group, [.. acknowledge]).ConfigureAwait(false);
            }
        }
    }

    private bool Matches(StreamEntry entry) =>
        (_options.Rules.Count == 0 || _options.Rules.Contains(entry["rule"].ToString()))
        && (_severities.Count == 0 || _severities.Contains(entry["severity"].ToString()))
        && (_options.Symbols.Count == 0 || _options.Symbols.Contains(entry["symbol"].ToString()));

    private async Task HandleAsync(RedisValue entryId, AlertTransition transition, CancellationToken stop)
    {
        if (await _db.SortedSetScoreAsync(_done, transition.TransitionId).ConfigureAwait(false) is not null)
        {
            Interlocked.Increment(ref _duplicates);
            await _db.StreamAcknowledgeAsync(_stream, _options.Group, entryId).ConfigureAwait(false);
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            // Before every attempt, make sure the entry is still ours and reset its idle time: an entry that waited
            // behind slow actions in our batch, or that we are retrying, may otherwise be reclaimed by another consumer
            // and acted on twice, which is what the group exists to prevent.
            if (!await KeepClaimAsync(entryId).ConfigureAwait(false))
            {
                Log($"hook {_options.Consumer}: {transition.TransitionId} was taken over by another consumer; leaving it to that one");
                return;
            }

            try
            {
                await _action(transition, stop).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failedAttempts);
                if (attempt >= _options.MaxAttempts)
                {
                    Interlocked.Increment(ref _gaveUp);
                    Log($"hook {_options.Consumer}: {transition.TransitionId} failed {attempt} times, last: {RedisErrors.Describe(ex)}; left pending, retried after {_options.ReclaimIdleTime.TotalSeconds:0.###} s idle");
                    return;
                }

                Log($"hook {_options.Consumer}: {transition.TransitionId} attempt {attempt} of {_options.MaxAttempts} failed: {RedisErrors.Describe(ex)}");
                await Task.Delay(_backoff.After(attempt), _time, stop).ConfigureAwait(false);
            }
        }

        Interlocked.Increment(ref _acted);
        await RecordDoneAsync(entryId, transition, stop).ConfigureAwait(false);
    }

    private async Task<bool> KeepClaimAsync(RedisValue entryId) =>
        (long)await _db.ScriptEvaluateAsync(KeepClaimScript, [_stream], [_options.Group, entryId, _options.Consumer]).ConfigureAwait(false) == 1;

    /// <summary>
    /// Done record + XACK after a successful action. Retried here rather than by the loop: leaving the entry pending
    /// after the action ran is the one way to act twice, so this keeps trying (at least once more even when stopping).
    /// </summary>
    private async Task RecordDoneAsync(RedisValue entryId, AlertTransition transition, CancellationToken stop)
    {
        var id = entryId.ToString();
        var score = long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        RedisKey[] keys = [_stream, _done];
        RedisValue[] args = [_options.Group, transition.TransitionId, score, _options.DoneMaxLength, entryId];
        for (var failures = 1; ; failures++)
        {
            try
            {
                await _db.ScriptEvaluateAsync(DoneScript, keys, args).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                if (stop.IsCancellationRequested)
                {
                    Log($"hook {_options.Consumer}: acted on {transition.TransitionId} but could not record it before stopping ({RedisErrors.Describe(ex)}); it may be acted on again");
                    throw new OperationCanceledException("stopped before the action was recorded", ex, stop);
                }

                if (failures == 1)
                {
                    Log($"hook {_options.Consumer}: acted on {transition.TransitionId}; recording it failed, retrying: {RedisErrors.Describe(ex)}");
                }

                try
                {
                    await Task.Delay(_backoff.After(failures), _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: one last attempt above.
                }
            }
        }
    }

    private void Log(string line)
    {
        try
        {
            _options.Log?.Invoke(line);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A broken log sink must not stop the hook.
        }
    }
}
