using System.Text;
using System.Text.Unicode;
using StreamRisk.Domain;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Resolves an account id's UTF-8 bytes to a dense slot (0, 1, 2, … in first-seen order), adding accounts as they
/// appear. A known account costs a hash probe and no allocation; the key bytes and the <see cref="AccountId"/>
/// string are made once, when the account is first seen. Slots are never reused, so per-account arrays elsewhere
/// (<see cref="AccountSequences"/>) can be indexed by them.
/// Owned by the engine's single writer (the consume thread); no locks.
/// </summary>
public sealed class AccountTable
{
    private readonly Dictionary<byte[], int> _slotByUtf8 = new(Utf8KeyComparer.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly List<AccountId> _ids = [];
    private readonly List<byte[]> _utf8 = [];

    public AccountTable()
    {
        _lookup = _slotByUtf8.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _ids.Count;

    /// <summary>The slot of an account, adding it when new. The bytes must be non-empty, valid UTF-8.</summary>
    public int GetOrAdd(ReadOnlySpan<byte> utf8)
    {
        if (_lookup.TryGetValue(utf8, out var slot))
        {
            return slot;
        }

        if (utf8.IsEmpty || !Utf8.IsValid(utf8))
        {
            throw new ArgumentException("An account id must be non-empty, valid UTF-8.", nameof(utf8));
        }

        slot = _ids.Count;
        var key = utf8.ToArray();
        _slotByUtf8.Add(key, slot);
        _ids.Add(new AccountId(Encoding.UTF8.GetString(key)));
        _utf8.Add(key);
        return slot;
    }

    public int GetOrAdd(AccountId id) => GetOrAdd(Encoding.UTF8.GetBytes(id.Value ?? string.Empty));

    /// <summary>The slot of a known account; never allocates, never adds.</summary>
    public bool TryGetSlot(ReadOnlySpan<byte> utf8, out int slot) => _lookup.TryGetValue(utf8, out slot);

    public AccountId IdAt(int slot) => _ids[slot];

    public ReadOnlySpan<byte> Utf8At(int slot) => _utf8[slot];
}
