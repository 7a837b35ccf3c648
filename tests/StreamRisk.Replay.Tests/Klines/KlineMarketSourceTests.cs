using System.Globalization;
using StreamRisk.Domain.Books;
using StreamRisk.Engine;
using StreamRisk.Replay.InProcess;
using StreamRisk.Replay.Klines;

namespace StreamRisk.Replay.Tests.Klines;

/// <summary>The messages made from candles, applied through the live decode path: every one accepted, the book the model's.</summary>
public sealed class KlineMarketSourceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kline-source-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Play_ThreeMinutes_AllAcceptedAndTheBookHoldsTheModelledDepthAroundTheLastClose()
    {
        var path = Path.Combine(_directory, "BTCUSDT-1m-test.csv");
        File.WriteAllLines(path, [
            Row(0, "60000.0", "60100.0", "59900.0", "60050.0"),
            Row(1, "60050.0", "60060.0", "59500.0", "59600.0"),
            Row(2, "59600.0", "59800.0", "59550.0", "59700.5"),
        ]);
        var file = KlineFile.Read(path);
        var instrument = KlineInstruments.For(file, new Dictionary<string, Domain.Instruments.Instrument>());
        var state = new ReplayState(new EngineOptions());
        using var source = new KlineMarketSource(new KlineSourceOptions { Files = [file], Instruments = [instrument], Accounts = 200 });

        source.Play(state.Apply, CancellationToken.None);

        Assert.Equal(0, state.Rejected);
        Assert.Equal(3 * KlineMarketSource.MarksPerMinute, source.Marks);
        Assert.Equal(200, source.Accounts);
        Assert.Equal(200, state.Engine.Margins.AccountCount);
        var book = state.Engine.BookOf(0)!;
        var depth = source.DepthWithin1Pct["BTCUSDT"];
        foreach (var side in (BookSide[])[BookSide.Bid, BookSide.Ask])
        {
            // The last mark is the close 59,700.5. An interval's depth rests on the first tick at or beyond its far end,
            // so the far interval [0.95 %, 1 %] lies just outside ±1 % and the band holds the model's N(0.95 %).
            var within = book.DepthWithin(side, 59_700.5, 0.01).Notional;
            var expected = new DepthModel(depth, KlineMarketSource.DefaultBookAlpha).NotionalWithin(0.0095);
            Assert.Equal(expected, within, expected * 1e-9);
        }
    }

    private static string Row(int minute, string open, string high, string low, string close)
    {
        var time = 1_700_000_040_000L + (minute * 60_000L);
        return string.Create(CultureInfo.InvariantCulture, $"{time},{open},{high},{low},{close},10.000,{time + 59_999},600000.0,100,5.0,300000.0,0");
    }
}
