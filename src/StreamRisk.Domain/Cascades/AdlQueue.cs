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
    private readonly int[] _accounts;

    private AdlQueue(AdlRanking ranking, bool longs, double[] sizes, double[] entries, int[] accounts)
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

    /// <summary>Account slot (in its <see cref="MarginBook"/>) of the candidate at a rank.</summary>
    public int AccountAt(int rank) => _accounts[rank];

    /// <summary>Ranks the positions of <paramref name="instrumentIndex"/> on one side of <paramref name="book"/>.</summary>
    public static AdlQueue Build(MarginBook book, int instrumentIndex, bool longs, AdlRanking ranking)
    {
        ArgumentNullException.ThrowIfNull(book);
        var mark = book.MarkOf(instrumentIndex);
        var candidates = new List<(double Score, double Size, double Entry, int Account)>();
        foreach (var account in book.Accounts)
        {
            for (var i = 0; i < account.PositionCount; i++)
            {
                if (account.InstrumentIndexAt(i) != instrumentIndex)
                {
                    continue;
                }

                var p = account.Positions[i];
                if ((p.Size > 0) != longs)
                {
                    continue;
                }

                var price = double.IsNaN(mark) ? p.Mark : mark;
                var equity = p.IsIsolated ? p.IsolatedMargin + account.PositionMargins[i].UnrealizedPnl : account.Margin.CrossEquity;
                candidates.Add((Score(ranking, in p, price, equity), Math.Abs(p.Size), p.Entry, account.Slot));
            }
        }

        // Highest score first; ties by account slot so the order is deterministic (replay equals live).
        candidates.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Account.CompareTo(b.Account));
        return new AdlQueue(ranking, longs,
            candidates.Select(c => c.Size).ToArray(),
            candidates.Select(c => c.Entry).ToArray(),
            candidates.Select(c => c.Account).ToArray());
    }

    internal static double Score(AdlRanking ranking, in PositionTerms p, double mark, double equity)
    {
        var notional = p.Instrument.Notional(p.Size, mark);
        var pnlFraction = p.Side * (mark - p.Entry) / p.Entry;
        var leverage = equity > 0 ? notional / equity : double.MaxValue;
        return ranking switch
        {
            AdlRanking.PnlTimesLeverage => pnlFraction >= 0 ? pnlFraction * leverage : pnlFraction / leverage,
            AdlRanking.Hyperliquid => (p.Side > 0 ? mark / p.Entry : p.Entry / mark) * leverage,
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
