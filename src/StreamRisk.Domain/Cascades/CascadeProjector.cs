using StreamRisk.Domain.Ladders;

namespace StreamRisk.Domain.Cascades;

/// <summary>
/// The default cascade model of docs/domain.md ("book walk"), exactly: positions crossed by the trigger price are
/// liquidated as one market order per round, consumed depth stays consumed, the next trigger is the worse of the
/// price and the last level touched, and the run stops when a round liquidates nothing or the book side runs out.
/// Insurance fund: each liquidation adds side × (round VWAP − BP) × size; a negative balance is covered by ADL.
/// </summary>
/// <remarks>
/// Pure and allocation-free: every round is two O(log n) lookups — the ladder's running sums answer "what has
/// the price crossed so far" and the depth's running sums answer "where does the cumulative order end" (walking
/// k rounds of consumed depth ends exactly where one order of their total size would). A 1M-position ladder and
/// a 1,000-level book cost microseconds per shock. The simple list-and-scan reference lives in the tests and
/// must agree on generated scenarios.
/// <para>Not modelled by default (options for later, never silently on): partial-liquidation slices, depth
/// replenishment, mark smoothing. The unfilled remainder of an exhausted book is reported, not settled.</para>
/// </remarks>
public static class CascadeProjector
{
    /// <summary>Amplification from which a shock counts as a runaway cascade.</summary>
    public const double RunawayAmplification = 2.0;

    /// <summary>Resolution of the critical-shock search: 0.1%.</summary>
    public const int ShockStepsPerUnit = 1000;

    /// <summary>Largest shock the critical-shock search tries: 50% (500 steps).</summary>
    public const int MaxShockSteps = 500;

    /// <summary>
    /// Projects one shock. <paramref name="ladder"/> and <paramref name="depth"/> must be the side the move hits:
    /// longs and bids for <see cref="CascadeDirection.Down"/>, shorts and asks for <see cref="CascadeDirection.Up"/>.
    /// Rounds are written to <paramref name="rounds"/> while it has room; <see cref="CascadeProjection.RoundCount"/>
    /// counts them all.
    /// </summary>
    public static CascadeProjection Project(
        double mark,
        CascadeDirection direction,
        double shock,
        ILiquidationLadder ladder,
        SideDepth depth,
        double insuranceFund,
        AdlQueue? adl,
        Span<CascadeRound> rounds)
    {
        ArgumentNullException.ThrowIfNull(ladder);
        ArgumentNullException.ThrowIfNull(depth);
        CheckSides(direction, ladder);
        var down = direction == CascadeDirection.Down;
        var side = down ? 1.0 : -1.0; // the liquidated side: longs (+1) on a down move
        var target = down ? mark - (mark * shock) : mark + (mark * shock);
        var price = target;
        var total = depth.TotalQuantity;
        var fund = insuranceFund;
        var crossed = default(LadderTotals);
        double filled = 0, fillNotional = 0;
        var count = 0;
        var exhausted = false;
        double unfilled = 0;

        while (true)
        {
            var now = ladder.Crossed(price);
            if (now.Count <= crossed.Count)
            {
                break;
            }

            var size = now.Size - crossed.Size;
            var filledNow = Math.Min(now.Size, total);
            var roundFilled = filledNow - filled;
            var notionalNow = depth.NotionalUpTo(filledNow);
            var roundNotional = notionalNow - fillNotional;
            var lastLevel = depth.LastLevelFor(filledNow);
            var lastPrice = lastLevel < 0 ? double.NaN : depth.PriceAt(lastLevel);
            var vwap = roundFilled > 0 ? roundNotional / roundFilled : double.NaN;
            if (roundFilled > 0)
            {
                // Σ side·(vwap − BP_i)·size_i over the filled share of the round's positions.
                var bankruptcyValue = now.BankruptcyValue - crossed.BankruptcyValue;
                fund += side * (roundNotional - (bankruptcyValue * roundFilled / size));
            }

            if (count < rounds.Length)
            {
                rounds[count] = new CascadeRound(price, size, now.Notional - crossed.Notional, now.Count - crossed.Count, vwap, lastPrice, roundFilled);
            }

            count++;
            crossed = now;
            filled = filledNow;
            fillNotional = notionalNow;
            var before = price;
            if (!double.IsNaN(lastPrice))
            {
                price = down ? Math.Min(price, lastPrice) : Math.Max(price, lastPrice);
            }

            if (now.Size - total > now.Size * SideDepth.Dust)
            {
                // Past the modelled range of a partial side nothing is known either way: unfilled, not exhausted.
                exhausted = depth.IsComplete;
                unfilled = now.Size - total;
                break;
            }

            if (price == before)
            {
                break; // the next round would ask the ladder the same question and cross nothing new
            }
        }

        double adlSize = 0;
        var adlAccounts = 0;
        if (fund < 0 && adl is not null)
        {
            // The fund's loss per unit filled tells how much bankrupt size the deficit stands for; ADL takes that
            // size over from profitable opposite positions at the final price (ranked by the venue's rule).
            var loss = insuranceFund - fund;
            var needed = loss > 0 && filled > 0 ? Math.Min(filled, -fund / (loss / filled)) : 0;
            (adlSize, adlAccounts) = adl.Take(needed, price);
        }

        var amplification = count == 0 ? 1.0 : Amplification(mark, target, price, down);
        return new CascadeProjection(shock, direction, mark, target, price, amplification, count, crossed.Size, crossed.Notional,
            crossed.Count, insuranceFund, fund, adlSize, adlSize * price, adlAccounts, exhausted, unfilled,
            depth.ModelledNotionalBetween(0, filled), depth.LeavesKnownBook(filled))
        {
            FilledNotional = fillNotional,
        };
    }

    /// <summary>
    /// The critical shock of one direction: the smallest multiple of 0.1% in [0.1%, 50%] whose cascade amplifies
    /// the move at least twofold or exhausts the book side; null if none does.
    /// </summary>
    /// <remarks>
    /// A cascade's final price is the largest fixed point at or below the target of g(P) = worse(P, last level of
    /// an order of every size crossed at P); g is monotone, so once a target lies between a previous target and
    /// that target's final price, the final price is the same and no round needs re-running. The sweep is
    /// therefore one descent through the ladder, not 500 projections.
    /// </remarks>
    public static double? CriticalShock(double mark, CascadeDirection direction, ILiquidationLadder ladder, SideDepth depth)
    {
        ArgumentNullException.ThrowIfNull(ladder);
        ArgumentNullException.ThrowIfNull(depth);
        CheckSides(direction, ladder);
        var down = direction == CascadeDirection.Down;
        var total = depth.TotalQuantity;
        var final = double.NaN;
        // The nearest bucket beyond what the last descent crossed (NaN: not looked up since). A target short of it
        // crosses nothing new: its descent would stop at the target itself (amplification exactly 1) — skipped.
        var nextBucket = double.NaN;
        // Every question of the sweep lies beyond the last one (a target short of the last final is reused, not asked),
        // so the ladder finds each answer from where it found the last.
        var cursor = default(LadderCursor);
        for (var k = 1; k <= MaxShockSteps; k++)
        {
            var shock = (double)k / ShockStepsPerUnit;
            var target = down ? mark - (mark * shock) : mark + (mark * shock);
            var reuse = !double.IsNaN(final) && (down ? target >= final : target <= final);
            if (!reuse)
            {
                if (!double.IsNaN(nextBucket) && (down ? target > nextBucket : target < nextBucket))
                {
                    continue;
                }

                var (price, crossedAny, exhausted) = Descend(target, down, ladder, depth, total, ref cursor);
                if (exhausted)
                {
                    return shock;
                }

                final = crossedAny ? price : double.NaN;
                // Everything at or beyond this price is crossed now (the descent's last question), so the next target
                // that can cross more lies at or beyond the nearest bucket past it.
                nextBucket = ladder.NearestBeyond(crossedAny ? price : target, ref cursor);
                if (!crossedAny)
                {
                    continue;
                }
            }

            if (Amplification(mark, target, final, down) >= RunawayAmplification)
            {
                return shock;
            }
        }

        return null;
    }

    /// <summary>The rounds of <see cref="Project"/> without bookkeeping: final price, whether anything crossed, exhaustion.</summary>
    private static (double Price, bool CrossedAny, bool Exhausted) Descend(double target, bool down, ILiquidationLadder ladder, SideDepth depth, double total, ref LadderCursor cursor)
    {
        var price = target;
        var crossedCount = 0;
        while (true)
        {
            var now = ladder.CrossedSize(price, ref cursor);
            if (now.Count <= crossedCount)
            {
                return (price, crossedCount > 0, false);
            }

            crossedCount = now.Count;
            var lastLevel = depth.LastLevelFor(Math.Min(now.Size, total));
            var next = price;
            if (lastLevel >= 0)
            {
                var lastPrice = depth.PriceAt(lastLevel);
                next = down ? Math.Min(price, lastPrice) : Math.Max(price, lastPrice);
            }

            if (now.Size - total > now.Size * SideDepth.Dust)
            {
                return (next, true, depth.IsComplete);
            }

            if (next == price)
            {
                // The price did not move: the next round would ask the ladder the same question and cross nothing new.
                return (price, true, false);
            }

            price = next;
        }
    }

    private static double Amplification(double mark, double target, double final, bool down) =>
        down ? (mark - final) / (mark - target) : (final - mark) / (target - mark);

    private static void CheckSides(CascadeDirection direction, ILiquidationLadder ladder)
    {
        if (ladder.IsLong != (direction == CascadeDirection.Down))
        {
            throw new ArgumentException("A down move liquidates the long ladder and an up move the short ladder.", nameof(ladder));
        }
    }
}
