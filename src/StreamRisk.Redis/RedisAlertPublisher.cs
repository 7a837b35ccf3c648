using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Redis;

/// <summary>
/// Writes alert transitions and symbol pictures to Redis: each transition is appended to the alert stream
/// (<c>XADD {prefix}:alerts</c>) and published on <c>{prefix}:alerts:{severity}:{symbol}</c>; each picture replaces
/// the hash <c>{prefix}:state:{symbol}</c>.
/// </summary>
/// <remarks>
/// <para>Threading: any thread may call <see cref="PublishAsync(AlertTransition, CancellationToken)"/>; items cross a
/// bounded buffer to one loop that owns all Redis I/O, so writes happen in enqueue order.</para>
/// <para>Delivery: a failed write is retried with exponential backoff, from the same item, with everything behind it
/// still queued in order; nothing is dropped except by the <see cref="BufferOverflow.DropOldestNonCritical"/> policy
/// (counted in <see cref="Dropped"/> and logged). A transition is written at most once: the stream append, the record
/// of its transition id in <c>{prefix}:alerts:written</c> and the PUBLISH happen in one Lua script that first checks
/// that record, so a retry after a lost reply, or a publisher restarted after a crash, skips it.</para>
/// <para>The multiplexer is borrowed (one per process, owned by the host) and is not disposed here.</para>
/// </remarks>
public sealed class RedisAlertPublisher : IAsyncDisposable
{
    /// <summary>Items per script call once Redis is healthy: one round trip for a burst, short enough not to stall Redis.</summary>
    private const int HealthyBatch = 128;

    /// <summary>
    /// KEYS[1] stream, KEYS[2] written-record (sorted set), KEYS[3..] picture hashes. ARGV[1] stream max length, then
    /// records: <c>t tid json rule symbol severity state channel</c> or <c>p keyIndex eventTime n field value ...</c>.
    /// The written-record is a sorted set scored by stream time and trimmed to the stream's length, so it stays
    /// bounded: a plain SET would grow for ever while the stream is trimmed. A picture older than the stored one is
    /// ignored, so a late retry cannot roll a screen back. Returns {written, duplicates, pictures}.
    /// </summary>
    private const string PublishScript = """
        local maxlen = ARGV[1]
        local written, duplicates, pictures = 0, 0, 0
        local i = 2
        while i <= #ARGV do
          if ARGV[i] == 't' then
            local tid, json = ARGV[i + 1], ARGV[i + 2]
            if redis.call('ZSCORE', KEYS[2], tid) then
              duplicates = duplicates + 1
            else
              local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*',
                'alert', json, 'id', tid, 'rule', ARGV[i + 3], 'symbol', ARGV[i + 4],
                'severity', ARGV[i + 5], 'state', ARGV[i + 6])
              redis.call('ZADD', KEYS[2], tonumber(string.match(id, '^%d+')), tid)
              redis.call('PUBLISH', ARGV[i + 7], json)
              written = written + 1
            end
            i = i + 8
          else
            local key = KEYS[tonumber(ARGV[i + 1])]
            local n = tonumber(ARGV[i + 3])
            local stored = redis.call('HGET', key, 'eventTime')
            if (not stored) or tonumber(stored) <= tonumber(ARGV[i + 2]) then
              redis.call('DEL', key)
              redis.call('HSET', key, unpack(ARGV, i + 4, i + 3 + 2 * n))
              pictures = pictures + 1
            end
            i = i + 4 + 2 * n
          end
        end
        if written > 0 then
          redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(maxlen) + 1))
        end
        return {written, duplicates, pictures}
        """;

    private readonly IDatabase _db;
    private readonly RedisPublisherOptions _options;
    private readonly AlertKeys _keys;
    private readonly TimeProvider _time;
    private readonly Backoff _backoff;
    private readonly PublishBuffer _buffer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _published;
    private long _duplicates;
    private long _pictures;
    private long _retried;
    private long _dropped;
    private long _undelivered;
    private int _failures;
    private int _disposed;

    /// <param name="time">Clock of the retry waits and the drain timeout.</param>
    /// <param name="jitter">Spreads the retry waits; drawn from by the write loop only.</param>
    public RedisAlertPublisher(IConnectionMultiplexer redis, TimeProvider time, Random jitter, RedisPublisherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(jitter);
        _options = options ?? new RedisPublisherOptions();
        _options.Validate();
        _db = redis.GetDatabase();
        _keys = new AlertKeys(_options.Prefix);
        _time = time;
        _backoff = new Backoff(_options.RetryBackoffMin, _options.RetryBackoffMax, jitter);
        _buffer = new PublishBuffer(_options.BufferCapacity, _options.Overflow, OnDropped);
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Transitions appended to the stream.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Transitions skipped because their transition id was already in the stream (retry or restart).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Pictures written to their symbol hash.</summary>
    public long PicturesWritten => Interlocked.Read(ref _pictures);

    /// <summary>Failed write attempts that were retried.</summary>
    public long Retried => Interlocked.Read(ref _retried);

    /// <summary>Items dropped by <see cref="BufferOverflow.DropOldestNonCritical"/>.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Items still buffered when disposal gave up on Redis (unreachable for the whole drain timeout).</summary>
    public long Undelivered => Interlocked.Read(ref _undelivered);

    /// <summary>Items that never reached Redis: <see cref="Dropped"/> and <see cref="Undelivered"/>.</summary>
    public long Failed => Dropped + Undelivered;

    /// <summary>Items waiting to be written, including the batch in flight.</summary>
    public int BufferDepth => _buffer.Count;

    /// <summary>Write attempts that failed since the last one that succeeded: 0 while Redis takes every write (the health check reads it).</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <summary>
    /// Queues a transition. Completes once it is buffered (not written); with <see cref="BufferOverflow.Wait"/> a full
    /// buffer makes it wait. Throws on a transition that cannot be serialized, and after disposal.
    /// </summary>
    public ValueTask PublishAsync(AlertTransition transition, CancellationToken cancel = default) =>
        _buffer.EnqueueAsync(PublishItem.For(transition, _keys), cancel);

    /// <summary>Queues the latest picture of a symbol; it replaces a queued, unwritten picture of the same symbol.</summary>
    public ValueTask PublishPictureAsync(SymbolPicture picture, CancellationToken cancel = default) =>
        _buffer.EnqueueAsync(PublishItem.For(picture, _keys), cancel);

    /// <summary>Completes when everything queued before the call is in Redis (or was dropped by the overflow policy).</summary>
    public Task FlushAsync(CancellationToken cancel = default) => _buffer.FlushAsync(cancel);

    /// <summary>
    /// Stops accepting items, keeps delivering what is buffered for up to <see cref="RedisPublisherOptions.DrainTimeout"/>,
    /// then stops; what could not be delivered by then is logged with its count.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _buffer.Complete();
        try
        {
            await _loop.WaitAsync(_options.DrainTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            var lost = _buffer.Abandon();
            Interlocked.Add(ref _undelivered, lost);
            Log($"redis publisher: stopped with {lost} items undelivered (Redis unavailable for the whole drain timeout)");
        }

        _stop.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PublishItem>(HealthyBatch);
        var failures = 0;
        try
        {
            while (await _buffer.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                // After a failure, probe with the head item alone: the rest stays droppable by the overflow policy,
                // and a write that keeps failing on one item (e.g. a wrong key type) names that item in the log.
                _buffer.PeekBatch(batch, failures == 0 ? HealthyBatch : 1);
                if (batch.Count == 0)
                {
                    // Woken by Complete() with nothing buffered: the next wait says the buffer is done. (Writing the
                    // empty batch would fail while Redis is down, and the failure has no item to name.)
                    continue;
                }

                try
                {
                    await WriteAsync(batch).ConfigureAwait(false);
                    _buffer.Commit();
                    if (failures > 0)
                    {
                        Log($"redis publisher: writing again after {failures} failed attempts; {_buffer.Count} items still buffered");
                        failures = 0;
                        Volatile.Write(ref _failures, 0);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_stop.IsCancellationRequested)
                {
                    // Redis down, timing out or refusing the write: keep the batch where it is and try again.
                    failures++;
                    Volatile.Write(ref _failures, failures);
                    Interlocked.Increment(ref _retried);
                    if (failures == 1 || failures % 50 == 0)
                    {
                        Log($"redis publisher: write of {batch[0].Description} failed (attempt {failures}; {_buffer.Count} items buffered): {RedisErrors.Describe(ex)}");
                    }

                    await Task.Delay(_backoff.After(failures), _time, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposal gave up on the drain: what is left is counted by Abandon.
        }
    }

    private async Task WriteAsync(List<PublishItem> batch)
    {
        var keys = new List<RedisKey>(2 + batch.Count) { _keys.Stream, _keys.Written };
        var args = new List<RedisValue>(1 + (batch.Count * 9)) { _options.StreamMaxLength };
        foreach (var item in batch)
        {
            if (item.IsPicture)
            {
                keys.Add(item.PictureKey);
                args.Add(PublishItem.PictureTag);
                args.Add(keys.Count);
            }
            else
            {
                args.Add(PublishItem.TransitionTag);
            }

            args.AddRange(item.Args);
        }

        var counts = (long[]?)await _db.ScriptEvaluateAsync(PublishScript, [.. keys], [.. args]).ConfigureAwait(false)
            ?? throw new RedisException("publish script returned nothing");
        Interlocked.Add(ref _published, counts[0]);
        Interlocked.Add(ref _duplicates, counts[1]);
        Interlocked.Add(ref _pictures, counts[2]);
    }

    private void OnDropped(PublishItem item)
    {
        Interlocked.Increment(ref _dropped);
        Log($"redis publisher: buffer full, dropped {item.Description}{(item.IsPicture ? string.Empty : " (non-critical)")}");
    }

    private void Log(string line)
    {
        try
        {
            _options.Log?.Invoke(line);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A broken log sink must not stop alert delivery.
        }
    }
}
