namespace StreamRisk.Domain.Alerts;

/// <summary>Liquidatable notional and resting depth within ±<see cref="Band"/> of the mark.</summary>
/// <param name="LiquidatableDown">Σ size × LP of longs a mark at P0·(1 − band) crosses.</param>
/// <param name="LiquidatableUp">Σ size × LP of shorts a mark at P0·(1 + band) crosses.</param>
/// <param name="BidDepth">Notional resting on the bids within the band.</param>
/// <param name="AskDepth">Notional resting on the asks within the band.</param>
public readonly record struct BandFigures(double Band, double LiquidatableDown, double LiquidatableUp, double BidDepth, double AskDepth);

/// <summary>
/// One ring of the liquidation heatmap around the mark, between two signed distances from it (fractions: −0.01 is 1%
/// below). Below the mark the ring holds the longs whose LP lies in it and the bids resting in it; above, the shorts
/// and the asks: what a move through the ring would liquidate, and the depth there to absorb it.
/// </summary>
public readonly record struct LadderRing(double From, double To, double Liquidatable, double Depth);

/// <summary>A large position close to its liquidation price.</summary>
public readonly record struct NearLiquidation(string Account, double Size, double Notional, double LiquidationPrice, double Distance);

/// <summary>The cascade behind a direction's critical shock, for explanations: trigger prices by round and who goes first.</summary>
/// <param name="ModelledNotional">Fill notional the chain took past the known book, from modelled depth.</param>
/// <param name="ModelledShare">That notional's share of the chain's fill notional.</param>
/// <param name="LeftKnownBook">The chain walked past the known part of a partial book side.</param>
public sealed record CascadeChain(double Shock, double FinalPrice, double Amplification, IReadOnlyList<double> RoundPrices, int Positions, double Notional,
    IReadOnlyList<string> TopAccounts, double ModelledNotional = 0, double ModelledShare = 0, bool LeftKnownBook = false);

/// <summary>
/// What one projection of one symbol found: the input of the alert rules and of the per-symbol picture ops see.
/// Produced by the engine at most every throttle interval of event time per symbol (and at once on a large mark move).
/// </summary>
public sealed record SymbolRisk
{
    public required string Symbol { get; init; }
    public required long EventTime { get; init; }
    public required double Mark { get; init; }
    public double? CriticalShockDown { get; init; }
    public double? CriticalShockUp { get; init; }
    public CascadeChain? ChainDown { get; init; }
    public CascadeChain? ChainUp { get; init; }
    public double InsuranceFund { get; init; }

    /// <summary>Smallest grid shock (within the fund limit) whose cascade drains the insurance fund; null if none.</summary>
    public double? FundDrainShockDown { get; init; }
    public double? FundDrainShockUp { get; init; }
    public double AdlNotionalDown { get; init; }
    public double AdlNotionalUp { get; init; }

    /// <summary>Share of the fund-drain cascade's fill notional that ran on modelled depth (0 when it stayed in the known book).</summary>
    public double FundDrainModelledShareDown { get; init; }
    public double FundDrainModelledShareUp { get; init; }

    /// <summary>
    /// How far from the book's mid (a fraction of it) the bids (for a move down) and asks (up) are known: +∞ for a complete
    /// side. A cascade alert whose shock reaches past it is held at info (warm-up).
    /// </summary>
    public double KnownRangeDown { get; init; } = double.PositiveInfinity;
    public double KnownRangeUp { get; init; } = double.PositiveInfinity;

    /// <summary>±1%, ±2%, ±5% (and the rule's wall band if different).</summary>
    public IReadOnlyList<BandFigures> Bands { get; init; } = [];

    /// <summary>Equal rings from the farthest below the mark to the farthest above (see <see cref="LadderRing"/>).</summary>
    public IReadOnlyList<LadderRing> Heatmap { get; init; } = [];

    /// <summary>Bid + ask notional within ±1% now, and its highest value over the LiquidityWithdrawal window.</summary>
    public double DepthNearMark { get; init; }
    public double DepthNearMarkPeak { get; init; }

    /// <summary>Realized liquidation notional per second over the CascadeInProgress window, and the mark's move over it.</summary>
    public double RealizedLiquidationRate { get; init; }
    public double PriceMove { get; init; }

    public IReadOnlyList<NearLiquidation> LargeAccounts { get; init; } = [];

    /// <summary>
    /// Open interest at the mark: the notional of the positions on the ladders (those with a liquidation price), the mean
    /// of the long and the short side. 0 when not known. What LargeAccountNearLiquidation measures a position against.
    /// </summary>
    public double OpenInterest { get; init; }

    /// <summary>The book was stale or crossed when projected: figures that depend on depth are not trustworthy.</summary>
    public bool BookStale { get; init; }

    public BandFigures BandAt(double band)
    {
        var bands = Bands;
        for (var i = 0; i < bands.Count; i++)
        {
            if (Math.Abs(bands[i].Band - band) < 1e-12)
            {
                return bands[i];
            }
        }

        return new BandFigures(band, 0, 0, 0, 0);
    }
}
