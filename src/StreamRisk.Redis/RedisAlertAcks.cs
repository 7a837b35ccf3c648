using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Redis;

/// <summary>
/// Operators' acknowledgements shared through Redis: the hash <see cref="AlertKeys.Acks"/> holds every one (field: the
/// alert id, value: the <see cref="AlertAck"/> JSON), and <see cref="AlertKeys.AckEvents"/> tells every dashboard
/// instance about a new one as it is stored. The first acknowledgement of an alert stands; a second returns it.
/// </summary>
/// <remarks>
/// The alert id reaches Redis only as a hash field and inside the message, never in a key name, so no id can address
/// another key. The hash expires <see cref="Keep"/> after the last acknowledgement: it is bounded without a sweeper
/// (an alert's id carries the time it was raised, so an old id is never acknowledged again by mistake).
/// The multiplexer is borrowed (one per process, owned by the host).
/// </remarks>
public sealed class RedisAlertAcks
{
    /// <summary>KEYS[1] hash, ARGV[1] id, ARGV[2] json, ARGV[3] channel, ARGV[4] ttl seconds. Returns the stored JSON.</summary>
    private const string AckScript = """
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
          redis.call('EXPIRE', KEYS[1], ARGV[4])
          redis.call('PUBLISH', ARGV[3], ARGV[2])
          return ARGV[2]
        end
        return redis.call('HGET', KEYS[1], ARGV[1])
        """;

    /// <summary>How long the hash outlives its last acknowledgement.</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromDays(7);

    private readonly IConnectionMultiplexer _redis;
    private readonly AlertKeys _keys;

    public RedisAlertAcks(IConnectionMultiplexer redis, AlertKeys keys)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(keys);
        _redis = redis;
        _keys = keys;
    }

    /// <summary>Stores <paramref name="ack"/> unless the alert is already acknowledged; returns the one that stands.</summary>
    public async Task<AlertAck> AcknowledgeAsync(AlertAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        if (AlertAck.WhyNotAnId(ack.AlertId) is { } why)
        {
            throw new ArgumentException(why, nameof(ack));
        }

        var json = AlertAck.Write(ack);
        var stored = await _redis.GetDatabase().ScriptEvaluateAsync(AckScript, [_keys.Acks], [ack.AlertId, json, _keys.AckEvents, (long)Keep.TotalSeconds]).ConfigureAwait(false);
        return AlertAck.Read((string?)stored ?? json) ?? ack;
    }

    /// <summary>Every stored acknowledgement (hash values that are not one are skipped).</summary>
    public async Task<IReadOnlyList<AlertAck>> AllAsync()
    {
        var entries = await _redis.GetDatabase().HashGetAllAsync(_keys.Acks).ConfigureAwait(false);
        var acks = new List<AlertAck>(entries.Length);
        foreach (var entry in entries)
        {
            if (AlertAck.Read((string?)entry.Value ?? string.Empty) is { } ack && ack.AlertId == (string?)entry.Name)
            {
                acks.Add(ack);
            }
        }

        return acks;
    }

    /// <summary>
    /// Calls <paramref name="onAck"/> (on a Redis thread) for every acknowledgement stored from now on, by any instance,
    /// until the returned subscription is disposed. Registered without waiting: the multiplexer subscribes whenever it
    /// (re)connects, so a Redis that is down at start-up delays the announcements, not the monitor.
    /// </summary>
    public IDisposable Subscribe(Action<AlertAck> onAck)
    {
        ArgumentNullException.ThrowIfNull(onAck);
        var subscriber = _redis.GetSubscriber();
        var channel = RedisChannel.Literal(_keys.AckEvents);
        Action<RedisChannel, RedisValue> handler = (_, message) =>
        {
            if (AlertAck.Read((string?)message ?? string.Empty) is { } ack && AlertAck.WhyNotAnId(ack.AlertId) is null)
            {
                onAck(ack);
            }
        };
        subscriber.Subscribe(channel, handler, CommandFlags.FireAndForget);
        return new Subscription(() => subscriber.Unsubscribe(channel, handler, CommandFlags.FireAndForget));
    }

    /// <summary>Unsubscribes once, however often disposed (an owner may end it early, before the connection goes).</summary>
    private sealed class Subscription(Action unsubscribe) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                unsubscribe();
            }
        }
    }
}
