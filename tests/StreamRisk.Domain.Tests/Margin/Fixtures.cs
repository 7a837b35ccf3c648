using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Tests.Margin;

internal static class Fixtures
{
    /// <summary>Binance USDⓈ-M BTCUSDT brackets as published in 2023 (notional floors in USDT, mmr, cum).</summary>
    public static readonly MarginTiers BinanceBtcUsdt = MarginTiers.Create(
    [
        (0, 0.004, null), (50_000, 0.005, null), (250_000, 0.01, null), (1_000_000, 0.025, null),
        (10_000_000, 0.05, null), (20_000_000, 0.1, null), (50_000_000, 0.125, null), (100_000_000, 0.15, null),
    ]);

    public static Instrument Linear(string symbol, MarginTiers tiers) => new(new Symbol(symbol), ContractKind.Linear, 0.1, 0.001, tiers);

    public static Instrument Inverse(string symbol, MarginTiers tiers, double multiplier = 100) =>
        new(new Symbol(symbol), ContractKind.Inverse, 0.1, 1, tiers, multiplier);

    public static PositionTerms Cross(Instrument instrument, double size, double entry, double mark) => new(instrument, size, entry, double.NaN, mark);

    public static PositionTerms Isolated(Instrument instrument, double size, double entry, double margin, double mark) => new(instrument, size, entry, margin, mark);

    public static (AccountMargin Account, PositionMargin[] Positions) Compute(MarginProfile profile, double balance, params PositionTerms[] positions)
    {
        var results = new PositionMargin[positions.Length];
        var account = MarginCalculator.Compute(profile, balance, positions, results);
        return (account, results);
    }
}
