namespace StreamRisk.Replay.Binance;

/// <summary>
/// Depth updates held raw (their JSON bytes) while the book waits for a snapshot, in arrival order. Raw, because
/// before the first snapshot the tick size may not be known yet, so their prices cannot become ticks. One arena
/// and one entry array, both reused: holding updates allocates only while the buffers grow.
/// </summary>
internal sealed class PendingDiffs
{
    private byte[] _bytes = new byte[1 << 18];
    private Entry[] _entries = new Entry[256];
    private int _used;
    private int _count;

    public int Count => _count;

    public void Add(ReadOnlySpan<byte> json, long receiveTimeNs)
    {
        if (_used + json.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + json.Length));
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        json.CopyTo(_bytes.AsSpan(_used));
        _entries[_count++] = new Entry(_used, json.Length, receiveTimeNs);
        _used += json.Length;
    }

    public ReadOnlySpan<byte> Json(int index) => _bytes.AsSpan(_entries[index].Offset, _entries[index].Length);

    public long ReceiveTimeNs(int index) => _entries[index].ReceiveTimeNs;

    /// <summary>Drops the oldest <paramref name="count"/> entries, keeping the rest in order.</summary>
    public void RemoveOldest(int count)
    {
        if (count >= _count)
        {
            Clear();
            return;
        }

        var shift = _entries[count].Offset;
        Buffer.BlockCopy(_bytes, shift, _bytes, 0, _used - shift);
        _used -= shift;
        for (var i = count; i < _count; i++)
        {
            var entry = _entries[i];
            _entries[i - count] = entry with { Offset = entry.Offset - shift };
        }

        _count -= count;
    }

    public void Clear()
    {
        _count = 0;
        _used = 0;
    }

    private readonly record struct Entry(int Offset, int Length, long ReceiveTimeNs);
}
