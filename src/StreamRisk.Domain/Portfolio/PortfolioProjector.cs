using System.Numerics;
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
/// and a weight per leg (its notional at the mark × (1 + the top tier rate)). A leg loses margin only while its price
/// moves against it (a long's falling, a short's rising): a move in its favour raises its PnL by more than its MM. So
/// between two price vectors a pool's equity − MM cannot fall by more than Σ weight × the leg's adverse travel, the
/// distance its instrument's price / mark (mark / price for an inverse contract) has covered in that leg's adverse
/// direction. Per instrument and direction, activation lists hold the pools' legs by the travel at which the leg alone
/// carries its share of the slack; a pool reached is checked exactly, and one found safe is queued again, per leg, at
/// the travel where that leg's share of the margin it has left is used up (bucketed queues per instrument and
/// direction). A round checks its due pools in pool order, each pool's hot fields packed in one record.</item>
/// </list>
/// The list-and-scan reference in tests re-evaluates every unit every round and must agree on generated scenarios.
/// Owned by one thread.
/// </remarks>
public sealed class PortfolioProjector : IPortfolioProjection, IPortfolioShare
{
    // Re-check queues bucket thresholds of adverse travel by 1/2048 up to 1 (an exact scaling); beyond, one list each.
    private const double BucketsPerUnit = 2048;
    private const int Buckets = 2048;

    // A bucket's entries sit in chunks of this many, chained newest first: a drain reads them front to back.
    private const int ChunkSize = 16;

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

    // Each pool's slack (equity − MM at the marks, less its tables' jumps), by unit: computed with its radius.
    private double[] _unitSlack = new double[16];
    private int _poolCount;

    // The same, materialised in ladder order for sequential reads.
    private int[] _ladAccount = [];
    private double[] _ladSize = [];
    private double[] _ladEntry = [];
    private double[] _ladCollateral = [];
    private bool[] _ladSole = [];

    // Over the ladder order: how many slots before each hold a unit whose account has no other (counted without a
    // stamp), and from each slot the next one whose account has others (counted one by one).
    private int[] _cumSole = [0];
    private int[] _nextShared = [0];

    // Pools in radius order, their legs contiguous in that order (as settled).
    private double[] _poolCollateral = [];
    private int[] _poolFirstLeg = [];
    private int[] _poolLegCount = [];
    private PositionTerms[] _poolLegTerms = [];
    private int[] _poolLegInstrument = [];
    private int[] _unitPool = new int[16];

    // The same pools as the margin check and the take read them: a head and its legs, each packed together.
    private PoolHead[] _poolHeads = [];
    private PoolLeg[] _poolLegs = [];

    // Per pool, the stamp of its live queue entries (older ones are stale); one of this scenario's once it has been
    // activated (checked, and queued on its own margin from then on). Apart from the heads: a drain reads only this.
    private int[] _poolVersion = [];

    // Per instrument: what the pools' margin check reads of it.
    private double[] _multiplier = [];
    private bool[] _linear = [];
    private MarginTiers[] _tiers = [];
    private bool[] _unsigned = [];

    // Per instrument and direction (queue 2i: its price falling, 2i + 1: rising): the pools' legs by the adverse travel
    // at which the leg alone carries its share of the pool's slack (activation), and the re-check entries of pools
    // found safe, bucketed by the travel at which they are due again.
    private int[] _activationStart = [0];
    private int[] _activationFrontier = [];
    private int[] _activationPool = [];
    private double[] _activationThreshold = [];
    private int[] _bucketHead = [];
    private int[] _queueCursor = [];
    private int[] _queueHigh = [];
    private int[] _overflowHead = [];
    private QueueEntry[] _entries = new QueueEntry[16 * ChunkSize];
    private int[] _chunkNext = new int[16];
    private int[] _chunkFill = new int[16];
    private int _chunksUsed;
    private DeferredEntry[] _deferred = new DeferredEntry[16];
    private int _deferredCount;

    // The pools the last round found safe, with the margin each had left, in the order checked: queued again only if
    // another round follows (most scenarios end after their first round, and their safe pools are never due again).
    private int[] _safePool = new int[16];
    private double[] _safeMargin = new double[16];
    private int _safeCount;
    private int _versionStamp;
    private int _scenarioFirstVersion = 1;

    // Per-projection state, reused.
    private double[] _coordinate = [];
    private double[] _adverse = [];
    private double[] _drained = [];
    private double[] _pace = [];
    private ulong[] _due = [];
    private int _dueLow = int.MaxValue;
    private int _dueHigh = -1;
    private int _forcedAccountNow = -1;
    private int[] _forcedUnits = new int[4];
    private int[] _forcedSlots = new int[4];
    private int _forcedSlotCount;
    private int[] _unitSlot = [];
    private Stretch[] _stretches = new Stretch[16];
    private int _stretchCount;
    private int _forcedUnitCount;
    // The scenario's liquidated pools with the round that took each, and every round's fills (longs then shorts per
    // instrument): which of them left a deficit is worked out only if the fund ends negative.
    private int[] _roundPools = new int[16];
    private int[] _roundPoolRound = new int[16];
    private int _roundPoolCount;
    private double[] _roundFills = new double[64];
    private int[] _roundLongFrom = [];
    private int[] _roundShortFrom = [];
    private int[] _accountStamp = new int[16];
    private int[] _accountRoundStamp = new int[16];
    private int _scenarioStamp;
    private int _roundStamp;
    private double[] _slope = [];
    private double[] _jumps = [];
    private double[] _price = [];
    private int[] _longFrontier = [];
    private int[] _shortFrontier = [];
    private bool _sealed;

    // Exact sums (PortfolioUnits): running totals over the ladder order, and each single's and pool leg's own.
    private Int128[] _cumSize = [0];
    private Int128[] _cumCollateral = [0];
    private Int128[] _cumValue = [0];
    private long[] _ladSizeUnits = [];
    private Int128[] _ladCollateralUnits = [];
    private Int128[] _ladValueUnits = [];
    private Int128[] _poolCollateralUnits = [];
    private long[] _poolLegSizeUnits = [];
    private Int128[] _poolLegValueUnits = [];

    // The scenario in progress (Begin, then TakeRound and ApplyRound per round).
    private int _roundIndex;
    private int _roundUnits;
    private int _roundAccounts;
    private int _scenarioAccounts;

    // What a load sorts (ladders, pools, activation lists) is sorted with this one's buffers.
    private readonly KeySort _sort = new();

    // Project's own walk of the books.
    private readonly PortfolioRun _run = new();
    private readonly PortfolioRound _localRound = new();
    private readonly PortfolioDeficits _localDeficits = new();

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
            _longFrontier = new int[size];
            _shortFrontier = new int[size];
            _roundLongFrom = new int[size];
            _roundShortFrom = new int[size];
            _slope = new double[size];
            _jumps = new double[size];
            _coordinate = new double[size];
            _multiplier = new double[size];
            _linear = new bool[size];
            _tiers = new MarginTiers[size];
            _unsigned = new bool[size];
            _adverse = new double[2 * size];
            _drained = new double[2 * size];
            _pace = new double[2 * size];
            _activationFrontier = new int[2 * size];
            _activationStart = new int[(2 * size) + 1];
            _bucketHead = new int[2 * size * Buckets];
            Array.Fill(_bucketHead, -1);
            _queueCursor = new int[2 * size];
            Array.Fill(_queueCursor, Buckets);
            _queueHigh = new int[2 * size];
            Array.Fill(_queueHigh, -1);
            _overflowHead = new int[2 * size];
            Array.Fill(_overflowHead, -1);
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
            _multiplier[i] = _instruments[i].Multiplier;
            _linear[i] = _instruments[i].Contract == ContractKind.Linear;
            _tiers[i] = tiers;
            // A move in a leg's favour raises its PnL by more than its MM (up to the table's jumps) while no rate
            // exceeds 1; past that, a move either way counts against every leg.
            _unsigned[i] = _slope[i] > 2;
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
        Begin(moves, forcedAccount);
        var n = _instrumentCount;
        _run.Begin(_instruments, _marks, _bids, _asks, n, moves, insuranceFund, outcome);
        while (true)
        {
            _localRound.Reset(n);
            TakeRound(_localRound);
            if (_localRound.Units == 0)
            {
                break;
            }

            var moved = _run.Round(_localRound);
            ApplyRound(_run.FillLong, _run.FillShort, _run.Prices);
            if (!moved)
            {
                break; // the same vector again liquidates nothing new
            }
        }

        PortfolioDeficits? deficits = null;
        if (_run.Fund < 0)
        {
            _localDeficits.Reset(n);
            AddDeficits(_localDeficits);
            deficits = _localDeficits;
        }

        _run.Finish(ScenarioAccounts, deficits);
        if (forcedAccount >= 0)
        {
            outcome.ForcedAccount = forcedAccount;
            outcome.ForcedNotional = NotionalOf(forcedAccount);
        }
    }

    /// <summary>
    /// Starts a scenario over this projector's accounts (the account side of <see cref="Project"/>, for a projection
    /// whose books another party walks: <see cref="PartitionedPortfolio"/>). Then, round by round, <see cref="TakeRound"/>
    /// and, with the walk's fills and next vector, <see cref="ApplyRound"/>; at the end <see cref="AddDeficits"/> and
    /// <see cref="ScenarioAccounts"/>.
    /// </summary>
    public void Begin(ReadOnlySpan<double> moves, int forcedAccount = -1)
    {
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
        NextScenario();
        for (var i = 0; i < n; i++)
        {
            var move = i < moves.Length ? moves[i] : 0;
            if (!double.IsFinite(move) || move <= -1)
            {
                throw new ArgumentOutOfRangeException(nameof(moves), "a move is a finite fraction above −1");
            }

            _price[i] = PortfolioRun.TargetOf(_marks[i], move);
            _longFrontier[i] = _longStart[i];
            _shortFrontier[i] = _shortStart[i];
            _roundLongFrom[i] = _longStart[i];
            _roundShortFrom[i] = _shortStart[i];
            _coordinate[i] = 1;
        }

        ResetQueues();
        _scenarioAccounts = 0;
        _roundIndex = -1;
        _forcedAccountNow = forcedAccount;
        _roundPoolCount = 0;
        _forcedUnitCount = 0;
    }

    /// <summary>Distinct accounts of this projector liquidated in the scenario so far.</summary>
    public int ScenarioAccounts => _scenarioAccounts;

    /// <summary>
    /// The next round at the current trigger vector: every unit newly under MM (and in the first round the forced
    /// account whole) is taken, and its sums added to <paramref name="round"/> (reset by the caller).
    /// </summary>
    public void TakeRound(PortfolioRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        var n = _instrumentCount;
        var roundIndex = ++_roundIndex;
        _roundStamp++;
        _roundUnits = 0;
        _roundAccounts = 0;
        RequeueSafe();
        var forcedAccount = _forcedAccountNow;
        if (roundIndex == 0 && forcedAccount >= 0)
        {
            TakeForced(forcedAccount, round);
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
                f++;
            }

            TakeSingles(_roundLongFrom[i], f, forcedAccount);
            TakeStretch(i, _roundLongFrom[i], f, round);
            _longFrontier[i] = f;
            f = _shortFrontier[i];
            end = _shortStart[i] + _shortCount[i];
            _roundShortFrom[i] = f;
            while (f < end && _ladderPrice[f] <= price)
            {
                f++;
            }

            TakeSingles(_roundShortFrom[i], f, forcedAccount);

            TakeStretch(i, _roundShortFrom[i], f, round);
            _shortFrontier[i] = f;
        }

        // Pools of several positions: a pool is checked exactly once its prices have moved against it far enough that
        // it could have used up the margin it had when last found safe (or its slack at the marks, the first time),
        // and checked in pool order.
        UpdateTravel();
        QueueDeferred();
        for (var q = 0; q < 2 * n; q++)
        {
            var travel = _adverse[q];
            var f = _activationFrontier[q];
            var end = _activationStart[q + 1];
            while (f < end && _activationThreshold[f] <= travel)
            {
                var pool = _activationPool[f++];
                if (_poolVersion[pool] < _scenarioFirstVersion)
                {
                    _poolVersion[pool] = ++_versionStamp;
                    MarkDue(pool);
                }
            }

            _activationFrontier[q] = f;
            if (travel > _drained[q])
            {
                Drain(q, travel);
            }
        }

        CheckDue(round);
        round.Units += _roundUnits;
        round.Accounts += _roundAccounts;
    }

    /// <summary>
    /// Settles the round just taken at the walk's fills (per instrument, the longs' and the shorts' fill price) and
    /// moves to the walk's next trigger vector.
    /// </summary>
    public void ApplyRound(ReadOnlySpan<double> fillLong, ReadOnlySpan<double> fillShort, ReadOnlySpan<double> next)
    {
        var n = _instrumentCount;
        if (fillLong.Length < n || fillShort.Length < n || next.Length < n)
        {
            throw new ArgumentException("a fill and a next price per instrument");
        }

        for (var i = 0; i < n; i++)
        {
            // Which single units left a deficit matters only if the fund ends negative (ADL): their stretch and fill
            // are kept to be read then.
            RecordStretch(i, _roundLongFrom[i], _longFrontier[i], fillLong[i]);
            RecordStretch(i, _roundShortFrom[i], _shortFrontier[i], fillShort[i]);
        }

        var at = 2 * n * _roundIndex;
        if (_roundFills.Length < at + (2 * n))
        {
            Array.Resize(ref _roundFills, Math.Max(at + (2 * n), _roundFills.Length * 2));
        }

        fillLong[..n].CopyTo(_roundFills.AsSpan(at));
        fillShort[..n].CopyTo(_roundFills.AsSpan(at + n));
        next[..n].CopyTo(_price);
    }

    /// <summary>Adds the deficits of this projector's units liquidated in the scenario (read when the fund ends negative).</summary>
    public void AddDeficits(PortfolioDeficits deficits)
    {
        ArgumentNullException.ThrowIfNull(deficits);
        var n = _instrumentCount;
        for (var k = 0; k < _forcedUnitCount; k++)
        {
            // The forced account's units are all taken in the first round.
            var u = _forcedUnits[k];
            SettleDeficit(_legTerms.AsSpan(_unitFirstLeg[u], _unitLegCount[u]), _legInstrument.AsSpan(_unitFirstLeg[u], _unitLegCount[u]), _unitCollateral[u],
                _roundFills.AsSpan(0, n), _roundFills.AsSpan(n, n), deficits);
        }

        for (var k = 0; k < _roundPoolCount; k++)
        {
            var pool = _roundPools[k];
            var at = 2 * n * _roundPoolRound[k];
            var first = _poolFirstLeg[pool];
            var count = _poolLegCount[pool];
            SettleDeficit(_poolLegTerms.AsSpan(first, count), _poolLegInstrument.AsSpan(first, count), _poolCollateral[pool],
                _roundFills.AsSpan(at, n), _roundFills.AsSpan(at + n, n), deficits);
        }

        var forced = _forcedAccountNow;
        for (var k = 0; k < _stretchCount; k++)
        {
            var (i, from, to, fill) = _stretches[k];
            var instrument = _instruments[i];
            Int128 deficit = 0, deficitSize = 0;
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
                    deficit += PortfolioUnits.Money(-equity);
                    deficitSize += Math.Abs(_ladSizeUnits[f]);
                }
            }

            deficits.AddUnit(deficit);
            deficits.AddSize(i, deficitSize);
        }
    }

    private void TakeStretch(int i, int from, int to, PortfolioRound round)
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
            // The forced account's own units are taken with it.
            var slot = _forcedSlots[k];
            if (slot >= from && slot < to)
            {
                positions--;
                size -= _ladSizeUnits[slot];
                collateral -= _ladCollateralUnits[slot];
                value -= _ladValueUnits[slot];
            }
        }

        if (positions == 0)
        {
            return;
        }

        round.TakeStretch(i, positions, size, value);
        round.AddCollateral(collateral);
    }

    private void RecordStretch(int i, int from, int to, double fill)
    {
        if (to <= from)
        {
            return;
        }

        var positions = to - from;
        for (var k = 0; k < _forcedSlotCount; k++)
        {
            var slot = _forcedSlots[k];
            if (slot >= from && slot < to)
            {
                positions--;
            }
        }

        if (positions == 0)
        {
            return;
        }

        if (_stretchCount == _stretches.Length)
        {
            Array.Resize(ref _stretches, _stretchCount * 2);
        }

        _stretches[_stretchCount++] = new Stretch(i, from, to, fill);
    }

    private readonly record struct Stretch(int Instrument, int From, int To, double Fill);

    /// <summary>A unit settled at its round's fills: when its equity is below zero, the deficit and its positions' sizes for ADL.</summary>
    private static void SettleDeficit(ReadOnlySpan<PositionTerms> legs, ReadOnlySpan<int> instruments, double collateral, ReadOnlySpan<double> fillLong,
        ReadOnlySpan<double> fillShort, PortfolioDeficits deficits)
    {
        var equity = collateral;
        for (var l = 0; l < legs.Length; l++)
        {
            ref readonly var t = ref legs[l];
            var i = instruments[l];
            equity += t.Instrument.UnrealizedPnl(t.Size, t.Entry, t.Size > 0 ? fillLong[i] : fillShort[i]);
        }

        if (equity < 0)
        {
            // ADL takes over a share of every position of a unit that left a deficit.
            deficits.AddUnit(PortfolioUnits.Money(-equity));
            for (var l = 0; l < legs.Length; l++)
            {
                deficits.AddSize(instruments[l], Math.Abs(PortfolioUnits.Size(legs[l].Size)));
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

    /// <summary>
    /// Counts the single units of a crossed stretch of a ladder and their accounts: with no forced account, the units
    /// whose account has no other at once from the running counts, the others one by one.
    /// </summary>
    private void TakeSingles(int from, int to, int forcedAccount)
    {
        if (forcedAccount >= 0)
        {
            for (var slot = from; slot < to; slot++)
            {
                TakeSingle(slot, forcedAccount);
            }

            return;
        }

        if (to <= from)
        {
            return;
        }

        _roundUnits += to - from;
        var sole = _cumSole[to] - _cumSole[from];
        _scenarioAccounts += sole;
        _roundAccounts += sole;
        for (var slot = _nextShared[from]; slot < to; slot = _nextShared[slot + 1])
        {
            CountAccount(_ladAccount[slot], false);
        }
    }

    private void TakeSingle(int slot, int forcedAccount)
    {
        var account = _ladAccount[slot];
        if (account == forcedAccount)
        {
            return; // taken with the forced account in the first round
        }

        _roundUnits++;
        CountAccount(account, _ladSole[slot]);
    }

    private void TakePool(int pool, PortfolioRound round)
    {
        ref var head = ref _poolHeads[pool];
        head.Taken = _scenarioStamp;
        if (_roundPoolCount == _roundPools.Length)
        {
            Array.Resize(ref _roundPools, _roundPoolCount * 2);
            Array.Resize(ref _roundPoolRound, _roundPoolCount * 2);
        }

        _roundPoolRound[_roundPoolCount] = _roundIndex;
        _roundPools[_roundPoolCount++] = pool;
        _roundUnits++;
        CountAccount(head.Account, head.Sole);
        round.AddCollateral(_poolCollateralUnits[pool]);
        for (var l = head.FirstLeg; l < head.FirstLeg + head.LegCount; l++)
        {
            round.TakePosition(_poolLegInstrument[l], _poolLegSizeUnits[l], _poolLegValueUnits[l]);
        }
    }

    /// <summary>Every unit of the account, whatever its margin: pools through the pool path, single units one by one.</summary>
    private void TakeForced(int account, PortfolioRound round)
    {
        _forcedSlotCount = 0;
        var start = _accountFirstUnit[account];
        for (var u = start; u < start + _accountUnitCount[account]; u++)
        {
            if (_unitPool[u] >= 0)
            {
                TakePool(_unitPool[u], round);
                continue;
            }

            if (_forcedUnitCount == _forcedUnits.Length)
            {
                Array.Resize(ref _forcedUnits, _forcedUnitCount * 2);
            }

            _forcedUnits[_forcedUnitCount++] = u;
            // Its ladder slot, if it has one, is left out of the stretches the price crosses.
            if (_unitSlot[u] >= 0)
            {
                if (_forcedSlotCount == _forcedSlots.Length)
                {
                    Array.Resize(ref _forcedSlots, _forcedSlotCount * 2);
                }

                _forcedSlots[_forcedSlotCount++] = _unitSlot[u];
            }

            _roundUnits++;
            CountAccount(account, _accountUnitCount[account] == 1);
            var l = _unitFirstLeg[u];
            ref readonly var t = ref _legTerms[l];
            round.AddCollateral(PortfolioUnits.Money(_unitCollateral[u]));
            round.TakePosition(_legInstrument[l], PortfolioUnits.Size(t.Size), PortfolioUnits.Money(PortfolioUnits.Value(t.Instrument, t.Size, t.Entry, t.Mark)));
        }
    }

    // An account with one unit is counted without a stamp: it can be liquidated only once.
    private void CountAccount(int account, bool sole)
    {
        if (sole)
        {
            _scenarioAccounts++;
            _roundAccounts++;
            return;
        }

        if (_accountStamp[account] != _scenarioStamp)
        {
            _accountStamp[account] = _scenarioStamp;
            _scenarioAccounts++;
        }

        if (_accountRoundStamp[account] != _roundStamp)
        {
            _accountRoundStamp[account] = _roundStamp;
            _roundAccounts++;
        }
    }

    /// <summary>
    /// Each instrument's coordinate — price / mark, for an inverse contract mark / price: the factor its notional moves
    /// by, and its PnL per unit of notional at the mark — and its adverse travel in the scenario per direction: Σ over
    /// rounds of how far the coordinate moved with the price falling (queue 2i), and with it rising (2i + 1); and each
    /// direction's pace, its recent moves per round (halved every round).
    /// </summary>
    private void UpdateTravel()
    {
        for (var q = 0; q < 2 * _instrumentCount; q++)
        {
            _pace[q] *= 0.5;
        }

        for (var i = 0; i < _instrumentCount; i++)
        {
            var coordinate = _linear[i] ? _price[i] / _marks[i] : _marks[i] / _price[i];
            var change = coordinate - _coordinate[i];
            if (change == 0)
            {
                continue;
            }

            _coordinate[i] = coordinate;
            var distance = Math.Abs(change);
            if (_unsigned[i])
            {
                _adverse[2 * i] += distance;
                _adverse[(2 * i) + 1] += distance;
                _pace[2 * i] += distance / 2;
                _pace[(2 * i) + 1] += distance / 2;
            }
            else
            {
                var falling = _linear[i] ? change < 0 : change > 0;
                _adverse[(2 * i) + (falling ? 0 : 1)] += distance;
                _pace[(2 * i) + (falling ? 0 : 1)] += distance / 2;
            }
        }
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

    /// <summary>A pool's legs: in its head when they fit, else in the spill array.</summary>
    private Span<PoolLeg> LegsOf(ref PoolHead head) =>
        head.LegCount <= InlineLegs.Length ? ((Span<PoolLeg>)head.Legs)[..head.LegCount] : _poolLegs.AsSpan(head.FirstLeg, head.LegCount);

    /// <summary>Checks the round's due pools in pool order: each is liquidated, or queued again by the margin it has left.</summary>
    private void CheckDue(PortfolioRound round)
    {
        Span<int> batch = stackalloc int[64];
        for (var w = _dueLow; w <= _dueHigh; w++)
        {
            var bits = _due[w];
            if (bits == 0)
            {
                continue;
            }

            _due[w] = 0;

            // The word's pools are first only touched, so their records load together rather than one after another.
            var count = 0;
            do
            {
                var pool = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                if (_poolHeads[pool].Taken != _scenarioStamp)
                {
                    batch[count++] = pool; // else the forced account's pool, taken in the first round
                }
            }
            while (bits != 0);

            foreach (var pool in batch[..count])
            {
                if (PoolIsLiquidatable(pool, out var margin))
                {
                    TakePool(pool, round);
                }
                else
                {
                    HoldSafe(pool, margin);
                }
            }
        }

        _dueLow = int.MaxValue;
        _dueHigh = -1;
    }

    private void MarkDue(int pool)
    {
        var w = pool >> 6;
        _due[w] |= 1UL << pool;
        _dueLow = Math.Min(_dueLow, w);
        _dueHigh = Math.Max(_dueHigh, w);
    }

    /// <summary>Keeps a pool the round found safe, to be queued again when the next round starts.</summary>
    private void HoldSafe(int pool, double margin)
    {
        if (_safeCount == _safePool.Length)
        {
            Array.Resize(ref _safePool, _safeCount * 2);
            Array.Resize(ref _safeMargin, _safeCount * 2);
        }

        _safePool[_safeCount] = pool;
        _safeMargin[_safeCount++] = margin;
    }

    /// <summary>
    /// Queues again the pools the last round found safe, in the order they were checked, before anything of this round
    /// moves the travel and pace they are queued by: the same entries, versions and order as queueing each at its check.
    /// </summary>
    private void RequeueSafe()
    {
        for (var k = 0; k < _safeCount; k++)
        {
            Requeue(_safePool[k], _safeMargin[k]);
        }

        _safeCount = 0;
    }

    /// <summary>
    /// A pool found safe with <paramref name="margin"/> left can fall under MM only once Σ over its legs of weight ×
    /// adverse travel since now reaches that margin. With the margin split into shares, one per leg, that Σ stays below
    /// it while no leg has used its share, so the pool is queued on each leg's instrument and adverse direction at the
    /// travel where that leg's share is used up; its earlier entries go stale. Any split will do: shares go by weight ×
    /// the pace of the leg's direction (at least 1/16 of its fastest leg's), so the pool is due again about when its
    /// prices, going on as lately, would have used up the margin; a leg whose direction has not moved in the scenario
    /// gets none (the direction's first move makes the pool due).
    /// </summary>
    private void Requeue(int pool, double margin)
    {
        ref var head = ref _poolHeads[pool];
        var version = ++_versionStamp;
        _poolVersion[pool] = version;
        var legs = LegsOf(ref head);
        double fastest = 0;
        foreach (ref readonly var leg in legs)
        {
            fastest = Math.Max(fastest, _pace[QueueOf(in leg)]);
        }

        var floor = Math.Max(fastest / 16, 1e-12);
        double total = 0;
        foreach (ref readonly var leg in legs)
        {
            var q = QueueOf(in leg);
            if (_adverse[q] > 0)
            {
                total += leg.Weight * Math.Max(_pace[q], floor);
            }
        }

        var scale = Math.Max(0, margin) / total;
        foreach (ref readonly var leg in legs)
        {
            var q = QueueOf(in leg);
            if (_adverse[q] == 0)
            {
                Push(q, pool, version, 0); // no share: due at the direction's first move
                continue;
            }

            if (_deferredCount == _deferred.Length)
            {
                Array.Resize(ref _deferred, _deferredCount * 2);
            }

            _deferred[_deferredCount++] = new DeferredEntry(q, new QueueEntry(_adverse[q] + (Math.Max(_pace[q], floor) * scale), pool, version));
        }
    }

    /// <summary>
    /// Queues the entries the last round's checks left: deferred to the next round, so a scenario's last round (and a
    /// scenario of one round) leaves its safe pools unqueued.
    /// </summary>
    private void QueueDeferred()
    {
        for (var k = 0; k < _deferredCount; k++)
        {
            ref readonly var deferred = ref _deferred[k];
            Push(deferred.Queue, deferred.Entry.Pool, deferred.Entry.Version, deferred.Entry.Threshold);
        }

        _deferredCount = 0;
    }

    private void Push(int queue, int pool, int version, double threshold)
    {
        var scaled = threshold * BucketsPerUnit;
        var inRange = scaled < Buckets;
        ref var head = ref (inRange ? ref _bucketHead[(queue * Buckets) + (int)scaled] : ref _overflowHead[queue]);
        if (inRange)
        {
            _queueCursor[queue] = Math.Min(_queueCursor[queue], (int)scaled);
            _queueHigh[queue] = Math.Max(_queueHigh[queue], (int)scaled);
        }

        var c = head;
        if (c < 0 || _chunkFill[c] == ChunkSize)
        {
            c = NewChunk();
            _chunkNext[c] = head;
            head = c;
        }

        ref var entry = ref _entries[(c * ChunkSize) + _chunkFill[c]++];
        entry.Pool = pool;
        entry.Version = version;
        entry.Threshold = threshold;
    }

    private int NewChunk()
    {
        if (_chunksUsed == _chunkNext.Length)
        {
            Array.Resize(ref _chunkNext, _chunksUsed * 2);
            Array.Resize(ref _chunkFill, _chunksUsed * 2);
            Array.Resize(ref _entries, _chunksUsed * 2 * ChunkSize);
        }

        var c = _chunksUsed++;
        _chunkFill[c] = 0;
        return c;
    }

    /// <summary>
    /// Marks due the live entries of the queue whose threshold the travel has passed: every bucket from the queue's
    /// lowest non-empty one up to the travel's (thresholds scale exactly by a power of two, so none past it is due).
    /// </summary>
    private void Drain(int queue, double travel)
    {
        _drained[queue] = travel;
        var scaled = travel * BucketsPerUnit;
        var last = scaled < Buckets ? (int)scaled : Buckets - 1;
        var cursor = _queueCursor[queue];
        var lowest = last + 1;
        var slot = queue * Buckets;
        for (var b = cursor; b <= last; b++)
        {
            var c = _bucketHead[slot + b];
            if (c >= 0)
            {
                _bucketHead[slot + b] = -1;
                DrainChunks(queue, c, travel);
                if (_bucketHead[slot + b] >= 0)
                {
                    lowest = Math.Min(lowest, b);
                }
            }
        }

        if (cursor <= last)
        {
            _queueCursor[queue] = lowest;
        }

        if (scaled >= Buckets && _overflowHead[queue] >= 0)
        {
            var c = _overflowHead[queue];
            _overflowHead[queue] = -1;
            DrainChunks(queue, c, travel);
        }
    }

    /// <summary>Goes through a detached chain of chunks: live entries still short of the travel are pushed again, stale ones dropped.</summary>
    private void DrainChunks(int queue, int c, double travel)
    {
        while (c >= 0)
        {
            var end = (c * ChunkSize) + _chunkFill[c];
            for (var e = c * ChunkSize; e < end; e++)
            {
                ref readonly var entry = ref _entries[e];
                var threshold = entry.Threshold;
                var pool = entry.Pool;
                var version = entry.Version;
                if (_poolVersion[pool] != version)
                {
                    continue;
                }

                if (threshold < travel)
                {
                    MarkDue(pool); // skipped there if it was taken since
                }
                else
                {
                    Push(queue, pool, version, threshold);
                }
            }

            c = _chunkNext[c];
        }
    }

    /// <summary>Empties every queue (the heads of the buckets a queue used in the last scenario) and the entries.</summary>
    private void ResetQueues()
    {
        for (var q = 0; q < 2 * _instrumentCount; q++)
        {
            _adverse[q] = 0;
            _drained[q] = 0;
            _pace[q] = 0;
            _activationFrontier[q] = _activationStart[q];
            var cursor = _queueCursor[q];
            var high = _queueHigh[q];
            if (high >= cursor)
            {
                _bucketHead.AsSpan((q * Buckets) + cursor, high - cursor + 1).Fill(-1);
            }

            _queueCursor[q] = Buckets;
            _queueHigh[q] = -1;
            _overflowHead[q] = -1;
        }

        _chunksUsed = 0;
        _deferredCount = 0;
        _safeCount = 0;
        if (_dueHigh >= 0)
        {
            Array.Clear(_due, _dueLow, _dueHigh - _dueLow + 1);
        }

        _dueLow = int.MaxValue;
        _dueHigh = -1;
    }

    /// <summary>
    /// Equity &lt; MM of a pool at the current trigger vector, each term computed as <see cref="Instrument"/> and
    /// <see cref="MarginCalculator"/> do. <paramref name="margin"/> is what the pool has left: equity − MM less its
    /// tables' jumps and a rounding allowance (a billionth of the magnitudes summed).
    /// </summary>
    private bool PoolIsLiquidatable(int pool, out double margin)
    {
        ref var head = ref _poolHeads[pool];
        var collateral = head.Collateral;
        var equity = collateral;
        double mm = 0, jumps = 0, scale = Math.Abs(collateral);
        var legs = LegsOf(ref head);
        for (var k = 0; k < legs.Length; k++)
        {
            ref var leg = ref legs[k];
            var i = leg.Instrument;
            var price = _price[i];
            var multiplier = _multiplier[i];
            var pnl = _linear[i] ? leg.Size * multiplier * (price - leg.Entry) : leg.Size * multiplier * ((1.0 / leg.Entry) - (1.0 / price));
            equity += pnl;
            scale += Math.Abs(pnl);
            jumps += _jumps[i];
            mm += _basis == TierBasis.AtPrice ? TieredMaintenance(ref leg, price) : MarginCalculator.MaintenanceMarginAt(_basis, in _poolLegTerms[head.FirstLeg + k], price);
        }

        margin = equity - mm - jumps - ((scale + mm) * 1e-9);
        return equity < mm;
    }

    /// <summary>
    /// <see cref="MarginCalculator.MaintenanceMarginAt"/> under <see cref="TierBasis.AtPrice"/>, bit for bit, starting from
    /// the tier the leg was in at its last evaluation: a notional still within that tier's range is in no other (floors
    /// increase), so the table is scanned only when the price has left it.
    /// </summary>
    private double TieredMaintenance(ref PoolLeg leg, double price)
    {
        var i = leg.Instrument;
        var tiers = _tiers[i];
        var notional = _linear[i] ? Math.Abs(leg.Size) * _multiplier[i] * price : Math.Abs(leg.Size) * _multiplier[i] / price;
        var k = leg.Tier;
        if (!(notional >= tiers.FloorAt(k) && notional < tiers.CapAt(k)))
        {
            k = tiers.IndexFor(notional);
            leg.Tier = k;
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
            for (var pool = 0; pool < _poolHeads.Length; pool++)
            {
                _poolHeads[pool].Taken = 0;
            }

            Array.Clear(_accountStamp, 0, _accountCount);
            _scenarioStamp = 1;
        }

        // A scenario starts with no queue entry, so versions may restart; half the range is left for one scenario.
        if (_versionStamp > int.MaxValue / 2)
        {
            for (var pool = 0; pool < _poolHeads.Length; pool++)
            {
                _poolVersion[pool] = 0;
            }

            _versionStamp = 0;
        }

        _scenarioFirstVersion = _versionStamp + 1;

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
            _sort.Sort(longs, _ladderUnit.AsSpan(_longStart[i], _longCount[i]));
            foreach (ref var price in longs)
            {
                price = -price;
            }

            _sort.Sort(_ladderPrice.AsSpan(_shortStart[i], _shortCount[i]), _ladderUnit.AsSpan(_shortStart[i], _shortCount[i]));
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
            _ladSizeUnits = new long[size];
            _ladCollateralUnits = new Int128[size];
            _ladValueUnits = new Int128[size];
            _cumSize = new Int128[size + 1];
            _cumCollateral = new Int128[size + 1];
            _cumValue = new Int128[size + 1];
            _cumSole = new int[size + 1];
            _nextShared = new int[size + 1];
        }

        if (_unitSlot.Length < _unitCount)
        {
            _unitSlot = new int[Math.Max(_unitCount, _unitSlot.Length * 2)];
        }

        // A unit with no liquidation price that is safe at the marks sits on no ladder: it has no slot.
        _unitSlot.AsSpan(0, _unitCount).Fill(-1);

        for (var i = 0; i < _instrumentCount; i++)
        {
            Materialize(_longStart[i], _longCount[i]);
            Materialize(_shortStart[i], _shortCount[i]);
        }

        // Running sums over the ladder order (a slot left unused between two stretches adds nothing), so a crossed
        // stretch is taken in O(1): Σ equity at one fill price = Σ collateral + PnL of Σ size against Σ size × entry.
        var end = _instrumentCount == 0 ? 0 : _shortStart[_instrumentCount - 1] + _shortCount[_instrumentCount - 1];
        Int128 size0 = 0, collateral0 = 0, value0 = 0;
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
                _ladSizeUnits[slot] = PortfolioUnits.Size(_ladSize[slot]);
                _ladCollateralUnits[slot] = PortfolioUnits.Money(_ladCollateral[slot]);
                _ladValueUnits[slot] = PortfolioUnits.Money(PortfolioUnits.Value(_instruments[instrument], _ladSize[slot], _ladEntry[slot], _marks[instrument]));
                size0 += _ladSizeUnits[slot];
                collateral0 += _ladCollateralUnits[slot];
                value0 += _ladValueUnits[slot];
            }

            _cumSize[slot + 1] = size0;
            _cumCollateral[slot + 1] = collateral0;
            _cumValue[slot + 1] = value0;
        }

        var sole = 0;
        for (var slot = 0; slot < end; slot++)
        {
            sole += _ladSole[slot] ? 1 : 0;
            _cumSole[slot + 1] = sole;
        }

        var next = end;
        _nextShared[end] = end;
        for (var slot = end - 1; slot >= 0; slot--)
        {
            next = _ladSole[slot] ? next : slot;
            _nextShared[slot] = next;
        }
    }

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

        if (_unitSlack.Length < _unitCount)
        {
            _unitSlack = new double[Math.Max(_unitCount, _unitSlack.Length * 2)];
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
            (_poolRadius[_poolCount], _unitSlack[u]) = SafeRadius(u);
            _poolCount++;
            legs += _unitLegCount[u];
        }

        _sort.Sort(_poolRadius.AsSpan(0, _poolCount), _poolUnit.AsSpan(0, _poolCount));

        // Pools and their legs in radius order: the pools due early in a scenario are near the front.
        if (_poolHeads.Length < _poolCount)
        {
            var size = Math.Max(_poolCount, _poolHeads.Length * 2);
            _poolCollateral = new double[size];
            _poolFirstLeg = new int[size];
            _poolLegCount = new int[size];
            // The scenario stamp keeps counting: the fresh zeros and every account stamp an earlier load left are all
            // below the next scenario's stamp (restarting it would let a stale account stamp read as "already counted").
            _poolHeads = new PoolHead[size];
            _poolVersion = new int[size];
            _due = new ulong[(size + 63) >> 6];
            _poolCollateralUnits = new Int128[size];
        }

        if (_poolLegTerms.Length < legs)
        {
            var size = Math.Max(legs, _poolLegTerms.Length * 2);
            _poolLegTerms = new PositionTerms[size];
            _poolLegInstrument = new int[size];
            _poolLegs = new PoolLeg[size];
            _poolLegSizeUnits = new long[size];
            _poolLegValueUnits = new Int128[size];
        }

        var at = 0;
        for (var pool = 0; pool < _poolCount; pool++)
        {
            var u = _poolUnit[pool];
            var account = _unitAccount[u];
            _unitPool[u] = pool;
            _poolCollateral[pool] = _unitCollateral[u];
            _poolCollateralUnits[pool] = PortfolioUnits.Money(_unitCollateral[u]);
            _poolFirstLeg[pool] = at;
            _poolLegCount[pool] = _unitLegCount[u];
            ref var head = ref _poolHeads[pool];
            head.Collateral = _unitCollateral[u];
            head.FirstLeg = at;
            head.LegCount = _unitLegCount[u];
            head.Account = account;
            head.Sole = _accountUnitCount[account] == 1;
            for (var l = _unitFirstLeg[u]; l < _unitFirstLeg[u] + _unitLegCount[u]; l++)
            {
                ref readonly var t = ref _legTerms[l];
                var i = _legInstrument[l];
                _poolLegTerms[at] = t;
                _poolLegInstrument[at] = i;
                _poolLegSizeUnits[at] = PortfolioUnits.Size(t.Size);
                _poolLegValueUnits[at] = PortfolioUnits.Money(PortfolioUnits.Value(t.Instrument, t.Size, t.Entry, t.Mark));
                var notional = t.Instrument.Notional(t.Size, t.Mark);
                var leg = new PoolLeg { Size = t.Size, Entry = t.Entry, Weight = notional * _slope[i], Instrument = i, Tier = t.Instrument.Tiers.IndexFor(notional) };
                _poolLegs[at] = leg;
                if (head.LegCount <= InlineLegs.Length)
                {
                    head.Legs[at - head.FirstLeg] = leg;
                }

                at++;
            }
        }

        BuildActivation(at);
    }

    /// <summary>
    /// Per instrument and direction, the legs against which that direction moves (a long's price falling, a short's
    /// rising; both for an instrument whose moves count either way) by the adverse travel at which the leg alone
    /// carries 1/k of its pool's slack (k legs): a pool can fall under MM only when Σ weight × adverse travel ≥ slack,
    /// so some leg must then carry at least 1/k of it, and the pool waits in that leg's list up to its threshold.
    /// </summary>
    private void BuildActivation(int legs)
    {
        if (_activationPool.Length < legs)
        {
            var size = Math.Max(legs, _activationPool.Length * 2);
            _activationPool = new int[size];
            _activationThreshold = new double[size];
        }

        var queues = 2 * _instrumentCount;
        Array.Clear(_activationStart, 0, queues + 1);
        for (var l = 0; l < legs; l++)
        {
            _activationStart[QueueOf(in _poolLegs[l]) + 1]++;
        }

        for (var q = 0; q < queues; q++)
        {
            _activationStart[q + 1] += _activationStart[q];
            _activationFrontier[q] = _activationStart[q];
        }

        for (var pool = 0; pool < _poolCount; pool++)
        {
            ref readonly var head = ref _poolHeads[pool];
            var slack = _unitSlack[_poolUnit[pool]];
            var k = head.LegCount;
            for (var l = head.FirstLeg; l < head.FirstLeg + k; l++)
            {
                ref readonly var leg = ref _poolLegs[l];
                var slot = _activationFrontier[QueueOf(in leg)]++;
                _activationPool[slot] = pool;
                _activationThreshold[slot] = slack <= 0 ? 0 : slack / (k * leg.Weight) * (1 - 1e-9);
            }
        }

        for (var q = 0; q < queues; q++)
        {
            var start = _activationStart[q];
            _sort.Sort(_activationThreshold.AsSpan(start, _activationStart[q + 1] - start), _activationPool.AsSpan(start, _activationStart[q + 1] - start));
        }
    }

    /// <summary>The queue of the leg's adverse direction: 2i when its price falling costs it (a long), 2i + 1 when rising does.</summary>
    private static int QueueOf(in PoolLeg leg) => (2 * leg.Instrument) + (leg.Size > 0 ? 0 : 1);

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

    /// <summary>What the margin check, the take and the re-queueing read of a pool, and its scenario stamp: 128 bytes.</summary>
    private struct PoolHead
    {
        public double Collateral;
        public int FirstLeg;
        public int LegCount;
        public int Account;

        /// <summary>The scenario stamp once liquidated.</summary>
        public int Taken;

        public bool Sole;

        /// <summary>Its legs when it has at most <see cref="InlineLegs.Length"/> (in the spill array either way).</summary>
        public InlineLegs Legs;
    }

    [System.Runtime.CompilerServices.InlineArray(Length)]
    private struct InlineLegs
    {
        public const int Length = 3;
        private PoolLeg _leg;
    }

    /// <summary>A pool's leg as its margin check reads it: 32 bytes.</summary>
    private struct PoolLeg
    {
        public double Size;
        public double Entry;

        /// <summary>Notional at the mark × (1 + the top tier rate): how much its equity − MM can lose per unit of travel.</summary>
        public double Weight;
        public int Instrument;

        /// <summary>The tier its notional was in at its last evaluation.</summary>
        public int Tier;
    }

    private record struct QueueEntry(double Threshold, int Pool, int Version);

    private readonly record struct DeferredEntry(int Queue, QueueEntry Entry);
}
