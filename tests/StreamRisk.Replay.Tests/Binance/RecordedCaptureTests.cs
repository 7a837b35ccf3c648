using StreamRisk.Domain.Books;
using StreamRisk.Replay.Binance;
using StreamRisk.Testing;

namespace StreamRisk.Replay.Tests.Binance;

/// <summary>
/// Replays the recorded Binance captures in shared/data and checks the rebuilt book against Binance's own bookTicker
/// stream: every bookTicker whose u equals an applied update's u must equal the book's best bid and ask exactly.
/// Expected counts were cross-checked with an independent script over the same files.
/// </summary>
public sealed class RecordedCaptureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("btcusdt_20240808.gz", 6547, 4, 629)]
    [InlineData("ethusdt_20240808.gz", 6581, 5, 551)]
    public void ImportFiles_UsdmCapture_TopOfBookEqualsEveryMatchingBookTicker(string file, long applied, long skipped, int points)
    {
        var result = Replay(BinanceMarket.UsdM, SharedData.Path("binance-usdm", file));

        AssertConsistent(result, points);
        Assert.Equal(applied, result.Summary.Applied);
        Assert.Equal(skipped, result.Summary.Skipped);
    }

    [Fact]
    public void ImportFiles_CoinmPairInOrder_SequenceContinuesAndTopOfBookEqualsEveryMatchingBookTicker()
    {
        var result = Replay(
            BinanceMarket.CoinM,
            SharedData.Path("binance-coinm", "btcusd_perp_20240808.gz"),
            SharedData.Path("binance-coinm", "btcusd_perp_20240809.gz"));

        AssertConsistent(result, 1885);
        Assert.Equal(44772, result.Summary.Applied);
        Assert.Equal(TickSize.FromDecimal(0.1m), result.TickSize);
    }

    [Fact]
    public void ImportFiles_SecondCoinmFileAlone_NoSnapshotReportedStale()
    {
        var result = Replay(BinanceMarket.CoinM, SharedData.Path("binance-coinm", "btcusd_perp_20240809.gz"));

        Assert.Equal(0, result.Summary.Applied);
        Assert.Equal(0, result.Summary.Snapshots);
        Assert.True(result.Summary.StaleAtEnd);
        Assert.True(result.Summary.PendingAtEnd > 0);
    }

    [Theory]
    [InlineData("btcusdt_20240808.gz", "0.1")]
    [InlineData("ethusdt_20240808.gz", "0.01")]
    public void ImportFiles_NoConfiguredTick_InferredFromSnapshot(string file, string tick)
    {
        var result = Replay(BinanceMarket.UsdM, SharedData.Path("binance-usdm", file));

        Assert.Equal(tick, result.TickSize.ToString());
    }

    private static void AssertConsistent(ReplayResult result, int expectedPoints)
    {
        Assert.Equal(0, result.Summary.Gaps);
        Assert.Equal(0, result.Summary.Resyncs);
        Assert.False(result.Summary.StaleAtEnd);
        Assert.Empty(result.Mismatches.Take(5));
        Assert.True(result.Points >= 200, $"only {result.Points} bookTicker points met an applied update");
        Assert.Equal(expectedPoints, result.Points);

        // The importer-side check used by the CLI sees the same points.
        Assert.Equal(result.Points, result.Check.Checked);
        Assert.Equal(0, result.Check.Mismatched);
    }

    private ReplayResult Replay(BinanceMarket market, params string[] paths)
    {
        var recorder = new Recorder();
        var summary = BinanceBookImporter.ImportFiles(paths, new BinanceImportOptions { Market = market }, recorder);

        var points = 0;
        var mismatches = new List<string>();
        foreach (var ticker in recorder.Tickers)
        {
            if (recorder.Tops.TryGetValue(ticker.UpdateId, out var top))
            {
                points++;
                var seen = (ticker.BidPrice, ticker.BidQuantity, ticker.AskPrice, ticker.AskQuantity);
                if (top != seen)
                {
                    mismatches.Add($"u={ticker.UpdateId}: book {top}, bookTicker {seen}");
                }
            }
        }

        output.WriteLine($"{string.Join(" + ", paths.Select(Path.GetFileName))}: applied {summary.Applied}, skipped {summary.Skipped}, "
            + $"gaps {summary.Gaps}, bookTickers {summary.BookTickers}, points checked {points}, mismatched {mismatches.Count}");
        return new ReplayResult(summary, points, mismatches, recorder.Check, recorder.TickSize);
    }

    private sealed record ReplayResult(BinanceImportSummary Summary, int Points, List<string> Mismatches, BookTickerCheck Check, TickSize TickSize);

    /// <summary>Keeps every applied update's best levels and every bookTicker, to join them by u afterwards.</summary>
    private sealed class Recorder : IBinanceBookObserver
    {
        public Dictionary<long, (decimal, double, decimal, double)> Tops { get; } = [];

        public List<BookTickerReceived> Tickers { get; } = [];

        public BookTickerCheck Check { get; } = new();

        public TickSize TickSize { get; private set; }

        public void OnDiffApplied(in DiffApplied applied, OrderBook book, scoped in DepthUpdated diff)
        {
            Assert.True(book.TryGetBest(BookSide.Bid, out var bid));
            Assert.True(book.TryGetBest(BookSide.Ask, out var ask));
            Assert.Equal(applied.LastUpdateId, book.LastUpdateId);
            Assert.False(book.IsStale);
            Tops.Add(applied.LastUpdateId, (book.TickSize.ToDecimal(bid.PriceTicks), bid.Quantity, book.TickSize.ToDecimal(ask.PriceTicks), ask.Quantity));
            TickSize = book.TickSize;
            Check.OnDiffApplied(applied.LastUpdateId, book);
        }

        public void OnBookTicker(in BookTickerReceived ticker)
        {
            Tickers.Add(ticker);
            Check.OnBookTicker(ticker);
        }
    }
}
