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

        // The holder arrays as spans of one length: the walk reads them sequentially, without a bounds check or a
        // reload of the arrays per entry.
        var slots = holders.Slots;
        var shapes = holders.Shapes[..slots.Length];
        var sizes = holders.Sizes[..slots.Length];
        var entryPrices = holders.EntryPrices[..slots.Length];
        var collaterals = holders.Collaterals[..slots.Length];
        var marked = !double.IsNaN(mark);
        var pnlTimesLeverage = ranking == AdlRanking.PnlTimesLeverage;

        // Per side: whether its heap is full, and then its root's score (the last of the ranking so far), kept in
        // locals between offers: what a holder must beat to enter, without a look into the list per holder.
        bool longsFull = false, shortsFull = false;
        double longsLast = 0, shortsLast = 0;
        for (var entry = 0; entry < slots.Length; entry++)
        {
            var slot = slots[entry];
            if (slot < 0)
            {
                continue;
            }

            var shape = shapes[entry];
            if (shape == HolderShape.Unknown || !marked)
            {
                OfferFromAccount(book, slot, instrumentIndex, mark, ranking, top, longs, shorts);
                (longsFull, longsLast) = Bar(longs, top);
                (shortsFull, shortsLast) = Bar(shorts, top);
                continue;
            }

            // The position's equity as MarginCalculator forms it at this mark (same operations, same bits), from the
            // holder arrays: no visit to the account unless it enters the ranking.
            var size = sizes[entry];
            var entryPrice = entryPrices[entry];
            var isLong = size > 0;
            var full = isLong ? longsFull : shortsFull;
            var last = isLong ? longsLast : shortsLast;
            if (pnlTimesLeverage && full && last > 0 && (isLong ? mark - entryPrice : entryPrice - mark) <= 0)
            {
                // Not in profit: its score (PnL% ÷ leverage) is at most 0, below a full heap's positive last — Offer
                // would drop it; about half the holders end here without a division.
                continue;
            }

            double positionEquity;
            if (shape == HolderShape.Isolated)
            {
                positionEquity = collaterals[entry] + instrument.UnrealizedPnl(size, entryPrice, mark);
            }
            else if (shape == HolderShape.LoneCross)
            {
                positionEquity = collaterals[entry] + (0.0 + instrument.UnrealizedPnl(size, entryPrice, mark));
            }
            else
            {
                // As the account's own figures give it, brought up to date on read (AccountState.Margin without
                // copying the whole figures).
                book.Refresh(slot);
                positionEquity = book.RowAt(slot).Margin.CrossEquity;
            }

            var score = Score(ranking, instrument, size, entryPrice, mark, positionEquity);
            if (full && score < last)
            {
                continue; // ranks after the heap's last: Offer would drop it
            }

            if (isLong)
            {
                Offer(longs, new AdlCandidate(book.IdAt(slot).Value, score, Math.Abs(size), entryPrice), top);
                (longsFull, longsLast) = Bar(longs, top);
            }
            else
            {
                Offer(shorts, new AdlCandidate(book.IdAt(slot).Value, score, Math.Abs(size), entryPrice), top);
                (shortsFull, shortsLast) = Bar(shorts, top);
            }
        }

        SortHeap(longs, top);
        SortHeap(shorts, top);
    }

    // Whether a side's heap is full, and then the score a holder must reach to enter it (its root's).
    private static (bool Full, double Last) Bar(List<AdlCandidate> side, int top) =>
        side.Count > 0 && side.Count >= top ? (true, side[0].Score) : (false, 0);

    // A holder whose shape is not recorded yet, or any holder before the instrument's first mark: scored from the
    // account's own figures.
    private static void OfferFromAccount(MarginBook book, int slot, int instrumentIndex, double mark, AdlRanking ranking, int top, List<AdlCandidate> longs, List<AdlCandidate> shorts)
    {
        var account = new AccountState(book, slot);
        var i = account.IndexOf(instrumentIndex);
        if (i < 0)
        {
            return;
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

    // Keeps the best `top` candidates as a heap whose root ranks last: a holder that does not beat the root costs one
    // comparison, so a ranking is O(holders) plus O(top log top), not a sort of every holder. Same set, same order.
    // Until the heap is full nothing reads its root, so candidates are appended and the heap is built once it fills.
    private static void Offer(List<AdlCandidate> heap, AdlCandidate candidate, int top)
    {
        if (top <= 0)
        {
            return;
        }

        if (heap.Count < top)
        {
            heap.Add(candidate);
            if (heap.Count == top)
            {
                var all = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(heap);
                for (var at = (all.Length / 2) - 1; at >= 0; at--)
                {
                    SiftDown(all, at, all[at]);
                }
            }

            return;
        }

        var h = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(heap);
        if (RanksAfter(h[0], candidate))
        {
            SiftDown(h, 0, candidate);
        }
    }

    // Puts a side's candidates in rank order, in place: a heap sort (the heap is built first when it never filled), its
    // last-ranked root moved to the end each step. RankOrder is a strict total order (one position per account and
    // side; two NaN scores aside, which no unstable sort orders either), so this is the order any sort gives, with the
    // comparison inlined and nothing allocated.
    private static void SortHeap(List<AdlCandidate> side, int top)
    {
        var h = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(side);
        if (h.Length < top)
        {
            for (var at = (h.Length / 2) - 1; at >= 0; at--)
            {
                SiftDown(h, at, h[at]);
            }
        }

        for (var end = h.Length - 1; end > 0; end--)
        {
            var item = h[end];
            h[end] = h[0];
            SiftDown(h[..end], 0, item);
        }
    }

    // Places `item` at `at` or below, moving the later-ranked child up while it ranks after the item (a hole moves
    // down instead of a swap per level).
    private static void SiftDown(Span<AdlCandidate> heap, int at, AdlCandidate item)
    {
        while (true)
        {
            var child = (2 * at) + 1;
            if (child >= heap.Length)
            {
                break;
            }

            if (child + 1 < heap.Length && RanksAfter(heap[child + 1], heap[child]))
            {
                child++;
            }

            if (!RanksAfter(heap[child], item))
            {
                break;
            }

            heap[at] = heap[child];
            at = child;
        }

        heap[at] = item;
    }

    // RankOrder(a, b) > 0 without copying the candidates.
    private static bool RanksAfter(in AdlCandidate a, in AdlCandidate b) =>
        a.Score != b.Score ? b.Score.CompareTo(a.Score) > 0 : string.CompareOrdinal(a.Account, b.Account) > 0;

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
