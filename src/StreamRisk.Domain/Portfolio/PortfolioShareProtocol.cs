using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Portfolio;

/// <summary>One round's walk as the shares need it: per instrument the longs' and shorts' fill and the next trigger.</summary>
public sealed record ShareWalk(double[] FillLong, double[] FillShort, double[] Next);

/// <summary>
/// What a share is asked about one scenario: start it (moves, the account forced whole by id, if any), replay the rounds
/// walked so far, then answer the next round — or, when <see cref="Final"/>, the scenario's deficits and accounts. A
/// share keeps nothing between questions: the answer is a function of the question and the share's accounts, so any
/// instance holding the partition gives the same one, and scenarios of a batch run side by side.
/// </summary>
public sealed record ShareQuestion(int Scenario, double[] Moves, string? ForcedAccount, IReadOnlyList<ShareWalk> Walks, bool Final);

/// <summary>
/// A share's answer: the next round's exact sums, or (final) its deficits, its distinct liquidated accounts and the
/// forced account's notional when it holds that account (0 otherwise).
/// </summary>
public sealed record ShareAnswer(int Scenario, PortfolioRound? Round, PortfolioDeficits? Deficits, int Accounts, double ForcedNotional);

/// <summary>A scenario of a batch: moves, and the account forced whole (by id) or none.</summary>
public sealed record BatchScenario(double[] Moves, string? ForcedAccount = null);

/// <summary>Answers <see cref="ShareQuestion"/>s over one share's accounts (the partition side of a split projection).</summary>
public sealed class PortfolioShareResponder(PortfolioProjector share)
{
    private readonly PortfolioRound _scratch = new();
    private Dictionary<string, int>? _index;

    public PortfolioProjector Share { get; } = share ?? throw new ArgumentNullException(nameof(share));

    public ShareAnswer Answer(ShareQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var n = Share.InstrumentCount;
        var forced = question.ForcedAccount is { } id ? IndexOf(id) : -1;
        Share.Begin(question.Moves, forced);
        foreach (var walk in question.Walks)
        {
            _scratch.Reset(n);
            Share.TakeRound(_scratch);
            Share.ApplyRound(walk.FillLong, walk.FillShort, walk.Next);
        }

        if (!question.Final)
        {
            var round = new PortfolioRound();
            round.Reset(n);
            Share.TakeRound(round);
            return new ShareAnswer(question.Scenario, round, null, 0, 0);
        }

        var deficits = new PortfolioDeficits();
        deficits.Reset(n);
        Share.AddDeficits(deficits);
        return new ShareAnswer(question.Scenario, null, deficits, Share.ScenarioAccounts, forced >= 0 ? Share.NotionalOf(forced) : 0);
    }

    /// <summary>The share's <paramref name="count"/> accounts of largest notional (<see cref="LargeAccounts.Compare"/>).</summary>
    public IReadOnlyList<LargeAccount> LargestAccounts(int count) => [.. LargeAccounts.Of(Share, count).Select(x => x.Account)];

    private int IndexOf(string id)
    {
        if (_index is null)
        {
            _index = new Dictionary<string, int>(Share.AccountCount, StringComparer.Ordinal);
            for (var a = 0; a < Share.AccountCount; a++)
            {
                _index[Share.AccountAt(a).Value] = a;
            }
        }

        return _index.TryGetValue(id, out var index) ? index : -1;
    }
}

/// <summary>
/// A batch of portfolio scenarios over shares reached by questions and answers (<see cref="ShareQuestion"/>): every
/// scenario of the batch advances one round per exchange, so a batch costs as many exchanges as its longest scenario
/// has rounds, plus one. The answers are added in share order and the books walked here with
/// <see cref="PartitionedPortfolio"/>'s code: the outcomes are those of one projector holding every account, bit for bit.
/// </summary>
public sealed class BatchedPortfolio(IReadOnlyList<Instrument> instruments, IReadOnlyList<double> marks, IReadOnlyList<SideDepth> bids, IReadOnlyList<SideDepth> asks)
{
    private readonly Instrument[] _instruments = [.. instruments];
    private readonly double[] _marks = [.. marks];
    private readonly SideDepth[] _bids = [.. bids];
    private readonly SideDepth[] _asks = [.. asks];

    /// <summary>
    /// Projects every scenario; <paramref name="exchange"/> puts the questions to every share and returns each share's
    /// answers (shares in a fixed order, answers in question order).
    /// </summary>
    public PortfolioOutcome[] ProjectAll(IReadOnlyList<BatchScenario> scenarios, double insuranceFund,
        Func<IReadOnlyList<ShareQuestion>, IReadOnlyList<IReadOnlyList<ShareAnswer>>> exchange)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(exchange);
        var n = _instruments.Length;
        var outcomes = new PortfolioOutcome[scenarios.Count];
        var runs = new PortfolioRun[scenarios.Count];
        var walks = new List<ShareWalk>[scenarios.Count];
        var final = new bool[scenarios.Count];
        var active = new List<int>();
        for (var s = 0; s < scenarios.Count; s++)
        {
            outcomes[s] = new PortfolioOutcome();
            runs[s] = new PortfolioRun();
            runs[s].Begin(_instruments, _marks, _bids, _asks, n, scenarios[s].Moves, insuranceFund, outcomes[s]);
            walks[s] = [];
            active.Add(s);
        }

        var round = new PortfolioRound();
        var deficits = new PortfolioDeficits();
        while (active.Count > 0)
        {
            var questions = active.Select(s => new ShareQuestion(s, scenarios[s].Moves, scenarios[s].ForcedAccount, walks[s].ToArray(), final[s])).ToArray();
            var answers = exchange(questions);
            var still = new List<int>();
            for (var q = 0; q < questions.Length; q++)
            {
                var s = active[q];
                var run = runs[s];
                if (final[s])
                {
                    deficits.Reset(n);
                    int accounts = 0;
                    double forcedNotional = 0;
                    foreach (var share in answers)
                    {
                        var answer = Check(share[q], s);
                        deficits.Add(answer.Deficits ?? throw new InvalidOperationException($"share answered scenario {s} without its deficits"));
                        accounts += answer.Accounts;
                        forcedNotional += answer.ForcedNotional;
                    }

                    run.Finish(accounts, run.Fund < 0 ? deficits : null);
                    // The forced account is named by id here; its index in the outcome stays −1.
                    outcomes[s].ForcedNotional = forcedNotional;

                    continue;
                }

                round.Reset(n);
                foreach (var share in answers)
                {
                    round.Add(Check(share[q], s).Round ?? throw new InvalidOperationException($"share answered scenario {s} without its round"));
                }

                still.Add(s);
                if (round.Units == 0)
                {
                    final[s] = true;
                    continue;
                }

                var moved = run.Round(round);
                walks[s].Add(new ShareWalk(run.FillLong.ToArray(), run.FillShort.ToArray(), run.Prices.ToArray()));
                final[s] = !moved;
            }

            active = still;
        }

        return outcomes;
    }

    private static ShareAnswer Check(ShareAnswer answer, int scenario) =>
        answer.Scenario == scenario ? answer : throw new InvalidOperationException($"a share answered scenario {answer.Scenario} for {scenario}");
}

/// <summary>
/// <see cref="IPortfolioBatches"/> over account partitions: batches through <see cref="BatchedPortfolio"/> and an
/// exchange of questions and answers, the largest accounts merged from each partition's own largest.
/// </summary>
/// <param name="batch">The books' side.</param>
/// <param name="exchange">Puts a batch's questions to every partition; each partition's answers, partitions in a fixed order.</param>
/// <param name="largest">Asks every partition for its largest accounts.</param>
/// <param name="accountCount">Accounts over all partitions.</param>
/// <param name="shockStepsPerBatch">Critical-shock steps per batch (each batch costs its rounds in exchanges).</param>
public sealed class PartitionedPortfolioBatches(BatchedPortfolio batch, Func<IReadOnlyList<ShareQuestion>, IReadOnlyList<IReadOnlyList<ShareAnswer>>> exchange,
    Func<int, IEnumerable<IEnumerable<LargeAccount>>> largest, int instrumentCount, int accountCount, int shockStepsPerBatch) : IPortfolioBatches
{
    public int InstrumentCount => instrumentCount;

    public int AccountCount => accountCount;

    public int ShockStepsPerBatch => shockStepsPerBatch;

    public IReadOnlyList<LargeAccount> LargestAccounts(int count) => LargeAccounts.Merge(largest(count), count);

    public IReadOnlyList<PortfolioOutcome> Project(IReadOnlyList<BatchScenario> scenarios, double insuranceFund) =>
        batch.ProjectAll(scenarios, insuranceFund, exchange);
}

/// <summary>
/// One exchange of a view with every account partition: the view (its cadence boundary and the stage of the input
/// that reached it, so a partition answers from its accounts as of then), the instruments by symbol with the marks the
/// shares are built at, how many of each partition's largest accounts to name (0 for none), and the questions.
/// </summary>
public sealed record ShareRequest(long View, long Stage, int Exchange, IReadOnlyList<string> Symbols, IReadOnlyList<double> Marks, int Largest,
    IReadOnlyList<ShareQuestion> Questions);

/// <summary>One partition's reply to a <see cref="ShareRequest"/>: its account count, its largest accounts (when asked) and its answers in question order.</summary>
public sealed record ShareReply(long View, int Exchange, int Source, int Accounts, IReadOnlyList<LargeAccount> Largest, IReadOnlyList<ShareAnswer> Answers);

/// <summary>Puts a request to every account partition and returns each one's reply, partitions in order.</summary>
public interface IShareTransport
{
    IReadOnlyList<ShareReply> Exchange(ShareRequest request);
}

/// <summary>
/// <see cref="IPortfolioBatches"/> for one view over account partitions reached through a <see cref="IShareTransport"/>:
/// the first exchange counts the accounts and names each partition's largest; every batch after is one
/// <see cref="BatchedPortfolio"/> run, one exchange per round.
/// </summary>
public sealed class RemotePortfolioBatches : IPortfolioBatches
{
    private readonly IShareTransport _transport;
    private readonly BatchedPortfolio _batch;
    private readonly long _view;
    private readonly long _stage;
    private readonly string[] _symbols;
    private readonly double[] _marks;
    private readonly int _largestAsked;
    private readonly IReadOnlyList<IReadOnlyList<LargeAccount>> _largest;
    private int _exchange;

    /// <param name="largest">How many largest accounts each partition names in the first exchange (the most the view will ask for).</param>
    public RemotePortfolioBatches(IShareTransport transport, long view, long stage, IReadOnlyList<Instrument> instruments, IReadOnlyList<double> marks,
        IReadOnlyList<SideDepth> bids, IReadOnlyList<SideDepth> asks, int largest, int shockStepsPerBatch)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(instruments);
        _transport = transport;
        _view = view;
        _stage = stage;
        _symbols = [.. instruments.Select(x => x.Symbol.Value)];
        _marks = [.. marks];
        _batch = new BatchedPortfolio(instruments, marks, bids, asks);
        ShockStepsPerBatch = Math.Max(1, shockStepsPerBatch);
        _largestAsked = Math.Max(0, largest);
        var replies = Exchange(_largestAsked, []);
        AccountCount = replies.Sum(r => r.Accounts);
        _largest = [.. replies.Select(r => r.Largest)];
    }

    public int InstrumentCount => _symbols.Length;

    public int AccountCount { get; }

    public int ShockStepsPerBatch { get; }

    /// <summary>Exchanges made for the view so far.</summary>
    public int Exchanges => _exchange;

    public IReadOnlyList<LargeAccount> LargestAccounts(int count)
    {
        if (count <= _largestAsked)
        {
            return LargeAccounts.Merge(_largest, count);
        }

        var replies = Exchange(count, []);
        return LargeAccounts.Merge(replies.Select(r => r.Largest), count);
    }

    public IReadOnlyList<PortfolioOutcome> Project(IReadOnlyList<BatchScenario> scenarios, double insuranceFund) =>
        _batch.ProjectAll(scenarios, insuranceFund, questions => [.. Exchange(0, questions).Select(r => r.Answers)]);

    private IReadOnlyList<ShareReply> Exchange(int largest, IReadOnlyList<ShareQuestion> questions)
    {
        var request = new ShareRequest(_view, _stage, _exchange++, _symbols, _marks, largest, questions);
        var replies = _transport.Exchange(request);
        foreach (var reply in replies)
        {
            if (reply.View != _view || reply.Exchange != request.Exchange || reply.Answers.Count != questions.Count)
            {
                throw new InvalidOperationException(
                    $"partition {reply.Source} replied to view {reply.View} exchange {reply.Exchange} with {reply.Answers.Count} answers; asked view {_view} exchange {request.Exchange}, {questions.Count} questions");
            }
        }

        return replies;
    }
}
