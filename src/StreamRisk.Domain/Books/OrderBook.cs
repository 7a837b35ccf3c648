using System.Diagnostics.CodeAnalysis;

namespace StreamRisk.Domain.Books;

/// <summary>
/// The L2 order book of one symbol: a snapshot plus sequence-checked depth updates, with the queries the cascade
/// projector and alert rules need (best levels, depth in a price band, walking a market order).
/// <para>
/// Ownership: one writer. The thread that applies snapshots and updates (the engine's consume thread, or a replay
/// loop) is the only one that touches the book, queries included; there are no locks by design.
/// </para>
/// <para>
/// Sequencing: after <see cref="ApplySnapshot"/> (taken at update id L) the first update applied must span L
/// (<c>FirstUpdateId ≤ L ≤ LastUpdateId</c>); updates wholly before L are <see cref="DiffOutcome.Outdated"/>.
/// From then on each update's <see cref="DepthUpdated.PreviousUpdateId"/> must equal the last applied id. Anything
/// else is a gap: the book turns stale, <see cref="ResyncRequested"/> is raised, and updates are refused until the
/// next snapshot. A stale book keeps its levels and still answers queries; callers check <see cref="IsStale"/>.
/// A crossed book (best bid ≥ best ask) is flagged in <see cref="IsCrossed"/>, not repaired: it is the venue's data.
/// </para>
/// <para>
/// Quantities are doubles, not integer lots: L2 updates carry each level's absolute quantity, so the book never adds
/// or subtracts them and a stored quantity is bit-for-bit the decoded value (it compares exactly with the venue's
/// own top-of-book feed); the only arithmetic on quantities is in queries, which feed the risk math that is in
/// doubles anyway, and no per-instrument lot size has to be known. Prices are integer ticks, which keeps level
/// lookup exact.
/// </para>
/// <para>
/// Horizon: a venue's snapshot may show only part of a side (Binance's REST snapshot carries at most 1,000 levels, about
/// ±0.25% of a BTCUSDT book). When the instrument declares such a limit (<see cref="DepthLimit"/>, in levels a side), a
/// snapshot side that fills it is partial: it is known from its best level outward to the first gap between levels wider
/// than <see cref="HorizonReach"/> (the horizon: a venue's snapshot is contiguous; a book rebuilt from a snapshot and
/// updates may also hold lone far levels, which are not part of it), and a level a later
/// update names just beyond the horizon (within <see cref="HorizonReach"/> of its price, in the update's order) moves it
/// out to that level. A lone level far beyond (a bid at 1,000 on a 60,000 book) says nothing of the levels between: it
/// is kept, but the horizon stays. A side with fewer levels than the limit, and every side of a book without a limit (a
/// full-depth feed), is complete: nothing rests beyond its last level.
/// </para>
/// </summary>
public sealed class OrderBook
{
    private readonly BookSideLevels _bids;
    private readonly BookSideLevels _asks;
    private SequenceState _state = SequenceState.AwaitingSnapshot;

    // Farthest price known on each side (ticks; 0 = none yet) and whether the side is complete.
    private long _bidHorizon;
    private long _askHorizon;
    private bool _bidsComplete = true;
    private bool _asksComplete = true;

    // The Version at which each side's levels, horizon or completeness last changed.
    private long _bidsVersion;
    private long _asksVersion;

    // The frozen side that last continued each side past its horizon, for another to copy (see SideDepth.Load).
    private Cascades.SideDepth? _bidsExtended;
    private Cascades.SideDepth? _asksExtended;

    /// <param name="symbol">The instrument.</param>
    /// <param name="tickSize">Its price increment; level prices are integer multiples of it.</param>
    /// <param name="expectedLevelsPerSide">Initial capacity per side; a side grows past it by doubling.</param>
    public OrderBook(Symbol symbol, TickSize tickSize, int expectedLevelsPerSide = 2048)
    {
        if (tickSize.Units <= 0)
        {
            throw new ArgumentException("The tick size is not set (use TickSize.FromDecimal).", nameof(tickSize));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expectedLevelsPerSide);
        Symbol = symbol;
        TickSize = tickSize;
        _bids = new BookSideLevels(BookSide.Bid, expectedLevelsPerSide);
        _asks = new BookSideLevels(BookSide.Ask, expectedLevelsPerSide);
    }

    private enum SequenceState
    {
        AwaitingSnapshot,
        AwaitingFirstUpdate,
        Live,
    }

    /// <summary>
    /// How far beyond the horizon (a fraction of its price) an update's level may lie and still extend it: 0.1%, a few
    /// levels of a liquid book, so quotes creeping outward widen the known part while a far-off order does not.
    /// </summary>
    public const double HorizonReach = 0.001;

    public Symbol Symbol { get; }

    public TickSize TickSize { get; }

    /// <summary>Id of the last applied update (or of the snapshot, before the first update).</summary>
    public long LastUpdateId { get; private set; }

    /// <summary>True before the first snapshot and after a gap, until the next snapshot.</summary>
    public bool IsStale => _state == SequenceState.AwaitingSnapshot;

    /// <summary>A gap was seen: the owner should fetch a new snapshot. Cleared by <see cref="ApplySnapshot"/>.</summary>
    public bool ResyncRequested { get; private set; }

    /// <summary>Best bid ≥ best ask after the last snapshot or update.</summary>
    public bool IsCrossed { get; private set; }

    /// <summary>Gaps seen since the book was created.</summary>
    public long Gaps { get; private set; }

    /// <summary>Changes on every snapshot and applied update; a <see cref="DepthCursor"/> refuses to run on a changed book.</summary>
    public long Version { get; private set; }

    /// <summary>
    /// The <see cref="Version"/> at which <paramref name="side"/> last changed (a snapshot, or an update naming a level on
    /// it): while it stays, the side's levels, horizon and completeness are the same.
    /// </summary>
    public long SideVersion(BookSide side) => side == BookSide.Bid ? _bidsVersion : _asksVersion;

    /// <summary>
    /// Levels a side the venue's snapshots carry at most (0: a full-depth feed). A snapshot side holding this many levels
    /// or more is partial (see the horizon above). Declared by the instrument document's <c>bookDepthLimit</c>.
    /// </summary>
    public int DepthLimit { get; private set; }

    public int LevelCount(BookSide side) => Levels(side).Count;

    /// <summary>
    /// Declares the venue's snapshot depth limit (levels a side, 0 for a full-depth feed); it applies from the next
    /// snapshot on, which is when a side is found partial or complete.
    /// </summary>
    public void DeclareDepthLimit(int levels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(levels);
        DepthLimit = levels;
    }

    /// <summary>Whether everything resting on the side is in the book (a full-depth feed, or a snapshot side short of the limit).</summary>
    public bool IsComplete(BookSide side) => side == BookSide.Bid ? _bidsComplete : _asksComplete;

    /// <summary>The farthest price known on a side (ticks): the snapshot's last level or a later update's farther one; false before any.</summary>
    public bool TryGetHorizon(BookSide side, out long ticks)
    {
        ticks = side == BookSide.Bid ? _bidHorizon : _askHorizon;
        return ticks > 0;
    }

    /// <summary>
    /// How far from <paramref name="mid"/> (a fraction of it) the side is known: +∞ for a complete side, else the
    /// horizon's distance (0 when the mid lies beyond it or nothing is known).
    /// </summary>
    public double KnownRange(BookSide side, double mid)
    {
        if (IsComplete(side))
        {
            return double.PositiveInfinity;
        }

        if (!TryGetHorizon(side, out var ticks) || !(mid > 0))
        {
            return 0;
        }

        var price = TickSize.ToPrice(ticks);
        return Math.Max(0, side == BookSide.Bid ? (mid - price) / mid : (price - mid) / mid);
    }

    /// <summary>The level <paramref name="fromBest"/> places from the best (0 = best) on a side.</summary>
    public PriceLevel LevelAt(BookSide side, int fromBest)
    {
        var levels = Levels(side);
        if ((uint)fromBest >= (uint)levels.Count)
        {
            ThrowLevelOutOfRange(fromBest);
        }

        return new PriceLevel(levels.TicksAt(fromBest), levels.QuantityAt(fromBest));
    }

    public bool TryGetBest(BookSide side, out PriceLevel best)
    {
        var levels = Levels(side);
        if (levels.Count == 0)
        {
            best = default;
            return false;
        }

        best = new PriceLevel(levels.TicksAt(0), levels.QuantityAt(0));
        return true;
    }

    /// <summary>Replaces the book with a snapshot taken at update id <paramref name="lastUpdateId"/>; clears staleness.</summary>
    public void ApplySnapshot(long lastUpdateId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks)
    {
        _state = SequenceState.AwaitingSnapshot;
        _bids.Load(bids);
        _asks.Load(asks);
        _bidsComplete = DepthLimit == 0 || _bids.Count < DepthLimit;
        _asksComplete = DepthLimit == 0 || _asks.Count < DepthLimit;
        _bidHorizon = ContiguousEnd(_bids);
        _askHorizon = ContiguousEnd(_asks);
        LastUpdateId = lastUpdateId;
        _state = SequenceState.AwaitingFirstUpdate;
        ResyncRequested = false;
        Version++;
        _bidsVersion = Version;
        _asksVersion = Version;
        UpdateCrossed();
    }

    /// <summary>
    /// Whether <see cref="ApplyDiff"/> would refuse the update as <see cref="DiffOutcome.Outdated"/> (a replayed or
    /// re-delivered update, older than the book). Changes nothing, so a caller can refuse it before anything moves.
    /// </summary>
    public bool IsOutdated(in DepthUpdated update) => _state switch
    {
        SequenceState.AwaitingFirstUpdate => update.LastUpdateId < LastUpdateId,
        SequenceState.Live => update.PreviousUpdateId != LastUpdateId && update.LastUpdateId <= LastUpdateId,
        _ => false,
    };

    /// <summary>Applies one depth update if it follows the book (see the sequencing rules above).</summary>
    public DiffOutcome ApplyDiff(in DepthUpdated update)
    {
        if (IsOutdated(in update))
        {
            return DiffOutcome.Outdated;
        }

        switch (_state)
        {
            case SequenceState.AwaitingSnapshot:
                return DiffOutcome.AwaitingSnapshot;
            case SequenceState.AwaitingFirstUpdate:
                // Binance's rule: the first update spans the snapshot id. A feed that numbers continuously (the wire
                // contract: prevId = the last id) starts right after it, which is no gap either.
                if (update.FirstUpdateId > LastUpdateId && update.PreviousUpdateId != LastUpdateId)
                {
                    return MarkGap();
                }

                _state = SequenceState.Live;
                break;
            default:
                if (update.PreviousUpdateId != LastUpdateId)
                {
                    // Not outdated (checked above: a replayed or re-delivered update is old news), so a hole.
                    return MarkGap();
                }

                break;
        }

        foreach (var level in update.Bids)
        {
            _bids.Set(level.PriceTicks, level.Quantity);
            if (_bidHorizon == 0 || (level.PriceTicks < _bidHorizon && _bidHorizon - level.PriceTicks <= Reach(_bidHorizon)))
            {
                _bidHorizon = level.PriceTicks;
            }
        }

        foreach (var level in update.Asks)
        {
            _asks.Set(level.PriceTicks, level.Quantity);
            if (_askHorizon == 0 || (level.PriceTicks > _askHorizon && level.PriceTicks - _askHorizon <= Reach(_askHorizon)))
            {
                _askHorizon = level.PriceTicks;
            }
        }

        LastUpdateId = update.LastUpdateId;
        Version++;
        if (!update.Bids.IsEmpty)
        {
            _bidsVersion = Version;
        }

        if (!update.Asks.IsEmpty)
        {
            _asksVersion = Version;
        }

        UpdateCrossed();
        return DiffOutcome.Applied;
    }

    /// <summary>
    /// Resting quantity and notional on <paramref name="side"/> at prices within ±<paramref name="band"/> (a fraction:
    /// 0.01 is ±1%) of <paramref name="referencePrice"/>, bounds included. A level is in the band when its price
    /// (<see cref="TickSize.ToPrice"/>) lies in [ref × (1 − band), ref × (1 + band)]; sums run from the best level outward.
    /// </summary>
    public BookDepth DepthWithin(BookSide side, double referencePrice, double band)
    {
        var low = referencePrice * (1 - band);
        var high = referencePrice * (1 + band);
        if (!(low <= high))
        {
            return default;
        }

        var levels = Levels(side);
        levels.FindBand(TickSize.CeilTicks(low), TickSize.FloorTicks(high), out var skip, out var take);
        double quantity = 0, notional = 0;
        for (var i = skip; i < skip + take; i++)
        {
            var q = levels.QuantityAt(i);
            quantity += q;
            notional += q * TickSize.ToPrice(levels.TicksAt(i));
        }

        return new BookDepth(quantity, notional, take);
    }

    /// <summary>
    /// A cursor over one side that consumes depth across calls (the cascade projector's rounds): what one
    /// <see cref="DepthCursor.Consume"/> took is gone for the next. The book itself is not changed.
    /// </summary>
    public DepthCursor CursorOn(BookSide side) => new(this, side);

    internal BookSideLevels Levels(BookSide side) => side == BookSide.Bid ? _bids : _asks;

    /// <summary>The frozen side that last continued <paramref name="side"/> past its horizon (it checks itself still holds this version).</summary>
    internal Cascades.SideDepth? ExtendedBy(BookSide side) => side == BookSide.Bid ? _bidsExtended : _asksExtended;

    internal void Extended(BookSide side, Cascades.SideDepth depth)
    {
        if (side == BookSide.Bid)
        {
            _bidsExtended = depth;
        }
        else
        {
            _asksExtended = depth;
        }
    }

    [DoesNotReturn]
    private static void ThrowLevelOutOfRange(int fromBest) =>
        throw new ArgumentOutOfRangeException(nameof(fromBest), fromBest, "No level that far from the best.");

    private DiffOutcome MarkGap()
    {
        _state = SequenceState.AwaitingSnapshot;
        ResyncRequested = true;
        Gaps++;
        Version++;
        return DiffOutcome.Gap;
    }

    /// <summary>The last level of the run from the best outward in which no gap is wider than <see cref="HorizonReach"/>; 0 for an empty side.</summary>
    private static long ContiguousEnd(BookSideLevels levels)
    {
        if (levels.Count == 0)
        {
            return 0;
        }

        var end = levels.TicksAt(0);
        for (var i = 1; i < levels.Count; i++)
        {
            var ticks = levels.TicksAt(i);
            if (Math.Abs(ticks - end) > Reach(end))
            {
                break;
            }

            end = ticks;
        }

        return end;
    }

    private static long Reach(long horizonTicks) => Math.Max(1, (long)(horizonTicks * HorizonReach));

    private void UpdateCrossed() =>
        IsCrossed = _bids.Count > 0 && _asks.Count > 0 && _bids.TicksAt(0) >= _asks.TicksAt(0);
}
