using System.CommandLine;
using System.Globalization;
using StreamRisk.Domain.Books;
using StreamRisk.Replay.Binance;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk book --format binance-usdm|binance-coinm FILE...</c>: rebuilds the L2 book from a venue capture and
/// prints the top of book after every applied depth update as one NDJSON line on stdout
/// (<c>{"u":..,"eventTime":..,"bid":..,"bidQty":..,"ask":..,"askQty":..}</c>, an empty side as null), then one summary
/// line on stderr. Files are one capture, in the order given. Bad lines are reported on stderr with file and line
/// number and skipped (the book resyncs at the next snapshot). It doubles as a check of the importer: the summary
/// counts the venue's bookTicker messages that met an applied update and any that disagreed with the book.
/// </summary>
internal static class BookCommand
{
    public static Command Create(TextWriter output)
    {
        var format = new Option<string>("--format")
        {
            Description = "Capture format: " + string.Join(" or ", BinanceFormats.Names) + ".",
            Required = true,
        };
        format.AcceptOnlyFromAmong([.. BinanceFormats.Names]);
        var ticks = new Option<string[]>("--tick")
        {
            Description = "Tick size of a symbol as SYMBOL=SIZE (e.g. BTCUSDT=0.1); repeat for several. Default: the finest decimal place in the first snapshot.",
        };
        var files = new Argument<string[]>("FILE")
        {
            Description = "Capture files (gzip or plain text lines '<receive_time_ns> <JSON>'), in order; several files are one capture.",
            Arity = ArgumentArity.OneOrMore,
        };

        var command = new Command("book", "Rebuild the L2 book from a venue capture; print the top of book after every applied update as NDJSON.")
        {
            format, ticks, files,
        };
        command.SetAction((parse, cancel) =>
        {
            if (!BinanceFormats.TryParse(parse.GetValue(format), out var market))
            {
                throw new UsageException($"unknown capture format; expected {string.Join(" or ", BinanceFormats.Names)}");
            }

            var options = new BinanceImportOptions { Market = market, TickSizes = ParseTickSizes(parse.GetValue(ticks) ?? []) };
            var paths = parse.GetValue(files) ?? [];
            foreach (var path in paths)
            {
                if (!File.Exists(path))
                {
                    throw new UsageException($"capture file not found: {path}");
                }
            }

            var writer = new TopOfBookLines(output);
            var error = parse.InvocationConfiguration.Error;
            var shown = 0;
            var summary = BinanceBookImporter.ImportFiles(paths, options, writer, problem =>
            {
                // Bad lines: the first 20 reported with file and line, then only counted in the summary.
                if (shown++ < 20)
                {
                    error.WriteLine(ReplayCommand.Describe(problem, "book"));
                }
            }, cancel);

            writer.Flush();
            error.WriteLine(Describe(summary, writer.Check));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>The stderr summary: the four counts every run has, then what is worth knowing about this one.</summary>
    internal static string Describe(BinanceImportSummary summary, BookTickerCheck check)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"applied {summary.Applied}, gaps {summary.Gaps}, resyncs {summary.Resyncs}, skipped {summary.Skipped}, bookTicker checked {check.Checked}, mismatched {check.Mismatched}");
        if (check.Mismatched > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" (first at u={check.FirstMismatchUpdateId})");
        }

        if (summary.BadLines > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", bad lines skipped {summary.BadLines}");
        }

        if (summary.CrossedUpdates > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", crossed {summary.CrossedUpdates}");
        }

        if (summary.Snapshots == 0)
        {
            line += "; no snapshot in the capture, so no book";
        }
        else if (summary.StaleAtEnd)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"; book stale at end: a gap was not followed by a snapshot ({summary.PendingAtEnd} updates unapplied)");
        }

        return line;
    }

    private static Dictionary<string, TickSize> ParseTickSizes(string[] specs)
    {
        var sizes = new Dictionary<string, TickSize>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            var equals = spec.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0
                || !decimal.TryParse(spec.AsSpan(equals + 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var size)
                || size <= 0
                || size.Scale > TickSize.MaxScale)
            {
                throw new UsageException($"'{spec}' is not valid for --tick: expected SYMBOL=SIZE, e.g. BTCUSDT=0.1");
            }

            sizes[spec[..equals]] = TickSize.FromDecimal(size);
        }

        return sizes;
    }

    /// <summary>
    /// Formats each line into one reused char buffer and hands the writer large chunks: stdout is auto-flushed, so
    /// writing per line would be a system call per update.
    /// </summary>
    private sealed class TopOfBookLines(TextWriter output) : IBinanceBookObserver
    {
        private const int LongestLine = 256;
        private readonly char[] _buffer = new char[1 << 16];
        private int _length;

        public BookTickerCheck Check { get; } = new();

        public void OnDiffApplied(in DiffApplied applied, OrderBook book, scoped in DepthUpdated diff)
        {
            Check.OnDiffApplied(applied.LastUpdateId, book);
            if (_length > _buffer.Length - LongestLine)
            {
                Flush();
            }

            Append("{\"u\":");
            AppendNumber(applied.LastUpdateId);
            Append(",\"eventTime\":");
            AppendNumber(applied.EventTime);
            AppendSide(book, BookSide.Bid, ",\"bid\":", ",\"bidQty\":");
            AppendSide(book, BookSide.Ask, ",\"ask\":", ",\"askQty\":");
            Append("}\n");
        }

        public void OnBookTicker(in BookTickerReceived ticker) => Check.OnBookTicker(ticker);

        public void Flush()
        {
            output.Write(_buffer.AsSpan(0, _length));
            output.Flush();
            _length = 0;
        }

        private void AppendSide(OrderBook book, BookSide side, string priceName, string quantityName)
        {
            var has = book.TryGetBest(side, out var best);
            Append(priceName);
            if (has)
            {
                // The exact decimal of the ticks: numerically the venue's price text.
                AppendNumber(book.TickSize.ToDecimal(best.PriceTicks));
            }
            else
            {
                Append("null");
            }

            Append(quantityName);
            if (has)
            {
                // Shortest round-trip form: the quantity as the venue wrote it, less trailing zeros.
                AppendNumber(best.Quantity);
            }
            else
            {
                Append("null");
            }
        }

        private void Append(string text)
        {
            text.CopyTo(_buffer.AsSpan(_length));
            _length += text.Length;
        }

        private void AppendNumber<T>(T value)
            where T : ISpanFormattable
        {
            value.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
            _length += written;
        }
    }
}
