namespace StreamRisk.Replay.Binance;

/// <summary>
/// Which Binance futures market a capture comes from. Both send the same depth, bookTicker and snapshot shapes; they
/// differ in what a quantity means (USDⓈ-M: base asset, e.g. BTC; COIN-M: contracts of a fixed USD face value),
/// which the book does not interpret but reports downstream must.
/// </summary>
public enum BinanceMarket
{
    /// <summary>USDⓈ-M (linear) futures, format name <c>binance-usdm</c>.</summary>
    UsdM,

    /// <summary>COIN-M (inverse) futures, format name <c>binance-coinm</c>.</summary>
    CoinM,
}

/// <summary>Format names as the CLI and configuration spell them.</summary>
public static class BinanceFormats
{
    public const string UsdM = "binance-usdm";
    public const string CoinM = "binance-coinm";

    public static IReadOnlyList<string> Names { get; } = [UsdM, CoinM];

    public static bool TryParse(string? name, out BinanceMarket market)
    {
        switch (name)
        {
            case UsdM:
                market = BinanceMarket.UsdM;
                return true;
            case CoinM:
                market = BinanceMarket.CoinM;
                return true;
            default:
                market = default;
                return false;
        }
    }
}
