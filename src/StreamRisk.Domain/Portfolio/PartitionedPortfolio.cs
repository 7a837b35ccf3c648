using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Portfolio;

/// <summary>A portfolio projection the system questions (<see cref="SystemRisk"/>) are asked of: one projector, or accounts split over partitions.</summary>
public interface IPortfolioProjection : IAccountNotionals
{
    int InstrumentCount { get; }

    Instrument InstrumentAt(int index);

    /// <summary>See <see cref="PortfolioProjector.Project"/>.</summary>
    void Project(ReadOnlySpan<double> moves, double insuranceFund, PortfolioOutcome outcome, int forcedAccount = -1);
}

/// <summary>
/// One scenario's account side over a share of the accounts, step by step (<see cref="PortfolioProjector"/> is one;
/// a partition held by another instance answers the same steps over the wire). The same steps in the same order give
/// the same answers wherever they run.
/// </summary>
public interface IPortfolioShare : IAccountNotionals
{

    /// <summary>Starts a scenario; <paramref name="forcedAccount"/> is this share's index of the account forced whole, or −1.</summary>
    void Begin(ReadOnlySpan<double> moves, int forcedAccount = -1);

    /// <summary>Adds the share's next round at its trigger vector to <paramref name="round"/>.</summary>
    void TakeRound(PortfolioRound round);

    /// <summary>Settles the round at the walk's fills and moves to its next trigger vector.</summary>
    void ApplyRound(ReadOnlySpan<double> fillLong, ReadOnlySpan<double> fillShort, ReadOnlySpan<double> next);

    /// <summary>Adds the share's deficits of the scenario (asked only when the fund ends negative).</summary>
    void AddDeficits(PortfolioDeficits deficits);

    /// <summary>Distinct accounts of the share liquidated in the scenario.</summary>
    int ScenarioAccounts { get; }
}

/// <summary>
/// The portfolio cascade model over accounts split into shares (partitions): each round every share says what the
/// trigger vector liquidates among its accounts, their exact sums (<see cref="PortfolioRound"/>) are added, and the
/// books are walked here with the total; the shares then settle at the walk's fills. Every sum is an integer and the
/// walk and tally are <see cref="PortfolioProjector.Project"/>'s own code, so the outcome is bit for bit that of one
/// projector holding every account, whatever the split. Accounts are numbered share by share, in share order.
/// </summary>
public sealed class PartitionedPortfolio : IPortfolioProjection
{
    private readonly IPortfolioShare[] _shares;
    private readonly int[] _firstAccount;
    private readonly Instrument[] _instruments;
    private readonly double[] _marks;
    private readonly SideDepth[] _bids;
    private readonly SideDepth[] _asks;
    private readonly PortfolioRun _run = new();
    private readonly PortfolioRound _round = new();
    private readonly PortfolioRound _share = new();
    private readonly PortfolioDeficits _deficits = new();
    private readonly PortfolioDeficits _shareDeficits = new();

    /// <param name="shares">The partitions, each loaded with the same instruments and marks.</param>
    /// <param name="instruments">The instruments, by index.</param>
    /// <param name="marks">Each instrument's mark (the shares' marks, bit for bit).</param>
    /// <param name="bids">Each instrument's bid depth, walked here.</param>
    /// <param name="asks">Each instrument's ask depth.</param>
    public PartitionedPortfolio(IReadOnlyList<IPortfolioShare> shares, IReadOnlyList<Instrument> instruments, IReadOnlyList<double> marks,
        IReadOnlyList<SideDepth> bids, IReadOnlyList<SideDepth> asks)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(instruments);
        ArgumentNullException.ThrowIfNull(marks);
        ArgumentNullException.ThrowIfNull(bids);
        ArgumentNullException.ThrowIfNull(asks);
        var n = instruments.Count;
        if (marks.Count != n || bids.Count != n || asks.Count != n)
        {
            throw new ArgumentException("a mark and both sides' depth per instrument");
        }

        _shares = [.. shares];
        _instruments = [.. instruments];
        _marks = [.. marks];
        _bids = [.. bids];
        _asks = [.. asks];
        _firstAccount = new int[_shares.Length + 1];
        for (var p = 0; p < _shares.Length; p++)
        {
            _firstAccount[p + 1] = _firstAccount[p] + _shares[p].AccountCount;
        }
    }

    public int InstrumentCount => _instruments.Length;

    public IReadOnlyList<IPortfolioShare> Shares => _shares;

    public int AccountCount => _firstAccount[^1];

    public Instrument InstrumentAt(int index) => _instruments[index];

    public AccountId AccountAt(int account)
    {
        var (share, local) = Locate(account);
        return _shares[share].AccountAt(local);
    }

    public double NotionalOf(int account)
    {
        var (share, local) = Locate(account);
        return _shares[share].NotionalOf(local);
    }

    public void Project(ReadOnlySpan<double> moves, double insuranceFund, PortfolioOutcome outcome, int forcedAccount = -1)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(forcedAccount, AccountCount);
        var n = _instruments.Length;
        var (forcedShare, forcedLocal) = forcedAccount >= 0 ? Locate(forcedAccount) : (-1, -1);
        for (var p = 0; p < _shares.Length; p++)
        {
            _shares[p].Begin(moves, p == forcedShare ? forcedLocal : -1);
        }

        _run.Begin(_instruments, _marks, _bids, _asks, n, moves, insuranceFund, outcome);
        while (true)
        {
            _round.Reset(n);
            foreach (var share in _shares)
            {
                // Each share answers into its own round, added whole: a share's sums do not depend on what came before.
                _share.Reset(n);
                share.TakeRound(_share);
                _round.Add(_share);
            }

            if (_round.Units == 0)
            {
                break;
            }

            var moved = _run.Round(_round);
            foreach (var share in _shares)
            {
                share.ApplyRound(_run.FillLong, _run.FillShort, _run.Prices);
            }

            if (!moved)
            {
                break;
            }
        }

        PortfolioDeficits? deficits = null;
        if (_run.Fund < 0)
        {
            _deficits.Reset(n);
            foreach (var share in _shares)
            {
                _shareDeficits.Reset(n);
                share.AddDeficits(_shareDeficits);
                _deficits.Add(_shareDeficits);
            }

            deficits = _deficits;
        }

        var accounts = 0;
        foreach (var share in _shares)
        {
            accounts += share.ScenarioAccounts;
        }

        _run.Finish(accounts, deficits);
        if (forcedAccount >= 0)
        {
            outcome.ForcedAccount = forcedAccount;
            outcome.ForcedNotional = _shares[forcedShare].NotionalOf(forcedLocal);
        }
    }

    private (int Share, int Local) Locate(int account)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(account);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(account, AccountCount);
        var share = 0;
        while (_firstAccount[share + 1] <= account)
        {
            share++;
        }

        return (share, account - _firstAccount[share]);
    }
}
