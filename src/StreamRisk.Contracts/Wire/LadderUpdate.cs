using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// What the account stage tells the projector stage about one symbol after one input: the ladder buckets that changed
/// (absolute totals), the large positions and ADL candidates when they changed, the insurance fund settlement of a
/// venue liquidation fill of an account it holds, and how many times the input touches the symbol before and after its
/// change (the projection throttle counts touches). In one process it is handed over
/// in memory and reused; scaled out it travels on the ladders topic keyed by symbol.
/// </summary>
public sealed class LadderUpdate
{
    /// <summary>Where it comes from: an account partition (scaled out) or 0 (one process holds every account).</summary>
    public int Source { get; set; }

    /// <summary>Instrument index in the receiver's catalog.</summary>
    public int Instrument { get; set; }

    /// <summary>
    /// 1, 2, 3… per (source, symbol): a source's state is a function of its inputs, so an instance that rebuilds a
    /// partition numbers its updates exactly as the previous owner did, and the projector skips what it already has.
    /// </summary>
    public long Number { get; set; }

    public long EventTime { get; set; }

    /// <summary>Price step of the buckets (fixed per symbol).</summary>
    public double Tick { get; set; }

    /// <summary>
    /// True when the update is the source's whole state on the symbol as of <see cref="Number"/> (sent again after a
    /// delivery was lost): the receiver drops every bucket it holds from the source there first, and takes it even at
    /// the number it already has (the same state again changes nothing).
    /// </summary>
    public bool Replaces { get; set; }

    public int TouchesBefore { get; set; }

    public int TouchesAfter { get; set; }

    public List<(bool Long, long Tick, LadderBucket Bucket)> Buckets { get; } = [];

    /// <summary>True when <see cref="Large"/> replaces the source's large positions on the symbol.</summary>
    public bool HasLarge { get; set; }

    public List<LargePosition> Large { get; } = [];

    /// <summary>True when the ADL lists replace the source's candidates on the symbol.</summary>
    public bool HasAdl { get; set; }

    public List<AdlCandidate> AdlLongs { get; } = [];

    public List<AdlCandidate> AdlShorts { get; } = [];

    /// <summary>
    /// Settlements with the fund covering the symbol: the one the input made, or with <see cref="Replaces"/> every one
    /// the source made on the symbol (numbered, so the receiver applies each once).
    /// </summary>
    public List<FundSettlement> Settlements { get; } = [];

    public bool IsEmpty => !Replaces && TouchesBefore == 0 && TouchesAfter == 0 && Buckets.Count == 0 && !HasLarge && !HasAdl && Settlements.Count == 0;

    public void Reset()
    {
        Replaces = false;
        TouchesBefore = 0;
        TouchesAfter = 0;
        Buckets.Clear();
        HasLarge = false;
        Large.Clear();
        HasAdl = false;
        AdlLongs.Clear();
        AdlShorts.Clear();
        Settlements.Clear();
    }
}

/// <summary>
/// A venue liquidation fill's settlement with the insurance fund, made by the account stage that holds the account:
/// <see cref="Amount"/> goes to the fund (negative: the fund pays). <see cref="Number"/> is 1, 2, 3… per (source,
/// symbol), as the source's inputs give it, so a settlement sent again is recognised; <see cref="EventTime"/> is the
/// fill's, which a venue balance of a later time already includes.
/// </summary>
public readonly record struct FundSettlement(long Number, long EventTime, double Amount);

/// <summary>A position large enough for the LargeAccountNearLiquidation rule and cascade explanations, as of the last update.</summary>
public readonly record struct LargePosition(string Account, double Size, double Notional, double LiquidationPrice, double Distance)
{
    public bool HasLiquidationPrice => !double.IsNaN(LiquidationPrice);
}
