using StreamRisk.Domain;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Resolves an account id's UTF-8 bytes to a dense slot (0, 1, 2, … in first-seen order), adding accounts as they
/// appear: the decoder's face of an <see cref="AccountIdTable"/>, which others (the margin book) can share through
/// <see cref="Ids"/>. A known account costs a hash probe and no allocation; slots are never reused, so per-account
/// arrays elsewhere (<see cref="AccountSequences"/>) can be indexed by them.
/// Owned by the engine's single writer (the consume thread); no locks.
/// </summary>
public sealed class AccountTable
{
    public AccountTable()
        : this(new AccountIdTable())
    {
    }

    /// <param name="ids">The table to resolve against (shared with whoever else keys accounts by slot).</param>
    public AccountTable(AccountIdTable ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Ids = ids;
    }

    /// <summary>The id table behind this one.</summary>
    public AccountIdTable Ids { get; }

    public int Count => Ids.Count;

    /// <summary>The slot of an account, adding it when new. The bytes must be non-empty, valid UTF-8.</summary>
    public int GetOrAdd(ReadOnlySpan<byte> utf8) => Ids.GetOrAdd(utf8);

    public int GetOrAdd(AccountId id) => Ids.GetOrAdd(id.Value ?? string.Empty);

    /// <summary>The slot of a known account; never allocates, never adds.</summary>
    public bool TryGetSlot(ReadOnlySpan<byte> utf8, out int slot) => Ids.TryGetSlot(utf8, out slot);

    /// <summary>The account's id as a string (made from its bytes unless recently asked for: see <see cref="AccountIdTable.IdAt"/>).</summary>
    public AccountId IdAt(int slot) => Ids.IdAt(slot);

    public ReadOnlySpan<byte> Utf8At(int slot) => Ids.Utf8At(slot);
}
