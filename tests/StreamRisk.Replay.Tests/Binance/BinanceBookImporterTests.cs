using System.IO.Compression;
using System.Text;
using StreamRisk.Domain.Books;
using StreamRisk.Replay.Binance;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Replay.Tests.Binance;

/// <summary>Binance's local-book procedure on small hand-written captures.</summary>
public sealed class BinanceBookImporterTests
{
    [Fact]
    public void Import_DiffsBeforeSnapshot_OldDroppedAndHeldOneBridges()
    {
        var (importer, seen) = Importer();

        Feed(importer,
            Depth(1, 5, 0, bids: """[["100.0","1.000"]]"""),
            Depth(6, 10, 5, bids: """[["100.1","2.000"]]"""),
            Snapshot(8, bids: """[["100.0","1.500"],["99.9","3.000"]]""", asks: """[["100.3","1.000"]]"""),
            Depth(11, 12, 10, asks: """[["100.2","0.500"]]"""));

        var summary = importer.Summary;
        Assert.Equal(2, summary.Applied);
        Assert.Equal(1, summary.Skipped);
        Assert.Equal(0, summary.Gaps);
        Assert.Equal([10L, 12L], seen.Applied);
        Assert.Equal(new TopOfBook(100.1m, 2, 100.2m, 0.5), TopOfBook.Of(importer.Book!));
        Assert.Equal(1.5, importer.Book!.LevelAt(BookSide.Bid, 1).Quantity);
    }

    [Fact]
    public void Import_PreviousIdMismatch_GapCountedThenResyncOnNextSnapshot()
    {
        var (importer, seen) = Importer();

        Feed(importer,
            Depth(6, 10, 5),
            Snapshot(8, bids: """[["100.0","1.000"]]""", asks: """[["100.3","1.000"]]"""),
            Depth(11, 12, 10),
            Depth(15, 16, 14),
            Depth(17, 18, 16, bids: """[["100.1","4.000"]]"""));

        Assert.Equal(1, importer.Summary.Gaps);
        Assert.True(importer.Book!.IsStale);
        Assert.True(importer.Book.ResyncRequested);
        Assert.Equal(2, importer.Summary.PendingAtEnd);

        Feed(importer,
            Snapshot(17, bids: """[["100.0","1.000"]]""", asks: """[["100.3","1.000"]]"""),
            Depth(19, 20, 18));

        var summary = importer.Summary;
        Assert.Equal(1, summary.Gaps);
        Assert.Equal(1, summary.Resyncs);
        Assert.Equal(2, summary.Snapshots);
        Assert.Equal(1, summary.Skipped);
        Assert.False(summary.StaleAtEnd);
        Assert.Equal([10L, 12L, 18L, 20L], seen.Applied);
        Assert.Equal(100.1m, TopOfBook.Of(importer.Book).BidPrice);
    }

    [Fact]
    public void Import_GapAndNoLaterSnapshot_ReportedStaleAtEnd()
    {
        var (importer, _) = Importer();

        Feed(importer,
            Depth(6, 10, 5),
            Snapshot(8, bids: """[["100.0","1.000"]]""", asks: """[["100.3","1.000"]]"""),
            Depth(12, 13, 11),
            Depth(14, 15, 13));

        Assert.Equal(1, importer.Summary.Gaps);
        Assert.True(importer.Summary.StaleAtEnd);
        Assert.Equal(2, importer.Summary.PendingAtEnd);
    }

    [Fact]
    public void Import_FirstUpdateAfterSnapshotStartsLater_Gap()
    {
        var (importer, _) = Importer();

        Feed(importer,
            Depth(9, 10, 8),
            Snapshot(7, bids: """[["100.0","1.000"]]""", asks: """[["100.3","1.000"]]"""));

        Assert.Equal(1, importer.Summary.Gaps);
        Assert.Equal(0, importer.Summary.Applied);
        Assert.True(importer.Summary.StaleAtEnd);
    }

    [Fact]
    public void Import_SnapshotWhileLive_Ignored()
    {
        var (importer, _) = Importer();

        Feed(importer,
            Depth(6, 10, 5),
            Snapshot(8, bids: """[["100.0","1.000"]]""", asks: """[["100.3","1.000"]]"""),
            Snapshot(11, bids: """[["90.0","1.000"]]""", asks: """[["110.0","1.000"]]"""),
            Depth(11, 12, 10));

        Assert.Equal(1, importer.Summary.SnapshotsIgnored);
        Assert.Equal(2, importer.Summary.Applied);
        Assert.Equal(100.0m, TopOfBook.Of(importer.Book!).BidPrice);
    }

    [Theory]
    [InlineData("61800.20", "61800.10", "0.1")]
    [InlineData("2681.62", "2681.60", "0.01")]
    [InlineData("61800", "61700", "1")]
    public void Import_NoConfiguredTick_FinestSnapshotPrecision(string bid1, string bid2, string tick)
    {
        var (importer, _) = Importer();

        Feed(importer, Depth(1, 2, 0), Snapshot(8, bids: $$"""[["{{bid1}}","1"],["{{bid2}}","1"]]""", asks: "[]"));

        Assert.Equal(tick, importer.Book!.TickSize.ToString());
    }

    [Fact]
    public void Import_ConfiguredTick_UsedForLevels()
    {
        var options = new BinanceImportOptions { TickSizes = new Dictionary<string, TickSize> { ["BTCUSDT"] = TickSize.FromDecimal(0.5m) } };
        var (importer, _) = Importer(options);

        Feed(importer, Depth(1, 2, 0), Snapshot(8, bids: """[["100.5","1"]]""", asks: """[["101.0","1"]]"""));

        Assert.Equal(201, importer.Book!.LevelAt(BookSide.Bid, 0).PriceTicks);
        Assert.Equal(202, importer.Book.LevelAt(BookSide.Ask, 0).PriceTicks);
    }

    [Fact]
    public void Import_PriceOffTickGrid_FormatErrorNamesLineAndTick()
    {
        var (importer, _) = Importer();
        Feed(importer, Depth(1, 2, 0), Snapshot(8, bids: """[["100.1","1"]]""", asks: """[["100.3","1"]]"""), Depth(6, 10, 5));

        var error = Assert.Throws<CaptureFormatException>(() => Feed(importer, Depth(11, 12, 10, bids: """[["100.15","1"]]""")));

        Assert.Equal(4, error.Line);
        Assert.Contains("tick size 0.1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("123")]
    [InlineData("x {}")]
    [InlineData("1 {\"stream\":")]
    [InlineData("1 []")]
    [InlineData("1 {\"lastUpdateId\":1,\"bids\":[]}")]
    [InlineData("1 {\"lastUpdateId\":\"one\",\"bids\":[],\"asks\":[]}")]
    [InlineData("1 {\"data\":{\"e\":\"depthUpdate\",\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}}")]
    [InlineData("1 {\"data\":{\"e\":\"depthUpdate\",\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,\"b\":[[\"1.0\"]],\"a\":[]}}")]
    [InlineData("1 {\"data\":{\"e\":\"bookTicker\",\"s\":\"BTCUSDT\",\"u\":2,\"b\":\"1.0\",\"B\":\"-1\",\"a\":\"2.0\",\"A\":\"1\"}}")]
    [InlineData("1 {\"data\":{\"e\":\"bookTicker\",\"s\":\"BTCUSDT\",\"u\":2,\"b\":\"1e3\",\"B\":\"1\",\"a\":\"2.0\",\"A\":\"1\"}}")]
    public void Import_MalformedLine_FormatErrorNamesSourceAndLine(string line)
    {
        var (importer, _) = Importer();
        Feed(importer, Depth(6, 10, 5), Snapshot(8, bids: """[["100.0","1"]]""", asks: """[["100.3","1"]]"""));

        var error = Assert.Throws<CaptureFormatException>(() => Feed(importer, line));

        Assert.Equal(3, error.Line);
        Assert.StartsWith("(capture):3: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_MixedSymbols_Refused()
    {
        var (importer, _) = Importer();
        Feed(importer, Depth(1, 2, 0));

        var error = Assert.Throws<CaptureFormatException>(() => Feed(importer, Depth(3, 4, 2, symbol: "ETHUSDT")));

        Assert.Contains("mixes symbols BTCUSDT and ETHUSDT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_SnapshotBeforeAnySymbol_Refused() =>
        Assert.Throws<CaptureFormatException>(() => Feed(Importer().Importer, Snapshot(8, "[]", "[]")));

    [Fact]
    public void Import_BookTickerFieldsInCoinmOrder_Decoded()
    {
        var (importer, seen) = Importer();

        Feed(importer, """5 {"stream":"btcusd_perp@bookTicker","data":{"u":1007202248045,"e":"bookTicker","s":"BTCUSD_PERP","ps":"BTCUSD","b":"61668.6","B":"1243","a":"61668.7","A":"871","T":1723161601262,"E":1723161601269}}""");

        var ticker = Assert.Single(seen.Tickers);
        Assert.Equal(1007202248045, ticker.UpdateId);
        Assert.Equal(61668.6m, ticker.BidPrice);
        Assert.Equal(1243, ticker.BidQuantity);
        Assert.Equal(61668.7m, ticker.AskPrice);
        Assert.Equal(871, ticker.AskQuantity);
        Assert.Equal(1723161601269, ticker.EventTime);
        Assert.Equal(5, ticker.ReceiveTimeNs);
    }

    [Fact]
    public void Import_TradesAndOtherMessages_Ignored()
    {
        var (importer, seen) = Importer();

        Feed(importer,
            """1 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":5,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}""",
            """2 {"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":26129,"p":"1.0","q":"1","f":1,"l":2,"T":1,"m":true}}""",
            """3 {"result":null,"id":1}""",
            "");

        Assert.Equal(new BinanceImportSummary(0, 0, 0, 0, 0, 0, 0, 0, 0, true), importer.Summary);
        Assert.Empty(seen.Tickers);
    }

    [Fact]
    public void Import_MorePendingThanLimit_OldestHalfDroppedAsSkipped()
    {
        var (importer, seen) = Importer(new BinanceImportOptions { MaxPendingDiffs = 4 });

        for (var i = 0; i < 10; i++)
        {
            Feed(importer, Depth((i * 2) + 1, (i * 2) + 2, i * 2));
        }

        Feed(importer, Snapshot(17, bids: """[["100.0","1"]]""", asks: """[["100.3","1"]]"""));

        // The 5th, 7th and 9th update each find 4 held and drop the oldest 2 (6 skipped); the snapshot then finds the
        // 7th..10th (u 14..20): u 14 and 16 precede it (2 more skipped), 18 bridges and 20 follows.
        Assert.Equal(8, importer.Summary.Skipped);
        Assert.Equal([18L, 20L], seen.Applied);
    }

    [Fact]
    public void ImportFile_GzipAndPlainText_SameResult()
    {
        string[] lines =
        [
            Depth(6, 10, 5, bids: """[["100.1","2.000"]]"""),
            Snapshot(8, bids: """[["100.0","1.500"]]""", asks: """[["100.3","1.000"]]"""),
            Depth(11, 12, 10, asks: """[["100.2","0.500"]]"""),
        ];
        var plain = Path.GetTempFileName();
        var gzip = Path.GetTempFileName();
        try
        {
            File.WriteAllText(plain, string.Join("\r\n", lines));
            using (var file = File.Create(gzip))
            using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            {
                zip.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
            }

            var fromPlain = BinanceBookImporter.ImportFiles([plain], new BinanceImportOptions(), new Seen(), cancel: TestContext.Current.CancellationToken);
            var fromGzip = BinanceBookImporter.ImportFiles([gzip], new BinanceImportOptions(), new Seen(), cancel: TestContext.Current.CancellationToken);

            Assert.Equal(2, fromPlain.Applied);
            Assert.Equal(fromPlain, fromGzip);
        }
        finally
        {
            File.Delete(plain);
            File.Delete(gzip);
        }
    }

    [Fact]
    public void ImportFiles_BadLinesOfEveryShape_ReportedByFileAndLineAndSkipped()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var file = File.Create(path))
            {
                void Line(string text) => file.Write(Encoding.UTF8.GetBytes(text + "\n"));
                Line(Depth(6, 10, 5));
                Line(Snapshot(8, bids: """[["100.0","1"]]""", asks: """[["100.3","1"]]"""));
                Line("not a capture line");                                                              // 3: garbage
                Line("""1723161255030314667 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","U":""");  // 4: half JSON
                file.Write([0x31, 0x20, 0x00, 0xff, 0xfe, 0x1b, 0x7b, 0x0a]);                               // 5: binary
                Line("""1 {"data":{"e":"depthUpdate","s":"BTCUSDT","U":11,"u":12,"b":[],"a":[]}}""");    // 6: no pu
                Line("""1 {"data":{"e":"depthUpdate","s":"BTCUSDT","U":11,"u":12,"pu":10,"b":{"100.1":"1"},"a":[]}}"""); // 7: levels not an array
                Line(Depth(11, 12, 10, bids: """[["100.1","2"]]"""));
                Line(Depth(13, 14, 12, asks: """[["100.2","1"]]"""));
            }

            var problems = new List<CaptureProblem>();
            var seen = new Seen();
            var summary = BinanceBookImporter.ImportFiles([path], new BinanceImportOptions(), seen, problems.Add, TestContext.Current.CancellationToken);

            Assert.Equal([3L, 4L, 5L, 6L, 7L], problems.Select(p => p.LineNumber));
            Assert.All(problems, p => Assert.Equal(Path.GetFileName(path), p.Source));
            Assert.Equal(5, summary.BadLines);
            Assert.Equal([10L, 12L, 14L], seen.Applied);
            Assert.Equal(0, summary.Gaps);
            Assert.False(summary.StaleAtEnd);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ImportFiles_TruncatedGzip_KeepsWhatWasReadAndReportsWhereItEnds()
    {
        var path = Path.GetTempFileName();
        try
        {
            var whole = Gzip(UpdatesCapture(400));
            File.WriteAllBytes(path, whole[..(whole.Length * 2 / 3)]);

            var problems = new List<CaptureProblem>();
            var seen = new Seen();
            var summary = BinanceBookImporter.ImportFiles([path], new BinanceImportOptions(), seen, problems.Add, TestContext.Current.CancellationToken);

            Assert.InRange(seen.Applied.Count, 100, 399);
            Assert.Equal(Enumerable.Range(0, seen.Applied.Count).Select(i => 10L + (2 * i)), seen.Applied);
            var problem = Assert.Single(problems);
            Assert.Equal(Path.GetFileName(path), problem.Source);
            Assert.Equal(1, summary.BadLines);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ImportFiles_FlippedBytesInGzip_ReportedAndTheFilesBeforeAndAfterStillRead()
    {
        var damaged = Path.GetTempFileName();
        var next = Path.GetTempFileName();
        try
        {
            // Large enough that the damage is several reads of the gzip stream in.
            var bytes = Gzip(UpdatesCapture(20_000));
            for (var i = bytes.Length / 2; i < (bytes.Length / 2) + 8; i++)
            {
                bytes[i] ^= 0x5a;
            }

            File.WriteAllBytes(damaged, bytes);
            // A resync: an update the book cannot bridge (held), then a snapshot that it follows.
            File.WriteAllText(next, Depth(50_001, 50_002, 50_000) + "\n" + Snapshot(50_001, bids: """[["100.0","1"]]""", asks: """[["100.3","1"]]""") + "\n");

            var problems = new List<CaptureProblem>();
            var seen = new Seen();
            var summary = BinanceBookImporter.ImportFiles([damaged, next], new BinanceImportOptions(), seen, problems.Add, TestContext.Current.CancellationToken);

            Assert.NotEmpty(problems);
            Assert.All(problems, p => Assert.Equal(Path.GetFileName(damaged), p.Source));
            Assert.InRange(seen.Applied.Count(u => u < 50_000), 100, 19_999);
            Assert.Equal(50_002, seen.Applied[^1]);
            Assert.Equal(problems.Count, summary.BadLines);
        }
        finally
        {
            File.Delete(damaged);
            File.Delete(next);
        }
    }

    /// <summary>A snapshot and <paramref name="updates"/> chained depth updates (u = 12, 14, …), one line each.</summary>
    private static string UpdatesCapture(int updates)
    {
        var text = new StringBuilder();
        text.Append(Depth(6, 10, 5)).Append('\n');
        text.Append(Snapshot(8, bids: """[["100.0","1"]]""", asks: """[["100.3","1"]]""")).Append('\n');
        for (var i = 0; i < updates; i++)
        {
            var first = 11 + (2 * i);
            text.Append(Depth(first, first + 1, first - 1, bids: $$"""[["100.1","{{i + 1}}"]]""")).Append('\n');
        }

        return text.ToString();
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            zip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    [Fact]
    public void ImportLine_LiveDepthUpdates_NoAllocationPerMessage()
    {
        var importer = new BinanceBookImporter(new BinanceImportOptions(), new Ignore());
        Feed(importer,
            Depth(6, 10, 5),
            Snapshot(8, bids: """[["100.0","1.500"],["99.9","3.000"]]""", asks: """[["100.3","1.000"]]"""));
        var lines = Enumerable.Range(0, 2000)
            .Select(i => Encoding.UTF8.GetBytes(Depth(
                11 + (i * 2),
                12 + (i * 2),
                10 + (i * 2),
                bids: i % 2 == 0 ? """[["100.1","2.000"],["99.8","0.010"]]""" : """[["100.1","0.000"],["99.8","0.000"]]""",
                asks: """[["100.2","0.500"]]""")))
            .ToArray();
        for (var i = 0; i < 200; i++)
        {
            importer.ImportLine(lines[i]);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 200; i < lines.Length; i++)
        {
            importer.ImportLine(lines[i]);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(2001, importer.Summary.Applied);
        Assert.Equal(0, allocated);
    }

    private static (BinanceBookImporter Importer, Seen Seen) Importer(BinanceImportOptions? options = null)
    {
        var seen = new Seen();
        return (new BinanceBookImporter(options ?? new BinanceImportOptions(), seen), seen);
    }

    private static void Feed(BinanceBookImporter importer, params string[] lines)
    {
        foreach (var line in lines)
        {
            importer.ImportLine(Encoding.UTF8.GetBytes(line));
        }
    }

    private static string Depth(long first, long last, long previous, string bids = "[]", string asks = "[]", string symbol = "BTCUSDT") =>
        $$$"""{{{last}}} {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":{{{last}}},"T":{{{last}}},"s":"{{{symbol}}}","U":{{{first}}},"u":{{{last}}},"pu":{{{previous}}},"b":{{{bids}}},"a":{{{asks}}}}}""";

    private static string Snapshot(long lastUpdateId, string bids, string asks) =>
        $$"""{{lastUpdateId}} {"lastUpdateId":{{lastUpdateId}},"E":1,"T":1,"bids":{{bids}},"asks":{{asks}}}""";

    private sealed class Ignore : IBinanceBookObserver
    {
        public void OnDiffApplied(in DiffApplied applied, OrderBook book, scoped in DepthUpdated diff)
        {
        }

        public void OnBookTicker(in BookTickerReceived ticker)
        {
        }
    }

    private sealed class Seen : IBinanceBookObserver
    {
        public List<long> Applied { get; } = [];

        public List<BookTickerReceived> Tickers { get; } = [];

        public void OnDiffApplied(in DiffApplied applied, OrderBook book, scoped in DepthUpdated diff) => Applied.Add(applied.LastUpdateId);

        public void OnBookTicker(in BookTickerReceived ticker) => Tickers.Add(ticker);
    }
}
