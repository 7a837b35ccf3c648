using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Liquidations;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>One realized liquidation fill of the venue liquidation engine (one per position closed or sliced).</summary>
/// <param name="FundBefore">The fund covering the instrument before the fill.</param>
/// <param name="ToFund">What the fill settled with the insurance fund (negative: the fund paid).</param>
/// <param name="FundAfter">The fund covering the instrument after the settlement and any ADL.</param>
/// <param name="AdlSize">Size auto-deleveraged from profitable opposite positions to cover the fund's deficit.</param>
/// <param name="AdlNotional">Its notional at the bankruptcy price it was taken over at (margin currency).</param>
public sealed record RealizedLiquidation(
    string Account, string Symbol, long EventTime, PositionSide Side, LiquidationAction Action, double Size, double Price,
    double FundBefore, double ToFund, double FundAfter, double AdlSize, double AdlNotional);

/// <summary>
/// The venue liquidation engine (<see cref="LiquidationEngineMode.Venue"/>): for runs whose positions have no venue feed
/// of closes. At each mark, every position whose liquidation price the mark crossed is liquidated as the margin profile
/// says (<see cref="LiquidationPolicy"/>): its unit — the isolated position, or the cross account whole — goes to the
/// market as one order per position that walks the live book less the depth earlier liquidations consumed
/// (<see cref="DepthOverlay"/>); the unit's collateral left at the fills settles with the insurance fund
/// (<see cref="InsuranceSettlement"/>); a fund that cannot cover is made whole by ADL of profitable opposite positions in
/// the venue's ranking at the bankruptcy price; each fill is a realized liquidation to the projector (the path of a
/// venue's <c>liquidations</c> message) and the position is closed in the margin state (ladders follow).
/// </summary>
/// <remarks>Owner: the engine thread; runs inside <see cref="RiskEngine.ApplyMark"/>, so a replay liquidates at the same inputs every time.</remarks>
public sealed class VenueLiquidations
{
    private readonly EngineOptions _options;
    private readonly AccountStage _accounts;
    private readonly ProjectorStage _projector;
    private readonly LiquidationWatch _watch;
    private readonly LiquidationPolicy _policy;
    private readonly List<DepthOverlay> _overlays = [];
    private readonly Dictionary<(int Slot, int Instrument), long> _lastSlice = [];
    private readonly List<CrossedPosition> _crossed = [];
    private readonly List<Leg> _legs = [];
    private readonly List<RealizedLiquidation> _fills = [];
    private bool _running;

    internal VenueLiquidations(EngineOptions options, AccountStage accounts, ProjectorStage projector)
    {
        _options = options;
        _accounts = accounts;
        _projector = projector;
        _watch = accounts.Watch ?? throw new InvalidOperationException("the account stage keeps no liquidation watch");
        _policy = LiquidationPolicy.For(options.Profile);
    }

    /// <summary>Every fill so far, in the order they happened.</summary>
    public IReadOnlyList<RealizedLiquidation> Fills => _fills;

    /// <summary>Σ notional of the fills at their prices, in the margin currency (coin for inverse contracts).</summary>
    public double LiquidatedNotional { get; private set; }

    /// <summary>Σ notional auto-deleveraged at the bankruptcy prices, in the margin currency.</summary>
    public double AdlNotional { get; private set; }

    /// <summary>Opposite positions reduced by ADL.</summary>
    public long AdlPositions { get; private set; }

    /// <summary>Accounts (or isolated positions) liquidated whole, slices included once their last slice closes them.</summary>
    public long UnitsClosed { get; private set; }

    /// <summary>The depth consumed by liquidation orders on an instrument's book (empty before its first).</summary>
    public DepthOverlay OverlayOf(int instrument)
    {
        while (_overlays.Count <= instrument)
        {
            _overlays.Add(new DepthOverlay(_options.LiquidationDepthRecovery));
        }

        return _overlays[instrument];
    }

    /// <summary>Liquidates what <paramref name="mark"/> crossed on <paramref name="instrument"/>.</summary>
    internal void OnMark(int instrument, double mark, long eventTime)
    {
        if (_running)
        {
            return;
        }

        _running = true;
        try
        {
            _crossed.Clear();
            _watch.TakeCrossed(instrument, mark, _crossed);
            for (var i = 0; i < _crossed.Count; i++)
            {
                Liquidate(_crossed[i].Account, _crossed[i].Instrument, eventTime);
            }
        }
        finally
        {
            _running = false;
        }
    }

    private void Liquidate(AccountState account, int instrument, long now)
    {
        var position = PositionOf(account, instrument);
        if (position < 0)
        {
            return; // closed with its cross account earlier in this mark
        }

        var terms = account.Positions[position];
        var margins = account.PositionMargins;
        _legs.Clear();
        double collateral, equity, mm, notional = 0;
        if (terms.IsIsolated)
        {
            _legs.Add(new Leg(instrument, terms, margins[position]));
            collateral = terms.IsolatedMargin;
            equity = collateral + margins[position].UnrealizedPnl;
            mm = margins[position].MaintenanceMargin;
        }
        else
        {
            for (var i = 0; i < account.PositionCount; i++)
            {
                if (!account.Positions[i].IsIsolated)
                {
                    _legs.Add(new Leg(account.InstrumentIndexAt(i), account.Positions[i], margins[i]));
                }
            }

            collateral = account.Balance;
            equity = account.Margin.CrossEquity;
            mm = account.Margin.CrossMaintenanceMargin;
        }

        foreach (var leg in _legs)
        {
            notional += leg.Margin.Notional;
        }

        var key = (account.Slot, instrument);
        long? lastSlice = _lastSlice.TryGetValue(key, out var at) ? at : null;
        var step = _policy.Decide(notional, equity, mm, _legs.Count, lastSlice, now);
        if (step.Action == LiquidationAction.Wait)
        {
            _watch.Refile(account, instrument);
            return;
        }

        var fraction = step.Fraction;
        foreach (var leg in _legs)
        {
            // The unit's collateral is shared between its positions by notional (one position: all of it).
            var share = notional > 0 ? leg.Margin.Notional / notional : 1.0 / _legs.Count;
            Fill(account, leg, step.Action, fraction, collateral * fraction * share, now);
        }

        var id = account.Id;
        if (fraction >= 1)
        {
            _lastSlice.Remove(key);
            UnitsClosed++;
        }
        else
        {
            _lastSlice[key] = now;
        }

        // The unit's state after: what is left of its positions and collateral (the rest went to the fund).
        if (terms.IsIsolated)
        {
            var left = fraction >= 1 ? 0 : terms.Size * (1 - fraction);
            _accounts.ApplyPosition(id, instrument, left, terms.Entry, fraction >= 1 ? double.NaN : terms.IsolatedMargin * (1 - fraction), now);
        }
        else
        {
            foreach (var leg in _legs)
            {
                var left = fraction >= 1 ? 0 : leg.Terms.Size * (1 - fraction);
                _accounts.ApplyPosition(id, leg.Instrument, left, leg.Terms.Entry, double.NaN, now);
            }

            _accounts.ApplyBalance(id, fraction >= 1 ? 0 : collateral * (1 - fraction), now);
        }

        if (fraction < 1)
        {
            _watch.Refile(account, instrument);
        }
    }

    /// <summary>One position's share of a liquidation: its order, the fund's settlement, ADL if the fund runs dry, the realized fill.</summary>
    private void Fill(AccountState account, in Leg leg, LiquidationAction action, double fraction, double collateral, long now)
    {
        var instrument = leg.Terms.Instrument;
        var isLong = leg.Terms.Size > 0;
        var size = Math.Abs(leg.Terms.Size) * fraction;
        var mark = _projector.MarkOf(leg.Instrument);
        if (double.IsNaN(mark))
        {
            mark = leg.Terms.Mark;
        }

        double price;
        var book = _projector.BookOf(leg.Instrument);
        if (action == LiquidationAction.Backstop || book is null)
        {
            // The backstop liquidator takes the rest over at the mark; no book walk (Hyperliquid's vault).
            price = mark;
        }
        else
        {
            var walk = OverlayOf(leg.Instrument).Walk(book, isLong ? BookSide.Bid : BookSide.Ask, size, now);
            // What found no depth settles at the last level touched, or at the mark if none was (docs/domain.md).
            var rest = double.IsNaN(walk.LastPrice) ? mark : walk.LastPrice;
            price = (walk.Notional + (walk.Unfilled * rest)) / size;
        }

        var closed = isLong ? size : -size;
        var fundBefore = _projector.InsuranceFundOf(leg.Instrument);
        var toFund = InsuranceSettlement.ToFund(collateral, instrument.UnrealizedPnl(closed, leg.Terms.Entry, price));
        var fund = _projector.SettleInsurance(leg.Instrument, toFund, now);
        double adl = 0;
        var adlNotionalBefore = AdlNotional;
        if (fund < 0 && toFund < 0)
        {
            var deficit = Math.Min(-fund, -toFund);
            var (adlSize, covered) = Deleverage(leg, !isLong, deficit, size, price, now);
            adl = adlSize;
            fund = _projector.SettleInsurance(leg.Instrument, covered, now);
        }

        LiquidatedNotional += instrument.Notional(size, price);
        var fill = new LiquidationFilled(leg.Instrument, now, isLong ? PositionSide.Long : PositionSide.Short, price, size, -1);
        _projector.ApplyLiquidation(fill.InstrumentIndex, fill.Price, fill.Size, fill.EventTime);
        _fills.Add(new RealizedLiquidation(account.Id.Value, instrument.Symbol.Value, now, fill.Side, action, size, price, fundBefore, toFund, fund, adl, AdlNotional - adlNotionalBefore));
    }

    /// <summary>
    /// Closes opposite positions profitable at the liquidated position's bankruptcy price, in the venue's ADL ranking,
    /// until <paramref name="deficit"/> is covered: they take the bankrupt size over at that price, so each unit covers
    /// |fill − BP|. Returns the size deleveraged and the amount it covered.
    /// </summary>
    private (double Size, double Covered) Deleverage(in Leg leg, bool longs, double deficit, double size, double fill, long now)
    {
        var bankruptcy = leg.Margin.BankruptcyPrice;
        var needed = InsuranceSettlement.AdlSize(deficit, size, fill, bankruptcy);
        var price = double.IsNaN(bankruptcy) ? fill : bankruptcy;
        var perUnit = needed > 0 ? deficit / needed : 0;
        var remaining = needed;
        var candidates = AdlQueue.Rank(_accounts.Margins, leg.Instrument, longs, _options.AdlRanking, AccountStage.AdlCandidates);
        foreach (var candidate in candidates)
        {
            if (!(remaining > 0))
            {
                break;
            }

            if ((longs ? price <= candidate.Entry : price >= candidate.Entry)
                || !_accounts.Margins.TryGetAccount(new AccountId(candidate.Account), out var account)
                || PositionOf(account, leg.Instrument) is var position && position < 0)
            {
                continue;
            }

            var terms = account.Positions[position];
            var take = Math.Min(Math.Abs(terms.Size), remaining);
            var closed = terms.Size > 0 ? take : -take;
            var realized = terms.Instrument.UnrealizedPnl(closed, terms.Entry, price);
            var left = terms.Size - closed;
            var id = account.Id;
            if (terms.IsIsolated)
            {
                // The freed share of the isolated margin and the realized profit go to the wallet.
                var freed = terms.IsolatedMargin * take / Math.Abs(terms.Size);
                _accounts.ApplyPosition(id, leg.Instrument, left, terms.Entry, left == 0 ? double.NaN : terms.IsolatedMargin - freed, now);
                _accounts.ApplyBalance(id, account.Balance + freed + realized, now);
            }
            else
            {
                _accounts.ApplyPosition(id, leg.Instrument, left, terms.Entry, double.NaN, now);
                _accounts.ApplyBalance(id, account.Balance + realized, now);
            }

            remaining -= take;
            AdlNotional += terms.Instrument.Notional(take, price);
            AdlPositions++;
        }

        // Covered in full: the deficit itself, so the fund lands on zero exactly (deficit ÷ size × size can round a
        // hair off it, and a fund a hair under zero reads as a deficit still standing).
        var deleveraged = needed - remaining;
        return (deleveraged, remaining > 0 ? deleveraged * perUnit : deficit);
    }

    private static int PositionOf(AccountState account, int instrument)
    {
        for (var i = 0; i < account.PositionCount; i++)
        {
            if (account.InstrumentIndexAt(i) == instrument)
            {
                return i;
            }
        }

        return -1;
    }

    private readonly record struct Leg(int Instrument, PositionTerms Terms, PositionMargin Margin);
}
