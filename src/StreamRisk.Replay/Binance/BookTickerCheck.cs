using StreamRisk.Domain.Books;

namespace StreamRisk.Replay.Binance;

/// <summary>
/// Checks a rebuilt book against Binance's own top-of-book stream: whenever a <c>bookTicker</c>'s <c>u</c> equals the
/// <c>u</c> of an applied depth update, the book's best bid and ask (price and quantity) right after that update must
/// equal it exactly. The two streams are not ordered against each other, so both sides are remembered for a window
/// of recent ids (bounded memory on day-long captures). Single-threaded, like the importer that feeds it.
/// </summary>
public sealed class BookTickerCheck
{
    private readonly int _window;
    private readonly Dictionary<long, TopOfBook> _tops;
    private readonly Queue<long> _topOrder;
    private readonly Dictionary<long, BookTickerReceived> _tickers;
    private readonly Queue<long> _tickerOrder;

    public BookTickerCheck(int window = 1 << 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        _window = window;
        _tops = new Dictionary<long, TopOfBook>(window + 1);
        _topOrder = new Queue<long>(window + 1);
        _tickers = new Dictionary<long, BookTickerReceived>(window + 1);
        _tickerOrder = new Queue<long>(window + 1);
    }

    /// <summary>bookTicker messages that met an applied update with the same id.</summary>
    public long Checked { get; private set; }

    public long Mismatched { get; private set; }

    /// <summary>The update id of the first mismatch, for the report; 0 when none.</summary>
    public long FirstMismatchUpdateId { get; private set; }

    public void OnDiffApplied(long updateId, OrderBook book)
    {
        var top = TopOfBook.Of(book);
        if (_tickers.Remove(updateId, out var ticker))
        {
            Compare(updateId, top, ticker);
            return;
        }

        Remember(_tops, _topOrder, updateId, top);
    }

    public void OnBookTicker(in BookTickerReceived ticker)
    {
        if (_tops.Remove(ticker.UpdateId, out var top))
        {
            Compare(ticker.UpdateId, top, ticker);
            return;
        }

        Remember(_tickers, _tickerOrder, ticker.UpdateId, ticker);
    }

    private void Remember<T>(Dictionary<long, T> byId, Queue<long> order, long updateId, T value)
    {
        if (order.Count == _window)
        {
            byId.Remove(order.Dequeue());
        }

        byId[updateId] = value;
        order.Enqueue(updateId);
    }

    private void Compare(long updateId, TopOfBook top, in BookTickerReceived ticker)
    {
        Checked++;
        if (!top.Matches(ticker))
        {
            Mismatched++;
            if (FirstMismatchUpdateId == 0)
            {
                FirstMismatchUpdateId = updateId;
            }
        }
    }
}
