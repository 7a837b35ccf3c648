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
/// <item>A cross pool of two or more positions gets a safe radius R: while no price has moved more than R from its mark
/// (relative), the pool provably stays above MM (a Lipschitz bound on equity − MM: |ΔPnL| and |ΔMM| per unit of
/// price move, plus any jump in a venue's tier table). A round evaluates only pools with R ≤ the largest move so far.</item>
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

    // Per-projection state, reused.
    private int[] _unitStamp = new int[16];
    private int[] _accountStamp = new int[16];
    private int[] _accountRoundStamp = new int[16];
    private int _scenarioStamp;
    private int _roundStamp;
    private int[] _candidates = new int[16];
    private int[] _roundUnits = new int[16];
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
    private double[] _deficit = [];
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
            _deficit = new double[size];
            _deficitSize = new double[size];
            _longFrontier = new int[size];
            _shortFrontier = new int[size];
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

        if (_unitStamp.Length < _unitCount)
        {
            // The scenario stamp keeps counting: the fresh zeros and every account stamp an earlier load left are all
            // below the next scenario's stamp (restarting it would let a stale account stamp read as "already counted").
            _unitStamp = new int[Math.Max(_unitCount, _unitStamp.Length * 2)];
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
            _deficit[i] = 0;
            _deficitSize[i] = 0;
            _longFrontier[i] = 0;
            _shortFrontier[i] = 0;
            outcome.InstrumentRef(i) = new InstrumentOutcome(_marks[i], target, target, 0, 0, 0, 0, false, 0, 0);
        }

        var fund = insuranceFund;
        double totalDeficit = 0;
        var candidateCount = 0;
        var poolFrontier = 0;
        var liquidatedAccounts = 0;
        var liquidatedUnits = 0;
        var first = true;

        while (true)
        {
            _roundStamp++;
            var roundUnits = 0;
            var roundAccounts = 0;
            Array.Clear(_sold, 0, n);
            Array.Clear(_bought, 0, n);

            if (first && forcedAccount >= 0)
            {
                var start = _accountFirstUnit[forcedAccount];
                for (var u = start; u < start + _accountUnitCount[forcedAccount]; u++)
                {
                    Take(u, ref roundUnits, ref roundAccounts, ref liquidatedAccounts);
                }
            }

            // Units on one instrument: the stretch of each ladder the price has newly crossed.
            for (var i = 0; i < n; i++)
            {
                var price = _price[i];
                var f = _longFrontier[i];
                var end = _longCount[i];
                var offset = _longStart[i];
                while (f < end && _ladderPrice[offset + f] >= price)
                {
                    var u = _ladderUnit[offset + f++];
                    if (_unitStamp[u] != _scenarioStamp)
                    {
                        Take(u, ref roundUnits, ref roundAccounts, ref liquidatedAccounts);
                    }
                }

                _longFrontier[i] = f;
                f = _shortFrontier[i];
                end = _shortCount[i];
                offset = _shortStart[i];
                while (f < end && _ladderPrice[offset + f] <= price)
                {
                    var u = _ladderUnit[offset + f++];
                    if (_unitStamp[u] != _scenarioStamp)
                    {
                        Take(u, ref roundUnits, ref roundAccounts, ref liquidatedAccounts);
                    }
                }

                _shortFrontier[i] = f;
            }

            // Pools of several positions: those whose safe radius the moves so far have reached, evaluated at the vector.
            var reach = LargestMove();
            while (poolFrontier < _poolCount && _poolRadius[poolFrontier] <= reach)
            {
                if (candidateCount == _candidates.Length)
                {
                    Array.Resize(ref _candidates, candidateCount * 2);
                }

                _candidates[candidateCount++] = _poolUnit[poolFrontier++];
            }

            var kept = 0;
            for (var c = 0; c < candidateCount; c++)
            {
                var u = _candidates[c];
                if (_unitStamp[u] == _scenarioStamp)
                {
                    continue;
                }

                if (IsLiquidatable(u, _price))
                {
                    Take(u, ref roundUnits, ref roundAccounts, ref liquidatedAccounts);
                }
                else
                {
                    _candidates[kept++] = u;
                }
            }

            candidateCount = kept;
            first = false;
            if (roundUnits == 0)
            {
                break;
            }

            liquidatedUnits += roundUnits;
            var flows = outcome.AddRound(roundAccounts);
            var moved = false;
            for (var i = 0; i < n; i++)
            {
                var s = _sold[i];
                var b = _bought[i];
                if (s == 0 && b == 0)
                {
                    continue;
                }

                var price = _price[i];
                ref var result = ref outcome.InstrumentRef(i);
                var net = s - b;
                var crossing = Math.Min(s, b);
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
                    }

                    last = fill > 0 ? lastTouched : double.NaN;
                    if (unfilled > 0)
                    {
                        result = result with { BookExhausted = true, Unfilled = result.Unfilled + unfilled };
                    }

                    // The unfilled remainder is settled at the last level touched (the trigger when none ever was).
                    var settle = double.IsNaN(lastTouched) ? price : lastTouched;
                    var walkPrice = (walked + (unfilled * settle)) / quantity;
                    var fillSide = ((crossing * price) + (quantity * walkPrice)) / (sell ? s : b);
                    _fillLong[i] = sell ? fillSide : price;
                    _fillShort[i] = sell ? price : fillSide;
                    // The next trigger follows this round's walk only: flow into a side already run out touches no
                    // level and leaves the price (the side's earlier last level is for settling, not for pricing).
                    if (!double.IsNaN(last))
                    {
                        var next = sell ? Math.Min(price, last) : Math.Max(price, last);
                        if (next != price)
                        {
                            _price[i] = next;
                            moved = true;
                        }
                    }
                }

                flows[i] = new RoundFlow(price, s, b, vwap, last);
            }

            // Settle the round's units at their fill prices.
            for (var r = 0; r < roundUnits; r++)
            {
                var u = _roundUnits[r];
                var equity = _unitCollateral[u];
                var first2 = _unitFirstLeg[u];
                var legs = _unitLegCount[u];
                double notionalAtFill = 0;
                for (var l = first2; l < first2 + legs; l++)
                {
                    ref readonly var t = ref _legTerms[l];
                    var i = _legInstrument[l];
                    var fillPrice = t.Size > 0 ? _fillLong[i] : _fillShort[i];
                    equity += t.Instrument.UnrealizedPnl(t.Size, t.Entry, fillPrice);
                    notionalAtFill += t.Instrument.Notional(t.Size, fillPrice);
                    var tradePrice = flows[i].Price;
                    ref var result = ref outcome.InstrumentRef(i);
                    result = t.Size > 0
                        ? result with
                        {
                            LiquidatedPositions = result.LiquidatedPositions + 1,
                            LiquidatedLongSize = result.LiquidatedLongSize + t.Size,
                            LiquidatedNotional = result.LiquidatedNotional + t.Instrument.Notional(t.Size, tradePrice),
                        }
                        : result with
                        {
                            LiquidatedPositions = result.LiquidatedPositions + 1,
                            LiquidatedShortSize = result.LiquidatedShortSize - t.Size,
                            LiquidatedNotional = result.LiquidatedNotional + t.Instrument.Notional(t.Size, tradePrice),
                        };
                }

                fund += equity;
                if (equity < 0 && notionalAtFill > 0)
                {
                    // A deficit is charged to the unit's instruments in proportion to each leg's notional at its fill.
                    totalDeficit -= equity;
                    for (var l = first2; l < first2 + legs; l++)
                    {
                        ref readonly var t = ref _legTerms[l];
                        var i = _legInstrument[l];
                        var fillPrice = t.Size > 0 ? _fillLong[i] : _fillShort[i];
                        _deficit[i] -= equity * t.Instrument.Notional(t.Size, fillPrice) / notionalAtFill;
                        _deficitSize[i] += Math.Abs(t.Size);
                    }
                }
            }

            if (!moved)
            {
                break; // the same vector again liquidates nothing new
            }
        }

        double notional = 0, adl = 0;
        // ADL takes over the share of the bankrupt positions the fund cannot pay for, on every instrument alike.
        var uncovered = fund < 0 && totalDeficit > 0 ? Math.Min(1, -fund / totalDeficit) : 0;
        for (var i = 0; i < n; i++)
        {
            ref var result = ref outcome.InstrumentRef(i);
            var adlNotional = uncovered > 0 && _deficitSize[i] > 0 ? _instruments[i].Notional(uncovered * _deficitSize[i], _price[i]) : 0;
            result = result with { FinalPrice = _price[i], AdlNotional = adlNotional };
            notional += result.LiquidatedNotional;
            adl += adlNotional;
        }

        outcome.InsuranceFundAfter = fund;
        outcome.AdlNotional = adl;
        outcome.LiquidatedNotional = notional;
        outcome.LiquidatedAccounts = liquidatedAccounts;
        outcome.LiquidatedUnits = liquidatedUnits;
        if (forcedAccount >= 0)
        {
            outcome.ForcedAccount = forcedAccount;
            outcome.ForcedNotional = NotionalOf(forcedAccount);
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

    /// <summary>The instruments an account holds, as a bit per instrument index below 64 (for reports).</summary>
    public void InstrumentsOf(int account, Span<bool> held)
    {
        held.Clear();
        var start = _accountFirstUnit[account];
        for (var u = start; u < start + _accountUnitCount[account]; u++)
        {
            for (var l = _unitFirstLeg[u]; l < _unitFirstLeg[u] + _unitLegCount[u]; l++)
            {
                held[_legInstrument[l]] = true;
            }
        }
    }

    private void Take(int unit, ref int roundUnits, ref int roundAccounts, ref int liquidatedAccounts)
    {
        _unitStamp[unit] = _scenarioStamp;
        if (roundUnits == _roundUnits.Length)
        {
            Array.Resize(ref _roundUnits, roundUnits * 2);
        }

        _roundUnits[roundUnits++] = unit;
        var a = _unitAccount[unit];
        if (_accountStamp[a] != _scenarioStamp)
        {
            _accountStamp[a] = _scenarioStamp;
            liquidatedAccounts++;
        }

        if (_accountRoundStamp[a] != _roundStamp)
        {
            _accountRoundStamp[a] = _roundStamp;
            roundAccounts++;
        }

        for (var l = _unitFirstLeg[unit]; l < _unitFirstLeg[unit] + _unitLegCount[unit]; l++)
        {
            var size = _legTerms[l].Size;
            if (size > 0)
            {
                _sold[_legInstrument[l]] += size;
            }
            else
            {
                _bought[_legInstrument[l]] -= size;
            }
        }
    }

    private double LargestMove()
    {
        double reach = 0;
        for (var i = 0; i < _instrumentCount; i++)
        {
            var move = Math.Abs(_price[i] - _marks[i]) / _marks[i];
            if (move > reach)
            {
                reach = move;
            }
        }

        return reach;
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

    private void NextScenario()
    {
        if (++_scenarioStamp == int.MaxValue)
        {
            Array.Clear(_unitStamp);
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
    }

    private void BuildPools()
    {
        _poolCount = 0;
        for (var u = 0; u < _unitCount; u++)
        {
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
            _poolRadius[_poolCount] = SafeRadius(u);
            _poolCount++;
        }

        _poolRadius.AsSpan(0, _poolCount).Sort(_poolUnit.AsSpan(0, _poolCount));
    }

    /// <summary>
    /// The largest relative move D of every price such that the pool stays above MM at any vector within D of the
    /// marks. With h = equity − MM at the marks: a linear leg moves PnL by at most |s|·m·P0·D and MM by at most the top
    /// tier rate times the notional's change; an inverse leg by the same over P0, times 1/(1 − D); a tier table whose
    /// MM jumps at a boundary adds its largest jump once per boundary. So h stays positive while
    /// D·A_lin + D·A_inv/(1 − D) &lt; h − jumps; R is that quadratic's smaller root, shrunk for rounding.
    /// </summary>
    private double SafeRadius(int unit)
    {
        var equity = _unitCollateral[unit];
        double mm = 0, linear = 0, inverse = 0, jumps = 0;
        for (var l = _unitFirstLeg[unit]; l < _unitFirstLeg[unit] + _unitLegCount[unit]; l++)
        {
            ref readonly var t = ref _legTerms[l];
            var tiers = t.Instrument.Tiers;
            equity += t.Instrument.UnrealizedPnl(t.Size, t.Entry, t.Mark);
            mm += MarginCalculator.MaintenanceMarginAt(_basis, in t, t.Mark);
            var slope = 1 + (_basis == TierBasis.AtEntry ? 0 : TopRate(tiers));
            var notional = t.Instrument.Notional(t.Size, t.Mark);
            if (t.Instrument.Contract == ContractKind.Linear)
            {
                linear += notional * slope;
            }
            else
            {
                inverse += notional * slope;
            }

            if (_basis == TierBasis.AtPrice)
            {
                jumps += TierJumps(tiers);
            }
        }

        var h = equity - mm - jumps;
        if (!(h > 0))
        {
            return 0;
        }

        // −A_lin·D² + (A_lin + A_inv + h)·D − h = 0, smaller root in the form that stays exact as A_lin → 0.
        var b = linear + inverse + h;
        var radius = (2 * h) / (b + Math.Sqrt(Math.Max(0, (b * b) - (4 * linear * h))));
        return radius * (1 - 1e-9);
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
}
