namespace StreamRisk.Contracts.Wire;

/// <summary>
/// The last accepted <c>seq</c> of each account slot (see <see cref="AccountTable"/>). A positions message applies
/// only if its seq is above the account's last one: Kafka redelivers after a rebalance or a restart (at-least-once),
/// and a replayed snapshot must not roll an account back. Refused messages go to the dead-letter topic with
/// <see cref="WireReasons.OutOfOrderSeq"/>. The decoder does not check this because it depends on state; the engine does.
/// Owned by the engine's single writer; no locks. Arrays grow by doubling, so steady state allocates nothing.
/// </summary>
public sealed class AccountSequences
{
    /// <summary>What <see cref="LastOf"/> returns for an account with no accepted message.</summary>
    public const long None = long.MinValue;

    private long[] _last;

    public AccountSequences(int expectedAccounts = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expectedAccounts);
        _last = new long[expectedAccounts];
        Array.Fill(_last, None);
    }

    /// <summary>
    /// Records <paramref name="sequence"/> and returns true when it is above the slot's last accepted one (any
    /// sequence is accepted first); returns false and changes nothing for a repeat or an older one.
    /// </summary>
    public bool Accept(int slot, long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        if (slot >= _last.Length)
        {
            Grow(slot);
        }

        ref var last = ref _last[slot];
        if (last != None && sequence <= last)
        {
            return false;
        }

        last = sequence;
        return true;
    }

    /// <summary>The last accepted sequence of a slot, or <see cref="None"/>.</summary>
    public long LastOf(int slot) => (uint)slot < (uint)_last.Length ? _last[slot] : None;

    /// <summary>Forgets a slot, e.g. when its partition is revoked and its state rebuilt from the topic.</summary>
    public void Forget(int slot)
    {
        if ((uint)slot < (uint)_last.Length)
        {
            _last[slot] = None;
        }
    }

    private void Grow(int slot)
    {
        var old = _last.Length;
        Array.Resize(ref _last, Math.Max(slot + 1, old * 2));
        Array.Fill(_last, None, old, _last.Length - old);
    }
}
