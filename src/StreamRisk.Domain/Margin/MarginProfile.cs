namespace StreamRisk.Domain.Margin;

/// <summary>Which notional picks the maintenance tier (and so the MM rate and deduction).</summary>
public enum TierBasis
{
    /// <summary>
    /// The tier of the notional at the price being evaluated: at the mark for the current MM, at the
    /// liquidation price when solving for it, so the solver iterates until the tier at the LP is stable
    /// (Binance USDⓈ-M/COIN-M, Hyperliquid).
    /// </summary>
    AtPrice,

    /// <summary>MM fixed from the entry notional (Bybit isolated USDT: "MM = position value at entry × mmr").</summary>
    AtEntry,

    /// <summary>The tier of the notional at the current mark, its rate applied to the notional at the evaluated price (OKX, dYdX v4 oracle).</summary>
    AtMark,
}

/// <summary>
/// A venue's margin conventions. Every profile reads its rates from the instrument's tiers; profiles
/// differ only where the venues differ (docs/domain.md, "Margin model").
/// </summary>
public sealed record MarginProfile(string Name, TierBasis TierBasis, string Summary)
{
    public static readonly MarginProfile Binance = new("binance", TierBasis.AtPrice, "Binance USDⓈ-M / COIN-M: tier at the liquidation price (iterated), inverse math in coin");
    public static readonly MarginProfile Bybit = new("bybit", TierBasis.AtEntry, "Bybit: maintenance margin from the entry notional");
    public static readonly MarginProfile Okx = new("okx", TierBasis.AtMark, "OKX: tier chosen at the mark notional");
    public static readonly MarginProfile Hyperliquid = new("hyperliquid", TierBasis.AtPrice, "Hyperliquid: tier at the liquidation price; mmr = 1/(2 × max leverage)");
    public static readonly MarginProfile Dydx = new("dydx", TierBasis.AtMark, "dYdX v4: maintenance fraction at the oracle price");
    public static readonly MarginProfile Generic = new("generic", TierBasis.AtPrice, "Generic: tier at the evaluated price, equity < MM liquidates");

    public static IReadOnlyList<MarginProfile> All { get; } = [Binance, Bybit, Okx, Hyperliquid, Dydx, Generic];

    public static bool TryGet(string name, out MarginProfile profile)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                profile = candidate;
                return true;
            }
        }

        profile = Generic;
        return false;
    }
}
