namespace StreamRisk.Domain.Margin;

/// <summary>
/// Follows the <see cref="MarginBook"/> position by position (the liquidation ladders do). Called on the
/// book's writer thread, synchronously, right after the change.
/// </summary>
public interface IMarginListener
{
    /// <summary>Position <paramref name="position"/> of the account has new margin figures (size, LP or BP may have moved).</summary>
    void PositionUpdated(AccountState account, int position);

    /// <summary>
    /// Like <see cref="PositionUpdated"/>, after a mark: LP, BP and notional may have moved, the size has not (a listener
    /// keyed by size can skip its lookup).
    /// </summary>
    void PositionRepriced(AccountState account, int position) => PositionUpdated(account, position);

    /// <summary>Every position of the account repriced (a revaluation): <see cref="PositionRepriced"/> for each, in order.</summary>
    void AccountRepriced(AccountState account)
    {
        for (var i = 0; i < account.PositionCount; i++)
        {
            PositionRepriced(account, i);
        }
    }

    /// <summary>The account's position on this instrument is closing (called just before it is removed from the account).</summary>
    void PositionClosed(AccountState account, int instrumentIndex);
}
