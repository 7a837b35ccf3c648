using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Cascades;

/// <summary>How auto-deleveraging picks its counterparties among profitable opposite positions.</summary>
public enum AdlRanking
{
    /// <summary>BitMEX: PnL% × effective leverage (PnL% ÷ leverage when the PnL is negative); highest first.</summary>
    PnlTimesLeverage,

    /// <summary>Hyperliquid: (mark / entry for longs, entry / mark for shorts) × (notional / account value); highest first.</summary>
    Hyperliquid,

    /// <summary>Every profitable opposite position gives up the same fraction of its size.</summary>
    ProRata,
}

/// <summary>
/// The opposite-side positions of one symbol in ADL order, ranked at the mark when built (venues publish ADL
/// queues at the mark too). Built on demand, not per tick; a projection only walks it when the insurance fund
/// runs dry. Immutable once built.
/// </summary>
public sealed class AdlQueue
{
    private readonly double[] _sizes;
    private readonly double[] _entries;
    private readonly string[] _accounts;

    private AdlQueue(AdlRanking ranking, bool longs, double[] sizes, double[] entries, string[] accounts)
    {
        Ranking = ranking;
        Longs = longs;
        _sizes = sizes;
        _entries = entries;
        _accounts = accounts;
    }

    public static AdlQueue Empty(bool longs) => new(AdlRanking.ProRata, longs, [], [], []);

    public AdlRanking Ranking { get; }

    /// <summary>True when the queue holds longs (the counterparties of an up-move cascade of shorts).</summary>
    public bool Longs { get; }

    public int Count => _sizes.Length;

    /// <summary>Account id of the candidate at a rank.</summary>
    public string AccountAt(int rank) => _accounts[rank];

    /// <summary>Ranks the positions of <paramref name="instrumentIndex"/> on one side of <paramref name="book"/>.</summary>
    public static AdlQueue Build(MarginBook book, int instrumentIndex, bool longs, AdlRanking ranking) =>
        FromRanked(ranking, longs, Rank(book, instrumentIndex, longs, ranking, int.MaxValue), int.MaxValue);

    /// <summary>Both sides' queues of <paramref name="instrumentIndex"/>, ranked in one pass.</summary>
    public static (AdlQueue Longs, AdlQueue Shorts) BuildBoth(MarginBook book, int instrumentIndex, AdlRanking ranking)
    {
        List<AdlCandidate> longs = [], shorts = [];
        RankBothInto(book, instrumentIndex, ranking, int.MaxValue, longs, shorts);
        return (FromRanked(ranking, longs: true, longs, int.MaxValue), FromRanked(ranking, longs: false, shorts, int.MaxValue));
    }

    /// <summary>
    /// The queue of candidates ranked elsewhere (partial queues of several account partitions, each already in rank
    /// order), cut to its first <paramref name="top"/>: the top of each part holds the top of the whole, so merging
    /// the parts' tops gives what one ranking of every account would.
    /// </summary>
    public static AdlQueue FromRanked(AdlRanking ranking, bool longs, IEnumerable<AdlCandidate> candidates, int top)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var ranked = candidates.ToList();
        ranked.Sort(RankComparer.Instance);
        if (ranked.Count > top)
        {
            ranked.RemoveRange(top, ranked.Count - top);
        }

        return new AdlQueue(ranking, longs, ranked.Select(c => c.Size).ToArray(), ranked.Select(c => c.Entry).ToArray(), ranked.Select(c => c.Account).ToArray());
    }

    /// <summary>The first <paramref name="top"/> ADL candidates of one side of one instrument, in rank order.</summary>
    public static List<AdlCandidate> Rank(MarginBook book, int instrumentIndex, bool longs, AdlRanking ranking, int top)
    {
        List<AdlCandidate> longSide = [], shortSide = [];
        RankBothInto(book, instrumentIndex, ranking, top, longSide, shortSide);
        return longs ? longSide : shortSide;
    }

    /// <summary>Both sides' rankings in one pass over the holders (the account stage refreshes both on the same cadence).</summary>
    /// <remarks>A pass over the instrument's holders (not every account) and a bounded heap per side, allocating nothing once the lists have grown to <paramref name="top"/>.</remarks>
    public static void RankBothInto(MarginBook book, int instrumentIndex, AdlRanking ranking, int top, List<AdlCandidate> longs, List<AdlCandidate> shorts)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(longs);
        ArgumentNullException.ThrowIfNull(shorts);
        longs.Clear();
        shorts.Clear();
        var mark = book.MarkOf(instrumentIndex);
        var holders = book.HoldersOf(instrumentIndex);
        var instrument = book.Catalog[instrumentIndex];
        for (var entry = 0; entry < holders.Used; entry++)
        {
            if (holders[entry] is not (>= 0 and var slot))
            {
                continue;
            }

            var account = new AccountState(book, slot);

            var shape = holders.ShapeAt(entry);
            if (shape != HolderShape.Unknown && !double.IsNaN(mark))
            {
                // The position's equity as MarginCalculator forms it at this mark (same operations, same bits), from the
                // holder arrays: no visit to the account unless it enters the ranking.
                var (size, entryPrice, collateral) = holders.TermsAt(entry);
                var side = size > 0 ? longs : shorts;
                var heapFull = side.Count > 0 && side.Count >= top;
                if (ranking == AdlRanking.PnlTimesLeverage && heapFull && side[0].Score > 0 && (size > 0 ? mark - entryPrice : entryPrice - mark) <= 0)
                {
                    // Not in profit: its score (PnL% ÷ leverage) is at most 0, below a full heap's positive last — Offer
                    // would drop it; about half the holders end here without a division.
                    continue;
                }

                var positionEquity = shape switch
                {
                    HolderShape.Isolated => collateral + instrument.UnrealizedPnl(size, entryPrice, mark),
                    HolderShape.LoneCross => collateral + (0.0 + instrument.UnrealizedPnl(size, entryPrice, mark)),
                    _ => account.Margin.CrossEquity, // as the account's own figures give it (brought up to date on read)
                };
                var score = Score(ranking, instrument, size, entryPrice, mark, positionEquity);
                if (heapFull && score < side[0].Score)
                {
                    continue; // ranks after the heap's last: Offer would drop it
                }

                Offer(side, new AdlCandidate(account.Id.Value, score, Math.Abs(size), entryPrice), top);
                continue;
            }

            var i = account.IndexOf(instrumentIndex);
            if (i < 0)
            {
                continue;
            }

            double equity;
            PositionTerms p;
            if (account.PositionCount == 1)
            {
                // Before the instrument's first mark: the position is marked at its own (entry) price.
                p = account.RawTermsAt(0);
                var pnl = p.Instrument.UnrealizedPnl(p.Size, p.Entry, double.IsNaN(mark) ? p.Mark : mark);
                equity = p.IsIsolated ? p.IsolatedMargin + pnl : account.Balance + (0.0 + pnl);
            }
            else
            {
                p = account.Positions[i];
                equity = p.IsIsolated ? p.IsolatedMargin + account.PositionMargins[i].UnrealizedPnl : account.Margin.CrossEquity;
            }

            var isLong = p.Size > 0;
            var price = double.IsNaN(mark) ? p.Mark : mark;
            Offer(isLong ? longs : shorts, new AdlCandidate(account.Id.Value, Score(ranking, in p, price, equity), Math.Abs(p.Size), p.Entry), top);
        }

        // Span sort with a static comparison: no delegate or comparer allocated per ranking.
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(longs).Sort(static (a, b) => RankOrder(a, b));
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shorts).Sort(static (a, b) => RankOrder(a, b));
    }

    // Keeps the best `top` candidates as a heap whose root ranks last: a holder that does not beat the root costs one
    // comparison, so a ranking is O(holders) plus O(top log top), not a sort of every holder. Same set, same order.
    private static void Offer(List<AdlCandidate> heap, AdlCandidate candidate, int top)
    {
        if (top <= 0)
        {
            return;
        }

        if (heap.Count < top)
        {
            heap.Add(candidate);
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(heap);
            var child = span.Length - 1;
            while (child > 0)
            {
                var parent = (child - 1) / 2;
                if (RankOrder(span[child], span[parent]) <= 0)
                {
                    break;
                }

                (span[child], span[parent]) = (span[parent], span[child]);
                child = parent;
            }

            return;
        }

        var h = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(heap);
        if (RankOrder(candidate, h[0]) >= 0)
        {
            return;
        }

        h[0] = candidate;
        var at = 0;
        while (true)
        {
            var worst = at;
            var left = (2 * at) + 1;
            if (left < h.Length && RankOrder(h[left], h[worst]) > 0)
            {
                worst = left;
            }

            if (left + 1 < h.Length && RankOrder(h[left + 1], h[worst]) > 0)
            {
                worst = left + 1;
            }

            if (worst == at)
            {
                return;
            }

            (h[at], h[worst]) = (h[worst], h[at]);
            at = worst;
        }
    }

    // Highest score first; ties by account id, so the order is deterministic (replay equals live) and the same in
    // every instance (slots are per process, ids are not).
    private static int RankOrder(AdlCandidate a, AdlCandidate b) =>
        b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Account, b.Account);

    private sealed class RankComparer : IComparer<AdlCandidate>
    {
        public static readonly RankComparer Instance = new();

        public int Compare(AdlCandidate x, AdlCandidate y) => RankOrder(x, y);
    }

    internal static double Score(AdlRanking ranking, in PositionTerms p, double mark, double equity) =>
        Score(ranking, p.Instrument, p.Size, p.Entry, mark, equity);

    private static double Score(AdlRanking ranking, Instruments.Instrument instrument, double size, double entry, double mark, double equity)
    {
        var notional = instrument.Notional(size, mark);
        var side = size >= 0 ? 1.0 : -1.0; // PositionTerms.Side
        var pnlFraction = side * (mark - entry) / entry;
        var leverage = equity > 0 ? notional / equity : double.MaxValue;
        return ranking switch
        {
            AdlRanking.PnlTimesLeverage => pnlFraction >= 0 ? pnlFraction * leverage : pnlFraction / leverage,
            AdlRanking.Hyperliquid => (side > 0 ? mark / entry : entry / mark) * leverage,
            _ => 0,
        };
    }

    /// <summary>
    /// Deleverages <paramref name="size"/> against positions still profitable at <paramref name="price"/>, in rank order
    /// (pro-rata: all of them, proportionally). Returns the size covered and the accounts hit.
    /// </summary>
    public (double Covered, int Accounts) Take(double size, double price)
    {
        if (!(size > 0))
        {
            return (0, 0);
        }

        if (Ranking == AdlRanking.ProRata)
        {
            double available = 0;
            var profitable = 0;
            for (var i = 0; i < _sizes.Length; i++)
            {
                if (Profitable(i, price))
                {
                    available += _sizes[i];
                    profitable++;
                }
            }

            return (Math.Min(size, available), available > 0 ? profitable : 0);
        }

        double covered = 0;
        var hit = 0;
        for (var i = 0; i < _sizes.Length && covered < size; i++)
        {
            if (!Profitable(i, price))
            {
                continue;
            }

            covered += Math.Min(_sizes[i], size - covered);
            hit++;
        }

        return (covered, hit);
    }

    // A long profits when the price is above its entry, a short when below.
    private bool Profitable(int i, double price) => Longs ? price > _entries[i] : price < _entries[i];
}

/// <summary>One position that ADL could close: its account, rank score, |size| and entry price.</summary>
public readonly record struct AdlCandidate(string Account, double Score, double Size, double Entry);
