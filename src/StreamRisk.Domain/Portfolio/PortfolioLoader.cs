using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Portfolio;

/// <summary>Loads the accounts of a <see cref="MarginBook"/> into a <see cref="PortfolioProjector"/>.</summary>
public static class PortfolioLoader
{
    /// <summary>
    /// Adds every account of <paramref name="book"/> with its cross balance and its positions (size, entry, isolated
    /// margin) on the instruments the projector holds: <paramref name="projectorIndex"/>[i] is the projector's index of the
    /// book's instrument i, or −1 for an instrument left out (no mark yet). Positions on left-out instruments are left
    /// out of their account (they cannot be priced); accounts with nothing left are not added. Reads the position terms
    /// as the book keeps them (no recomputation of accounts a mark skipped: size, entry and margin do not depend on it),
    /// and allocates nothing once the projector's buffers have grown. Call <see cref="PortfolioProjector.Reset"/> and set
    /// the instruments first, <see cref="PortfolioProjector.Seal"/> after.
    /// </summary>
    /// <returns>How many accounts were added.</returns>
    public static int LoadAccounts(MarginBook book, PortfolioProjector projector, ReadOnlySpan<int> projectorIndex)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(projector);
        var added = 0;
        for (var slot = 0; slot < book.AccountCount; slot++)
        {
            var account = book.AccountAt(slot);
            var count = account.PositionCount;
            var any = false;
            for (var p = 0; p < count && !any; p++)
            {
                var instrument = account.InstrumentIndexAt(p);
                any = instrument < projectorIndex.Length && projectorIndex[instrument] >= 0 && account.TermsRefAt(p).Size != 0;
            }

            if (!any)
            {
                continue;
            }

            var index = projector.AddAccount(account.Id, account.Balance);
            for (var p = 0; p < count; p++)
            {
                var instrument = account.InstrumentIndexAt(p);
                if (instrument >= projectorIndex.Length || projectorIndex[instrument] < 0)
                {
                    continue;
                }

                ref readonly var terms = ref account.TermsRefAt(p);
                projector.AddPosition(index, projectorIndex[instrument], terms.Size, terms.Entry, terms.IsolatedMargin);
            }

            added++;
        }

        return added;
    }
}
