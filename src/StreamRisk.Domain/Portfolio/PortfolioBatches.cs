namespace StreamRisk.Domain.Portfolio;

/// <summary>An account and its notional at the marks.</summary>
public readonly record struct LargeAccount(string Id, double Notional);

/// <summary>Accounts by index, with their notional at the marks: what the largest accounts are picked from.</summary>
public interface IAccountNotionals
{
    int AccountCount { get; }

    AccountId AccountAt(int account);

    /// <summary>Σ notional at the marks of an account's positions.</summary>
    double NotionalOf(int account);
}

/// <summary>
/// The portfolio as the system view asks it: scenarios in batches, and the largest accounts. In one process a batch is
/// projected one scenario after the other (<see cref="LocalPortfolioBatches"/>); over account partitions a batch runs
/// its rounds side by side, one exchange per round for the whole batch (<see cref="BatchedPortfolio"/>). The outcomes
/// are the same to the bit either way, and so is every view built on them.
/// </summary>
public interface IPortfolioBatches
{
    int InstrumentCount { get; }

    int AccountCount { get; }

    /// <summary>The <paramref name="count"/> accounts of largest notional at the marks, largest first, ties by account id (ordinal).</summary>
    IReadOnlyList<LargeAccount> LargestAccounts(int count);

    /// <summary>Projects a batch; the outcomes, in scenario order, are valid until the next call.</summary>
    IReadOnlyList<PortfolioOutcome> Project(IReadOnlyList<BatchScenario> scenarios, double insuranceFund);

    /// <summary>
    /// Critical-shock steps to ask per batch: 1 where a projection is cheap on its own (the scan stops at the first
    /// runaway step), more where every batch costs exchanges over the wire.
    /// </summary>
    int ShockStepsPerBatch { get; }
}

/// <summary>Account ranking shared by every implementation of <see cref="IPortfolioBatches.LargestAccounts"/>.</summary>
public static class LargeAccounts
{
    /// <summary>Orders by notional, largest first, then by id (ordinal).</summary>
    public static int Compare(LargeAccount a, LargeAccount b) =>
        a.Notional != b.Notional ? b.Notional.CompareTo(a.Notional) : string.CompareOrdinal(a.Id, b.Id);

    /// <summary>
    /// The indices of the <paramref name="indices"/>.Length accounts of largest notional (with their notionals), largest
    /// first, ties by account id: not by index, since a split portfolio numbers its accounts differently and must pick
    /// the same ones. Allocates nothing. Returns how many were written (fewer when there are fewer accounts).
    /// </summary>
    public static int Select(IAccountNotionals accounts, Span<int> indices, Span<double> notionals)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var count = Math.Min(indices.Length, notionals.Length);
        if (count == 0)
        {
            return 0;
        }

        var filled = 0;
        for (var a = 0; a < accounts.AccountCount; a++)
        {
            var notional = accounts.NotionalOf(a);
            if (filled == count && !Before(accounts, notional, a, notionals[filled - 1], indices[filled - 1]))
            {
                continue;
            }

            var at = filled < count ? filled++ : filled - 1;
            while (at > 0 && Before(accounts, notional, a, notionals[at - 1], indices[at - 1]))
            {
                indices[at] = indices[at - 1];
                notionals[at] = notionals[at - 1];
                at--;
            }

            indices[at] = a;
            notionals[at] = notional;
        }

        return filled;
    }

    /// <summary>The <paramref name="count"/> largest of one share's accounts, by <see cref="Compare"/>.</summary>
    public static List<(int Index, LargeAccount Account)> Of(IAccountNotionals share, int count)
    {
        ArgumentNullException.ThrowIfNull(share);
        count = Math.Max(0, Math.Min(count, share.AccountCount));
        var indices = new int[count];
        var notionals = new double[count];
        var filled = Select(share, indices, notionals);
        var top = new List<(int Index, LargeAccount Account)>(filled);
        for (var k = 0; k < filled; k++)
        {
            top.Add((indices[k], new LargeAccount(share.AccountAt(indices[k]).Value, notionals[k])));
        }

        return top;
    }

    private static bool Before(IAccountNotionals accounts, double notional, int account, double otherNotional, int other) =>
        notional > otherNotional
        || (notional == otherNotional && string.CompareOrdinal(accounts.AccountAt(account).Value, accounts.AccountAt(other).Value) < 0);

    /// <summary>The <paramref name="count"/> largest of several shares' own largest (each share's list ranked by <see cref="Compare"/>).</summary>
    public static IReadOnlyList<LargeAccount> Merge(IEnumerable<IEnumerable<LargeAccount>> shares, int count)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var all = shares.SelectMany(s => s).ToList();
        all.Sort(Compare);
        return all.Count > count ? all.GetRange(0, Math.Max(0, count)) : all;
    }
}

/// <summary>Batches over one <see cref="PortfolioProjector"/> holding every account: each scenario projected in turn, outcomes reused.</summary>
public sealed class LocalPortfolioBatches(PortfolioProjector projector) : IPortfolioBatches
{
    private readonly List<PortfolioOutcome> _outcomes = [];
    private readonly Dictionary<string, int> _named = new(StringComparer.Ordinal);

    public int InstrumentCount => projector.InstrumentCount;

    public int AccountCount => projector.AccountCount;

    public int ShockStepsPerBatch => 1;

    public IReadOnlyList<LargeAccount> LargestAccounts(int count)
    {
        _named.Clear();
        var top = LargeAccounts.Of(projector, count);
        var result = new LargeAccount[top.Count];
        for (var k = 0; k < top.Count; k++)
        {
            _named[top[k].Account.Id] = top[k].Index;
            result[k] = top[k].Account;
        }

        return result;
    }

    public IReadOnlyList<PortfolioOutcome> Project(IReadOnlyList<BatchScenario> scenarios, double insuranceFund)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        while (_outcomes.Count < scenarios.Count)
        {
            _outcomes.Add(new PortfolioOutcome());
        }

        for (var s = 0; s < scenarios.Count; s++)
        {
            var forced = scenarios[s].ForcedAccount is { } id ? IndexOf(id) : -1;
            projector.Project(scenarios[s].Moves, insuranceFund, _outcomes[s], forced);
        }

        return _outcomes.Count == scenarios.Count ? _outcomes : _outcomes.GetRange(0, scenarios.Count);
    }

    /// <summary>The accounts <see cref="LargestAccounts"/> named are looked up at once; any other by a scan.</summary>
    private int IndexOf(string id)
    {
        if (_named.TryGetValue(id, out var index) && index < projector.AccountCount && projector.AccountAt(index).Value == id)
        {
            return index;
        }

        for (var a = 0; a < projector.AccountCount; a++)
        {
            if (projector.AccountAt(a).Value == id)
            {
                return a;
            }
        }

        throw new ArgumentException($"no account '{id}' to force", nameof(id));
    }
}
