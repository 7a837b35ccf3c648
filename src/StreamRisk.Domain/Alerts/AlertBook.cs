using System.Globalization;

namespace StreamRisk.Domain.Alerts;

/// <summary>
/// The open alerts of every symbol and the rules that move them through their lifecycle. Pure decisions from
/// <see cref="SymbolRisk"/> snapshots: same snapshots in, same transitions out (replay equals live).
/// Single writer: the engine thread.
/// </summary>
public sealed class AlertBook
{
    private readonly Dictionary<(AlertRule Rule, string Symbol, string Qualifier), OpenAlert> _open = [];
    private readonly Func<string, AlertThresholds> _thresholds;

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
        if (chain is not null && chain.Notional < t.CascadeMinNotional)
        {
            shock = null; // too small to be a cascade: as if nothing ran away
            chain = null;
        }

        var value = shock ?? double.NaN;
        var knownRange = direction == "down" ? risk.KnownRangeDown : risk.KnownRangeUp;
        if (ShockStep(AlertRule.CascadeRisk, risk.Symbol, direction, shock, limit, t.Hysteresis, knownRange, out var severity, out var bucket) is not { } state)
        {
            return;
        }

        var metrics = new List<AlertMetric> { new("criticalShock", value), new("threshold", limit), new("mark", risk.Mark) };
        string explanation;
        if (chain is null)
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

        explanation += WarmUpNote(value, knownRange, direction);

        var action = severity switch
        {
            AlertSeverity.Critical => $"Widen price bands or pause new leverage on {risk.Symbol}; raise maintenance margin for the largest accounts in the chain.",
            AlertSeverity.Warning => $"Raise initial margin for new {risk.Symbol} positions; watch book depth.",
            _ => "Watch.",
        };
        Track(AlertRule.CascadeRisk, risk, direction, state, severity, bucket, metrics, explanation, action, output);
    }

    private void FundAtRisk(SymbolRisk risk, AlertThresholds t, string direction, double? drainShock, double adlNotional, List<AlertTransition> output)
    {
        var raise = drainShock is { } s && s <= t.FundShockLimit;
        var keep = drainShock is { } k && k <= t.FundShockLimit * (1 + t.Hysteresis);
        var value = drainShock ?? double.NaN;
        var knownRange = direction == "down" ? risk.KnownRangeDown : risk.KnownRangeUp;
        var severity = WarmUp(value <= t.FundShockLimit / 4 ? AlertSeverity.Critical : AlertSeverity.Warning, value, knownRange);
        var bucket = Bucket(value * 1000, linear: true);
        if (Next(AlertRule.InsuranceFundAtRisk, risk.Symbol, direction, raise, keep, severity, bucket) is not { } state)
        {
            return;
        }

        var explanation = string.Create(CultureInfo.InvariantCulture,
            $"A {Pct(value)} move {direction} on {risk.Symbol} drains the insurance fund ({risk.InsuranceFund:N0}); about {adlNotional:N0} of profitable positions would be auto-deleveraged.");
        var modelledShare = direction == "down" ? risk.FundDrainModelledShareDown : risk.FundDrainModelledShareUp;
        if (modelledShare > 0)
        {
            explanation += string.Create(CultureInfo.InvariantCulture,
                $" The cascade left the known book ({Pct(knownRange, 2)} from the mid): {Pct(modelledShare, 0)} of its fills ran on modelled depth.");
        }

        explanation += WarmUpNote(value, knownRange, direction);
        Track(AlertRule.InsuranceFundAtRisk, risk, direction, state, severity, bucket,
            [new("drainShock", value), new("insuranceFund", risk.InsuranceFund), new("adlNotional", adlNotional)], explanation,
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
        var severity = ratio >= 3 * t.WallRatio ? AlertSeverity.Critical : ratio >= 2 * t.WallRatio ? AlertSeverity.Warning : AlertSeverity.Info;
        var bucket = Bucket(ratio, linear: false);
        if (Next(AlertRule.LiquidationWall, risk.Symbol, direction, raise, keep, severity, bucket) is not { } state)
        {
            return;
        }

        var explanation = string.Create(CultureInfo.InvariantCulture,
            $"{liquidatable:N0} of positions liquidate within {Pct(t.WallBand)} {direction} of {risk.Mark:N2}, against {depth:N0} of resting {(down ? "bids" : "asks")} in the same band ({ratio:0.00}x).");
        Track(AlertRule.LiquidationWall, risk, direction, state, severity, bucket,
            [new("liquidatableNotional", liquidatable), new("bookDepth", depth), new("ratio", double.IsFinite(ratio) ? ratio : double.MaxValue), new("band", t.WallBand)],
            explanation, $"Expect forced {(down ? "selling" : "buying")} to overwhelm the book near {risk.Mark:N2}; consider liquidity incentives or price bands.", output);
    }

    private void LargeAccounts(SymbolRisk risk, AlertThresholds t, List<AlertTransition> output)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var near in risk.LargeAccounts)
        {
            seen.Add(near.Account);
            var raise = near.Notional >= t.LargeAccountNotional && near.Distance <= t.LargeAccountDistance;
            var keep = near.Notional >= t.LargeAccountNotional / (1 + t.Hysteresis) && near.Distance <= t.LargeAccountDistance * (1 + t.Hysteresis);
            var severity = near.Distance <= t.LargeAccountDistance / 4 ? AlertSeverity.Critical
                : near.Distance <= t.LargeAccountDistance / 2 ? AlertSeverity.Warning : AlertSeverity.Info;
            var bucket = Bucket(near.Distance * 200, linear: true);
            if (Next(AlertRule.LargeAccountNearLiquidation, risk.Symbol, near.Account, raise, keep, severity, bucket) is not { } state)
            {
                continue;
            }

            var explanation = string.Create(CultureInfo.InvariantCulture,
                $"Account {near.Account} holds {near.Notional:N0} of {risk.Symbol} ({near.Size:0.####}) with its liquidation price {near.LiquidationPrice:N2} only {Pct(near.Distance, 2)} from the mark {risk.Mark:N2}.");
            Track(AlertRule.LargeAccountNearLiquidation, risk, near.Account, state, severity, bucket,
                [new("notional", near.Notional), new("distance", near.Distance), new("liquidationPrice", near.LiquidationPrice)],
                explanation, $"Contact {near.Account} for margin or reduce the position in slices before it hits the book.", output);
        }

        // Accounts that dropped out of the near-liquidation list (position closed, shrunk or moved away) resolve.
        foreach (var key in _open.Keys.Where(k => k.Rule == AlertRule.LargeAccountNearLiquidation && k.Symbol == risk.Symbol && !seen.Contains(k.Qualifier)).ToList())
        {
            Track(AlertRule.LargeAccountNearLiquidation, risk, key.Qualifier, AlertState.Resolved, AlertSeverity.Info, 0, [],
                $"Account {key.Qualifier} is no longer a large position near liquidation on {risk.Symbol}.", "None.", output);
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
        var severity = drop >= 0.75 ? AlertSeverity.Critical : AlertSeverity.Warning;
        var bucket = Bucket(drop * 20, linear: true);
        if (Next(AlertRule.LiquidityWithdrawal, risk.Symbol, "book", raise, keep, severity, bucket) is not { } state)
        {
            return;
        }

        var explanation = string.Create(CultureInfo.InvariantCulture,
            $"Depth within ±1% of {risk.Symbol} fell {Pct(drop, 0)}, from {risk.DepthNearMarkPeak:N0} to {risk.DepthNearMark:N0}, within {t.DepthWindow.TotalSeconds:0} s.");
        Track(AlertRule.LiquidityWithdrawal, risk, "book", state, severity, bucket,
            [new("depth", risk.DepthNearMark), new("peakDepth", risk.DepthNearMarkPeak), new("drop", drop)],
            explanation, "Market makers are pulling quotes: expect larger price impact from any liquidation.", output);
    }

    private void InProgress(SymbolRisk risk, AlertThresholds t, List<AlertTransition> output)
    {
        var rate = risk.RealizedLiquidationRate;
        var move = Math.Abs(risk.PriceMove);
        var raise = rate >= t.LiquidationRate && move >= t.PriceMove;
        var keep = rate >= t.LiquidationRate / (1 + t.Hysteresis) && move >= t.PriceMove / (1 + t.Hysteresis);
        var severity = rate >= 2 * t.LiquidationRate && move >= 2 * t.PriceMove ? AlertSeverity.Critical : AlertSeverity.Warning;
        var bucket = Bucket(rate, linear: false);
        if (Next(AlertRule.CascadeInProgress, risk.Symbol, "live", raise, keep, severity, bucket) is not { } state)
        {
            return;
        }

        var explanation = string.Create(CultureInfo.InvariantCulture,
            $"{rate:N0}/s of liquidations on {risk.Symbol} over the last {t.CascadeWindow.TotalSeconds:0} s while the mark moved {Pct(risk.PriceMove, 2)}: a cascade is under way.");
        Track(AlertRule.CascadeInProgress, risk, "live", state, severity, bucket,
            [new("liquidationRate", rate), new("priceMove", risk.PriceMove)],
            explanation, $"Consider a circuit breaker on {risk.Symbol}: pause liquidations into the book or widen price bands.", output);
    }

    /// <summary>
    /// SystemicCascadeRisk on one system view: per direction, raised when the system critical shock is at or below
    /// <see cref="AlertThresholds.SystemicCriticalShock"/> (thresholds of <see cref="SystemView.AlertSymbol"/>), under that
    /// symbol with the direction as qualifier; escalated, updated and resolved with the same hysteresis and materiality as
    /// CascadeRisk.
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
        if (chain is not null && chain.LiquidatedNotional < t.CascadeMinNotional)
        {
            shock = null; // a runaway through a thin patch of one book liquidating next to nothing is not systemic
            chain = null;
        }

        var value = shock ?? double.NaN;
        // The factor chain's books are read through the portfolio projector, which reports whether a walk left a known
        // book but not each side's known range: a chain that left one is held at info as if its range were short of the shock.
        var leftKnown = chain is not null && chain.Instruments.Any(i => i.LeftKnownBook);
        if (ShockStep(AlertRule.SystemicCascadeRisk, SystemView.AlertSymbol, direction, shock, limit, t.Hysteresis, leftKnown ? 0 : double.PositiveInfinity,
            out var severity, out var bucket) is not { } state)
        {
            return;
        }

        var metrics = new List<AlertMetric> { new("criticalShock", value), new("threshold", limit) };
        string explanation;
        if (chain is null)
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
            if (leftKnown)
            {
                var modelled = chain.Instruments.Sum(i => i.ModelledNotional);
                metrics.Add(new("modelledNotional", modelled));
                explanation += string.Create(CultureInfo.InvariantCulture,
                    $" The chain left the known book of {string.Join(", ", chain.Instruments.Where(i => i.LeftKnownBook).Select(i => i.Symbol))}: {modelled:N0} of its fills ran on modelled depth; held at info (warm-up).");
            }
        }

        var action = severity switch
        {
            AlertSeverity.Critical => "Raise maintenance margin of the critical accounts and widen price bands on the instruments that run away; consider pausing new leverage venue-wide.",
            AlertSeverity.Warning => "Contact the critical accounts; raise initial margin for cross accounts holding the instruments in the chain.",
            _ => "Watch.",
        };
        Track(AlertRule.SystemicCascadeRisk, SystemView.AlertSymbol, view.EventTime, direction, state, severity, bucket, metrics, explanation, action, output);
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

    /// <summary>
    /// The one decision of an alert's lifecycle: the transition these inputs make, or null for none (most evaluations).
    /// Taken before the explanation and metrics are formatted, which are then only made for a transition.
    /// </summary>
    /// <summary>
    /// The lifecycle step of a critical-shock rule (CascadeRisk, SystemicCascadeRisk): raised at or under the limit, kept
    /// within the hysteresis above it, severity by how small the move is (a third of the limit or less is critical).
    /// </summary>
    private AlertState? ShockStep(AlertRule rule, string symbol, string direction, double? shock, double limit, double hysteresis, double knownRange,
        out AlertSeverity severity, out long bucket)
    {
        var raise = shock is { } s && s <= limit;
        var keep = shock is { } k && k <= limit * (1 + hysteresis);
        var value = shock ?? double.NaN;
        severity = value <= limit / 3 ? AlertSeverity.Critical : value <= limit * 2 / 3 ? AlertSeverity.Warning : AlertSeverity.Info;
        severity = WarmUp(severity, value, knownRange);
        bucket = Bucket(value * 1000, linear: true);
        return Next(rule, symbol, direction, raise, keep, severity, bucket);
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

    private AlertState? Next(AlertRule rule, string symbol, string qualifier, bool raise, bool keep, AlertSeverity severity, long bucket)
    {
        if (!_open.TryGetValue((rule, symbol, qualifier), out var open))
        {
            return raise ? AlertState.Raised : null;
        }

        if (!keep)
        {
            return AlertState.Resolved;
        }

        return severity > open.Severity ? AlertState.Escalated
            : severity < open.Severity || bucket != open.Bucket ? AlertState.Updated
            : null;
    }

    /// <summary>Makes the transition <see cref="Next"/> decided.</summary>
    private void Track(AlertRule rule, SymbolRisk risk, string qualifier, AlertState state, AlertSeverity severity, long bucket,
        IReadOnlyList<AlertMetric> metrics, string explanation, string action, List<AlertTransition> output) =>
        Track(rule, risk.Symbol, risk.EventTime, qualifier, state, severity, bucket, metrics, explanation, action, output);

    private void Track(AlertRule rule, string symbol, long eventTime, string qualifier, AlertState state, AlertSeverity severity, long bucket,
        IReadOnlyList<AlertMetric> metrics, string explanation, string action, List<AlertTransition> output)
    {
        var key = (rule, symbol, qualifier);
        if (state == AlertState.Raised)
        {
            var raised = new OpenAlert($"{rule}:{symbol}:{qualifier}:{eventTime.ToString(CultureInfo.InvariantCulture)}", eventTime, severity, bucket);
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
        open.Bucket = bucket;
        output.Add(new AlertTransition(open.Id, ++open.Sequence, rule, symbol, qualifier, severity, state, eventTime, open.RaisedAt, metrics, explanation, action));
    }

    /// <summary>
    /// Materiality: an open alert is re-sent as "updated" only when its key measure moves to another bucket —
    /// whole steps for linear measures (0.1% of critical shock, 0.5% of distance), 25% steps for ratios and rates.
    /// </summary>
    private static long Bucket(double value, bool linear)
    {
        if (!double.IsFinite(value))
        {
            return long.MaxValue;
        }

        return linear ? (long)Math.Round(value) : value <= 0 ? long.MinValue : (long)Math.Floor(Math.Log(value) / Math.Log(1.25));
    }

    private static string Pct(double fraction, int decimals = 1) =>
        (fraction * 100).ToString(decimals == 0 ? "0" : "0." + new string('0', decimals), CultureInfo.InvariantCulture) + "%";

    private static string TopAccounts(IReadOnlyList<string> accounts) =>
        accounts.Count == 0 ? "No single large account drives it." : "Largest accounts in the chain: " + string.Join(", ", accounts) + ".";

    private static string Chain(IReadOnlyList<double> prices)
    {
        var shown = prices.Take(6).Select(p => p.ToString("N2", CultureInfo.InvariantCulture));
        return string.Join(" → ", shown) + (prices.Count > 6 ? " → …" : string.Empty);
    }

    private sealed class OpenAlert(string id, long raisedAt, AlertSeverity severity, long bucket)
    {
        public string Id { get; } = id;
        public long RaisedAt { get; } = raisedAt;
        public int Sequence { get; set; }
        public AlertSeverity Severity { get; set; } = severity;
        public long Bucket { get; set; } = bucket;
    }
}
