using System.Diagnostics.CodeAnalysis;

namespace StreamRisk.Domain.Books;

/// <summary>
/// Walks market orders through one side of an <see cref="OrderBook"/> and remembers what they took, so depth consumed
/// by one round of a cascade stays consumed for the next; <see cref="Reset"/> starts again from the untouched book.
/// The book is never modified. A mutable struct so a projection allocates nothing: keep it in a local or a field and
/// don't copy it mid-walk (a copy walks on its own). Valid while the book is unchanged; owned by the book's writer.
/// </summary>
public struct DepthCursor
{
    /// <summary>
    /// Remainders within this fraction of the order (or of a level) count as zero: double sums of decimal quantities
    /// leave residues such as 2.8e-17 that would otherwise show up as one more touched, nearly empty level.
    /// </summary>
    public const double Dust = 1e-12;

    private readonly OrderBook _book;
    private readonly BookSide _side;
    private long _version;
    private int _level;

    // What is left of level _level once an earlier order took part of it; only meaningful while _partial.
    private double _leftAtLevel;
    private bool _partial;

    internal DepthCursor(OrderBook book, BookSide side)
    {
        _book = book;
        _side = side;
        _version = book.Version;
    }

    public readonly BookSide Side => _side;

    /// <summary>Levels used up entirely, counted from the best.</summary>
    public readonly int LevelsConsumed => _level;

    /// <summary>Nothing is left on the side.</summary>
    public readonly bool SideExhausted => _book is not null && _level >= _book.Levels(_side).Count;

    /// <summary>Forgets all consumption and re-attaches to the book as it is now.</summary>
    public void Reset()
    {
        if (_book is null)
        {
            ThrowNotAttached();
        }

        _level = 0;
        _partial = false;
        _version = _book.Version;
    }

    /// <summary>Takes up to <paramref name="quantity"/> from the best remaining levels outward.</summary>
    public BookWalk Consume(double quantity)
    {
        if (_book is null)
        {
            ThrowNotAttached();
        }

        if (_book.Version != _version)
        {
            ThrowBookChanged();
        }

        if (!(quantity >= 0) || double.IsPositiveInfinity(quantity))
        {
            ThrowBadQuantity(quantity);
        }

        var levels = _book.Levels(_side);
        var tickSize = _book.TickSize;
        var remaining = quantity;
        double filled = 0, notional = 0;
        long lastTicks = 0;
        var touched = 0;
        while (remaining > 0 && _level < levels.Count)
        {
            var levelQuantity = levels.QuantityAt(_level);
            var ticks = levels.TicksAt(_level);
            var available = _partial ? _leftAtLevel : levelQuantity;
            double take;
            if (available <= remaining)
            {
                take = available;
                _level++;
                _partial = false;
            }
            else
            {
                take = remaining;
                _leftAtLevel = available - remaining;
                _partial = _leftAtLevel > levelQuantity * Dust;
                if (!_partial)
                {
                    _level++;
                }
            }

            filled += take;
            notional += take * tickSize.ToPrice(ticks);
            remaining -= take;
            lastTicks = ticks;
            touched++;
            if (remaining <= quantity * Dust)
            {
                remaining = 0;
            }
        }

        return new BookWalk(quantity, filled, notional, remaining, lastTicks, touched > 0 ? tickSize.ToPrice(lastTicks) : double.NaN, touched);
    }

    [DoesNotReturn]
    private static void ThrowNotAttached() =>
        throw new InvalidOperationException("The cursor is not attached to a book; get one from OrderBook.CursorOn.");

    [DoesNotReturn]
    private static void ThrowBookChanged() =>
        throw new InvalidOperationException("The book changed since the cursor was created or reset; call Reset.");

    [DoesNotReturn]
    private static void ThrowBadQuantity(double quantity) =>
        throw new ArgumentOutOfRangeException(nameof(quantity), quantity, "An order quantity must be finite and not negative.");
}
