using System.Globalization;

namespace StreamRisk.Domain.Alerts;

/// <summary>
/// The open alerts of every symbol and the rules that move them through their lifecycle. Pure decisions from
/// <see cref="SymbolRisk"/> snapshots and their event time: same snapshots in, same transitions out (replay equals
/// live). Single writer: the engine thread.
/// </summary>
/// <remarks>
/// Severity is graded on one scale for every rule: a score from 0 (at the threshold) to 1 (far past it, see
/// <see cref="Score"/>), info under ⅓, warning under ⅔, critical from ⅔; every transition carries it as the metric
/// <c>score</c>. Dwell: a condition raises only once it has held for <see cref="AlertThresholds.RaiseDwell"/> of event
/// time (at the lowest severity it held over that time), a higher severity escalates only once it has held as long,
/// and an open alert resolves (or steps its severity down) only once the condition has been gone (or lower) for
/// <see cref="AlertThresholds.ResolveDwell"/>, so no alert, critical or not, lives less than that.
/// An evaluation allocates only for the transitions it makes (their text and metrics) and for conditions that start
/// to hold: the rules loop over their inputs by index and reuse their scratch.
/// </remarks>
public sealed class AlertBook
{
    private readonly Dictionary<(AlertRule Rule, string Symbol, string Qualifier), OpenAlert> _open = [];

    // Conditions that hold but have not yet held for the raise dwell: since when, and the lowest severity meanwhile.
    private readonly Dictionary<(AlertRule Rule, string Symbol, string Qualifier), Pending> _pending = [];
    private readonly Func<string, AlertThresholds> _thresholds;

    // Scratch of LargeAccounts, reused so that an evaluation without transitions allocates nothing: the accounts on this
    // projection's list, and the tracked ones that left it.
    private readonly HashSet<string> _listed = new(StringComparer.Ordinal);
    private readonly List<string> _gone = [];

    public AlertBook(Func<string, AlertThresholds> thresholdsBySymbol)
    {
        ArgumentNullException.ThrowIfNull(thresholdsBySymbol);
        _thresholds = thresholdsBySymbol;
    }

    public int OpenCount => _open.Count;

    /// <summary>Ids of the open alerts of a symbol (for the per-symbol picture).</summary>
    public IEnumerable<string> OpenIds(string symbol) => _open.Where(kv => kv.Key.Symbol == symbol).Select(kv => kv.Value.Id).Order(StringComparer.Ordinal);

    /// <summary>Runs every rule on one projection and appends the transitions it causes, in a fixed order.</summary>
    public void Evaluate(SymbolRisk risk, List<AlertTransition> transitions)
    {
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(transitions);
        var t = _thresholds(risk.Symbol);
        CascadeRisk(risk, t, "down", risk.CriticalShockDown, risk.ChainDown, transitions);
        CascadeRisk(risk, t, "up", risk.CriticalShockUp, risk.ChainUp, transitions);
        FundAtRisk(risk, t, "down", risk.FundDrainShockDown, risk.AdlNotionalDown, transitions);
        FundAtRisk(risk, t, "up", risk.FundDrainShockUp, risk.AdlNotionalUp, transitions);
        Wall(risk, t, "down", transitions);
        Wall(risk, t, "up", transitions);
        LargeAccounts(risk, t, transitions);
        Withdrawal(risk, t, transitions);
        InProgress(risk, t, transitions);
    }

    private void CascadeRisk(SymbolRisk risk, AlertThresholds t, string direction, double? shock, CascadeChain? chain, List<AlertTransition> output)
    {
        var limit = t.CriticalShock;
        var band = risk.BandAt(0.01);
        var minNotional = Math.Max(t.CascadeMinNotional, t.CascadeMinDepthShare * (direction == "down" ? band.BidDepth : band.AskDepth));
        CascadeChain? small = null;
        if (chain is not null && chain.Notional < minNotional)
        {
            small = chain; // too small to be a cascade: as if nothing ran away
            shock = null;
            chain = null;
        }

        var value = shock ?? double.NaN;
        var knownRange = direction == "down" ? risk.KnownRangeDown : risk.KnownRangeUp;
        if (ShockStep(AlertRule.CascadeRisk, risk.Symbol, direction, risk.EventTime, shock, limit, t, knownRange, out var severity, out var score) is not { } state)
        {
            return;
        }

        var metrics = new List<AlertMetric> { new("criticalShock", value), new("threshold", limit), new("mark", risk.Mark), new("score", score) };
        string explanation;
        if (state == AlertState.Resolved)
        {
            explanation = ResolvedShockText(
                string.Create(CultureInfo.InvariantCulture, $"The critical shock {direction} on {risk.Symbol}"),
                _open[(AlertRule.CascadeRisk, risk.Symbol, direction)].Value,
                small is null ? null : (small.Shock, small.Notional), minNotional, shock, limit, t.Hysteresis,
                string.Create(CultureInfo.InvariantCulture, $"no shock up to 50% runs away {direction} any more."));
        }
        else if (chain is null)
        {
            explanation = string.Create(CultureInfo.InvariantCulture, $"No shock up to 50% runs away {direction} on {risk.Symbol} any more.");
        }
        else
        {
            metrics.Add(new("amplification", chain.Amplification));
            metrics.Add(new("liquidatedNotional", chain.Notional));
            metrics.Add(new("positions", chain.Positions));
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"A {Pct(chain.Shock)} move {direction} from {risk.Mark:N2} liquidates {chain.Positions:N0} positions ({chain.Notional:N0} notional) in {chain.RoundPrices.Count} rounds: {Chain(chain.RoundPrices)} → final {chain.FinalPrice:N2} (amplification {chain.Amplification:0.0}x). {TopAccounts(chain.TopAccounts)}");
            if (chain.LeftKnownBook)
            {
                metrics.Add(new("modelledShare", chain.ModelledShare));
                explanation += string.Create(CultureInfo.InvariantCulture,
                    $" The chain left the known book ({Pct(knownRange, 2)} from the mid): {Pct(chain.ModelledShare, 0)} of its fills ({chain.ModelledNotional:N0}) ran on modelled depth.");
            }
        }

        if (state != AlertState.Resolved)
        {
            explanation += WarmUpNote(value, knownRange, direction);
        }

        var action = severity switch
        {
            AlertSeverity.Critical => $"Widen price bands or pause new leverage on {risk.Symbol}; raise maintenance margin for the largest accounts in the chain.",
            AlertSeverity.Warning => $"Raise initial margin for new {risk.Symbol} positions; watch book depth.",
            _ => "Watch.",
        };
        Track(AlertRule.CascadeRisk, risk, direction, state, severity, value, metrics, explanation, action, output);
    }

    private void FundAtRisk(SymbolRisk risk, AlertThresholds t, string direction, double? drainShock, double adlNotional, List<AlertTransition> output)
    {
        var raise = drainShock is { } s && s <= t.FundShockLimit;
        var keep = drainShock is { } k && k <= t.FundShockLimit * (1 + t.Hysteresis);
        var value = drainShock ?? double.NaN;
        var knownRange = direction == "down" ? risk.KnownRangeDown : risk.KnownRangeUp;
        var score = Score(t.FundShockLimit / value, ShockRange);
        var severity = WarmUp(SeverityOf(score), value, knownRange);
        if (Next(AlertRule.InsuranceFundAtRisk, risk.Symbol, direction, risk.EventTime, raise, keep, ref severity, value, t) is not { } state)
        {
            return;
        }

        var explanation = state == AlertState.Resolved
            ? string.Create(CultureInfo.InvariantCulture,
                $"The smallest move {direction} on {risk.Symbol} that drains the insurance fund ({risk.InsuranceFund:N0}) went from {Pct(_open[(AlertRule.InsuranceFundAtRisk, risk.Symbol, direction)].Value)} to {(drainShock is { } d ? Pct(d) : "none within " + Pct(t.FundShockLimit * (1 + t.Hysteresis)))}, past the {Pct(t.FundShockLimit)} limit.")
            : string.Create(CultureInfo.InvariantCulture,
                $"A {Pct(value)} move {direction} on {risk.Symbol} drains the insurance fund ({risk.InsuranceFund:N0}); about {adlNotional:N0} of profitable positions would be auto-deleveraged.");
        var modelledShare = direction == "down" ? risk.FundDrainModelledShareDown : risk.FundDrainModelledShareUp;
        if (state != AlertState.Resolved && modelledShare > 0)
        {
            explanation += string.Create(CultureInfo.InvariantCulture,
                $" The cascade left the known book ({Pct(knownRange, 2)} from the mid): {Pct(modelledShare, 0)} of its fills ran on modelled depth.");
        }

        if (state != AlertState.Resolved)
        {
            explanation += WarmUpNote(value, knownRange, direction);
        }

        Track(AlertRule.InsuranceFundAtRisk, risk, direction, state, severity, value,
            [new("drainShock", value), new("insuranceFund", risk.InsuranceFund), new("adlNotional", adlNotional), new("score", score)], explanation,
            $"Top up the {risk.Symbol} insurance fund or tighten position limits; warn ADL-exposed counterparties.", output);
    }

    private void Wall(SymbolRisk risk, AlertThresholds t, string direction, List<AlertTransition> output)
    {
        if (risk.BookStale)
        {
            return; // depth from a stale book would make up walls (or hide them): keep the alert as it is
        }

        var band = risk.BandAt(t.WallBand);
        var down = direction == "down";
        var liquidatable = down ? band.LiquidatableDown : band.LiquidatableUp;
        var depth = down ? band.BidDepth : band.AskDepth;
        var ratio = depth > 0 ? liquidatable / depth : liquidatable > 0 ? double.PositiveInfinity : 0;
        var raise = liquidatable > 0 && ratio >= t.WallRatio;
        var keep = ratio >= t.WallRatio / (1 + t.Hysteresis);
        var score = Score(ratio / t.WallRatio, RatioRange);
        var severity = SeverityOf(score);
        if (Next(AlertRule.LiquidationWall, risk.Symbol, direction, risk.EventTime, raise, keep, ref severity, ratio, t) is not { } state)
        {
            return;
        }

        var explanation = state == AlertState.Resolved
            ? string.Create(CultureInfo.InvariantCulture,
                $"Liquidatable notional within {Pct(t.WallBand)} {direction} of {risk.Symbol} fell from {Ratio(_open[(AlertRule.LiquidationWall, risk.Symbol, direction)].Value)} to {Ratio(ratio)} the resting {(down ? "bids" : "asks")} ({liquidatable:N0} against {depth:N0}), under the {t.WallRatio:0.00}x threshold.")
            : string.Create(CultureInfo.InvariantCulture,
                $"{liquidatable:N0} of positions liquidate within {Pct(t.WallBand)} {direction} of {risk.Mark:N2}, against {depth:N0} of resting {(down ? "bids" : "asks")} in the same band ({ratio:0.00}x).");
        Track(AlertRule.LiquidationWall, risk, direction, state, severity, ratio,
            [new("liquidatableNotional", liquidatable), new("bookDepth", depth), new("ratio", double.IsFinite(ratio) ? ratio : double.MaxValue), new("band", t.WallBand), new("score", score)],
            explanation, $"Expect forced {(down ? "selling" : "buying")} to overwhelm the book near {risk.Mark:N2}; consider liquidity incentives or price bands.", output);
    }

    /// <summary>
    /// The notional that makes a position large on this projection: <see cref="AlertThresholds.LargeAccountOpenInterestShare"/>
    /// of the open interest or <see cref="AlertThresholds.LargeAccountDepthShare"/> of the depth within ±1% (the smaller
    /// of those known; depth is not known on a stale book), never under <see cref="AlertThresholds.LargeAccountNotional"/>.
    /// </summary>
    public static double LargeAccountSize(SymbolRisk risk, AlertThresholds t)
    {
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(t);
        var relative = double.PositiveInfinity;
        if (risk.OpenInterest > 0)
        {
            relative = t.LargeAccountOpenInterestShare * risk.OpenInterest;
        }

        if (risk.DepthNearMark > 0 && !risk.BookStale)
        {
            relative = Math.Min(relative, t.LargeAccountDepthShare * risk.DepthNearMark);
        }

        return double.IsFinite(relative) ? Math.Max(t.LargeAccountNotional, relative) : t.LargeAccountNotional;
    }

    private void LargeAccounts(SymbolRisk risk, AlertThresholds t, List<AlertTransition> output)
    {
        var large = LargeAccountSize(risk, t);
        var listed = _listed;
        listed.Clear();
        var accounts = risk.LargeAccounts;
        for (var i = 0; i < accounts.Count; i++)
        {
            var near = accounts[i];
            listed.Add(near.Account);
            var raise = near.Notional >= large && near.Distance <= t.LargeAccountDistance;
            var keep = near.Notional >= large / (1 + t.Hysteresis) && near.Distance <= t.LargeAccountDistance * (1 + t.Hysteresis);
            var score = Score(t.LargeAccountDistance / near.Distance, ShockRange);
            var severity = SeverityOf(score);
            if (Next(AlertRule.LargeAccountNearLiquidation, risk.Symbol, near.Account, risk.EventTime, raise, keep, ref severity, near.Distance, t) is not { } state)
            {
                continue;
            }

            string explanation;
            if (state != AlertState.Resolved)
            {
                explanation = string.Create(CultureInfo.InvariantCulture,
                    $"Account {near.Account} holds {near.Notional:N0} of {risk.Symbol} ({near.Size:0.####}; large from {large:N0}) with its liquidation price {near.LiquidationPrice:N2} only {Pct(near.Distance, 2)} from the mark {risk.Mark:N2}.");
            }
            else if (near.Notional < large / (1 + t.Hysteresis))
            {
                explanation = string.Create(CultureInfo.InvariantCulture,
                    $"Account {near.Account}'s position in {risk.Symbol} is {near.Notional:N0}, under the large-account size {large:N0} ({Pct(t.LargeAccountOpenInterestShare, 0)} of open interest or {Pct(t.LargeAccountDepthShare, 0)} of the ±1% depth).");
            }
            else
            {
                explanation = string.Create(CultureInfo.InvariantCulture,
                    $"Account {near.Account}'s liquidation price {near.LiquidationPrice:N2} moved from {Pct(_open[(AlertRule.LargeAccountNearLiquidation, risk.Symbol, near.Account)].Value, 2)} to {Pct(near.Distance, 2)} from the mark {risk.Mark:N2}, past the {Pct(t.LargeAccountDistance, 2)} threshold.");
            }

            Track(AlertRule.LargeAccountNearLiquidation, risk, near.Account, state, severity, near.Distance,
                [new("notional", near.Notional), new("distance", near.Distance), new("liquidationPrice", near.LiquidationPrice), new("largeNotional", large), new("score", score)],
                explanation, $"Contact {near.Account} for margin or reduce the position in slices before it hits the book.", output);
        }

        // Accounts that dropped out of the near-liquidation list (position closed, shrunk or moved away): their
        // condition is gone; open ones resolve after the resolve dwell, pending ones are forgotten.
        var gone = _gone;
        gone.Clear();
        foreach (var key in _open.Keys)
        {
            if (key.Rule == AlertRule.LargeAccountNearLiquidation && key.Symbol == risk.Symbol && !listed.Contains(key.Qualifier))
            {
                gone.Add(key.Qualifier);
            }
        }

        foreach (var key in _pending.Keys)
        {
            if (key.Rule == AlertRule.LargeAccountNearLiquidation && key.Symbol == risk.Symbol && !listed.Contains(key.Qualifier))
            {
                gone.Add(key.Qualifier);
            }
        }

        foreach (var account in gone)
        {
            var severity = AlertSeverity.Info;
            if (Next(AlertRule.LargeAccountNearLiquidation, risk.Symbol, account, risk.EventTime, false, false, ref severity, double.NaN, t) is not { } state)
            {
                continue;
            }

            var was = _open[(AlertRule.LargeAccountNearLiquidation, risk.Symbol, account)].Value;
            Track(AlertRule.LargeAccountNearLiquidation, risk, account, state, severity, double.NaN, [new("score", 0)],
                string.Create(CultureInfo.InvariantCulture,
                    $"Account {account}'s position in {risk.Symbol} (last {Pct(was, 2)} from its liquidation price) was closed, reduced under the tracked size, or its liquidation price moved more than {Pct(t.LargeAccountDistance * (1 + t.Hysteresis), 2)} from the mark."),
                "None.", output);
        }
    }

    private void Withdrawal(SymbolRisk risk, AlertThresholds t, List<AlertTransition> output)
    {
        if (risk.BookStale)
        {
            return;
        }

        var drop = risk.DepthNearMarkPeak > 0 ? 1 - (risk.DepthNearMark / risk.DepthNearMarkPeak) : 0;
        var raise = drop >= t.DepthDrop;
        var keep = drop >= t.DepthDrop / (1 + t.Hysteresis);
        var score = t.DepthDrop < 1 ? Math.Clamp((drop - t.DepthDrop) / (1 - t.DepthDrop), 0, 1) : 0;
        var severity = SeverityOf(score);
        if (Next(AlertRule.LiquidityWithdrawal, risk.Symbol, "book", risk.EventTime, raise, keep, ref severity, drop, t) is not { } state)
        {
            return;
        }

        var explanation = state == AlertState.Resolved
            ? string.Create(CultureInfo.InvariantCulture,
                $"Depth within ±1% of {risk.Symbol} is back to {risk.DepthNearMark:N0} ({Pct(drop, 0)} under its {t.DepthWindow.TotalSeconds:0} s peak {risk.DepthNearMarkPeak:N0}, from a {Pct(_open[(AlertRule.LiquidityWithdrawal, risk.Symbol, "book")].Value, 0)} drop), under the {Pct(t.DepthDrop, 0)} threshold.")
            : string.Create(CultureInfo.InvariantCulture,
                $"Depth within ±1% of {risk.Symbol} fell {Pct(drop, 0)}, from {risk.DepthNearMarkPeak:N0} to {risk.DepthNearMark:N0}, within {t.DepthWindow.TotalSeconds:0} s.");
        Track(AlertRule.LiquidityWithdrawal, risk, "book", state, severity, drop,
            [new("depth", risk.DepthNearMark), new("peakDepth", risk.DepthNearMarkPeak), new("drop", drop), new("score", score)],
            explanation, "Market makers are pulling quotes: expect larger price impact from any liquidation.", output);
    }

    private void InProgress(SymbolRisk risk, AlertThresholds t, List<AlertTransition> output)
    {
        var rate = risk.RealizedLiquidationRate;
        var move = Math.Abs(risk.PriceMove);
        var floor = Math.Max(t.LiquidationRate, risk.BookStale ? 0 : t.LiquidationRateDepthShare * risk.DepthNearMark);
        var raise = rate >= floor && move >= t.PriceMove;
        var keep = rate >= floor / (1 + t.Hysteresis) && move >= t.PriceMove / (1 + t.Hysteresis);
        var score = Math.Min(Score(rate / floor, RatioRange), Score(move / t.PriceMove, RatioRange));
        var severity = SeverityOf(score);
        if (Next(AlertRule.CascadeInProgress, risk.Symbol, "live", risk.EventTime, raise, keep, ref severity, rate, t) is not { } state)
        {
            return;
        }

        var explanation = state == AlertState.Resolved
            ? string.Create(CultureInfo.InvariantCulture,
                $"Liquidations on {risk.Symbol} slowed from {_open[(AlertRule.CascadeInProgress, risk.Symbol, "live")].Value:N0}/s to {rate:N0}/s over the last {t.CascadeWindow.TotalSeconds:0} s (threshold {floor:N0}/s) and the mark moved {Pct(risk.PriceMove, 2)} (threshold {Pct(t.PriceMove, 2)}): the cascade is over.")
            : string.Create(CultureInfo.InvariantCulture,
                $"{rate:N0}/s of liquidations on {risk.Symbol} over the last {t.CascadeWindow.TotalSeconds:0} s while the mark moved {Pct(risk.PriceMove, 2)}: a cascade is under way.");
        Track(AlertRule.CascadeInProgress, risk, "live", state, severity, rate,
            [new("liquidationRate", rate), new("priceMove", risk.PriceMove), new("rateThreshold", floor), new("score", score)],
            explanation, $"Consider a circuit breaker on {risk.Symbol}: pause liquidations into the book or widen price bands.", output);
    }

    /// <summary>
    /// SystemicCascadeRisk on one system view: per direction, raised when the system critical shock is at or below
    /// <see cref="AlertThresholds.SystemicCriticalShock"/> (thresholds of <see cref="SystemView.AlertSymbol"/>), under that
    /// symbol with the direction as qualifier; escalated, updated and resolved with the same scale, dwell, hysteresis
    /// and materiality as CascadeRisk.
    /// </summary>
    public void Evaluate(SystemView view, List<AlertTransition> transitions)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(transitions);
        var t = _thresholds(SystemView.AlertSymbol);
        Systemic(view, t, "down", view.CriticalShockDown, view.ChainDown, transitions);
        Systemic(view, t, "up", view.CriticalShockUp, view.ChainUp, transitions);
    }

    private void Systemic(SystemView view, AlertThresholds t, string direction, double? shock, SystemChain? chain, List<AlertTransition> output)
    {
        var limit = t.SystemicCriticalShock;
        SystemChain? small = null;
        if (chain is not null && chain.LiquidatedNotional < t.CascadeMinNotional)
        {
            small = chain; // a runaway through a thin patch of one book liquidating next to nothing is not systemic
            shock = null;
            chain = null;
        }

        var value = shock ?? double.NaN;
        // Warm-up as CascadeRisk's, with β × the shock as each instrument's shock: held at info (a known range of 0 for the
        // step) while any side the chain walked is known short of its instrument's move, else as if every book were known.
        var warmUp = chain is not null && WalkedShortOfShock(chain);
        if (ShockStep(AlertRule.SystemicCascadeRisk, SystemView.AlertSymbol, direction, view.EventTime, shock, limit, t, warmUp ? 0 : double.PositiveInfinity,
            out var severity, out var score) is not { } state)
        {
            return;
        }

        var metrics = new List<AlertMetric> { new("criticalShock", value), new("threshold", limit), new("score", score) };
        string explanation;
        if (state == AlertState.Resolved)
        {
            explanation = ResolvedShockText(
                string.Create(CultureInfo.InvariantCulture, $"The system critical shock {direction} of {view.Reference}"),
                _open[(AlertRule.SystemicCascadeRisk, SystemView.AlertSymbol, direction)].Value,
                small is null ? null : (small.Shock, small.LiquidatedNotional), t.CascadeMinNotional, shock, limit, t.Hysteresis,
                "no factor move up to 50% makes any instrument run away any more.");
        }
        else if (chain is null)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"No factor move of {view.Reference} up to 50% {direction} makes any instrument run away any more.");
        }
        else
        {
            double imported = 0;
            foreach (var instrument in chain.Instruments)
            {
                imported += Math.Max(0, instrument.ImportedNotional);
            }

            metrics.Add(new("liquidatedNotional", chain.LiquidatedNotional));
            metrics.Add(new("liquidatedAccounts", chain.LiquidatedAccounts));
            metrics.Add(new("importedNotional", imported));
            metrics.Add(new("insuranceFundAfter", chain.InsuranceFundAfter));
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"A {Pct(chain.Shock)} move {direction} of {view.Reference} (every instrument by β × it) runs away: {SystemChainText(chain)}; {chain.LiquidatedAccounts:N0} accounts and {chain.LiquidatedNotional:N0} notional liquidated, fund {view.InsuranceFund:N0} → {chain.InsuranceFundAfter:N0}. {Drivers(view.CriticalAccounts)}");
            explanation += KnownBookNote(chain, metrics);
        }

        if (state != AlertState.Resolved && warmUp)
        {
            explanation += SystemWarmUpNote(chain!);
        }

        var action = severity switch
        {
            AlertSeverity.Critical => "Raise maintenance margin of the critical accounts and widen price bands on the instruments that run away; consider pausing new leverage venue-wide.",
            AlertSeverity.Warning => "Contact the critical accounts; raise initial margin for cross accounts holding the instruments in the chain.",
            _ => "Watch.",
        };
        Track(AlertRule.SystemicCascadeRisk, SystemView.AlertSymbol, view.EventTime, direction, state, severity, value, metrics, explanation, action, output);
    }

    /// <summary>Whether an instrument the chain walked is known, on the side it walked, short of its move β × shock (warm-up).</summary>
    private static bool WalkedShortOfShock(SystemChain chain)
    {
        var instruments = chain.Instruments;
        for (var i = 0; i < instruments.Count; i++)
        {
            var instrument = instruments[i];
            if (instrument.KnownRange is { } range && !(Math.Abs(instrument.TargetMove) < range))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The instruments whose walk left the known book and the notional modelled depth filled (adds its metric); empty when none left it.</summary>
    private static string KnownBookNote(SystemChain chain, List<AlertMetric> metrics)
    {
        double modelled = 0;
        List<string>? left = null;
        foreach (var instrument in chain.Instruments)
        {
            if (instrument.LeftKnownBook)
            {
                modelled += instrument.ModelledNotional;
                (left ??= []).Add(instrument.Symbol);
            }
        }

        if (left is null)
        {
            return string.Empty;
        }

        metrics.Add(new("modelledNotional", modelled));
        return string.Create(CultureInfo.InvariantCulture,
            $" The chain left the known book of {string.Join(", ", left)}: {modelled:N0} of its fills ran on modelled depth.");
    }

    /// <summary>The instruments whose walked side is known short of their move, each with its range and move.</summary>
    private static string SystemWarmUpNote(SystemChain chain)
    {
        var shortOf = new List<string>();
        foreach (var i in chain.Instruments)
        {
            if (i.KnownRange is { } range && !(Math.Abs(i.TargetMove) < range))
            {
                shortOf.Add(string.Create(CultureInfo.InvariantCulture, $"{i.Symbol} to {Pct(range, 2)} from the mid against its {Pct(Math.Abs(i.TargetMove))} move"));
            }
        }

        return " Held at info while the books the chain walks are known short of the shock: " + string.Join(", ", shortOf) + " (warm-up).";
    }

    /// <summary>Each instrument the chain liquidates on (or that runs away): how far it moves and how much came from elsewhere.</summary>
    private static string SystemChainText(SystemChain chain)
    {
        var parts = new List<string>();
        foreach (var i in chain.Instruments)
        {
            if (i.LiquidatedNotional <= 0 && !i.Runaway)
            {
                continue;
            }

            var share = i.LiquidatedNotional > 0 ? Math.Max(0, i.ImportedNotional) / i.LiquidatedNotional : 0;
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"{i.Symbol} {Pct(i.TargetMove)} → {Pct(i.Move)}{(i.Runaway ? " (runs away)" : string.Empty)}, {i.LiquidatedNotional:N0} liquidated of which {Math.Max(0, i.ImportedNotional):N0} ({Pct(share, 0)}) from elsewhere"));
        }

        return parts.Count == 0 ? "no liquidation" : string.Join("; ", parts);
    }

    private static string Drivers(IReadOnlyList<SystemCriticalAccount> accounts)
    {
        if (accounts.Count == 0)
        {
            return "No single account's failure adds to it.";
        }

        var shown = accounts.Take(3).Select(a => string.Create(CultureInfo.InvariantCulture,
            $"{a.Account} (+{a.AdditionalNotional:N0} on {string.Join(", ", a.Instruments.Select(x => x.Symbol))})"));
        return "Critical accounts: " + string.Join(", ", shown) + ".";
    }

    /// <summary>Range of the score of a threshold a measure must stay under (a shock, a distance): 1 at a tenth of it.</summary>
    private const double ShockRange = 10;

    /// <summary>Range of the score of a threshold a measure must reach (a ratio, a rate): 1 at four times it.</summary>
    private const double RatioRange = 4;

    /// <summary>
    /// How far past its threshold a measure is, from 0 (at it, or short of it) to 1 (<paramref name="range"/> times past
    /// it or more), on a log scale: <paramref name="timesPast"/> is the threshold over the measure for a measure that must
    /// stay under it, the measure over the threshold for one that must reach it. A third of the way (∛range past) is a
    /// warning, two thirds critical.
    /// </summary>
    public static double Score(double timesPast, double range) =>
        double.IsNaN(timesPast) || timesPast <= 1 ? 0 : double.IsPositiveInfinity(timesPast) ? 1 : Math.Min(1, Math.Log(timesPast) / Math.Log(range));

    /// <summary>The severity of a score: info under ⅓, warning under ⅔, critical from ⅔.</summary>
    public static AlertSeverity SeverityOf(double score) =>
        score >= 2.0 / 3 ? AlertSeverity.Critical : score >= 1.0 / 3 ? AlertSeverity.Warning : AlertSeverity.Info;

    /// <summary>
    /// The lifecycle step of a critical-shock rule (CascadeRisk, SystemicCascadeRisk): raised at or under the limit, kept
    /// within the hysteresis above it, severity by how small the move is against the limit (<see cref="Score"/>: a
    /// shock under the limit ÷ ∛10 is a warning, under the limit ÷ ∛100 critical).
    /// </summary>
    private AlertState? ShockStep(AlertRule rule, string symbol, string direction, long eventTime, double? shock, double limit, AlertThresholds t,
        double knownRange, out AlertSeverity severity, out double score)
    {
        var raise = shock is { } s && s <= limit;
        var keep = shock is { } k && k <= limit * (1 + t.Hysteresis);
        var value = shock ?? double.NaN;
        score = Score(limit / value, ShockRange);
        severity = WarmUp(SeverityOf(score), value, knownRange);
        return Next(rule, symbol, direction, eventTime, raise, keep, ref severity, value, t);
    }

    /// <summary>
    /// Warm-up: a cascade alert is at most info while the book side it walks is known only short of the shock (a
    /// partial snapshot not yet filled in by updates): its chain would run on modelled depth from the first round.
    /// Known to at least the shock (the shock's move below the known range), the severity stands.
    /// </summary>
    private static AlertSeverity WarmUp(AlertSeverity severity, double shock, double knownRange) =>
        shock < knownRange || severity <= AlertSeverity.Info ? severity : AlertSeverity.Info;

    private static string WarmUpNote(double shock, double knownRange, string direction) =>
        double.IsNaN(shock) || shock < knownRange ? string.Empty
            : string.Create(CultureInfo.InvariantCulture,
                $" Held at info while the book is known only {Pct(knownRange, 2)} {direction} from the mid, short of the shock (warm-up).");

    /// <summary>
    /// The one decision of an alert's lifecycle: the transition these inputs make at <paramref name="now"/>, or null for
    /// none (most evaluations). Taken before the explanation and metrics are formatted, which are then only made for a
    /// transition. <paramref name="severity"/> comes in as this evaluation's and goes out as the transition's: a raise or
    /// an escalation at the lowest severity held over the dwell, a step down at the highest held over the resolve dwell.
    /// </summary>
    /// <param name="raise">The rule's condition holds.</param>
    /// <param name="keep">An open alert's condition still holds within the hysteresis.</param>
    /// <param name="value">The key measure, for materiality.</param>
    private AlertState? Next(AlertRule rule, string symbol, string qualifier, long now, bool raise, bool keep, ref AlertSeverity severity, double value, AlertThresholds t)
    {
        var key = (rule, symbol, qualifier);
        var dwell = (long)t.RaiseDwell.TotalMilliseconds;
        var resolveDwell = (long)t.ResolveDwell.TotalMilliseconds;
        if (!_open.TryGetValue(key, out var open))
        {
            if (!raise)
            {
                _pending.Remove(key);
                return null;
            }

            if (!_pending.TryGetValue(key, out var pending))
            {
                pending = new Pending(now, severity);
                _pending.Add(key, pending);
            }
            else if (severity < pending.Floor)
            {
                pending.Floor = severity;
            }

            if (now - pending.Since < dwell)
            {
                return null;
            }

            _pending.Remove(key);
            severity = pending.Floor;
            return AlertState.Raised;
        }

        if (!keep)
        {
            open.HigherSince = open.LowerSince = -1;
            if (open.ClearSince < 0)
            {
                open.ClearSince = now;
            }

            return now - open.ClearSince >= resolveDwell ? AlertState.Resolved : null;
        }

        open.ClearSince = -1;
        if (severity > open.Severity)
        {
            open.LowerSince = -1;
            if (open.HigherSince < 0)
            {
                open.HigherSince = now;
                open.HigherFloor = severity;
            }
            else if (severity < open.HigherFloor)
            {
                open.HigherFloor = severity;
            }

            if (now - open.HigherSince < dwell)
            {
                return null;
            }

            open.HigherSince = -1;
            severity = open.HigherFloor;
            return AlertState.Escalated;
        }

        open.HigherSince = -1;
        var interval = now - open.SentAt >= (long)t.UpdateMinInterval.TotalMilliseconds;
        if (severity < open.Severity)
        {
            if (open.LowerSince < 0)
            {
                open.LowerSince = now;
                open.LowerCeiling = severity;
            }
            else if (severity > open.LowerCeiling)
            {
                open.LowerCeiling = severity;
            }

            if (now - open.LowerSince < resolveDwell || !interval)
            {
                return null;
            }

            open.LowerSince = -1;
            severity = open.LowerCeiling;
            return AlertState.Updated;
        }

        open.LowerSince = -1;
        return interval && Material(open.Value, value, t.UpdateMinChange) ? AlertState.Updated : null;
    }

    /// <summary>A key measure moved by at least <paramref name="minChange"/> of the value last sent (or became or stopped being finite).</summary>
    private static bool Material(double sent, double now, double minChange)
    {
        if (double.IsFinite(sent) != double.IsFinite(now))
        {
            return true;
        }

        if (!double.IsFinite(sent))
        {
            return false;
        }

        return sent == 0 ? now != 0 : Math.Abs(now - sent) >= minChange * Math.Abs(sent);
    }

    /// <summary>Makes the transition <see cref="Next"/> decided.</summary>
    private void Track(AlertRule rule, SymbolRisk risk, string qualifier, AlertState state, AlertSeverity severity, double value,
        IReadOnlyList<AlertMetric> metrics, string explanation, string action, List<AlertTransition> output) =>
        Track(rule, risk.Symbol, risk.EventTime, qualifier, state, severity, value, metrics, explanation, action, output);

    private void Track(AlertRule rule, string symbol, long eventTime, string qualifier, AlertState state, AlertSeverity severity, double value,
        IReadOnlyList<AlertMetric> metrics, string explanation, string action, List<AlertTransition> output)
    {
        var key = (rule, symbol, qualifier);
        if (state == AlertState.Raised)
        {
            var raised = new OpenAlert($"{rule}:{symbol}:{qualifier}:{eventTime.ToString(CultureInfo.InvariantCulture)}", eventTime, severity, value);
            _open.Add(key, raised);
            output.Add(new AlertTransition(raised.Id, 0, rule, symbol, qualifier, severity, AlertState.Raised, eventTime, raised.RaisedAt, metrics, explanation, action));
            return;
        }

        var open = _open[key];
        if (state == AlertState.Resolved)
        {
            _open.Remove(key);
            output.Add(new AlertTransition(open.Id, ++open.Sequence, rule, symbol, qualifier, open.Severity, AlertState.Resolved, eventTime, open.RaisedAt, metrics, explanation, "None: resolved."));
            return;
        }

        open.Severity = severity;
        open.Value = value;
        open.SentAt = eventTime;
        output.Add(new AlertTransition(open.Id, ++open.Sequence, rule, symbol, qualifier, severity, state, eventTime, open.RaisedAt, metrics, explanation, action));
    }

    /// <summary>
    /// What a resolved critical-shock alert says changed: the shock became a chain too small to be a cascade, rose above
    /// the threshold's resolve margin, or no shock runs away any more (<paramref name="noneLeft"/>).
    /// </summary>
    private static string ResolvedShockText(string subject, double was, (double Shock, double Notional)? small, double minNotional, double? now, double limit, double hysteresis, string noneLeft) =>
        small is { } chain
            ? string.Create(CultureInfo.InvariantCulture,
                $"{subject} went from {Pct(was)} to a {Pct(chain.Shock)} chain liquidating only {chain.Notional:N0}, under the {minNotional:N0} a cascade needs.")
            : now is { } rose
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{subject} rose from {Pct(was)} to {Pct(rose)}, above the {Pct(limit)} threshold (and its {Pct(limit * (1 + hysteresis))} resolve margin).")
                : string.Create(CultureInfo.InvariantCulture, $"{subject} was {Pct(was)}; {noneLeft}");

    private static string Pct(double fraction, int decimals = 1) =>
        (fraction * 100).ToString(decimals == 0 ? "0" : "0." + new string('0', decimals), CultureInfo.InvariantCulture) + "%";

    private static string Ratio(double ratio) =>
        double.IsFinite(ratio) ? ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "unbounded";

    private static string TopAccounts(IReadOnlyList<string> accounts) =>
        accounts.Count == 0 ? "No single large account drives it." : "Largest accounts in the chain: " + string.Join(", ", accounts) + ".";

    private static string Chain(IReadOnlyList<double> prices)
    {
        var shown = prices.Take(6).Select(p => p.ToString("N2", CultureInfo.InvariantCulture));
        return string.Join(" → ", shown) + (prices.Count > 6 ? " → …" : string.Empty);
    }

    private sealed class Pending(long since, AlertSeverity floor)
    {
        public long Since { get; } = since;
        public AlertSeverity Floor { get; set; } = floor;
    }

    /// <summary>An open alert: what was last sent (severity, key measure, when) and the dwell clocks of its next step (−1: not running).</summary>
    private sealed class OpenAlert(string id, long raisedAt, AlertSeverity severity, double value)
    {
        public string Id { get; } = id;
        public long RaisedAt { get; } = raisedAt;
        public int Sequence { get; set; }
        public AlertSeverity Severity { get; set; } = severity;
        public double Value { get; set; } = value;
        public long SentAt { get; set; } = raisedAt;
        public long ClearSince { get; set; } = -1;
        public long HigherSince { get; set; } = -1;
        public AlertSeverity HigherFloor { get; set; }
        public long LowerSince { get; set; } = -1;
        public AlertSeverity LowerCeiling { get; set; }
    }
}
