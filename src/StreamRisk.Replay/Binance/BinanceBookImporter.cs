using System.Buffers.Text;
using System.Text.Json;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Replay.Binance;

/// <summary>
/// Rebuilds one symbol's L2 book from a raw Binance futures capture (lines <c>&lt;receive_time_ns&gt; &lt;JSON&gt;</c>)
/// the way Binance documents for a local book: hold depth updates until the REST snapshot (lastUpdateId L) arrives;
/// drop updates with <c>u &lt; L</c>; the first one applied must have <c>U ≤ L ≤ u</c> (it may have arrived before the
/// snapshot line); each later update's <c>pu</c> must equal the previous update's <c>u</c>. Anything else is a gap:
/// counted, the book turns stale, and updates are held again until the next snapshot in the capture (a resync). A
/// capture that ends stale is reported in <see cref="Summary"/>.
/// <para>
/// A bad line (not <c>&lt;receive_time_ns&gt; &lt;JSON&gt;</c>, malformed or cut-off JSON, binary, a message of the
/// wrong shape, a price off the tick grid) is reported with its file and line number and skipped, as the StreamRisk
/// capture reader does: the book treats the missing update as a gap and resyncs at the next snapshot. A damaged or
/// truncated gzip stream ends that file where it became unreadable (what came before is kept) and is reported.
/// </para>
/// <para>
/// Several files are one capture when imported in order into the same importer (COIN-M days continue each other's
/// ids). One capture holds one symbol. Single-threaded: the importer, its book and its observer callbacks all run on
/// the caller's thread.
/// </para>
/// </summary>
public sealed class BinanceBookImporter
{
    private readonly BinanceImportOptions _options;
    private readonly IBinanceBookObserver _observer;
    private readonly BinanceMessageDecoder _decoder = new();
    private readonly PendingDiffs _pending = new();
    private readonly Action<CaptureProblem>? _onProblem;
    private OrderBook? _book;
    private string _source = "(capture)";
    private long _line;
    private long _applied;
    private long _gaps;
    private long _resyncs;
    private long _skipped;
    private long _snapshots;
    private long _snapshotsIgnored;
    private long _bookTickers;
    private long _crossed;
    private long _badLines;

    /// <param name="onProblem">Told of each bad line skipped (file name in <see cref="CaptureProblem.Source"/>).</param>
    public BinanceBookImporter(BinanceImportOptions options, IBinanceBookObserver observer, Action<CaptureProblem>? onProblem = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxPendingDiffs);
        _options = options;
        _observer = observer;
        _onProblem = onProblem;
    }

    /// <summary>The book, once the first snapshot has fixed its symbol and tick size.</summary>
    public OrderBook? Book => _book;

    public BinanceImportSummary Summary => new(
        _applied,
        _gaps,
        _resyncs,
        _skipped,
        _snapshots,
        _snapshotsIgnored,
        _bookTickers,
        _crossed,
        _pending.Count,
        _book is null || _book.IsStale,
        _badLines);

    /// <summary>Imports every file in order as one capture, then returns the summary.</summary>
    public static BinanceImportSummary ImportFiles(
        IEnumerable<string> paths,
        BinanceImportOptions options,
        IBinanceBookObserver observer,
        Action<CaptureProblem>? onProblem = null,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var importer = new BinanceBookImporter(options, observer, onProblem);
        foreach (var path in paths)
        {
            importer.ImportFile(path, cancel);
        }

        return importer.Summary;
    }

    /// <summary>Imports one capture file (gzip or plain text), continuing from what was imported before; bad lines are reported and skipped.</summary>
    public void ImportFile(string path, CancellationToken cancel = default)
    {
        using var reader = CaptureLineReader.Open(path);
        Import(reader, Path.GetFileName(path), cancel);
    }

    /// <summary>Imports a capture from a stream (plain text lines), continuing from what was imported before.</summary>
    public void Import(Stream capture, string sourceName, CancellationToken cancel = default)
    {
        using var reader = CaptureLineReader.Over(capture);
        Import(reader, sourceName, cancel);
    }

    /// <summary>Processes one capture line: <c>&lt;receive_time_ns&gt; &lt;JSON&gt;</c>. Blank lines are ignored.</summary>
    /// <exception cref="CaptureFormatException">The line is not a valid capture line; the message names file and line.</exception>
    public void ImportLine(ReadOnlySpan<byte> line)
    {
        _line++;
        try
        {
            Process(line);
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new CaptureFormatException(_source, _line, ex.Message, ex);
        }
    }

    private void Import(CaptureLineReader reader, string sourceName, CancellationToken cancel)
    {
        _source = sourceName;
        _line = 0;
        while (NextLine(reader, out var line))
        {
            cancel.ThrowIfCancellationRequested();
            if (reader.LastLineOverlong)
            {
                _line++;
                Report(_line, $"line longer than {reader.MaxLineBytes:N0} bytes (skipped)");
                continue;
            }

            try
            {
                ImportLine(line);
            }
            catch (CaptureFormatException ex)
            {
                Report(ex.Line, reader.LastLineTerminated ? ex.Detail : "the file ends inside a line (truncated?): " + ex.Detail);
            }
        }
    }

    private bool NextLine(CaptureLineReader reader, out ReadOnlySpan<byte> line)
    {
        try
        {
            return reader.TryReadLine(out line);
        }
        catch (InvalidDataException ex)
        {
            // A damaged or truncated gzip stream: nothing after this point can be trusted to be the capture's bytes.
            Report(_line + 1, $"unreadable gzip data, the rest of the file is not read: {ex.Message}");
            line = default;
            return false;
        }
    }

    private void Report(long line, string reason)
    {
        _badLines++;
        _onProblem?.Invoke(new CaptureProblem(line, reason, _source));
    }

    private void Process(ReadOnlySpan<byte> line)
    {
        line = line.Trim((byte)' ');
        if (line.IsEmpty)
        {
            return;
        }

        var space = line.IndexOf((byte)' ');
        if (space <= 0 || !Utf8Parser.TryParse(line[..space], out long receiveTimeNs, out var consumed) || consumed != space)
        {
            throw new InvalidDataException("expected '<receive_time_ns> <JSON>'");
        }

        var json = line[(space + 1)..];
        _decoder.Decode(json, _book?.TickSize);
        switch (_decoder.Kind)
        {
            case BinanceMessageKind.DepthUpdate when _book is null || _book.IsStale:
                Hold(json, receiveTimeNs);
                break;
            case BinanceMessageKind.DepthUpdate:
                Apply(json, receiveTimeNs);
                break;
            case BinanceMessageKind.BookTicker:
                _bookTickers++;
                _observer.OnBookTicker(new BookTickerReceived(
                    _decoder.LastUpdateId,
                    _decoder.EventTime,
                    _decoder.TransactionTime,
                    _decoder.BidPrice,
                    _decoder.BidQuantity,
                    _decoder.AskPrice,
                    _decoder.AskQuantity,
                    receiveTimeNs));
                break;
            case BinanceMessageKind.Snapshot:
                ApplySnapshot(json);
                break;
            default:
                break;
        }
    }

    /// <summary>Counts the update the decoder holds as applied and tells the observer (live and buffered diffs alike).</summary>
    private void Applied(OrderBook book, long receiveTimeNs, scoped in DepthUpdated diff)
    {
        _applied++;
        if (book.IsCrossed)
        {
            _crossed++;
        }

        _observer.OnDiffApplied(
            new DiffApplied(_decoder.FirstUpdateId, _decoder.LastUpdateId, _decoder.PreviousUpdateId, _decoder.EventTime, _decoder.TransactionTime, receiveTimeNs),
            book,
            diff);
    }

    /// <summary>Applies the update the decoder holds; a gap keeps it for the next snapshot.</summary>
    private void Apply(ReadOnlySpan<byte> json, long receiveTimeNs)
    {
        var book = _book!;
        var diff = new DepthUpdated(_decoder.FirstUpdateId, _decoder.LastUpdateId, _decoder.PreviousUpdateId, _decoder.Bids, _decoder.Asks);
        var outcome = book.ApplyDiff(diff);
        switch (outcome)
        {
            case DiffOutcome.Applied:
                Applied(book, receiveTimeNs, diff);
                break;
            case DiffOutcome.Outdated:
                _skipped++;
                break;
            default:
                // A gap (or, defensively, a book that went stale): this update is newer than the book, keep it.
                if (outcome == DiffOutcome.Gap)
                {
                    _gaps++;
                }

                Hold(json, receiveTimeNs);
                break;
        }
    }

    private void ApplySnapshot(ReadOnlySpan<byte> json)
    {
        if (_book is { IsStale: false })
        {
            // The live book is already in sequence; switching to a snapshot would need bridging all over again.
            _snapshotsIgnored++;
            return;
        }

        if (_book is null)
        {
            var symbol = _decoder.Symbol
                ?? throw new InvalidDataException("the snapshot came before any message naming the symbol");
            var book = new OrderBook(new Symbol(symbol), TickSizeFor(symbol, json));
            // Decoded before the book is kept: a bad first snapshot fixes no tick size.
            _decoder.Decode(json, book.TickSize);
            _book = book;
        }

        var resync = _book.ResyncRequested;
        _book.ApplySnapshot(_decoder.LastUpdateId, _decoder.Bids, _decoder.Asks);
        _snapshots++;
        if (resync)
        {
            _resyncs++;
        }

        ReplayPending();
    }

    /// <summary>Runs the held updates through the sequence check in arrival order, now that there is a snapshot.</summary>
    private void ReplayPending()
    {
        var book = _book!;
        for (var i = 0; i < _pending.Count; i++)
        {
            _decoder.Decode(_pending.Json(i), book.TickSize);
            var diff = new DepthUpdated(_decoder.FirstUpdateId, _decoder.LastUpdateId, _decoder.PreviousUpdateId, _decoder.Bids, _decoder.Asks);
            var outcome = book.ApplyDiff(diff);
            switch (outcome)
            {
                case DiffOutcome.Applied:
                    Applied(book, _pending.ReceiveTimeNs(i), diff);
                    break;
                case DiffOutcome.Outdated:
                    _skipped++;
                    break;
                default:
                    // The snapshot does not bridge to what we hold: keep this update and the rest for the next one.
                    if (outcome == DiffOutcome.Gap)
                    {
                        _gaps++;
                    }

                    _pending.RemoveOldest(i);
                    return;
            }
        }

        _pending.Clear();
    }

    private void Hold(ReadOnlySpan<byte> json, long receiveTimeNs)
    {
        if (_pending.Count >= _options.MaxPendingDiffs)
        {
            var dropped = Math.Max(1, _pending.Count / 2);
            _pending.RemoveOldest(dropped);
            _skipped += dropped;
        }

        _pending.Add(json, receiveTimeNs);
    }

    private TickSize TickSizeFor(string symbol, ReadOnlySpan<byte> snapshot)
    {
        if (_options.TickSizes.TryGetValue(symbol, out var configured))
        {
            return configured;
        }

        var decimals = BinanceMessageDecoder.FinestPriceDecimals(snapshot);
        return decimals >= 0
            ? TickSize.FromDecimalPlaces(decimals)
            : throw new InvalidDataException($"the first snapshot of {symbol} has no levels to infer the tick size from; configure it");
    }
}
