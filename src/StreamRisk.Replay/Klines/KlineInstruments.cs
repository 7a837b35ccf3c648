using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Simulation;

namespace StreamRisk.Replay.Klines;

/// <summary>
/// The instrument a kline file is run as: the one configuration names for its symbol; else the program's own instrument
/// of that symbol (BTCUSDT, ETHUSDT, SOLUSDT: Binance-shaped brackets and lots), on the finer of its tick and the prices'
/// grid (a symbol's tick changes over its life: BTCUSDT quoted in 0.01 in 2020 and in 0.1 later); else a linear
/// contract on the prices' grid (tick 10^-decimals of the most precise price), the volumes' lot, and
/// <see cref="GenericTiers"/>.
/// </summary>
public static class KlineInstruments
{
    /// <summary>
    /// Brackets for a symbol the program does not know: the shape of Binance's tables for mid-size altcoins (the
    /// SOLUSDT-like table, the tightest of the known ones: 50x at the first bracket, 10 % MMR from 2M), so an
    /// unknown instrument is not margined more leniently than a known major.
    /// </summary>
    public static MarginTiers GenericTiers => SimulatedSymbol.BinanceSolUsdtTiers;

    public static Instrument For(KlineFile file, IReadOnlyDictionary<string, Instrument> configured)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(configured);
        if (configured.TryGetValue(file.Symbol, out var named))
        {
            return named;
        }

        var grid = (double)TickSize.FromDecimalPlaces(Math.Min(file.PriceDecimals, 8)).Value;
        foreach (var known in SimulatedSymbol.Defaults)
        {
            if (known.Instrument.Symbol.Value == file.Symbol)
            {
                return known.Instrument with { TickSize = Math.Min(known.Instrument.TickSize, grid) };
            }
        }

        var lot = (double)TickSize.FromDecimalPlaces(Math.Min(file.QuantityDecimals, 8)).Value;
        return new Instrument(new Symbol(file.Symbol), ContractKind.Linear, grid, lot, GenericTiers);
    }
}
