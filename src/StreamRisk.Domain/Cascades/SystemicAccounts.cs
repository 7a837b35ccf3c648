using StreamRisk.Domain.Ladders;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Cascades;

/// <summary>
/// What one large account would drag down with it: its position on the symbol force-liquidated now, as one
/// market order, then the default cascade from the price that order leaves behind.
/// </summary>
/// <param name="ImpactPrice">Last level the account's own liquidation order touches (the mark when the side is empty).</param>
/// <param name="AdditionalSize">Size of other positions the chain liquidates (the account's own excluded).</param>
/// <param name="AdditionalNotional">Σ size × LP of those positions.</param>
/// <param name="AdditionalAccounts">How many other positions it liquidates.</param>
public readonly record struct SystemicAccount(
    AccountId Account,
    double Size,
    double Notional,
    double ImpactPrice,
    double FinalPrice,
    double AdditionalSize,
    double AdditionalNotional,
    int AdditionalAccounts,
    bool BookExhausted);

/// <summary>
/// Ranks the largest accounts of a symbol by the cascade their forced liquidation would set off. Runs on demand
/// (per refresh), not per tick: finding the largest accounts is one pass over the symbol's holders.
/// </summary>
public static class SystemicAccounts
{
    /// <summary>
    /// The <paramref name="top"/> largest positions on <paramref name="instrumentIndex"/> by notional at the mark, each with
    /// the additional cascade its liquidation triggers, sorted by additional notional (largest first).
    /// </summary>
    /// <remarks>Only the account's position on this symbol is liquidated; a cross account's other symbols are not modelled here.</remarks>
    public static IReadOnlyList<SystemicAccount> Rank(MarginBook book, LiquidationLadders ladders, int instrumentIndex, SideDepth bids, SideDepth asks, int top)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(ladders);
        ArgumentNullException.ThrowIfNull(bids);
        ArgumentNullException.ThrowIfNull(asks);
        var largest = new PriorityQueue<(AccountState Account, int Position), double>();
        foreach (var account in book.Accounts)
        {
            for (var i = 0; i < account.PositionCount; i++)
            {
                if (account.InstrumentIndexAt(i) != instrumentIndex)
                {
                    continue;
                }

                var notional = account.PositionMargins[i].Notional;
                if (largest.Count < top)
                {
                    largest.Enqueue((account, i), notional);
                }
                else if (top > 0 && largest.TryPeek(out _, out var smallest) && notional > smallest)
                {
                    largest.EnqueueDequeue((account, i), notional);
                }
            }
        }

        var results = new List<SystemicAccount>(largest.Count);
        while (largest.TryDequeue(out var entry, out _))
        {
            var (account, position) = entry;
            var terms = account.Positions[position];
            var margin = account.PositionMargins[position];
            var isLong = terms.Size > 0;
            results.Add(Liquidate(account, in terms, in margin, ladders.Side(instrumentIndex, isLong), isLong ? bids : asks));
        }

        results.Sort((a, b) => b.AdditionalNotional != a.AdditionalNotional
            ? b.AdditionalNotional.CompareTo(a.AdditionalNotional)
            : string.CompareOrdinal(a.Account.Value, b.Account.Value));
        return results;
    }

    private static SystemicAccount Liquidate(AccountState account, in PositionTerms terms, in PositionMargin margin, LiquidationLadder ladder, SideDepth depth)
    {
        var down = terms.Size > 0; // selling a long pushes the price down into the longs' ladder
        var own = Math.Abs(terms.Size);
        var total = depth.TotalQuantity;
        var first = depth.LastLevelFor(Math.Min(own, total));
        var impact = first < 0 ? terms.Mark : depth.PriceAt(first);
        var price = impact;
        var exhausted = own - total > own * SideDepth.Dust;

        // The account's own ladder entry (if any) must not count as "dragged down".
        var ownOnLadder = margin.HasLiquidationPrice;
        var ownEntry = new LadderTotals(1, own, own * margin.LiquidationPrice,
            own * (double.IsNaN(margin.BankruptcyPrice) ? margin.LiquidationPrice : margin.BankruptcyPrice));
        var others = default(LadderTotals);
        while (!exhausted)
        {
            var crossed = ladder.Crossed(price);
            if (ownOnLadder && (down ? margin.LiquidationPrice >= price : margin.LiquidationPrice <= price))
            {
                crossed -= ownEntry;
            }

            if (crossed.Count <= others.Count)
            {
                break;
            }

            others = crossed;
            var cumulative = own + crossed.Size;
            var last = depth.LastLevelFor(Math.Min(cumulative, total));
            if (last >= 0)
            {
                price = down ? Math.Min(price, depth.PriceAt(last)) : Math.Max(price, depth.PriceAt(last));
            }

            exhausted = cumulative - total > cumulative * SideDepth.Dust;
        }

        return new SystemicAccount(account.Id, terms.Size, margin.Notional, impact, price, others.Size, others.Notional, others.Count, exhausted && depth.IsComplete);
    }
}
