using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace StreamRisk.Domain;

/// <summary>An account's slot in an <see cref="AccountIdTable"/>: how the decoder names it and the margin book finds it, with no string.</summary>
public readonly record struct AccountKey(int Value);

/// <summary>
/// Every account id the monitor has seen, by dense slot (0, 1, 2, … in first-seen order; never reused, so arrays
/// elsewhere can be indexed by slot). The ids' UTF-8 bytes lie back to back in one arena with an offset per slot; an
/// open-addressing table of slots, probed by a hash of the bytes (each slot's hash kept beside it, so a probe compares
/// bytes only on a matching hash), finds a slot from a message's bytes without allocating. About 30 bytes an account
/// for an id of a dozen characters, where a string, a key array and a dictionary entry take ~150.
/// </summary>
/// <remarks>
/// An id as a string is made only when asked for (<see cref="IdAt"/>), through a small cache keyed by slot: the same
/// few accounts named again (the ADL candidates each second, the large positions) cost no allocation. Owned by the
/// engine's single writer; no locks.
/// </remarks>
public sealed class AccountIdTable
{
    // Ids of up to this many UTF-8 bytes are encoded on the stack when looked up by string.
    private const int StackBytes = 256;

    private const int CachedIds = 1024;

    // The table doubles before it is 3/4 full: ~1.5 probes a hit with linear probing.
    private const int MaxLoadPercent = 75;

    private readonly int _hashMask;
    private byte[] _arena = new byte[1024];
    private int _arenaUsed;
    // Slot s's bytes are _starts[s] .. _starts[s + 1].
    private int[] _starts = new int[65];
    private int[] _hashes = new int[64];
    // Slot + 1 of each occupied entry (0 = empty); a power of two long.
    private int[] _table = new int[128];
    private readonly int[] _cachedSlots = new int[CachedIds];
    private readonly AccountId[] _cachedIds = new AccountId[CachedIds];

    public AccountIdTable()
        : this(hashBits: 32)
    {
    }

    /// <summary>Keeps only <paramref name="hashBits"/> bits of each hash (a test's way to make every id collide).</summary>
    internal AccountIdTable(int hashBits) => _hashMask = hashBits >= 32 ? -1 : (1 << hashBits) - 1;

    public int Count { get; private set; }

    /// <summary>Bytes the table holds (arrays at their capacity), for memory estimates.</summary>
    public long Bytes =>
        _arena.Length + (4L * (_starts.Length + _hashes.Length + _table.Length + _cachedSlots.Length)) + (8L * _cachedIds.Length);

    /// <summary>The slot of an account, adding it when new. The bytes must be non-empty, valid UTF-8.</summary>
    public int GetOrAdd(ReadOnlySpan<byte> utf8)
    {
        var hash = Hash(utf8);
        var at = Probe(utf8, hash);
        if (_table[at] != 0)
        {
            return _table[at] - 1;
        }

        if (utf8.IsEmpty || !Utf8.IsValid(utf8))
        {
            throw new ArgumentException("An account id must be non-empty, valid UTF-8.", nameof(utf8));
        }

        return Add(utf8, hash, at);
    }

    /// <summary>The slot of an account named by a string (encoded as UTF-8), adding it when new.</summary>
    public int GetOrAdd(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        byte[]? rented = null;
        var utf8 = Encode(id, stackalloc byte[StackBytes], ref rented);
        try
        {
            return GetOrAdd(utf8);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The slot of a known account; never allocates, never adds.</summary>
    public bool TryGetSlot(ReadOnlySpan<byte> utf8, out int slot)
    {
        slot = _table[Probe(utf8, Hash(utf8))] - 1;
        return slot >= 0;
    }

    /// <summary>The slot of a known account named by a string; never adds (allocates only for an id over 256 bytes).</summary>
    public bool TryGetSlot(string id, out int slot)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!IsWellFormed(id))
        {
            slot = -1;
            return false; // never added (see Encode)
        }

        byte[]? rented = null;
        var utf8 = Encode(id, stackalloc byte[StackBytes], ref rented);
        try
        {
            return TryGetSlot(utf8, out slot);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The account's id as UTF-8 (a view of the arena: valid until the next account is added).</summary>
    public ReadOnlySpan<byte> Utf8At(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Count, nameof(slot));
        return _arena.AsSpan(_starts[slot], _starts[slot + 1] - _starts[slot]);
    }

    /// <summary>The account's id as a string: made from its bytes, unless the cache still holds it from the last time.</summary>
    public AccountId IdAt(int slot)
    {
        var utf8 = Utf8At(slot);
        var at = slot & (CachedIds - 1);
        if (_cachedSlots[at] == slot + 1)
        {
            return _cachedIds[at];
        }

        var id = new AccountId(Encoding.UTF8.GetString(utf8));
        _cachedSlots[at] = slot + 1;
        _cachedIds[at] = id;
        return id;
    }

    private static ReadOnlySpan<byte> Encode(string id, Span<byte> stack, ref byte[]? rented)
    {
        if (!IsWellFormed(id))
        {
            // UTF-8 would turn every lone surrogate into the same replacement character, so two such ids would be one.
            throw new ArgumentException("An account id must be well-formed text (no lone surrogates).", nameof(id));
        }

        var length = Encoding.UTF8.GetByteCount(id);
        var buffer = length <= stack.Length ? stack : (rented = ArrayPool<byte>.Shared.Rent(length));
        return buffer[..Encoding.UTF8.GetBytes(id, buffer)];
    }

    private static bool IsWellFormed(string id)
    {
        for (var i = 0; i < id.Length; i++)
        {
            if (!char.IsSurrogate(id[i]))
            {
                continue;
            }

            if (!char.IsHighSurrogate(id[i]) || i + 1 == id.Length || !char.IsLowSurrogate(id[i + 1]))
            {
                return false;
            }

            i++;
        }

        return true;
    }

    // HashCode is seeded per process, so crafted ids cannot be chosen to collide in advance.
    private int Hash(ReadOnlySpan<byte> utf8)
    {
        var hash = default(HashCode);
        hash.AddBytes(utf8);
        return hash.ToHashCode() & _hashMask;
    }

    /// <summary>The table entry holding <paramref name="utf8"/>, or the empty one where it would go.</summary>
    private int Probe(ReadOnlySpan<byte> utf8, int hash)
    {
        var mask = _table.Length - 1;
        var at = Spread(hash) & mask;
        while (true)
        {
            var slot = _table[at] - 1;
            if (slot < 0 || (_hashes[slot] == hash && utf8.SequenceEqual(_arena.AsSpan(_starts[slot], _starts[slot + 1] - _starts[slot]))))
            {
                return at;
            }

            at = (at + 1) & mask;
        }
    }

    // The low bits index the table: mixed from every bit of the hash (a hash cut to a few bits in a test stays whole).
    private static int Spread(int hash) => (int)(((uint)hash * 0x9E3779B1u) >> 7) ^ hash;

    private int Add(ReadOnlySpan<byte> utf8, int hash, int at)
    {
        var slot = Count;
        if (_arenaUsed + utf8.Length > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(_arenaUsed + utf8.Length, _arena.Length * 2));
        }

        if (slot + 2 > _starts.Length)
        {
            Array.Resize(ref _starts, _starts.Length * 2);
        }

        if (slot == _hashes.Length)
        {
            Array.Resize(ref _hashes, _hashes.Length * 2);
        }

        utf8.CopyTo(_arena.AsSpan(_arenaUsed));
        _starts[slot] = _arenaUsed;
        _arenaUsed += utf8.Length;
        _starts[slot + 1] = _arenaUsed;
        _hashes[slot] = hash;
        _table[at] = slot + 1;
        Count = slot + 1;
        if ((long)Count * 100 > (long)_table.Length * MaxLoadPercent)
        {
            Grow();
        }

        return slot;
    }

    private void Grow()
    {
        var table = new int[_table.Length * 2];
        var mask = table.Length - 1;
        for (var slot = 0; slot < Count; slot++)
        {
            var at = Spread(_hashes[slot]) & mask;
            while (table[at] != 0)
            {
                at = (at + 1) & mask;
            }

            table[at] = slot + 1;
        }

        _table = table;
    }
}
