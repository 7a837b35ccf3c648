using StreamRisk.Contracts.Wire;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Engine;

/// <summary>
/// Builds a symbol's projection (<see cref="SymbolRisk"/>) from the projector's state: cascades over the ladders and
/// the book, the shock grid against the insurance fund, bands, the heatmap, windows and large accounts. Reads the
/// state; keeps only its projection caches (the frozen depth, the windows' trims, the mark last projected). Single writer.
/// </summary>
internal sealed class ProjectionBuilder(EngineOptions options)
{
    private static readonly double[] Bands = [0.01, 0.02, 0.05];

    private readonly EngineOptions _options = options;
    private readonly CascadeRound[] _rounds = new CascadeRound[4096];

    /// <summary>
    /// Projects one symbol now over <paramref name="longs"/> and <paramref name="shorts"/> (its merged ladders, or in one
    /// process the account stage's own): critical shocks and their chains, the shock grid's insurance-fund outcome,
    /// liquidatable notional and depth in bands, depth withdrawal, realized liquidations, large accounts near
    /// liquidation. The symbol has a mark.
    /// </summary>
    public SymbolRisk Build(Instrument instrument, ProjectorSymbol state, BucketLadder longs, BucketLadder shorts, long eventTime)
    {
        var symbol = instrument.Symbol.Value;
        var mark = state.Mark;
        var book = state.Book!;
        state.Bids.Load(book, BookSide.Bid); // free for a side unchanged since the last projection
        state.Asks.Load(book, BookSide.Ask);

        var criticalDown = CascadeProjector.CriticalShock(mark, CascadeDirection.Down, longs, state.Bids);
        var criticalUp = CascadeProjector.CriticalShock(mark, CascadeDirection.Up, shorts, state.Asks);
        var thresholds = _options.ThresholdsFor(symbol);

        var (drainDown, adlDown, drainModelledDown) = FundDrain(mark, CascadeDirection.Down, longs, state, thresholds);
        var (drainUp, adlUp, drainModelledUp) = FundDrain(mark, CascadeDirection.Up, shorts, state, thresholds);

        var bands = new List<BandFigures>(Bands.Length + 1);
        foreach (var band in Bands.Append(thresholds.WallBand).Distinct())
        {
            bands.Add(new BandFigures(band,
                longs.Crossed(mark * (1 - band)).Notional,
                shorts.Crossed(mark * (1 + band)).Notional,
                DepthNotional(book, state, BookSide.Bid, mark, band),
                DepthNotional(book, state, BookSide.Ask, mark, band)));
        }

        var heatmap = Heatmap(mark, book, state, longs, shorts);
        var near = bands[0].BidDepth + bands[0].AskDepth;
        state.Depth.Add(eventTime, near);
        state.Liquidations.Trim(eventTime);
        state.Marks.Trim(eventTime);
        var firstMark = state.Marks.First;

        state.ProjectedMark = mark;
        return new SymbolRisk
        {
            Symbol = symbol,
            EventTime = eventTime,
            Mark = mark,
            CriticalShockDown = criticalDown,
            CriticalShockUp = criticalUp,
            ChainDown = Chain(mark, CascadeDirection.Down, criticalDown, longs, state),
            ChainUp = Chain(mark, CascadeDirection.Up, criticalUp, shorts, state),
            InsuranceFund = state.InsuranceFund,
            FundDrainShockDown = drainDown,
            FundDrainShockUp = drainUp,
            AdlNotionalDown = adlDown,
            AdlNotionalUp = adlUp,
            FundDrainModelledShareDown = drainModelledDown,
            FundDrainModelledShareUp = drainModelledUp,
            KnownRangeDown = state.Bids.KnownRange,
            KnownRangeUp = state.Asks.KnownRange,
            Bands = bands,
            Heatmap = heatmap,
            DepthNearMark = near,
            DepthNearMarkPeak = state.Depth.Max(),
            RealizedLiquidationRate = state.Liquidations.Sum / state.Liquidations.WindowSeconds,
            PriceMove = double.IsNaN(firstMark) || firstMark == 0 ? 0 : (mark - firstMark) / firstMark,
            LargeAccounts = NearLiquidation(state, thresholds),
            OpenInterest = instrument.Notional((longs.Total.Size + shorts.Total.Size) / 2, mark),
            BookStale = book.IsStale || book.IsCrossed,
        };
    }

    /// <summary>
    /// Rings below the mark (farthest first) then above it. Depth by ring comes from the cumulative band depth, so a
    /// level exactly on a ring edge counts in the inner ring; O(rings × (log n + levels in the band)).
    /// </summary>
    private List<LadderRing> Heatmap(double mark, OrderBook book, ProjectorSymbol state, BucketLadder longs, BucketLadder shorts)
    {
        var rings = _options.HeatmapRingsPerSide;
        var width = _options.HeatmapBand / rings;
        var heatmap = new List<LadderRing>(2 * rings);
        for (var k = rings - 1; k >= 0; k--)
        {
            var inner = k * width;
            var outer = (k + 1) * width;
            var bids = DepthNotional(book, state, BookSide.Bid, mark, outer) - (k == 0 ? 0 : DepthNotional(book, state, BookSide.Bid, mark, inner));
            heatmap.Add(new LadderRing(-outer, -inner, longs.Between(mark * (1 - outer), mark * (1 - inner)).Notional, bids));
        }

        for (var k = 0; k < rings; k++)
        {
            var inner = k * width;
            var outer = (k + 1) * width;
            var asks = DepthNotional(book, state, BookSide.Ask, mark, outer) - (k == 0 ? 0 : DepthNotional(book, state, BookSide.Ask, mark, inner));
            heatmap.Add(new LadderRing(inner, outer, shorts.Between(mark * (1 + inner), mark * (1 + outer)).Notional, asks));
        }

        return heatmap;
    }

    /// <summary>
    /// <see cref="OrderBook.DepthWithin"/>'s notional, read from the projection's frozen side in O(log levels) when the
    /// band starts at the best level (no bid above it, no ask below it — the usual book): the same sum, the same bits.
    /// Otherwise (a level beyond the band's far edge, e.g. bids above a lagging mark) the book sums the band itself.
    /// </summary>
    private static double DepthNotional(OrderBook book, ProjectorSymbol state, BookSide side, double mark, double band)
    {
        var bids = side == BookSide.Bid;
        var depth = bids ? state.Bids : state.Asks;
        var low = mark * (1 - band);
        var high = mark * (1 + band);
        if (depth.Levels == 0 || (bids ? depth.BestPrice <= high : depth.BestPrice >= low))
        {
            return depth.NotionalWithin(bids ? low : high, bids);
        }

        return book.DepthWithin(side, mark, band).Notional;
    }

    private (double? Shock, double AdlNotional, double ModelledShare) FundDrain(double mark, CascadeDirection direction, BucketLadder ladder, ProjectorSymbol state, AlertThresholds thresholds)
    {
        var down = direction == CascadeDirection.Down;
        foreach (var shock in _options.ShockGrid)
        {
            if (shock > thresholds.FundShockLimit * (1 + thresholds.Hysteresis))
            {
                break;
            }

            var depth = down ? state.Bids : state.Asks;
            var projection = CascadeProjector.Project(mark, direction, shock, ladder, depth, state.InsuranceFund, null, _rounds);
            // Drained by this move's own chain: what it costs the fund takes it below zero. An emptied fund (left at
            // zero, or a rounding hair under it, by the settlement that emptied it) is not drained again by a move
            // that costs it nothing.
            if (projection.InsuranceFundAfter < 0 && projection.InsuranceFundAfter < state.InsuranceFund)
            {
                // Only now is the ADL queue worth its O(accounts) build: project again with it for the ADL figures.
                var queue = state.AdlQueue(longs: !down, _options.AdlRanking);
                projection = CascadeProjector.Project(mark, direction, shock, ladder, depth, state.InsuranceFund, queue, _rounds);
                return (shock, projection.AdlNotional, projection.ModelledShare);
            }
        }

        return (null, 0, 0);
    }

    private CascadeChain? Chain(double mark, CascadeDirection direction, double? shock, BucketLadder ladder, ProjectorSymbol state)
    {
        if (shock is not { } s)
        {
            return null;
        }

        var down = direction == CascadeDirection.Down;
        var p = CascadeProjector.Project(mark, direction, s, ladder, down ? state.Bids : state.Asks, state.InsuranceFund, null, _rounds);
        var prices = new List<double>(Math.Min(p.RoundCount, _rounds.Length));
        for (var i = 0; i < Math.Min(p.RoundCount, _rounds.Length); i++)
        {
            prices.Add(_rounds[i].TriggerPrice);
        }

        // The largest positions the chain reaches, named for ops (from the large positions, not a full scan): the first
        // few by notional (largest first, ties by account), kept by insertion — no sort of every large position.
        var keep = _options.ExplanationAccounts;
        var best = new List<LargePosition>(keep + 1);
        foreach (var list in state.LargeLists())
        {
            foreach (var x in list)
            {
                if ((x.Size > 0) != down || !x.HasLiquidationPrice || !(down ? x.LiquidationPrice >= p.FinalPrice : x.LiquidationPrice <= p.FinalPrice))
                {
                    continue;
                }

                var at = best.Count;
                while (at > 0 && Before(x, best[at - 1]))
                {
                    at--;
                }

                if (at < keep)
                {
                    best.Insert(at, x);
                    if (best.Count > keep)
                    {
                        best.RemoveAt(keep);
                    }
                }
            }
        }

        var top = best.ConvertAll(x => x.Account);
        return new CascadeChain(s, p.FinalPrice, p.Amplification, prices, p.LiquidatedAccounts, p.LiquidatedNotional, top, p.ModelledNotional, p.ModelledShare,
            p.LeftKnownBook);

        static bool Before(LargePosition a, LargePosition b) =>
            a.Notional != b.Notional ? a.Notional > b.Notional : string.CompareOrdinal(a.Account, b.Account) < 0;
    }

    private static List<NearLiquidation> NearLiquidation(ProjectorSymbol state, AlertThresholds thresholds)
    {
        var list = new List<NearLiquidation>();
        foreach (var source in state.LargeLists())
        {
            foreach (var position in source)
            {
                if (position.HasLiquidationPrice && position.Distance <= thresholds.LargeAccountDistance * (1 + thresholds.Hysteresis))
                {
                    list.Add(new NearLiquidation(position.Account, position.Size, position.Notional, position.LiquidationPrice, position.Distance));
                }
            }
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Account, b.Account));
        return list;
    }
}
