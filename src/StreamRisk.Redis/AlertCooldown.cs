using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Redis;

/// <summary>
/// The per-alert cooldown of a hook group: once the group has acted on an alert, the alert's <c>updated</c>
/// transitions within <see cref="Period"/> are held back (acknowledged without action); its raise, escalations and
/// resolve always go through.
/// </summary>
/// <remarks>
/// <para>Why only updates: an escalation says the risk got worse and a resolve closes what was opened (a PagerDuty
/// incident stays open without it); an update restates an open alert with moved numbers, which is the noise a
/// cooldown is for. A held-back update is not sent later: the next transition after the period carries the latest
/// numbers.</para>
/// <para>The record is a sorted set in Redis (<see cref="AlertKeys.HookPosted"/>: alert id scored by the unix
/// milliseconds of the last action on the injected clock), so every consumer of the group and a restarted hook share
/// it. It is read before acting and written after the action succeeded, so a failed attempt holds nothing back and
/// its retry is judged afresh. Two consumers acting on two updates of one alert at the same moment may both act:
/// the check and the write are not one step, since the action runs between them.</para>
/// <para>Entries are removed on the resolve, and trimmed once older than the period on every write.</para>
/// </remarks>
public sealed class AlertCooldown
{
    /// <summary>KEYS[1] record. ARGV: alert id, now (unix ms), oldest score still inside the period.</summary>
    private const string RecordScript = """
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
        return 1
        """;

    private readonly IDatabase _db;
    private readonly RedisKey _posted;
    private readonly TimeProvider _time;

    /// <param name="time">Clock of the cooldown: the times recorded and compared.</param>
    public AlertCooldown(IConnectionMultiplexer redis, string prefix, string group, TimeSpan period, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _db = redis.GetDatabase();
        _posted = new AlertKeys(prefix).HookPosted(group);
        Period = period;
        _time = time;
    }

    public TimeSpan Period { get; }

    /// <summary>The rule itself: an update within <paramref name="period"/> of the alert's last action is held back.</summary>
    /// <param name="lastActed">When the group last acted on the alert; null when it has not (or the record was trimmed).</param>
    public static bool HoldsBack(AlertState state, DateTimeOffset? lastActed, DateTimeOffset now, TimeSpan period) =>
        state == AlertState.Updated && lastActed is { } last && now - last < period;

    /// <summary>Whether the group should hold this transition back; one Redis read for an update, none otherwise.</summary>
    public async Task<bool> HoldsBackAsync(AlertTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        if (transition.State != AlertState.Updated)
        {
            return false;
        }

        var score = await _db.SortedSetScoreAsync(_posted, transition.Id).ConfigureAwait(false);
        var lastActed = score is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : (DateTimeOffset?)null;
        return HoldsBack(transition.State, lastActed, _time.GetUtcNow(), Period);
    }

    /// <summary>Records that the group acted on the transition: starts the alert's period, or forgets a resolved alert.</summary>
    public async Task RecordActedAsync(AlertTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        if (transition.State == AlertState.Resolved)
        {
            await _db.SortedSetRemoveAsync(_posted, transition.Id).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var oldest = now - (long)Period.TotalMilliseconds;
        await _db.ScriptEvaluateAsync(RecordScript, [_posted], [transition.Id, now, oldest]).ConfigureAwait(false);
    }
}
