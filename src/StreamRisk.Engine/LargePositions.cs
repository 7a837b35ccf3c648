using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>
/// Positions large enough to matter for LargeAccountNearLiquidation, kept as the margin book changes so a
/// projection checks a handful of positions instead of scanning every account. Single writer: the engine thread.
/// </summary>
internal sealed class LargePositions(Func<int, double> minimumNotional) : IMarginListener
{
    private readonly Dictionary<(int Slot, int Instrument), AccountState> _large = [];

    // Every mark recomputes every holder of its symbol and tells this listener about each of their positions, so this is
    // the hottest listener call: the threshold (a per-symbol dictionary lookup by string) is cached per instrument, and
    // membership is kept in a bit per (instrument, slot) so the common "still small" case touches no dictionary.
    // Thresholds come from immutable options and an instrument index never changes its symbol, so the cache never goes stale.
    private double[] _minimum = [];
    private bool[][] _member = [];

    public void PositionUpdated(AccountState account, int position)
    {
        var instrument = account.InstrumentIndexAt(position);
        var slot = account.Slot;
        var members = Members(instrument, slot);
        if (account.PositionMargins[position].Notional >= MinimumOf(instrument))
        {
            if (!members[slot])
            {
                members[slot] = true;
                _large[(slot, instrument)] = account;
            }
        }
        else if (members[slot])
        {
            members[slot] = false;
            _large.Remove((slot, instrument));
        }
    }

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        var members = Members(instrumentIndex, account.Slot);
        if (members[account.Slot])
        {
            members[account.Slot] = false;
            _large.Remove((account.Slot, instrumentIndex));
        }
    }

    private double MinimumOf(int instrument)
    {
        if (instrument >= _minimum.Length)
        {
            var old = _minimum.Length;
            Array.Resize(ref _minimum, instrument + 1);
            Array.Fill(_minimum, double.NaN, old, _minimum.Length - old);
        }

        var minimum = _minimum[instrument];
        if (double.IsNaN(minimum))
        {
            minimum = _minimum[instrument] = minimumNotional(instrument);
        }

        return minimum;
    }

    private bool[] Members(int instrument, int slot)
    {
        if (instrument >= _member.Length)
        {
            var old = _member.Length;
            Array.Resize(ref _member, instrument + 1);
            for (var i = old; i < _member.Length; i++)
            {
                _member[i] = new bool[1024];
            }
        }

        ref var members = ref _member[instrument];
        if (slot >= members.Length)
        {
            Array.Resize(ref members, Math.Max(slot + 1, members.Length * 2));
        }

        return members;
    }

    /// <summary>Large positions on one instrument, as (account, position index) pairs.</summary>
    public IEnumerable<(AccountState Account, int Position)> On(int instrumentIndex)
    {
        foreach (var ((_, instrument), account) in _large)
        {
            if (instrument == instrumentIndex)
            {
                var position = IndexOf(account, instrumentIndex);
                if (position >= 0)
                {
                    yield return (account, position);
                }
            }
        }
    }

    private static int IndexOf(AccountState account, int instrument)
    {
        for (var i = 0; i < account.PositionCount; i++)
        {
            if (account.InstrumentIndexAt(i) == instrument)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Fans one margin book's changes out to several listeners (ladders, large positions).</summary>
internal sealed class MarginListeners(params IMarginListener[] listeners) : IMarginListener
{
    public void PositionUpdated(AccountState account, int position)
    {
        foreach (var listener in listeners)
        {
            listener.PositionUpdated(account, position);
        }
    }

    public void PositionClosed(AccountState account, int instrumentIndex)
    {
        foreach (var listener in listeners)
        {
            listener.PositionClosed(account, instrumentIndex);
        }
    }
}
