using StreamRisk.Domain.Cascades;

namespace StreamRisk.Reference;

/// <summary>A liquidatable position as the reference model sees it.</summary>
public sealed record RefPosition(int Account, double Lp, double Size, double Bp);

public sealed record RefRound(double Trigger, double Size, double Notional, int Accounts, double Vwap, double LastPrice, double Filled);

/// <param name="ModelledNotional">Fill notional taken from levels at or past the known count (modelled depth).</param>
public sealed record RefProjection(double Target, double Final, double Amplification, List<RefRound> Rounds, double Fund, bool Exhausted, double Unfilled, double LiquidatedSize, int Accounts,
    double ModelledNotional = 0);

/// <summary>
/// The default cascade model of docs/domain.md written the obvious way — lists, sets and a level-by-level walk that
/// really removes quantity from a copy of the book — to check the optimised projector against.
/// </summary>
public static class ReferenceCascade
{
    /// <param name="knownLevels">Levels that are the book's; those after them are modelled (<see cref="ReferenceDepth.Extend"/>).</param>
    public static RefProjection Project(double mark, CascadeDirection direction, double shock, IReadOnlyList<RefPosition> positions,
        IReadOnlyList<(double Price, double Quantity)> levels, double fund, int knownLevels = int.MaxValue)
    {
        double modelled = 0;
        var down = direction == CascadeDirection.Down;
        var side = down ? 1.0 : -1.0;
        var target = down ? mark - (mark * shock) : mark + (mark * shock);
        var price = target;
        var left = levels.Select(l => l.Quantity).ToArray();
        var level = 0;
        var liquidated = new HashSet<RefPosition>();
        var rounds = new List<RefRound>();
        var exhausted = false;
        double unfilled = 0;
        while (true)
        {
            var newly = positions.Where(p => !liquidated.Contains(p) && (down ? p.Lp >= price : p.Lp <= price)).ToList();
            if (newly.Count == 0)
            {
                break;
            }

            var q = newly.Sum(p => p.Size);
            var remaining = q;
            double filled = 0, notional = 0, last = double.NaN;
            while (remaining > 0 && level < left.Length)
            {
                var take = Math.Min(left[level], remaining);
                if (take > 0)
                {
                    left[level] -= take;
                    filled += take;
                    notional += take * levels[level].Price;
                    if (level >= knownLevels)
                    {
                        modelled += take * levels[level].Price;
                    }

                    remaining -= take;
                    last = levels[level].Price;
                }

                if (remaining <= q * 1e-12)
                {
                    remaining = 0;
                }

                if (left[level] <= levels[level].Quantity * 1e-12)
                {
                    level++;
                }
            }

            var vwap = filled > 0 ? notional / filled : double.NaN;
            foreach (var p in newly)
            {
                if (filled > 0)
                {
                    fund += side * (vwap - p.Bp) * p.Size * (filled / q);
                }

                liquidated.Add(p);
            }

            rounds.Add(new RefRound(price, q, newly.Sum(p => p.Size * p.Lp), newly.Count, vwap, last, filled));
            if (!double.IsNaN(last))
            {
                price = down ? Math.Min(price, last) : Math.Max(price, last);
            }

            if (remaining > 0)
            {
                exhausted = true;
                unfilled = remaining;
                break;
            }
        }

        var amplification = rounds.Count == 0 ? 1 : down ? (mark - price) / (mark - target) : (price - mark) / (target - mark);
        return new RefProjection(target, price, amplification, rounds, fund, exhausted, unfilled, liquidated.Sum(p => p.Size), liquidated.Count, modelled);
    }

    public static double? CriticalShock(double mark, CascadeDirection direction, IReadOnlyList<RefPosition> positions, IReadOnlyList<(double Price, double Quantity)> levels)
    {
        for (var k = 1; k <= 500; k++)
        {
            var shock = k / 1000.0;
            var projection = Project(mark, direction, shock, positions, levels, 0);
            if (projection.Amplification >= 2 || projection.Exhausted)
            {
                return shock;
            }
        }

        return null;
    }
}
