namespace StreamRisk.Domain.Instruments;

/// <summary>A tradable contract and the rules its margin is computed by.</summary>
/// <param name="Multiplier">Contract size: units of base (linear) or USD (inverse) per unit of size; 1 when sizes are already in those units.</param>
/// <param name="BookDepthLimit">
/// Levels a side the venue's book snapshots carry at most (Binance's REST depth: 1,000); 0 for a full-depth feed. A
/// snapshot side that fills it shows only part of the book (see <see cref="Books.OrderBook.DepthLimit"/>).
/// </param>
public sealed record Instrument(
    Symbol Symbol,
    ContractKind Contract,
    double TickSize,
    double LotSize,
    MarginTiers Tiers,
    double Multiplier = 1.0,
    int BookDepthLimit = 0)
{
    /// <summary>Largest <see cref="BookDepthLimit"/> the instrument document accepts.</summary>
    public const int MaxBookDepthLimit = 1_000_000;

    /// <summary>Notional in the margin currency at a price: quote for linear, coin for inverse.</summary>
    public double Notional(double size, double price) =>
        Contract == ContractKind.Linear ? Math.Abs(size) * Multiplier * price : Math.Abs(size) * Multiplier / price;

    /// <summary>Unrealized PnL in the margin currency of a signed position marked at <paramref name="price"/>.</summary>
    public double UnrealizedPnl(double size, double entry, double price) =>
        Contract == ContractKind.Linear
            ? size * Multiplier * (price - entry)
            : size * Multiplier * ((1.0 / entry) - (1.0 / price));
}
