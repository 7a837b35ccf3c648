using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Reference;

/// <summary>An instrument as the portfolio reference sees it: its mark and both book sides, best level first.</summary>
public sealed record RefInstrument(Instrument Instrument, double Mark, IReadOnlyList<(double Price, double Quantity)> Bids, IReadOnlyList<(double Price, double Quantity)> Asks);

/// <summary>A position: signed size (long &gt; 0), entry, and its isolated margin (NaN for a cross position).</summary>
public sealed record RefLeg(int Instrument, double Size, double Entry, double IsolatedMargin);

/// <summary>An account: its cross wallet balance and its positions.</summary>
public sealed record RefAccount(double Balance, IReadOnlyList<RefLeg> Positions);

/// <summary>One instrument's flow in one round (NaN VWAP and last price when the net order filled nothing).</summary>
public sealed record RefFlow(double Price, double Sold, double Bought, double Vwap, double LastPrice)
{
    public bool HasFlow => Sold > 0 || Bought > 0;
}

/// <param name="PoolUnits">Cross pools of two or more positions among the round's liquidated units.</param>
public sealed record RefPortfolioRound(int Accounts, RefFlow[] Flows, int PoolUnits);

public sealed record RefInstrumentOutcome(
    double Mark,
    double TargetPrice,
    double FinalPrice,
    int LiquidatedPositions,
    double LiquidatedLongSize,
    double LiquidatedShortSize,
    double LiquidatedNotional,
    bool BookExhausted,
    double Unfilled,
    double AdlNotional);

/// <param name="SmallestMarginGap">
/// The smallest |equity − MM| relative to the unit's size (collateral + Σ notional) over every decision taken: a gap
/// near rounding means a model deciding by liquidation price may rightly decide that unit the other way.
/// </param>
public sealed record RefPortfolioOutcome(
    RefInstrumentOutcome[] Instruments,
    List<RefPortfolioRound> Rounds,
    int LiquidatedAccounts,
    int LiquidatedUnits,
    double InsuranceFundAfter,
    double AdlNotional,
    double SmallestMarginGap);

/// <summary>
/// The portfolio cascade model of docs/domain.md ("Portfolio cascade model") written the obvious way — a list of margin
/// units every one of which is re-evaluated (equity &lt; MM at the price vector) every round, and per instrument a copy
/// of both book sides from which each walk really removes quantity level by level — to check the optimised
/// <c>PortfolioProjector</c> against.
/// </summary>
public static class ReferencePortfolio
{
    /// <summary>Relative remainder below which a walk counts as filled (the projector's <c>SideDepth.Dust</c>).</summary>
    private const double Dust = 1e-12;

    private sealed record Unit(int Account, double Collateral, List<RefLeg> Legs);

    /// <summary>One book side being walked: what is left of each level, and the last level any walk touched.</summary>
    private sealed class Side(IReadOnlyList<(double Price, double Quantity)> levels)
    {
        private readonly (double Price, double Quantity)[] _levels = levels.Where(l => l.Quantity > 0).ToArray();
        private readonly double[] _left = levels.Where(l => l.Quantity > 0).Select(l => l.Quantity).ToArray();
        private int _next;

        public double LastTouched { get; private set; } = double.NaN;

        /// <summary>Walks a market order from the best remaining level outward.</summary>
        public (double Filled, double Notional, double Last) Walk(double quantity)
        {
            var remaining = quantity;
            double filled = 0, notional = 0, last = double.NaN;
            while (remaining > quantity * Dust && _next < _levels.Length)
            {
                var take = Math.Min(_left[_next], remaining);
                _left[_next] -= take;
                filled += take;
                notional += take * _levels[_next].Price;
                remaining -= take;
                last = _levels[_next].Price;
                if (_left[_next] <= _levels[_next].Quantity * Dust)
                {
                    _next++;
                }
            }

            if (!double.IsNaN(last))
            {
                LastTouched = last;
            }

            return (filled, notional, last);
        }
    }

    public static RefPortfolioOutcome Project(MarginProfile profile, IReadOnlyList<RefInstrument> instruments, IReadOnlyList<RefAccount> accounts,
        IReadOnlyList<double> moves, double fund, int forcedAccount = -1)
    {
        var basis = profile.TierBasis;
        var n = instruments.Count;

        // Margin units: each isolated position alone; each account's cross positions together. Flat positions take no part.
        var units = new List<Unit>();
        for (var a = 0; a < accounts.Count; a++)
        {
            var held = accounts[a].Positions.Where(p => p.Size != 0).ToList();
            units.AddRange(held.Where(p => !double.IsNaN(p.IsolatedMargin)).Select(p => new Unit(a, p.IsolatedMargin, [p])));
            var cross = held.Where(p => double.IsNaN(p.IsolatedMargin)).ToList();
            if (cross.Count > 0)
            {
                units.Add(new Unit(a, accounts[a].Balance, cross));
            }
        }

        var target = new double[n];
        for (var i = 0; i < n; i++)
        {
            var move = i < moves.Count ? moves[i] : 0;
            target[i] = move == 0 ? instruments[i].Mark : instruments[i].Mark * (1 + move);
        }

        var price = (double[])target.Clone();
        var bids = instruments.Select(x => new Side(x.Bids)).ToArray();
        var asks = instruments.Select(x => new Side(x.Asks)).ToArray();
        var positions = new int[n];
        var longSize = new double[n];
        var shortSize = new double[n];
        var notional = new double[n];
        var exhausted = new bool[n];
        var unfilled = new double[n];
        var deficitSize = new double[n];
        double totalDeficit = 0;
        var smallestGap = double.PositiveInfinity;
        var liquidated = new bool[units.Count];
        var liquidatedUnits = 0;
        var liquidatedAccounts = new HashSet<int>();
        var rounds = new List<RefPortfolioRound>();

        while (true)
        {
            // Every unit not yet liquidated, evaluated against the same vector.
            var newly = new List<int>();
            for (var k = 0; k < units.Count; k++)
            {
                if (liquidated[k])
                {
                    continue;
                }

                var unit = units[k];
                var equity = unit.Collateral;
                double mm = 0, size = Math.Abs(unit.Collateral);
                foreach (var leg in unit.Legs)
                {
                    var x = instruments[leg.Instrument];
                    var p = price[leg.Instrument];
                    equity += x.Instrument.UnrealizedPnl(leg.Size, leg.Entry, p);
                    mm += MarginCalculator.MaintenanceMarginAt(basis, new PositionTerms(x.Instrument, leg.Size, leg.Entry, leg.IsolatedMargin, x.Mark), p);
                    size += x.Instrument.Notional(leg.Size, p);
                }

                var forced = rounds.Count == 0 && unit.Account == forcedAccount;
                if (!forced)
                {
                    smallestGap = Math.Min(smallestGap, Math.Abs(equity - mm) / size);
                }

                if (forced || equity < mm)
                {
                    newly.Add(k);
                }
            }

            if (newly.Count == 0)
            {
                break;
            }

            var sold = new double[n];
            var bought = new double[n];
            foreach (var leg in newly.SelectMany(k => units[k].Legs))
            {
                if (leg.Size > 0)
                {
                    sold[leg.Instrument] += leg.Size;
                }
                else
                {
                    bought[leg.Instrument] -= leg.Size;
                }
            }

            // Per instrument: cross the longs with the shorts at the trigger, walk the net.
            var fillLong = new double[n];
            var fillShort = new double[n];
            var flows = new RefFlow[n];
            var next = (double[])price.Clone();
            for (var i = 0; i < n; i++)
            {
                double s = sold[i], b = bought[i], p = price[i];
                double vwap = double.NaN, last = double.NaN;
                fillLong[i] = p;
                fillShort[i] = p;
                var net = s - b;
                if (net != 0)
                {
                    var sell = net > 0;
                    var side = sell ? bids[i] : asks[i];
                    var quantity = Math.Abs(net);
                    var (filled, walked, touched) = side.Walk(quantity);
                    var left = quantity - filled;
                    var missing = left > quantity * Dust ? left : 0;
                    if (missing > 0)
                    {
                        exhausted[i] = true;
                        unfilled[i] += missing;
                    }

                    if (filled > 0)
                    {
                        vwap = walked / filled;
                        last = touched;
                    }

                    var settle = double.IsNaN(side.LastTouched) ? p : side.LastTouched;
                    var walkPrice = (walked + (missing * settle)) / quantity;
                    var fill = ((Math.Min(s, b) * p) + (quantity * walkPrice)) / (sell ? s : b);
                    (sell ? fillLong : fillShort)[i] = fill;
                    if (!double.IsNaN(touched))
                    {
                        next[i] = sell ? Math.Min(p, touched) : Math.Max(p, touched);
                    }
                }

                flows[i] = new RefFlow(s > 0 || b > 0 ? p : 0, s, b, vwap, last);
            }

            // Settle each unit at its side's fill price on every instrument.
            foreach (var k in newly)
            {
                var unit = units[k];
                var equity = unit.Collateral;
                foreach (var leg in unit.Legs)
                {
                    var x = instruments[leg.Instrument].Instrument;
                    var i = leg.Instrument;
                    equity += x.UnrealizedPnl(leg.Size, leg.Entry, leg.Size > 0 ? fillLong[i] : fillShort[i]);
                    positions[i]++;
                    (leg.Size > 0 ? longSize : shortSize)[i] += Math.Abs(leg.Size);
                    notional[i] += x.Notional(leg.Size, price[i]);
                }

                fund += equity;
                if (equity < 0)
                {
                    totalDeficit -= equity;
                    foreach (var leg in unit.Legs)
                    {
                        deficitSize[leg.Instrument] += Math.Abs(leg.Size);
                    }
                }

                liquidated[k] = true;
                liquidatedUnits++;
                liquidatedAccounts.Add(unit.Account);
            }

            rounds.Add(new RefPortfolioRound(newly.Select(k => units[k].Account).Distinct().Count(), flows, newly.Count(k => units[k].Legs.Count > 1)));
            price = next;
        }

        // ADL: the share of the deficit units' size the fund cannot pay for, taken over at the final price.
        var share = fund < 0 && totalDeficit > 0 ? Math.Min(1, -fund / totalDeficit) : 0;
        var outcomes = new RefInstrumentOutcome[n];
        for (var i = 0; i < n; i++)
        {
            var adl = share > 0 && deficitSize[i] > 0 ? instruments[i].Instrument.Notional(share * deficitSize[i], price[i]) : 0;
            outcomes[i] = new RefInstrumentOutcome(instruments[i].Mark, target[i], price[i], positions[i], longSize[i], shortSize[i], notional[i],
                exhausted[i], unfilled[i], adl);
        }

        return new RefPortfolioOutcome(outcomes, rounds, liquidatedAccounts.Count, liquidatedUnits, fund, outcomes.Sum(o => o.AdlNotional), smallestGap);
    }
}
