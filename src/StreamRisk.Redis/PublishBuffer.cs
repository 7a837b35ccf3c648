namespace StreamRisk.Redis;

/// <summary>
/// The bounded, ordered channel between alert producers (any thread) and the one Redis loop that reads it.
/// </summary>
/// <remarks>
/// <para>Why not <c>System.Threading.Channels</c>: its full-modes are Wait and drop-newest/oldest/write, and none can
/// spare critical alerts; and a channel forgets an item once read, while here an item stays in the buffer (and counts
/// against the capacity) until Redis has confirmed it, so a failed batch is retried from the same place and nothing
/// behind it can overtake it.</para>
/// <para>The Redis loop peeks a batch from the head (<see cref="PeekBatch"/>), writes it, and removes it
/// (<see cref="Commit"/>). Items in flight are never dropped or replaced. Producers that find the buffer full wait
/// in FIFO order, and a later producer never overtakes a waiting one, so acceptance order is enqueue order.</para>
/// <para>Pictures are the latest state of a symbol: a new picture replaces a queued (not in-flight) picture of the
/// same symbol in place, so a long outage holds one picture per symbol, not one per projection.</para>
/// All state is guarded by one lock; it is held for list operations only, never across I/O or a callback.
/// </remarks>
internal sealed class PublishBuffer
{
    private readonly Lock _gate = new();
    private readonly LinkedList<PublishItem> _items = new();
    private readonly Dictionary<string, LinkedListNode<PublishItem>> _queuedPictures = new(StringComparer.Ordinal);
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly List<(long Through, TaskCompletionSource Done)> _flushes = [];
    private readonly int _capacity;
    private readonly BufferOverflow _overflow;
    private readonly Action<PublishItem> _dropped;
    private TaskCompletionSource<bool>? _readable;
    private int _inFlight;
    private long _lastSequence;
    private int _count;
    private bool _completed;

    /// <param name="dropped">Told about every item dropped to make room; called outside the lock.</param>
    public PublishBuffer(int capacity, BufferOverflow overflow, Action<PublishItem> dropped)
    {
        _capacity = capacity;
        _overflow = overflow;
        _dropped = dropped;
    }

    /// <summary>Items held, including the batch in flight.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Accepts an item, or waits for room (<see cref="BufferOverflow.Wait"/>, or nothing droppable).</summary>
    public ValueTask EnqueueAsync(PublishItem item, CancellationToken cancel)
    {
        PublishItem? dropped = null;
        LinkedListNode<Waiter>? waiting = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, typeof(RedisAlertPublisher));
            if (item.IsPicture && _queuedPictures.TryGetValue(item.Symbol, out var queued))
            {
                // Same rule as the write script: an older picture never replaces a newer one.
                if (item.EventTime >= queued.Value.EventTime)
                {
                    item.Sequence = queued.Value.Sequence;
                    queued.Value = item;
                }

                return ValueTask.CompletedTask;
            }

            if (_waiters.Count == 0)
            {
                if (_items.Count < _capacity)
                {
                    Append(item);
                    return ValueTask.CompletedTask;
                }

                dropped = DropOldestNonCritical();
                if (dropped is not null)
                {
                    Append(item);
                }
            }

            if (dropped is null)
            {
                waiting = _waiters.AddLast(new Waiter(item));
            }
        }

        if (waiting is not null)
        {
            return WaitForRoomAsync(waiting, cancel);
        }

        _dropped(dropped!);
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits until there is something to write; false once completed and empty.</summary>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancel)
    {
        Task<bool> readable;
        lock (_gate)
        {
            if (_items.Count > 0)
            {
                return true;
            }

            if (_completed && _waiters.Count == 0)
            {
                return false;
            }

            _readable ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            readable = _readable.Task;
        }

        return await readable.WaitAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies up to <paramref name="max"/> items from the head into <paramref name="batch"/> and marks them in flight.
    /// A smaller batch than the last one (a retry after a failure) releases the rest, which become droppable again.
    /// </summary>
    public void PeekBatch(List<PublishItem> batch, int max)
    {
        var drops = new List<PublishItem>();
        lock (_gate)
        {
            batch.Clear();
            var node = _items.First;
            while (node is not null && batch.Count < max)
            {
                var item = node.Value;
                item.InFlight = true;
                if (item.IsPicture && _queuedPictures.TryGetValue(item.Symbol, out var queued) && queued == node)
                {
                    _queuedPictures.Remove(item.Symbol);
                }

                batch.Add(item);
                node = node.Next;
            }

            for (var i = batch.Count; i < _inFlight && node is not null; i++, node = node.Next)
            {
                node.Value.InFlight = false;
                if (node.Value.IsPicture)
                {
                    _queuedPictures.TryAdd(node.Value.Symbol, node);
                }
            }

            _inFlight = batch.Count;
            AdmitWaiters(drops);
        }

        Report(drops);
    }

    /// <summary>Removes the batch in flight: Redis has it.</summary>
    public void Commit()
    {
        var drops = new List<PublishItem>();
        lock (_gate)
        {
            for (var i = 0; i < _inFlight; i++)
            {
                _items.First!.Value.InFlight = false;
                _items.RemoveFirst();
            }

            _inFlight = 0;
            _count = _items.Count;
            AdmitWaiters(drops);
            CompleteFlushes();
        }

        Report(drops);
    }

    /// <summary>Completes when every item accepted before the call has been written (or dropped).</summary>
    public Task FlushAsync(CancellationToken cancel)
    {
        lock (_gate)
        {
            if (_items.First is null)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushes.Add((_lastSequence, done));
            return done.Task.WaitAsync(cancel);
        }
    }

    /// <summary>No more items: the reader drains what is held (and waiting) and then sees the end.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            _readable?.TrySetResult(true);
            _readable = null;
        }
    }

    /// <summary>Gives up on everything still held (shutdown with Redis unreachable); returns how many items that was.</summary>
    public int Abandon()
    {
        lock (_gate)
        {
            _completed = true;
            var lost = _items.Count + _waiters.Count;
            var stopped = new ObjectDisposedException(nameof(RedisAlertPublisher), $"publisher stopped with {lost} items undelivered");
            foreach (var waiter in _waiters)
            {
                waiter.Admitted.TrySetException(stopped);
            }

            foreach (var (_, done) in _flushes)
            {
                done.TrySetException(stopped);
            }

            _waiters.Clear();
            _flushes.Clear();
            _items.Clear();
            _queuedPictures.Clear();
            _inFlight = 0;
            _count = 0;
            _readable?.TrySetResult(true);
            _readable = null;
            return lost;
        }
    }

    private async ValueTask WaitForRoomAsync(LinkedListNode<Waiter> waiting, CancellationToken cancel)
    {
        using (cancel.Register(() =>
        {
            lock (_gate)
            {
                // Still queued: withdraw it. Already admitted: the item is in the buffer and the wait succeeded.
                if (waiting.List is not null)
                {
                    _waiters.Remove(waiting);
                    waiting.Value.Admitted.TrySetCanceled(cancel);
                }
            }
        }))
        {
            await waiting.Value.Admitted.Task.ConfigureAwait(false);
        }
    }

    private void Append(PublishItem item)
    {
        item.Sequence = ++_lastSequence;
        var node = _items.AddLast(item);
        if (item.IsPicture)
        {
            _queuedPictures[item.Symbol] = node;
        }

        _count = _items.Count;
        _readable?.TrySetResult(true);
        _readable = null;
    }

    /// <summary>Removes the oldest droppable item (not in flight, not critical); null when there is none or the policy forbids it.</summary>
    private PublishItem? DropOldestNonCritical()
    {
        if (_overflow != BufferOverflow.DropOldestNonCritical)
        {
            return null;
        }

        for (var node = _items.First; node is not null; node = node.Next)
        {
            var item = node.Value;
            if (item.InFlight || item.IsCritical)
            {
                continue;
            }

            if (item.IsPicture && _queuedPictures.TryGetValue(item.Symbol, out var queued) && queued == node)
            {
                _queuedPictures.Remove(item.Symbol);
            }

            _items.Remove(node);
            _count = _items.Count;
            CompleteFlushes();
            return item;
        }

        return null;
    }

    private void AdmitWaiters(List<PublishItem> drops)
    {
        while (_waiters.First is { } first)
        {
            if (_items.Count >= _capacity)
            {
                var dropped = DropOldestNonCritical();
                if (dropped is null)
                {
                    return;
                }

                drops.Add(dropped);
            }

            _waiters.RemoveFirst();
            Append(first.Value.Item);
            first.Value.Admitted.TrySetResult();
        }

        if (_completed && _items.Count == 0)
        {
            _readable?.TrySetResult(false);
            _readable = null;
        }
    }

    private void CompleteFlushes()
    {
        var oldest = _items.First?.Value.Sequence ?? long.MaxValue;
        for (var i = _flushes.Count - 1; i >= 0; i--)
        {
            if (_flushes[i].Through < oldest)
            {
                _flushes[i].Done.TrySetResult();
                _flushes.RemoveAt(i);
            }
        }
    }

    private void Report(List<PublishItem> drops)
    {
        foreach (var item in drops)
        {
            _dropped(item);
        }
    }

    private sealed class Waiter(PublishItem item)
    {
        public PublishItem Item { get; } = item;

        public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
