namespace StreamRisk.Domain.Liquidations;

/// <summary>
/// How a realized liquidation settles against the insurance fund, exactly: the unit's collateral left at its fill
/// prices goes to the fund — collateral (isolated margin, or the cross wallet balance) + Σ size × (fill − entry) over
/// the closed positions (linear; inverse in coin). Positive when the fill is better than the bankruptcy price (the
/// surplus feeds the fund), negative when worse (the fund pays the loss). Pure.
/// </summary>
public static class InsuranceSettlement
{
    /// <summary>What the fund receives (negative: pays) for closing a unit with <paramref name="collateral"/> whose closed positions realized <paramref name="realizedPnl"/> at their fills.</summary>
    public static double ToFund(double collateral, double realizedPnl) => collateral + realizedPnl;

    /// <summary>
    /// The fund after one settlement, and the deficit auto-deleveraging must cover: the fund never pays below zero;
    /// what it cannot cover is taken from profitable opposite positions.
    /// </summary>
    public static (double Fund, double Deficit) Settle(double fund, double toFund)
    {
        var after = fund + toFund;
        return after >= 0 || toFund >= 0 ? (after, 0) : (Math.Min(fund, 0), Math.Min(-after, -toFund));
    }

    /// <summary>
    /// Size auto-deleveraging closes to cover <paramref name="deficit"/> of a liquidation that filled <paramref name="size"/>
    /// at <paramref name="fillPrice"/> against a bankruptcy price <paramref name="bankruptcyPrice"/>: the counterparties
    /// take the position over at the bankruptcy price, so each unit of size covers |fill − BP| (linear). All of the size
    /// when the fill price says nothing (no BP, or fill at BP).
    /// </summary>
    public static double AdlSize(double deficit, double size, double fillPrice, double bankruptcyPrice)
    {
        if (!(deficit > 0))
        {
            return 0;
        }

        var perUnit = Math.Abs(fillPrice - bankruptcyPrice);
        return double.IsFinite(perUnit) && perUnit > 0 ? Math.Min(size, deficit / perUnit) : size;
    }
}
