using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>
/// Positions large enough to matter for LargeAccountNearLiquidation, kept as the margin book changes so a
/// projection checks a handful of positions instead of scanning every account. Single writer: the engine thread.
/// </summary>
internal sealed class LargePositions(Func<int, double> minimumNotional) : IMarginListener
{
    private readonly Dictionary<(int Slot, int Instrument), AccountState> _large = [];

    public void PositionUpdated(AccountState account, int position)
    {
        var instrument = account.InstrumentIndexAt(position);
        if (account.PositionMargins[position].Notional >= minimumNotional(instrument))
        {
            _large[(account.Slot, instrument)] = account;
        }
        else
        {
            _large.Remove((account.Slot, instrument));
        }
    }

    public void PositionClosed(AccountState account, int instrumentIndex) => _large.Remove((account.Slot, instrumentIndex));

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
