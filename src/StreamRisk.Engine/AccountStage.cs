using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;
using StreamRisk.Domain.Liquidations;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine;

/// <summary>
/// The account half of the monitor: margin state of the accounts this stage holds (all of them in one process, one
/// partition's when scaled out), their bucketed partial ladders, large positions and ADL candidates, and the insurance
/// fund settlements of venue liquidation fills of those accounts. After each input it hands the projector stage one
/// <see cref="LadderUpdate"/> per symbol that changed. Single writer.
/// </summary>
public sealed class AccountStage
{
    /// <summary>ADL candidates kept per side and symbol: the top of each partition's ranking (see <see cref="AdlQueue.FromRanked"/>).</summary>
    public const int AdlCandidates = 256;

    private readonly EngineOptions _options;
    private readonly LargePositions _large;
    private readonly LadderUpdate _update = new();
    private readonly List<Symbol> _symbols = [];
    private readonly List<int> _pending = [];
    private readonly List<LargePosition> _scratch = [];
    private readonly List<(AccountState Account, int Position)> _largeScratch = [];
    private readonly long _revaluationMs;
    private readonly long _adlRankingMs;
    private long _now;
    private long _revaluations, _revaluationTicks, _adlRankings, _adlTicks;
    private readonly Action<LadderUpdate>? _updates;

    /// <param name="source">The account partition this stage speaks for (scale-out); 0 in one process.</param>
    /// <param name="updates">Receives each update; it is reused, so the receiver copies what it keeps before returning.</param>
    /// <param name="trackChanges">Whether updates carry the buckets that changed (see <see cref="PartialLadders.TrackChanges"/>):
    /// off when the projector reads this stage's buckets directly (one process).</param>
    public AccountStage(EngineOptions options, InstrumentCatalog catalog, int source = 0, Action<LadderUpdate>? updates = null, bool trackChanges = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _updates = updates;
        _revaluationMs = (long)options.CrossRevaluationInterval.TotalMilliseconds;
        _adlRankingMs = (long)options.AdlRankingInterval.TotalMilliseconds;
        Source = source;
        Margins = new MarginBook(options.Profile, catalog);
        Ladders = new PartialLadders(trackChanges);
        // Track positions down to the hysteresis margin below the large-account threshold, so an open alert can resolve.
        _large = new LargePositions(i =>
        {
            var t = options.ThresholdsFor(catalog[i].Symbol.Value);
            return t.LargeAccountNotional / (1 + t.Hysteresis);
        }, Margins);
        Watch = options.LiquidationEngine == LiquidationEngineMode.Venue ? new LiquidationWatch(Margins) : null;
        Margins.Listener = Watch is null ? new MarginListeners(Ladders, _large) : new MarginListeners(Ladders, _large, Watch);
    }

    /// <summary>Positions by liquidation price, for the venue liquidation engine; null when it is off.</summary>
    public LiquidationWatch? Watch { get; }

    public int Source { get; }

    public MarginBook Margins { get; }

    public PartialLadders Ladders { get; }

    /// <summary>Revaluations of a symbol's holders at a mark so far, and the wall time they took (figures for the bench).</summary>
    public (long Count, TimeSpan Time) Revaluations => (_revaluations, System.Diagnostics.Stopwatch.GetElapsedTime(0, _revaluationTicks));

    /// <summary>ADL rankings made so far (one per symbol about once a second of event time), and the wall time they took.</summary>
    public (long Count, TimeSpan Time) AdlRankings => (_adlRankings, System.Diagnostics.Stopwatch.GetElapsedTime(0, _adlTicks));

    public int ApplyInstrument(Instrument instrument)
    {
        var index = Margins.ApplyInstrument(instrument);
        Flush(_now);
        return index;
    }

    public void ApplyMark(int instrument, double mark, long eventTime)
    {
        // The margin book takes the mark only when its holders are revalued: until then every figure of the account
        // stage (margins, ladders, large positions, ADL ranking) is as of the last revaluation, so it is the same
        // whichever accounts an instance holds (scale-out) and whenever it is read.
        var symbol = SymbolAt(instrument);
        symbol.DeferredMark = mark;
        symbol.RevaluationDue = true;
        if (eventTime - symbol.RevaluedAt >= _revaluationMs
            || !(Math.Abs(mark - symbol.RevaluedMark) < _options.CrossRevaluationMove * symbol.RevaluedMark))
        {
            Revalue(instrument, symbol, eventTime);
        }

        // A symbol whose marks stopped still gets its last one revalued: any mark keeps the clock (every account
        // partition sees every mark in the same order, so scaled-out stages revalue at the same inputs).
        for (var other = 0; other < _symbols.Count; other++)
        {
            var s = _symbols[other];
            if (s.RevaluationDue && eventTime - s.RevaluedAt >= _revaluationMs)
            {
                Revalue(other, s, eventTime);
            }
        }

        Pend(instrument);
        // ADL rankings move with the mark; venues refresh them on a cadence, and so do we: at the first mark
        // AdlRankingInterval or more after the last ranking (of event time, so replays rank at the same moments).
        if (eventTime - symbol.AdlRankedAt >= _adlRankingMs)
        {
            symbol.AdlRankedAt = eventTime;
            symbol.AdlDue = true;
        }

        Flush(eventTime);
    }

    public void ApplyAccount(AccountId account, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions, long eventTime) =>
        ApplyAccount(Margins.KeyOf(account), balance, positions, eventTime);

    public void ApplyAccount(AccountKey account, double balance, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions, long eventTime)
    {
        if (Margins.TryGetAccount(account, out var before))
        {
            TouchAll(before, after: false);
        }

        var state = Margins.ApplyAccount(account, balance, positions);
        TouchAll(state, after: true);
        Flush(eventTime);
    }

    public void ApplyPosition(AccountId account, int instrument, double size, double entry, double isolatedMargin, long eventTime) =>
        ApplyPosition(Margins.KeyOf(account), instrument, size, entry, isolatedMargin, eventTime);

    public void ApplyPosition(AccountKey account, int instrument, double size, double entry, double isolatedMargin, long eventTime)
    {
        var state = Margins.ApplyPosition(account, instrument, size, entry, isolatedMargin);
        Touch(instrument, after: true);
        TouchAll(state, after: true); // a cross account's other liquidation prices moved too
        Flush(eventTime);
    }

    public void ApplyBalance(AccountId account, double balance, long eventTime) => ApplyBalance(Margins.KeyOf(account), balance, eventTime);

    public void ApplyBalance(AccountKey account, double balance, long eventTime)
    {
        var state = Margins.ApplyBalance(account, balance);
        TouchAll(state, after: true);
        Flush(eventTime);
    }

    /// <summary>
    /// A venue's realized liquidation fill of <paramref name="account"/>'s position on <paramref name="instrument"/>
    /// (<paramref name="longLiquidated"/>: the side liquidated). When this stage holds the account with a position on
    /// that side, the fill settles with the fund as the venue settles it (<see cref="SettlementOf"/>) and the settlement
    /// goes to the projector with the symbol's next update; otherwise nothing changes. The position itself is closed by
    /// the venue's positions feed, not here.
    /// </summary>
    public void ApplyLiquidation(AccountId account, int instrument, bool longLiquidated, double price, double size, long eventTime)
    {
        if (!Margins.TryGetAccount(account, out var state) || SettlementOf(state, instrument, longLiquidated, price, size) is not { } toFund)
        {
            return;
        }

        var symbol = SymbolAt(instrument);
        symbol.Settlements.Add(new FundSettlement(symbol.Settlements.Count + 1, eventTime, toFund));
        Pend(instrument);
        Flush(eventTime);
    }

    /// <summary>
    /// What a fill of <paramref name="size"/> (at most the whole position) of the account's position on the instrument
    /// pays the fund: its share of the collateral — the isolated margin, or the cross wallet shared between the cross
    /// positions by notional, as the venue liquidation engine shares it — plus the PnL realized at the fill price
    /// (<see cref="InsuranceSettlement.ToFund"/>). Null when the account holds no position on that side.
    /// </summary>
    internal static double? SettlementOf(AccountState account, int instrument, bool longLiquidated, double price, double size)
    {
        double crossNotional = 0;
        var margins = account.PositionMargins;
        var position = -1;
        for (var i = 0; i < account.PositionCount; i++)
        {
            crossNotional += account.Positions[i].IsIsolated ? 0 : margins[i].Notional;
            position = account.InstrumentIndexAt(i) == instrument ? i : position;
        }

        if (position < 0 || account.Positions[position].Size == 0 || (account.Positions[position].Size > 0) != longLiquidated)
        {
            return null;
        }

        var terms = account.Positions[position];
        var fraction = Math.Min(1, size / Math.Abs(terms.Size));
        var collateral = terms.IsIsolated ? terms.IsolatedMargin
            : crossNotional > 0 ? account.Balance * margins[position].Notional / crossNotional : 0;
        return InsuranceSettlement.ToFund(collateral * fraction, terms.Instrument.UnrealizedPnl(terms.Size * fraction, terms.Entry, price));
    }

    private void Revalue(int instrument, Symbol symbol, long eventTime)
    {
        // Two timestamps per revaluation (rare next to the events between them): the bench reports what marks cost.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Margins.ApplyMark(instrument, symbol.DeferredMark);
        _large.Repriced(instrument);
        _revaluationTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        _revaluations++;
        symbol.RevaluationDue = false;
        symbol.RevaluedAt = eventTime;
        symbol.RevaluedMark = symbol.DeferredMark;
    }

    private void TouchAll(AccountState account, bool after)
    {
        for (var i = 0; i < account.PositionCount; i++)
        {
            Touch(account.InstrumentIndexAt(i), after);
        }
    }

    private void Touch(int instrument, bool after)
    {
        var symbol = SymbolAt(instrument);
        if (after)
        {
            symbol.TouchesAfter++;
        }
        else
        {
            symbol.TouchesBefore++;
        }

        Pend(instrument);
    }

    private void Pend(int instrument)
    {
        var symbol = SymbolAt(instrument);
        if (!symbol.Pending)
        {
            symbol.Pending = true;
            _pending.Add(instrument);
        }
    }

    /// <summary>One update per symbol the input changed, lowest instrument index first (deterministic).</summary>
    private void Flush(long eventTime)
    {
        _now = Math.Max(_now, eventTime);
        foreach (var changed in Ladders.ChangedSymbols)
        {
            Pend(changed);
        }

        Ladders.ClearChangedSymbols();
        if (_pending.Count == 0)
        {
            return;
        }

        _pending.Sort();
        foreach (var instrument in _pending)
        {
            var symbol = _symbols[instrument];
            symbol.Pending = false;
            var u = _update;
            u.Reset();
            u.Source = Source;
            u.Instrument = instrument;
            u.EventTime = eventTime;
            u.Tick = Ladders.TickOf(instrument);
            u.TouchesBefore = symbol.TouchesBefore;
            u.TouchesAfter = symbol.TouchesAfter;
            symbol.TouchesBefore = 0;
            symbol.TouchesAfter = 0;
            Ladders.TakeChanges(instrument, u.Buckets);
            if (_large.TakeChanged(instrument) && LargeChanged(instrument, symbol))
            {
                u.HasLarge = true;
                u.Large.AddRange(symbol.Large);
            }

            if (symbol.AdlDue)
            {
                symbol.AdlDue = false;
                u.HasAdl = true;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                AdlQueue.RankBothInto(Margins, instrument, _options.AdlRanking, AdlCandidates, u.AdlLongs, u.AdlShorts);
                _adlTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
                _adlRankings++;
                symbol.AdlLongs.Clear();
                symbol.AdlLongs.AddRange(u.AdlLongs);
                symbol.AdlShorts.Clear();
                symbol.AdlShorts.AddRange(u.AdlShorts);
                symbol.AdlSent = true;
            }

            for (var i = symbol.SettlementsSent; i < symbol.Settlements.Count; i++)
            {
                u.Settlements.Add(symbol.Settlements[i]);
            }

            symbol.SettlementsSent = symbol.Settlements.Count;
            if (u.IsEmpty)
            {
                continue;
            }

            u.Number = ++symbol.Number;
            _updates?.Invoke(u);
        }

        _pending.Clear();
    }

    /// <summary>
    /// Sends the symbol's whole state again as of its last update (<see cref="LadderUpdate.Replaces"/>): every bucket of
    /// both ladders, the large positions and ADL candidates last sent, every fund settlement made (the receiver applies
    /// the ones it has not, by number), under the last update's number, with no touches.
    /// For a receiver that may have missed updates (a delivery failed); the numbering of later updates is unchanged, so
    /// a partition rebuilt elsewhere still numbers its updates the same. Nothing is sent before the symbol's first update.
    /// </summary>
    public void Republish(int instrument)
    {
        if (instrument >= _symbols.Count || _symbols[instrument] is not { Number: > 0 } symbol)
        {
            return;
        }

        var u = _update;
        u.Reset();
        u.Replaces = true;
        u.Source = Source;
        u.Instrument = instrument;
        u.EventTime = _now;
        u.Tick = Ladders.TickOf(instrument);
        foreach (var (tick, bucket) in Ladders.Buckets(instrument, longSide: true))
        {
            u.Buckets.Add((true, tick, bucket));
        }

        foreach (var (tick, bucket) in Ladders.Buckets(instrument, longSide: false))
        {
            u.Buckets.Add((false, tick, bucket));
        }

        u.HasLarge = true;
        u.Large.AddRange(symbol.Large);
        if (symbol.AdlSent)
        {
            u.HasAdl = true;
            u.AdlLongs.AddRange(symbol.AdlLongs);
            u.AdlShorts.AddRange(symbol.AdlShorts);
        }

        u.Settlements.AddRange(symbol.Settlements);
        u.Number = symbol.Number;
        _updates?.Invoke(u);
    }

    /// <summary>The symbol's large positions now; true (and kept) when they differ from the last ones sent.</summary>
    private bool LargeChanged(int instrument, Symbol symbol)
    {
        _scratch.Clear();
        _large.CollectOn(instrument, _largeScratch);
        foreach (var (account, position) in _largeScratch)
        {
            var margin = account.PositionMargins[position];
            _scratch.Add(new LargePosition(account.Id.Value, account.Positions[position].Size, margin.Notional, margin.LiquidationPrice,
                margin.DistanceToLiquidation));
        }

        if (_scratch.Count == symbol.Large.Count && SameLarge(_scratch, symbol.Large))
        {
            return false;
        }

        symbol.Large.Clear();
        symbol.Large.AddRange(_scratch);
        return true;
    }

    private static bool SameLarge(List<LargePosition> a, List<LargePosition> b)
    {
        for (var i = 0; i < a.Count; i++)
        {
            // Compared field by field with Equals, so NaN prices (no LP) compare equal to themselves.
            if (!a[i].Equals(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private Symbol SymbolAt(int instrument)
    {
        while (_symbols.Count <= instrument)
        {
            _symbols.Add(new Symbol());
        }

        return _symbols[instrument];
    }

    private sealed class Symbol
    {
        public bool Pending { get; set; }
        public int TouchesBefore { get; set; }
        public int TouchesAfter { get; set; }
        public long Number { get; set; }
        public long AdlRankedAt { get; set; } = long.MinValue / 2;
        public bool AdlDue { get; set; }
        public bool RevaluationDue { get; set; }
        public long RevaluedAt { get; set; } = long.MinValue / 2;
        public double RevaluedMark { get; set; } = double.NaN;
        public double DeferredMark { get; set; } = double.NaN;
        public List<LargePosition> Large { get; } = [];
        public bool AdlSent { get; set; }
        public List<AdlCandidate> AdlLongs { get; } = [];
        public List<AdlCandidate> AdlShorts { get; } = [];

        /// <summary>Every fund settlement made on the symbol, numbered from 1; kept for <see cref="Republish"/> (one per settled fill).</summary>
        public List<FundSettlement> Settlements { get; } = [];

        public int SettlementsSent { get; set; }
    }
}
