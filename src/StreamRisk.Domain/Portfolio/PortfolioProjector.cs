using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Portfolio;

/// <summary>
/// The portfolio cascade model of docs/domain.md ("Portfolio cascade model"), exactly: margin units (each isolated
/// position; each account's cross positions together) are liquidated whole when equity &lt; MM at the current price
/// vector; rounds are simultaneous over every instrument; per instrument the liquidated longs and shorts cross at the
/// trigger price and the net walks the book with consumed depth staying consumed; the next trigger is the worse of
/// the price and the last level touched; each liquidated unit settles its equity at its fill prices into one fund.
/// </summary>
/// <remarks>
/// Load once (instruments, marks, depth, accounts), <see cref="Seal"/>, then project any number of scenarios; a
/// projection allocates nothing once the buffers have grown. Two indexes keep a projection from re-evaluating every
/// unit every round:
/// <list type="bullet">
/// <item>A unit on one instrument (an isolated position, or a cross pool of one position) is liquidatable exactly when
/// the instrument's price crosses its liquidation price (equity − MM is monotone in its one price), so those units sit
/// in per-instrument ladders sorted by LP and a round reads the newly crossed stretch.</item>
/// <item>A cross pool of two or more positions has a slack (equity − MM at the marks, less any jump of a tier table)
/// and a weight per leg (its notional × (1 + the top tier rate)); its equity − MM cannot fall by more than Σ weight ×
/// reach, reach being how far the leg's instrument has moved (relative). A pool becomes a candidate once one of its
/// instruments reaches the move at which that leg alone carries its share of the slack (per-instrument activation
/// lists); a candidate's own bound is checked before its exact equity and MM, and a candidate found safe is asked
/// again only after one of its instruments' prices moved.</item>
/// </list>
/// The list-and-scan reference in tests re-evaluates every unit every round and must agree on generated scenarios.
/// Owned by one thread.
/// </remarks>
public sealed class PortfolioProjector
{
    private readonly TierBasis _basis;

    // Instruments.
    private Instrument[] _instruments = [];
    private double[] _marks = [];
    private SideDepth[] _bids = [];
    private SideDepth[] _asks = [];
    private int _instrumentCount;

    // Accounts, and their positions as added (contiguous per account).
    private AccountId[] _accountIds = new AccountId[16];
    private double[] _balances = new double[16];
    private int[] _accountFirstUnit = new int[16];
    private int[] _accountUnitCount = new int[16];
    private int _accountCount;

    private int[] _posAccount = new int[16];
    private int[] _posInstrument = new int[16];
    private double[] _posSize = new double[16];
    private double[] _posEntry = new double[16];
    private double[] _posIsolated = new double[16];
    private int _posCount;

    // Units (struct of arrays) and their legs.
    private int[] _unitAccount = new int[16];
    private double[] _unitCollateral = new double[16];
    private int[] _unitFirstLeg = new int[16];
    private int[] _unitLegCount = new int[16];
    private int _unitCount;
    private int[] _legInstrument = new int[16];
    private PositionTerms[] _legTerms = new PositionTerms[16];
    private int _legCount;

    // Single-instrument units: per instrument, longs by LP descending then shorts by LP ascending.
    private int[] _ladderUnit = new int[16];
    private double[] _ladderPrice = new double[16];
    private int[] _longStart = [];
    private int[] _longCount = [];
    private int[] _shortStart = [];
    private int[] _shortCount = [];

    // Cross pools of two or more positions, by safe radius ascending.
    private int[] _poolUnit = new int[16];
    private double[] _poolRadius = new double[16];
    private int _poolCount;

    // The same, materialised in ladder order for sequential reads.
    private int[] _ladAccount = [];
    private double[] _ladSize = [];
    private double[] _ladEntry = [];
    private double[] _ladCollateral = [];
    private bool[] _ladSole = [];

    // Pools in radius order, their legs contiguous in that order.
    private int[] _poolAccount = [];
    private double[] _poolCollateral = [];
    private bool[] _poolSole = [];
    private int[] _poolFirstLeg = [];
    private int[] _poolLegCount = [];
    private PositionTerms[] _poolLegTerms = [];
    private int[] _poolLegInstrument = [];
    private int[] _unitPool = new int[16];

    // Per-projection state, reused.
    private int[] _poolStamp = [];
    private int _forcedAccountNow = -1;
    private int[] _forcedUnits = new int[4];
    private int[] _forcedSlots = new int[4];
    private int _forcedSlotCount;
    private int[] _unitSlot = [];
    private double[] _cumSize = [0];
    private double[] _cumCollateral = [0];
    private double[] _cumValue = [0];
    private Stretch[] _stretches = new Stretch[16];
    private int _stretchCount;
    private int _forcedUnitCount;
    private int[] _roundPools = new int[16];
    private int _roundPoolCount;
    private int[] _roundLongFrom = [];
    private int[] _roundShortFrom = [];
    private int[] _positions = [];
    private double[] _longSize = [];
    private double[] _shortSize = [];
    private double[] _notional = [];
    private double[] _unfilled = [];
    private bool[] _exhausted = [];
    private ScenarioTally _scenario;
    private RoundTally _round;
    private int[] _accountStamp = new int[16];
    private int[] _accountRoundStamp = new int[16];
    private int _scenarioStamp;
    private int _roundStamp;
    private int[] _candidates = new int[16];
    private int[] _candidateRound = new int[16];
    private double[] _candidateTrigger = new double[16];
    private double[] _candidateTravel = new double[16];
    private double _travel;
    private double[] _coordinate = [];
    private double[] _poolJumps = [];
    private double _growth;
    private double[] _poolWeight = [];
    private int[] _changedInRound = [];
    private double[] _slope = [];
    private double[] _jumps = [];
    private double[] _reach = [];
    private double[] _reachMax = [];
    private int[] _activationStart = [0];
    private int[] _activationFrontier = [];
    private int[] _activationPool = [];
    private double[] _activationReach = [];
    private int[] _poolActive = [];
    private double[] _poolLegWeight = [];
    private int[] _poolLegTier = [];
    private double[] _poolSlack = [];
    private double[] _price = [];
    private double[] _target = [];
    private double[] _consumedBids = [];
    private double[] _consumedAsks = [];
    private double[] _lastBid = [];
    private double[] _lastAsk = [];
    private double[] _sold = [];
    private double[] _bought = [];
    private double[] _fillLong = [];
    private double[] _fillShort = [];
    private double[] _deficitSize = [];
    private int[] _longFrontier = [];
    private int[] _shortFrontier = [];
    private bool _sealed;

    public PortfolioProjector(MarginProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Profile = profile;
        _basis = profile.TierBasis;
    }

    public MarginProfile Profile { get; }

    public int InstrumentCount => _instrumentCount;

    public int AccountCount => _accountCount;

    /// <summary>Margin units after <see cref="Seal"/>.</summary>
    public int UnitCount => _unitCount;

    /// <summary>Cross pools of two or more positions after <see cref="Seal"/>.</summary>
    public int PoolCount => _poolCount;

    public AccountId AccountAt(int account) => _accountIds[account];

    public Instrument InstrumentAt(int index) => _instruments[index];

    public double MarkOf(int index) => _marks[index];

    public SideDepth BidsOf(int index) => _bids[index];

    public SideDepth AsksOf(int index) => _asks[index];

    /// <summary>Clears every account and sizes the instrument arrays; depth objects are kept for reuse.</summary>
    public void Reset(int instrumentCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(instrumentCount);
        if (_instruments.Length < instrumentCount)
        {
            var size = Math.Max(instrumentCount, _instruments.Length * 2);
            Array.Resize(ref _instruments, size);
            Array.Resize(ref _marks, size);
            var oldBids = _bids.Length;
            Array.Resize(ref _bids, size);
            Array.Resize(ref _asks, size);
            for (var i = oldBids; i < size; i++)
            {
                _bids[i] = new SideDepth();
                _asks[i] = new SideDepth();
            }

            _longStart = new int[size];
            _longCount = new int[size];
            _shortStart = new int[size];
            _shortCount = new int[size];
            _price = new double[size];
            _target = new double[size];
            _consumedBids = new double[size];
            _consumedAsks = new double[size];
            _lastBid = new double[size];
            _lastAsk = new double[size];
            _sold = new double[size];
            _bought = new double[size];
            _fillLong = new double[size];
            _fillShort = new double[size];
            _deficitSize = new double[size];
            _longFrontier = new int[size];
            _shortFrontier = new int[size];
            _roundLongFrom = new int[size];
            _roundShortFrom = new int[size];
            _positions = new int[size];
            _longSize = new double[size];
            _shortSize = new double[size];
            _notional = new double[size];
            _unfilled = new double[size];
            _exhausted = new bool[size];
            _changedInRound = new int[size];
            _slope = new double[size];
            _jumps = new double[size];
            _reach = new double[size];
            _reachMax = new double[size];
            _coordinate = new double[size];
            _activationFrontier = new int[size];
            _activationStart = new int[size + 1];
        }

        _instrumentCount = instrumentCount;
        _accountCount = 0;
        _posCount = 0;
        _unitCount = 0;
        _legCount = 0;
        _poolCount = 0;
        _sealed = false;
    }

    /// <summary>Sets an instrument and its mark; load its depth through <see cref="BidsOf"/> and <see cref="AsksOf"/>.</summary>
    public void SetInstrument(int index, Instrument instrument, double mark)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if ((uint)index >= (uint)_instrumentCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        if (!(mark > 0) || !double.IsFinite(mark))
        {
            throw new ArgumentOutOfRangeException(nameof(mark), "a mark is a positive finite price");
        }

        _instruments[index] = instrument;
        _marks[index] = mark;
        _sealed = false;
    }

    /// <returns>The account's index. Its positions must be added before the next account.</returns>
    public int AddAccount(AccountId id, double balance)
    {
        if (_accountCount == _accountIds.Length)
        {
            var size = _accountIds.Length * 2;
            Array.Resize(ref _accountIds, size);
            Array.Resize(ref _balances, size);
            Array.Resize(ref _accountFirstUnit, size);
            Array.Resize(ref _accountUnitCount, size);
            Array.Resize(ref _accountStamp, size);
            Array.Resize(ref _accountRoundStamp, size);
        }

        _accountIds[_accountCount] = id;
        _balances[_accountCount] = balance;
        _sealed = false;
        return _accountCount++;
    }

    /// <param name="isolatedMargin">The position's isolated margin; NaN for a cross position.</param>
    public void AddPosition(int account, int instrument, double size, double entry, double isolatedMargin)
    {
        if (account != _accountCount - 1)
        {
            throw new InvalidOperationException("positions are added right after their account");
        }

        if ((uint)instrument >= (uint)_instrumentCount)
        {
            throw new ArgumentOutOfRangeException(nameof(instrument));
        }

        if (size == 0)
        {
            return; // a flat position takes no part in margin or liquidation
        }

        if (_posCount == _posAccount.Length)
        {
            var grown = _posAccount.Length * 2;
            Array.Resize(ref _posAccount, grown);
            Array.Resize(ref _posInstrument, grown);
            Array.Resize(ref _posSize, grown);
            Array.Resize(ref _posEntry, grown);
            Array.Resize(ref _posIsolated, grown);
        }

        _posAccount[_posCount] = account;
        _posInstrument[_posCount] = instrument;
        _posSize[_posCount] = size;
        _posEntry[_posCount] = entry;
        _posIsolated[_posCount] = isolatedMargin;
        _posCount++;
        _sealed = false;
    }

    /// <summary>Forms the margin units and their indexes from what was loaded. O(units × log units).</summary>
    public void Seal()
    {
        for (var i = 0; i < _instrumentCount; i++)
        {
            if (_instruments[i] is null)
            {
                throw new InvalidOperationException($"instrument {i} was not set");
            }
        }

        _unitCount = 0;
        _legCount = 0;
        EnsureUnits(_posCount + _accountCount);
        EnsureLegs(_posCount);
        var p = 0;
        for (var a = 0; a < _accountCount; a++)
        {
            _accountFirstUnit[a] = _unitCount;
            var end = p;
            while (end < _posCount && _posAccount[end] == a)
            {
                end++;
            }

            // Each isolated position is a unit of its own.
            for (var k = p; k < end; k++)
            {
                if (!double.IsNaN(_posIsolated[k]))
                {
                    var u = OpenUnit(a, _posIsolated[k]);
                    AddLeg(u, k);
                }
            }

            // The cross positions together are one unit, collateralised by the wallet balance.
            var cross = -1;
            for (var k = p; k < end; k++)
            {
                if (double.IsNaN(_posIsolated[k]))
                {
                    if (cross < 0)
                    {
                        cross = OpenUnit(a, _balances[a]);
                    }

                    AddLeg(cross, k);
                }
            }

            _accountUnitCount[a] = _unitCount - _accountFirstUnit[a];
            p = end;
        }

        for (var i = 0; i < _instrumentCount; i++)
        {
            var tiers = _instruments[i].Tiers;
            _slope[i] = 1 + (_basis == TierBasis.AtEntry ? 0 : TopRate(tiers));
            _jumps[i] = _basis == TierBasis.AtPrice ? TierJumps(tiers) : 0;
        }

        BuildLadders();
        BuildPools();
        _sealed = true;
    }

    /// <summary>
    /// Projects one scenario: instrument i's trigger starts at mark × (1 + moves[i]) (instruments past the span's
    /// length do not move). <paramref name="forcedAccount"/> (≥ 0) is liquidated whole in the first round whatever its
    /// margin: the question "what does this account's failure do to everyone else".
    /// </summary>
    public void Project(ReadOnlySpan<double> moves, double insuranceFund, PortfolioOutcome outcome, int forcedAccount = -1)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (!_sealed)
        {
            throw new InvalidOperationException("Seal the projector after loading it");
        }

        if (moves.Length > _instrumentCount)
        {
            throw new ArgumentException("more moves than instruments", nameof(moves));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(forcedAccount, _accountCount);
        var n = _instrumentCount;
        outcome.Reset(n);
        outcome.InsuranceFundBefore = insuranceFund;
        NextScenario();
        for (var i = 0; i < n; i++)
        {
            var move = i < moves.Length ? moves[i] : 0;
            if (!double.IsFinite(move) || move <= -1)
            {
                throw new ArgumentOutOfRangeException(nameof(moves), "a move is a finite fraction above −1");
            }

            var target = move == 0 ? _marks[i] : _marks[i] * (1 + move);
            _target[i] = target;
            _price[i] = target;
            _consumedBids[i] = 0;
            _consumedAsks[i] = 0;
            _lastBid[i] = double.NaN;
            _lastAsk[i] = double.NaN;
            _deficitSize[i] = 0;
            _longFrontier[i] = _longStart[i];
            _shortFrontier[i] = _shortStart[i];
            _positions[i] = 0;
            _longSize[i] = 0;
            _shortSize[i] = 0;
            _notional[i] = 0;
            _unfilled[i] = 0;
            _exhausted[i] = false;
            _changedInRound[i] = -1;
            _reachMax[i] = 0;
            _reach[i] = 0;
            _coordinate[i] = 1;
            _activationFrontier[i] = _activationStart[i];
        }

        _growth = 0;
        _travel = 0;

        _scenario = new ScenarioTally { Fund = insuranceFund };
        var candidateCount = 0;
        var first = true;
        var roundIndex = -1;

        while (true)
        {
            roundIndex++;
            _roundStamp++;
            _round = default;
            _roundPoolCount = 0;
            _forcedUnitCount = 0;
            Array.Clear(_sold, 0, n);
            Array.Clear(_bought, 0, n);

            if (first && forcedAccount >= 0)
            {
                TakeForced(forcedAccount);
            }

            // Units on one instrument: the stretch of each ladder the price has newly crossed, read in ladder order.
            for (var i = 0; i < n; i++)
            {
                var price = _price[i];
                var f = _longFrontier[i];
                var end = _longStart[i] + _longCount[i];
                _roundLongFrom[i] = f;
                while (f < end && _ladderPrice[f] >= price)
                {
                    TakeSingle(f++, forcedAccount, ref _sold[i]);
                }

                _longFrontier[i] = f;
                f = _shortFrontier[i];
                end = _shortStart[i] + _shortCount[i];
                _roundShortFrom[i] = f;
                while (f < end && _ladderPrice[f] <= price)
                {
                    TakeSingle(f++, forcedAccount, ref _bought[i]);
                }

                _shortFrontier[i] = f;
            }

            // Pools of several positions: a pool joins the candidates once one of its instruments has reached the move
            // at which that leg alone could carry its share of the pool's slack.
            UpdateReach();
            for (var i = 0; i < n; i++)
            {
                var f = _activationFrontier[i];
                var end = _activationStart[i + 1];
                var reach = _reachMax[i];
                while (f < end && _activationReach[f] <= reach)
                {
                    var pool = _activationPool[f++];
                    if (_poolActive[pool] == _scenarioStamp)
                    {
                        continue;
                    }

                    _poolActive[pool] = _scenarioStamp;
                    if (candidateCount == _candidates.Length)
                    {
                        Array.Resize(ref _candidates, candidateCount * 2);
                        Array.Resize(ref _candidateRound, candidateCount * 2);
                        Array.Resize(ref _candidateTrigger, candidateCount * 2);
                        Array.Resize(ref _candidateTravel, candidateCount * 2);
                    }

                    _candidateRound[candidateCount] = -1;
                    _candidateTrigger[candidateCount] = double.NegativeInfinity;
                    _candidateTravel[candidateCount] = double.NegativeInfinity;
                    _candidates[candidateCount++] = pool;
                }

                _activationFrontier[i] = f;
            }

            // A candidate already found safe is asked again only when one of its instruments' prices moved since.
            var kept = 0;
            var growth = _growth;
            var travel = _travel;
            for (var c = 0; c < candidateCount; c++)
            {
                var pool = _candidates[c];
                if (forcedAccount >= 0 && _poolStamp[pool] == _scenarioStamp)
                {
                    continue; // the forced account's pool, taken in the first round
                }

                // No reach has grown by more than the growth since the last check, so the bound has grown by at most the
                // pool's total weight times that: the trigger is the growth at which it could first come up to the
                // slack. Short of it the pool is still safe without reading a leg (the candidate arrays are read in order).
                // Likewise, after an exact check the pool's margin then, less how far its prices can have travelled since,
                // bounds its margin now: the travel trigger is the travel at which that could first reach zero.
                var trigger = _candidateTrigger[c];
                var travelTrigger = _candidateTravel[c];
                var checkedRound = _candidateRound[c];
                if (growth >= trigger && travel >= travelTrigger && (checkedRound < 0 || MovedSince(pool, checkedRound)))
                {
                    var bound = Bound(pool);
                    var slack = _poolSlack[pool];
                    var weight = _poolWeight[pool];
                    if (bound >= slack)
                    {
                        if (PoolIsLiquidatable(pool, out var margin))
                        {
                            TakePool(pool);
                            continue;
                        }

                        travelTrigger = weight > 0 ? travel + ((margin - _poolJumps[pool]) / weight) : double.PositiveInfinity;
                    }

                    checkedRound = roundIndex;
                    trigger = weight > 0 ? growth + ((slack - bound) / weight) : double.PositiveInfinity;
                }

                _candidates[kept] = pool;
                _candidateRound[kept] = checkedRound;
                _candidateTrigger[kept] = trigger;
                _candidateTravel[kept] = travelTrigger;
                kept++;
            }

            candidateCount = kept;
            first = false;
            if (_round.Units == 0)
            {
                break;
            }

            _scenario.Units += _round.Units;
            var flows = outcome.AddRound(_round.Accounts);
            var moved = Walk(flows, roundIndex);
            Settle(flows);
            if (!moved)
            {
                break; // the same vector again liquidates nothing new
            }
        }

        double notional = 0, adl = 0;
        // ADL takes over the share of the bankrupt positions the fund cannot pay for, on every instrument alike.
        var fund = _scenario.Fund;
        if (fund < 0)
        {
            StretchDeficits();
        }

        var uncovered = fund < 0 && _scenario.Deficit > 0 ? Math.Min(1, -fund / _scenario.Deficit) : 0;
        for (var i = 0; i < n; i++)
        {
            var adlNotional = uncovered > 0 && _deficitSize[i] > 0 ? _instruments[i].Notional(uncovered * _deficitSize[i], _price[i]) : 0;
            outcome.InstrumentRef(i) = new InstrumentOutcome(_marks[i], _target[i], _price[i], _positions[i], _longSize[i], _shortSize[i],
                _notional[i], _exhausted[i], _unfilled[i], adlNotional);
            notional += _notional[i];
            adl += adlNotional;
        }

        outcome.InsuranceFundAfter = fund;
        outcome.AdlNotional = adl;
        outcome.LiquidatedNotional = notional;
        outcome.LiquidatedAccounts = _scenario.Accounts;
        outcome.LiquidatedUnits = _scenario.Units;
        if (forcedAccount >= 0)
        {
            outcome.ForcedAccount = forcedAccount;
            outcome.ForcedNotional = NotionalOf(forcedAccount);
        }
    }

    /// <summary>Crosses and walks each instrument's net flow; returns whether any trigger price moved.</summary>
    private bool Walk(Span<RoundFlow> flows, int roundIndex)
    {
        var moved = false;
        for (var i = 0; i < _instrumentCount; i++)
        {
            var s = _sold[i];
            var b = _bought[i];
            if (s == 0 && b == 0)
            {
                continue;
            }

            var price = _price[i];
            var net = s - b;
            double vwap = double.NaN, last = double.NaN;
            if (net == 0)
            {
                _fillLong[i] = price;
                _fillShort[i] = price;
            }
            else
            {
                var sell = net > 0;
                var depth = sell ? _bids[i] : _asks[i];
                var quantity = Math.Abs(net);
                ref var consumed = ref (sell ? ref _consumedBids[i] : ref _consumedAsks[i]);
                ref var lastTouched = ref (sell ? ref _lastBid[i] : ref _lastAsk[i]);
                // A side consumed up to the rounding of its running sums is empty: a fill of that residue would be
                // priced by the rounding (a VWAP off the book) and touch a level no quantity is left on.
                var remaining = depth.TotalQuantity - consumed;
                if (remaining <= depth.TotalQuantity * SideDepth.Dust)
                {
                    remaining = 0;
                }

                var fill = quantity - remaining > quantity * SideDepth.Dust ? remaining : quantity;
                var unfilled = quantity - fill;
                double walked = 0;
                if (fill > 0)
                {
                    var after = consumed + fill;
                    walked = depth.NotionalUpTo(after) - depth.NotionalUpTo(consumed);
                    vwap = walked / fill;
                    lastTouched = depth.PriceAt(depth.LastLevelFor(after));
                    consumed = after;
                    last = lastTouched;
                }

                if (unfilled > 0)
                {
                    _exhausted[i] = true;
                    _unfilled[i] += unfilled;
                }

                // The unfilled remainder is settled at the last level touched (the trigger when none ever was).
                var settle = double.IsNaN(lastTouched) ? price : lastTouched;
                var walkPrice = (walked + (unfilled * settle)) / quantity;
                var fillSide = ((Math.Min(s, b) * price) + (quantity * walkPrice)) / (sell ? s : b);
                _fillLong[i] = sell ? fillSide : price;
                _fillShort[i] = sell ? price : fillSide;
                // The next trigger follows this round's walk only: flow into a side already run out touches no level
                // and leaves the price (the side's earlier last level is for settling, not for pricing).
                if (!double.IsNaN(last))
                {
                    var next = sell ? Math.Min(price, last) : Math.Max(price, last);
                    if (next != price)
                    {
                        _price[i] = next;
                        _changedInRound[i] = roundIndex;
                        moved = true;
                    }
                }
            }

            flows[i] = new RoundFlow(price, s, b, vwap, last);
        }

        return moved;
    }

    /// <summary>Settles the round's units at their fill prices: fund, deficits, and the per-instrument tallies.</summary>
    private void Settle(Span<RoundFlow> flows)
    {
        for (var i = 0; i < _instrumentCount; i++)
        {
            if (!flows[i].HasFlow)
            {
                continue;
            }

            var instrument = _instruments[i];
            var trigger = flows[i].Price;
            SettleStretch(i, instrument, _roundLongFrom[i], _longFrontier[i], _fillLong[i], trigger);
            SettleStretch(i, instrument, _roundShortFrom[i], _shortFrontier[i], _fillShort[i], trigger);
        }

        for (var k = 0; k < _forcedUnitCount; k++)
        {
            var u = _forcedUnits[k];
            SettleLegs(_legTerms.AsSpan(_unitFirstLeg[u], _unitLegCount[u]), _legInstrument.AsSpan(_unitFirstLeg[u], _unitLegCount[u]), _unitCollateral[u], flows);
        }

        for (var k = 0; k < _roundPoolCount; k++)
        {
            var pool = _roundPools[k];
            var first = _poolFirstLeg[pool];
            var count = _poolLegCount[pool];
            SettleLegs(_poolLegTerms.AsSpan(first, count), _poolLegInstrument.AsSpan(first, count), _poolCollateral[pool], flows);
        }
    }

    private void SettleStretch(int i, Instrument instrument, int from, int to, double fill, double trigger)
    {
        if (to <= from)
        {
            return;
        }

        var positions = to - from;
        var size = _cumSize[to] - _cumSize[from];
        var collateral = _cumCollateral[to] - _cumCollateral[from];
        var value = _cumValue[to] - _cumValue[from];
        for (var k = 0; k < _forcedSlotCount; k++)
        {
            // The forced account's own units are settled with it.
            var slot = _forcedSlots[k];
            if (slot >= from && slot < to)
            {
                positions--;
                size -= _ladSize[slot];
                collateral -= _ladCollateral[slot];
                value -= LegValue(instrument, _ladSize[slot], _ladEntry[slot]);
            }
        }

        if (positions == 0)
        {
            return;
        }

        var m = instrument.Multiplier;
        var pnl = instrument.Contract == ContractKind.Linear ? m * ((size * fill) - value) : m * (value - (size / fill));
        _scenario.Fund += collateral + pnl;
        _positions[i] += positions;
        _notional[i] += instrument.Notional(size, trigger);
        if (size > 0)
        {
            _longSize[i] += size;
        }
        else
        {
            _shortSize[i] -= size;
        }

        // Which of them left a deficit matters only if the fund ends negative (ADL): kept to be read then.
        if (_stretchCount == _stretches.Length)
        {
            Array.Resize(ref _stretches, _stretchCount * 2);
        }

        _stretches[_stretchCount++] = new Stretch(i, from, to, fill);
    }

    /// <summary>The deficits of the single units settled in the scenario's stretches, unit by unit (only when the fund ended negative).</summary>
    private void StretchDeficits()
    {
        var forced = _forcedAccountNow;
        for (var k = 0; k < _stretchCount; k++)
        {
            var (i, from, to, fill) = _stretches[k];
            var instrument = _instruments[i];
            double deficit = 0, deficitSize = 0;
            for (var f = from; f < to; f++)
            {
                if (_ladAccount[f] == forced)
                {
                    continue;
                }

                var s = _ladSize[f];
                var equity = _ladCollateral[f] + instrument.UnrealizedPnl(s, _ladEntry[f], fill);
                if (equity < 0)
                {
                    deficit -= equity;
                    deficitSize += Math.Abs(s);
                }
            }

            _scenario.Deficit += deficit;
            _deficitSize[i] += deficitSize;
        }
    }

    private readonly record struct Stretch(int Instrument, int From, int To, double Fill);

    private void SettleLegs(ReadOnlySpan<PositionTerms> legs, ReadOnlySpan<int> instruments, double collateral, Span<RoundFlow> flows)
    {
        var equity = collateral;
        for (var l = 0; l < legs.Length; l++)
        {
            ref readonly var t = ref legs[l];
            var i = instruments[l];
            var fillPrice = t.Size > 0 ? _fillLong[i] : _fillShort[i];
            equity += t.Instrument.UnrealizedPnl(t.Size, t.Entry, fillPrice);
            _positions[i]++;
            _notional[i] += t.Instrument.Notional(t.Size, flows[i].Price);
            if (t.Size > 0)
            {
                _longSize[i] += t.Size;
            }
            else
            {
                _shortSize[i] -= t.Size;
            }
        }

        _scenario.Fund += equity;
        if (equity < 0)
        {
            // ADL takes over a share of every position of a unit that left a deficit.
            _scenario.Deficit -= equity;
            for (var l = 0; l < legs.Length; l++)
            {
                _deficitSize[instruments[l]] += Math.Abs(legs[l].Size);
            }
        }
    }

    /// <summary>Σ notional at the marks of an account's positions.</summary>
    public double NotionalOf(int account)
    {
        double total = 0;
        var start = _accountFirstUnit[account];
        for (var u = start; u < start + _accountUnitCount[account]; u++)
        {
            for (var l = _unitFirstLeg[u]; l < _unitFirstLeg[u] + _unitLegCount[u]; l++)
            {
                ref readonly var t = ref _legTerms[l];
                total += t.Instrument.Notional(t.Size, t.Mark);
            }
        }

        return total;
    }

    private void TakeSingle(int slot, int forcedAccount, ref double side)
    {
        var account = _ladAccount[slot];
        if (account == forcedAccount)
        {
            return; // taken with the forced account in the first round
        }

        side += Math.Abs(_ladSize[slot]);
        _round.Units++;
        CountAccount(account, _ladSole[slot]);
    }

    private void TakePool(int pool)
    {
        _poolStamp[pool] = _scenarioStamp;
        if (_roundPoolCount == _roundPools.Length)
        {
            Array.Resize(ref _roundPools, _roundPoolCount * 2);
        }

        _roundPools[_roundPoolCount++] = pool;
        _round.Units++;
        CountAccount(_poolAccount[pool], _poolSole[pool]);
        var first = _poolFirstLeg[pool];
        for (var l = first; l < first + _poolLegCount[pool]; l++)
        {
            var size = _poolLegTerms[l].Size;
            if (size > 0)
            {
                _sold[_poolLegInstrument[l]] += size;
            }
            else
            {
                _bought[_poolLegInstrument[l]] -= size;
            }
        }
    }

    /// <summary>Every unit of the account, whatever its margin: pools through the pool path, single units settled one by one.</summary>
    private void TakeForced(int account)
    {
        _forcedAccountNow = account;
        var start = _accountFirstUnit[account];
        for (var u = start; u < start + _accountUnitCount[account]; u++)
        {
            if (_unitPool[u] >= 0)
            {
                TakePool(_unitPool[u]);
                continue;
            }

            if (_forcedUnitCount == _forcedUnits.Length)
            {
                Array.Resize(ref _forcedUnits, _forcedUnitCount * 2);
            }

            _forcedUnits[_forcedUnitCount++] = u;
            if (_forcedSlotCount == _forcedSlots.Length)
            {
                Array.Resize(ref _forcedSlots, _forcedSlotCount * 2);
            }

            _forcedSlots[_forcedSlotCount++] = _unitSlot[u];
            _round.Units++;
            CountAccount(account, _accountUnitCount[account] == 1);
            ref readonly var t = ref _legTerms[_unitFirstLeg[u]];
            var i = _legInstrument[_unitFirstLeg[u]];
            if (t.Size > 0)
            {
                _sold[i] += t.Size;
            }
            else
            {
                _bought[i] -= t.Size;
            }
        }
    }

    // An account with one unit is counted without a stamp: it can be liquidated only once.
    private void CountAccount(int account, bool sole)
    {
        if (sole)
        {
            _scenario.Accounts++;
            _round.Accounts++;
            return;
        }

        if (_accountStamp[account] != _scenarioStamp)
        {
            _accountStamp[account] = _scenarioStamp;
            _scenario.Accounts++;
        }

        if (_accountRoundStamp[account] != _roundStamp)
        {
            _accountRoundStamp[account] = _roundStamp;
            _round.Accounts++;
        }
    }

    /// <summary>
    /// Each instrument's reach — how far its price is from its mark, relative, and for an inverse contract below
    /// its mark divided by (1 − that), the bound on its 1/price — the largest reach it has had in the scenario, and the
    /// scenario's growth: Σ over rounds of the largest increase of any reach, so no reach grew more between two rounds
    /// than the growth did. And the scenario's travel: Σ over rounds of the largest change of any instrument's coordinate
    /// (price / mark, for an inverse contract mark / price, the factor its notional and PnL move by), so no coordinate
    /// moved further between two rounds than the travel did.
    /// </summary>
    private void UpdateReach()
    {
        double growth = 0, travel = 0;
        for (var i = 0; i < _instrumentCount; i++)
        {
            var coordinate = _instruments[i].Contract == ContractKind.Inverse ? _marks[i] / _price[i] : _price[i] / _marks[i];
            travel = Math.Max(travel, Math.Abs(coordinate - _coordinate[i]));
            _coordinate[i] = coordinate;
            var move = Math.Abs(_price[i] - _marks[i]) / _marks[i];
            var reach = _instruments[i].Contract == ContractKind.Inverse && _price[i] < _marks[i]
                ? (move >= 1 ? double.PositiveInfinity : move / (1 - move))
                : move;
            growth = Math.Max(growth, reach - _reach[i]);
            _reach[i] = reach;
            _reachMax[i] = Math.Max(_reachMax[i], reach);
        }

        _growth += growth;
        _travel += travel;
    }

    /// <summary>Equity &lt; MM at the price vector (each position's MM as the profile computes it, its tier read at the mark).</summary>
    private bool IsLiquidatable(int unit, double[] prices)
    {
        var equity = _unitCollateral[unit];
        double mm = 0;
        for (var l = _unitFirstLeg[unit]; l < _unitFirstLeg[unit] + _unitLegCount[unit]; l++)
        {
            ref readonly var t = ref _legTerms[l];
            var price = prices[_legInstrument[l]];
            equity += t.Instrument.UnrealizedPnl(t.Size, t.Entry, price);
            mm += MarginCalculator.MaintenanceMarginAt(_basis, in t, price);
        }

        return equity < mm;
    }

    /// <summary>
    /// The pool's own Lipschitz bound at the current vector: Σ over its legs of weight × its instrument's reach. Equity
    /// can fall under MM only once it comes up to the pool's slack; short of that the exact test is skipped.
    /// </summary>
    private double Bound(int pool)
    {
        var first = _poolFirstLeg[pool];
        double bound = 0;
        for (var l = first; l < first + _poolLegCount[pool]; l++)
        {
            bound += _poolLegWeight[l] * _reach[_poolLegInstrument[l]];
        }

        return bound;
    }

    /// <summary>Whether a price of the pool's instruments changed in a round at or after <paramref name="round"/>.</summary>
    private bool MovedSince(int pool, int round)
    {
        var first = _poolFirstLeg[pool];
        for (var l = first; l < first + _poolLegCount[pool]; l++)
        {
            if (_changedInRound[_poolLegInstrument[l]] >= round)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Equity &lt; MM of a pool at the current trigger vector. <paramref name="margin"/> is equity − MM less a rounding
    /// allowance (a billionth of the magnitudes summed): the true margin at this vector is at least that.
    /// </summary>
    private bool PoolIsLiquidatable(int pool, out double margin)
    {
        var collateral = _poolCollateral[pool];
        var equity = collateral;
        double mm = 0, scale = Math.Abs(collateral);
        var first = _poolFirstLeg[pool];
        for (var l = first; l < first + _poolLegCount[pool]; l++)
        {
            ref readonly var t = ref _poolLegTerms[l];
            var price = _price[_poolLegInstrument[l]];
            var pnl = t.Instrument.UnrealizedPnl(t.Size, t.Entry, price);
            equity += pnl;
            scale += Math.Abs(pnl);
            mm += _basis == TierBasis.AtPrice ? TieredMaintenance(l, in t, price) : MarginCalculator.MaintenanceMarginAt(_basis, in t, price);
        }

        margin = equity - mm - ((scale + mm) * 1e-9);
        return equity < mm;
    }

    /// <summary>
    /// <see cref="MarginCalculator.MaintenanceMarginAt"/> under <see cref="TierBasis.AtPrice"/>, bit for bit, starting from
    /// the tier the leg was in at its last evaluation: a notional still within that tier's range is in no other (floors
    /// increase), so the table is scanned only when the price has left it.
    /// </summary>
    private double TieredMaintenance(int leg, in PositionTerms t, double price)
    {
        var tiers = t.Instrument.Tiers;
        var notional = t.Instrument.Notional(t.Size, price);
        var k = _poolLegTier[leg];
        if (!(notional >= tiers.FloorAt(k) && notional < tiers.CapAt(k)))
        {
            k = tiers.IndexFor(notional);
            _poolLegTier[leg] = k;
        }

        return MarginTiers.Clamp((notional * tiers.RateAt(k)) - tiers.DeductionAt(k));
    }

    private void NextScenario()
    {
        _forcedAccountNow = -1;
        _forcedSlotCount = 0;
        _stretchCount = 0;
        if (++_scenarioStamp == int.MaxValue)
        {
            Array.Clear(_poolStamp);
            Array.Clear(_poolActive);
            Array.Clear(_accountStamp, 0, _accountCount);
            _scenarioStamp = 1;
        }

        if (_roundStamp > int.MaxValue - 100_000)
        {
            Array.Clear(_accountRoundStamp, 0, _accountCount);
            _roundStamp = 0;
        }
    }

    private int OpenUnit(int account, double collateral)
    {
        var u = _unitCount++;
        _unitAccount[u] = account;
        _unitCollateral[u] = collateral;
        _unitFirstLeg[u] = _legCount;
        _unitLegCount[u] = 0;
        return u;
    }

    private void AddLeg(int unit, int position)
    {
        var i = _posInstrument[position];
        _legInstrument[_legCount] = i;
        _legTerms[_legCount] = new PositionTerms(_instruments[i], _posSize[position], _posEntry[position], _posIsolated[position], _marks[i]);
        _legCount++;
        _unitLegCount[unit]++;
    }

    private void EnsureUnits(int count)
    {
        if (_unitAccount.Length < count)
        {
            var size = Math.Max(count, _unitAccount.Length * 2);
            _unitAccount = new int[size];
            _unitCollateral = new double[size];
            _unitFirstLeg = new int[size];
            _unitLegCount = new int[size];
        }
    }

    private void EnsureLegs(int count)
    {
        if (_legTerms.Length < count)
        {
            var size = Math.Max(count, _legTerms.Length * 2);
            _legInstrument = new int[size];
            _legTerms = new PositionTerms[size];
        }
    }

    private void BuildLadders()
    {
        // Count single-instrument units per instrument and side.
        Array.Clear(_longCount, 0, _instrumentCount);
        Array.Clear(_shortCount, 0, _instrumentCount);
        var singles = 0;
        for (var u = 0; u < _unitCount; u++)
        {
            if (_unitLegCount[u] == 1)
            {
                var l = _unitFirstLeg[u];
                if (_legTerms[l].Size > 0)
                {
                    _longCount[_legInstrument[l]]++;
                }
                else
                {
                    _shortCount[_legInstrument[l]]++;
                }

                singles++;
            }
        }

        if (_ladderUnit.Length < singles)
        {
            var size = Math.Max(singles, _ladderUnit.Length * 2);
            _ladderUnit = new int[size];
            _ladderPrice = new double[size];
        }

        var at = 0;
        for (var i = 0; i < _instrumentCount; i++)
        {
            _longStart[i] = at;
            at += _longCount[i];
            _shortStart[i] = at;
            at += _shortCount[i];
            _longCount[i] = 0;
            _shortCount[i] = 0;
        }

        for (var u = 0; u < _unitCount; u++)
        {
            if (_unitLegCount[u] != 1)
            {
                continue;
            }

            var l = _unitFirstLeg[u];
            ref readonly var t = ref _legTerms[l];
            var i = _legInstrument[l];
            var lp = MarginCalculator.LiquidationPrice(_basis, in t, _unitCollateral[u], 0);
            if (double.IsNaN(lp))
            {
                // No liquidation price: either never liquidatable at a positive price, or under MM at every price.
                if (!IsLiquidatable(u, _marks))
                {
                    continue;
                }

                lp = t.Size > 0 ? double.PositiveInfinity : double.NegativeInfinity;
            }

            if (t.Size > 0)
            {
                var slot = _longStart[i] + _longCount[i]++;
                _ladderUnit[slot] = u;
                _ladderPrice[slot] = -lp; // sorted ascending below: highest LP first
            }
            else
            {
                var slot = _shortStart[i] + _shortCount[i]++;
                _ladderUnit[slot] = u;
                _ladderPrice[slot] = lp;
            }
        }

        for (var i = 0; i < _instrumentCount; i++)
        {
            var longs = _ladderPrice.AsSpan(_longStart[i], _longCount[i]);
            longs.Sort(_ladderUnit.AsSpan(_longStart[i], _longCount[i]));
            foreach (ref var price in longs)
            {
                price = -price;
            }

            _ladderPrice.AsSpan(_shortStart[i], _shortCount[i]).Sort(_ladderUnit.AsSpan(_shortStart[i], _shortCount[i]));
        }

        // What a round and its settlement read of a single unit, laid out in ladder order: a crossed stretch is read
        // front to back instead of jumping between units.
        if (_ladAccount.Length < _ladderUnit.Length)
        {
            var size = _ladderUnit.Length;
            _ladAccount = new int[size];
            _ladSize = new double[size];
            _ladEntry = new double[size];
            _ladCollateral = new double[size];
            _ladSole = new bool[size];
            _cumSize = new double[size + 1];
            _cumCollateral = new double[size + 1];
            _cumValue = new double[size + 1];
        }

        if (_unitSlot.Length < _unitCount)
        {
            _unitSlot = new int[Math.Max(_unitCount, _unitSlot.Length * 2)];
        }

        for (var i = 0; i < _instrumentCount; i++)
        {
            Materialize(_longStart[i], _longCount[i]);
            Materialize(_shortStart[i], _shortCount[i]);
        }

        // Running sums over the ladder order (a slot left unused between two stretches adds nothing), so a crossed
        // stretch settles in O(1): Σ equity at one fill price = Σ collateral + PnL of Σ size against Σ size × entry.
        var end = _instrumentCount == 0 ? 0 : _shortStart[_instrumentCount - 1] + _shortCount[_instrumentCount - 1];
        double size0 = 0, collateral0 = 0, value0 = 0;
        _cumSize[0] = 0;
        _cumCollateral[0] = 0;
        _cumValue[0] = 0;
        var instrument = 0;
        for (var slot = 0; slot < end; slot++)
        {
            while (instrument + 1 < _instrumentCount && slot >= _longStart[instrument + 1])
            {
                instrument++;
            }

            var used = (slot >= _longStart[instrument] && slot < _longStart[instrument] + _longCount[instrument])
                || (slot >= _shortStart[instrument] && slot < _shortStart[instrument] + _shortCount[instrument]);
            if (used)
            {
                size0 += _ladSize[slot];
                collateral0 += _ladCollateral[slot];
                value0 += LegValue(_instruments[instrument], _ladSize[slot], _ladEntry[slot]);
            }

            _cumSize[slot + 1] = size0;
            _cumCollateral[slot + 1] = collateral0;
            _cumValue[slot + 1] = value0;
        }
    }

    /// <summary>What a position's entry adds to Σ PnL's constant part: size × entry (linear), size / entry (inverse).</summary>
    private static double LegValue(Instrument instrument, double size, double entry) =>
        instrument.Contract == ContractKind.Linear ? size * entry : size / entry;

    private void Materialize(int start, int count)
    {
        for (var slot = start; slot < start + count; slot++)
        {
            var u = _ladderUnit[slot];
            ref readonly var t = ref _legTerms[_unitFirstLeg[u]];
            var account = _unitAccount[u];
            _ladAccount[slot] = account;
            _ladSize[slot] = t.Size;
            _ladEntry[slot] = t.Entry;
            _ladCollateral[slot] = _unitCollateral[u];
            _ladSole[slot] = _accountUnitCount[account] == 1;
            _unitSlot[u] = slot;
        }
    }

    private void BuildPools()
    {
        if (_unitPool.Length < _unitCount)
        {
            _unitPool = new int[Math.Max(_unitCount, _unitPool.Length * 2)];
        }

        _poolCount = 0;
        var legs = 0;
        for (var u = 0; u < _unitCount; u++)
        {
            _unitPool[u] = -1;
            if (_unitLegCount[u] < 2)
            {
                continue;
            }

            if (_poolUnit.Length == _poolCount)
            {
                Array.Resize(ref _poolUnit, _poolCount * 2);
                Array.Resize(ref _poolRadius, _poolCount * 2);
            }

            _poolUnit[_poolCount] = u;
            _poolRadius[_poolCount] = SafeRadius(u).Radius;
            _poolCount++;
            legs += _unitLegCount[u];
        }

        _poolRadius.AsSpan(0, _poolCount).Sort(_poolUnit.AsSpan(0, _poolCount));

        // Pools and their legs in radius order: the candidates of a round are a prefix, read front to back.
        if (_poolAccount.Length < _poolCount)
        {
            var size = Math.Max(_poolCount, _poolAccount.Length * 2);
            _poolAccount = new int[size];
            _poolCollateral = new double[size];
            _poolSole = new bool[size];
            _poolFirstLeg = new int[size];
            _poolLegCount = new int[size];
            _poolStamp = new int[size];
            _poolSlack = new double[size];
            // The scenario stamp keeps counting: the fresh zeros and every account stamp an earlier load left are all
            // below the next scenario's stamp (restarting it would let a stale account stamp read as "already counted").
            _poolActive = new int[size];
            _poolWeight = new double[size];
            _poolJumps = new double[size];
        }

        if (_poolLegTerms.Length < legs)
        {
            var size = Math.Max(legs, _poolLegTerms.Length * 2);
            _poolLegTerms = new PositionTerms[size];
            _poolLegInstrument = new int[size];
            _poolLegWeight = new double[size];
            _poolLegTier = new int[size];
        }

        var at = 0;
        for (var pool = 0; pool < _poolCount; pool++)
        {
            var u = _poolUnit[pool];
            var account = _unitAccount[u];
            _unitPool[u] = pool;
            _poolAccount[pool] = account;
            _poolCollateral[pool] = _unitCollateral[u];
            _poolSole[pool] = _accountUnitCount[account] == 1;
            _poolFirstLeg[pool] = at;
            _poolLegCount[pool] = _unitLegCount[u];
            _poolSlack[pool] = SafeRadius(u).Slack;
            double weight = 0, jumps = 0;
            for (var l = _unitFirstLeg[u]; l < _unitFirstLeg[u] + _unitLegCount[u]; l++)
            {
                jumps += _jumps[_legInstrument[l]];
                ref readonly var t = ref _legTerms[l];
                _poolLegTerms[at] = t;
                _poolLegInstrument[at] = _legInstrument[l];
                _poolLegWeight[at] = t.Instrument.Notional(t.Size, t.Mark) * _slope[_legInstrument[l]];
                _poolLegTier[at] = t.Instrument.Tiers.IndexFor(t.Instrument.Notional(t.Size, t.Mark));
                weight += _poolLegWeight[at];
                at++;
            }

            _poolWeight[pool] = weight;
            _poolJumps[pool] = jumps;
        }

        BuildActivation(at);
    }

    /// <summary>
    /// Per instrument, the pools holding it by the reach of that instrument at which the leg alone carries 1/k of the
    /// pool's slack (k legs): a pool can fall under MM only when Σ weight × reach ≥ slack, so some leg must then carry
    /// at least 1/k of it, and the pool is in that instrument's list up to its reach.
    /// </summary>
    private void BuildActivation(int legs)
    {
        if (_activationPool.Length < legs)
        {
            var size = Math.Max(legs, _activationPool.Length * 2);
            _activationPool = new int[size];
            _activationReach = new double[size];
        }

        Array.Clear(_activationStart, 0, _instrumentCount + 1);
        for (var l = 0; l < legs; l++)
        {
            _activationStart[_poolLegInstrument[l] + 1]++;
        }

        for (var i = 0; i < _instrumentCount; i++)
        {
            _activationStart[i + 1] += _activationStart[i];
            _activationFrontier[i] = _activationStart[i];
        }

        for (var pool = 0; pool < _poolCount; pool++)
        {
            var first = _poolFirstLeg[pool];
            var k = _poolLegCount[pool];
            for (var l = first; l < first + k; l++)
            {
                var i = _poolLegInstrument[l];
                var slot = _activationFrontier[i]++;
                _activationPool[slot] = pool;
                var weight = _poolLegWeight[l];
                _activationReach[slot] = _poolSlack[pool] <= 0 ? 0 : weight > 0 ? _poolSlack[pool] / (k * weight) * (1 - 1e-9) : double.PositiveInfinity;
            }
        }

        for (var i = 0; i < _instrumentCount; i++)
        {
            var start = _activationStart[i];
            _activationReach.AsSpan(start, _activationStart[i + 1] - start).Sort(_activationPool.AsSpan(start, _activationStart[i + 1] - start));
        }
    }

    /// <summary>
    /// The largest relative move D of every price such that the pool stays above MM at any vector within D of the
    /// marks. With h = equity − MM at the marks: a linear leg moves PnL by at most |s|·m·P0·D and MM by at most the top
    /// tier rate times the notional's change; an inverse leg by the same over P0, times 1/(1 − D); a tier table whose
    /// MM jumps at a boundary adds its largest jump once per boundary. So h stays positive while
    /// D·A_lin + D·A_inv/(1 − D) &lt; h − jumps; R is that quadratic's smaller root, shrunk for rounding.
    /// </summary>
    private (double Radius, double Slack) SafeRadius(int unit)
    {
        var equity = _unitCollateral[unit];
        double mm = 0, linear = 0, inverse = 0, jumps = 0;
        for (var l = _unitFirstLeg[unit]; l < _unitFirstLeg[unit] + _unitLegCount[unit]; l++)
        {
            ref readonly var t = ref _legTerms[l];
            var i = _legInstrument[l];
            equity += t.Instrument.UnrealizedPnl(t.Size, t.Entry, t.Mark);
            mm += MarginCalculator.MaintenanceMarginAt(_basis, in t, t.Mark);
            var weight = t.Instrument.Notional(t.Size, t.Mark) * _slope[i];
            if (t.Instrument.Contract == ContractKind.Linear)
            {
                linear += weight;
            }
            else
            {
                inverse += weight;
            }

            jumps += _jumps[i];
        }

        var h = equity - mm - jumps;
        if (!(h > 0))
        {
            return (0, 0);
        }

        // −A_lin·D² + (A_lin + A_inv + h)·D − h = 0, smaller root in the form that stays exact as A_lin → 0.
        var b = linear + inverse + h;
        var radius = (2 * h) / (b + Math.Sqrt(Math.Max(0, (b * b) - (4 * linear * h))));
        return (radius * (1 - 1e-9), h * (1 - 1e-9));
    }

    private static double TopRate(MarginTiers tiers)
    {
        double top = 0;
        for (var k = 0; k < tiers.Count; k++)
        {
            top = Math.Max(top, tiers.RateAt(k));
        }

        return top;
    }

    /// <summary>Σ over tier boundaries of how far MM jumps there (0 for a table whose deductions follow the recursion, up to rounding).</summary>
    private static double TierJumps(MarginTiers tiers)
    {
        double total = 0;
        for (var k = 1; k < tiers.Count; k++)
        {
            var floor = tiers.FloorAt(k);
            var below = (floor * tiers.RateAt(k - 1)) - tiers.DeductionAt(k - 1);
            var above = (floor * tiers.RateAt(k)) - tiers.DeductionAt(k);
            total += Math.Abs(above - below) + (Math.Abs(above) * 1e-12);
        }

        return total;
    }

    private struct ScenarioTally
    {
        public double Fund;
        public double Deficit;
        public int Units;
        public int Accounts;
    }

    private struct RoundTally
    {
        public int Units;
        public int Accounts;
    }
}
