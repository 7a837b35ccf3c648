namespace StreamRisk.Domain.Margin;

/// <summary>
/// Follows the <see cref="MarginBook"/> position by position (the liquidation ladders do). Called on the
/// book's writer thread, synchronously, right after the change.
/// </summary>
public interface IMarginListener
{
    /// <summary>Position <paramref name="position"/> of the account has new margin figures (size, LP or BP may have moved).</summary>
    void PositionUpdated(AccountState account, int position);

    /// <summary>The account no longer holds a position on this instrument.</summary>
    void PositionClosed(AccountState account, int instrumentIndex);
}
