namespace StreamRisk.Domain.Cascades;

/// <summary>One round of a projected cascade: the positions its trigger price crossed, sold (or bought) as one market order.</summary>
/// <param name="TriggerPrice">The price P this round used to decide who is liquidated.</param>
/// <param name="Size">Size liquidated in this round (absolute, in contract units).</param>
/// <param name="Notional">Σ size × liquidation price of the positions liquidated in this round.</param>
/// <param name="Accounts">Positions liquidated in this round (one per account and symbol).</param>
/// <param name="Vwap">Average fill of the round's market order (NaN when the side was already empty).</param>
/// <param name="LastPrice">Last book level the order touched (NaN when nothing filled).</param>
/// <param name="Filled">Part of <paramref name="Size"/> the book absorbed.</param>
public readonly record struct CascadeRound(double TriggerPrice, double Size, double Notional, int Accounts, double Vwap, double LastPrice, double Filled);

/// <summary>
/// The outcome of one shock under the default cascade model (docs/domain.md). <see cref="RoundCount"/> is the true
/// number of rounds; at most the caller's buffer length of them were written out.
/// </summary>
/// <param name="BookExhausted">A complete side ran out (a partial side's end is past its modelled range, not the book's).</param>
/// <param name="ModelledNotional">Fill notional the chain took past the known book, from the side's modelled depth.</param>
/// <param name="LeftKnownBook">The chain's fills reached past the known levels of a partial side.</param>
public readonly record struct CascadeProjection(
    double Shock,
    CascadeDirection Direction,
    double Mark,
    double TargetPrice,
    double FinalPrice,
    double Amplification,
    int RoundCount,
    double LiquidatedSize,
    double LiquidatedNotional,
    int LiquidatedAccounts,
    double InsuranceFundBefore,
    double InsuranceFundAfter,
    double AdlSize,
    double AdlNotional,
    int AdlAccounts,
    bool BookExhausted,
    double Unfilled,
    double ModelledNotional = 0,
    bool LeftKnownBook = false)
{
    /// <summary>Share of the chain's fill notional that came from modelled depth (0 when nothing filled).</summary>
    public double ModelledShare => ModelledNotional > 0 && FilledNotional > 0 ? ModelledNotional / FilledNotional : 0;

    /// <summary>Fill notional of the chain's market orders (what the book absorbed).</summary>
    public double FilledNotional { get; init; }

    /// <summary>The runaway test of the critical-shock search: amplification ≥ 2 or the book side ran out.</summary>
    public bool IsRunaway => Amplification >= CascadeProjector.RunawayAmplification || BookExhausted;
}
