namespace StreamRisk.Domain.Books;

/// <summary>One market order's walk through a book: what filled, at what total price, the last level touched and what found no depth.</summary>
/// <param name="Filled">Quantity filled against the book.</param>
/// <param name="Notional">Σ price × quantity of the filled part.</param>
/// <param name="LastPrice">Price of the last level touched; NaN when no level was.</param>
/// <param name="Unfilled">Quantity the side (less what earlier orders consumed) could not take.</param>
public readonly record struct OrderWalk(double Filled, double Notional, double LastPrice, double Unfilled)
{
    /// <summary>Volume-weighted price of the filled part; NaN when nothing filled.</summary>
    public double AveragePrice => Filled > 0 ? Notional / Filled : double.NaN;
}

/// <summary>
/// Depth that market orders of the liquidation engine took out of a venue's book, and its return: the consumed
/// quantity at a level comes back linearly over <see cref="Recovery"/> of event time after the last order that
/// consumed there (resting orders refill a swept level over seconds to minutes; the rate is a documented assumption,
/// not a venue fact). Kept beside the book, never in it: the book stays the venue's exact state, so the next venue
/// diff applies exactly, and the available depth at a level is the venue's quantity less what is still consumed.
/// </summary>
/// <remarks>Owner: the engine thread, like the book. Small: only levels an order touched in the last <see cref="Recovery"/>.</remarks>
public sealed class DepthOverlay
{
    private readonly Dictionary<long, Consumed> _bids = [];
    private readonly Dictionary<long, Consumed> _asks = [];
    private readonly long _recoveryMs;
    private readonly List<long> _expired = [];

    public DepthOverlay(TimeSpan recovery)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recovery, TimeSpan.Zero);
        Recovery = recovery;
        _recoveryMs = (long)recovery.TotalMilliseconds;
    }

    /// <summary>How long consumed depth takes to come back in full (linearly); zero: at once.</summary>
    public TimeSpan Recovery { get; }

    /// <summary>Levels with depth still consumed (both sides).</summary>
    public int Count => _bids.Count + _asks.Count;

    /// <summary>Quantity still consumed at a level at <paramref name="now"/> (event time, ms).</summary>
    public double ConsumedAt(BookSide side, long priceTicks, long now) =>
        (side == BookSide.Bid ? _bids : _asks).TryGetValue(priceTicks, out var consumed) ? consumed.At(now, _recoveryMs) : 0;

    /// <summary>
    /// Walks a market order of <paramref name="quantity"/> through <paramref name="side"/> of <paramref name="book"/> from
    /// the best level outward, taking only depth not already consumed, and records what it took.
    /// </summary>
    public OrderWalk Walk(OrderBook book, BookSide side, double quantity, long now)
    {
        ArgumentNullException.ThrowIfNull(book);
        var consumed = side == BookSide.Bid ? _bids : _asks;
        Forget(consumed, now);
        var remaining = quantity;
        double notional = 0;
        var last = double.NaN;
        var levels = book.LevelCount(side);
        for (var i = 0; i < levels && remaining > 0; i++)
        {
            var level = book.LevelAt(side, i);
            var taken = consumed.TryGetValue(level.PriceTicks, out var was) ? was.At(now, _recoveryMs) : 0;
            var available = level.Quantity - taken;
            if (!(available > 0))
            {
                continue;
            }

            var take = Math.Min(available, remaining);
            var price = book.TickSize.ToPrice(level.PriceTicks);
            notional += take * price;
            remaining -= take;
            last = price;
            if (_recoveryMs > 0)
            {
                consumed[level.PriceTicks] = new Consumed(taken + take, now);
            }
        }

        return new OrderWalk(quantity - remaining, notional, last, remaining);
    }

    private void Forget(Dictionary<long, Consumed> consumed, long now)
    {
        foreach (var (tick, c) in consumed)
        {
            if (c.At(now, _recoveryMs) <= 0)
            {
                _expired.Add(tick);
            }
        }

        foreach (var tick in _expired)
        {
            consumed.Remove(tick);
        }

        _expired.Clear();
    }

    /// <summary>A quantity consumed at <paramref name="Since"/>, coming back linearly over the recovery time.</summary>
    private readonly record struct Consumed(double Quantity, long Since)
    {
        public double At(long now, long recoveryMs) =>
            recoveryMs <= 0 ? 0 : Quantity * Math.Max(0, 1 - ((double)Math.Max(0, now - Since) / recoveryMs));
    }
}
