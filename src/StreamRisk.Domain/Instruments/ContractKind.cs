namespace StreamRisk.Domain.Instruments;

/// <summary>How a contract settles.</summary>
public enum ContractKind
{
    /// <summary>Quoted and margined in the quote currency (USDT): notional = |size| × multiplier × price.</summary>
    Linear,

    /// <summary>
    /// Quoted in USD, margined in the coin (Binance COIN-M, BitMEX XBTUSD): size is USD face value
    /// (contracts × multiplier), notional in coin = |size| × multiplier / price.
    /// </summary>
    Inverse,
}
