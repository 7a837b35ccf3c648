using StreamRisk.Domain.Books;

namespace StreamRisk.Replay.Binance;

/// <summary>How to read a Binance capture.</summary>
public sealed record BinanceImportOptions
{
    public BinanceMarket Market { get; init; } = BinanceMarket.UsdM;

    /// <summary>
    /// Tick sizes by symbol (e.g. BTCUSDT 0.1). A symbol not listed gets the finest decimal place any price in its
    /// first snapshot uses (trailing zeros ignored): right for Binance's power-of-ten ticks; list a symbol whose tick
    /// is not a power of ten (0.5, 0.25). A later price off that grid is a format error naming the option.
    /// </summary>
    public IReadOnlyDictionary<string, TickSize> TickSizes { get; init; } = new Dictionary<string, TickSize>();

    /// <summary>
    /// Most depth updates held while waiting for a snapshot. Beyond it the oldest half is dropped (counted as skipped):
    /// a snapshot always needs the newest updates, and a capture with a gap and no later snapshot must not grow
    /// memory without bound.
    /// </summary>
    public int MaxPendingDiffs { get; init; } = 10_000;
}
