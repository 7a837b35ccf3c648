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
            // so the far interval [0.95 %, 1 %] lies just outside ±1 % and the band holds the model's N(0.95 %), thinned
            // by the last minutes' ranges (0.93 % the minute before: about 36 % of the calm depth).
            var within = book.DepthWithin(side, 59_700.5, 0.01).Notional;
            var factor = KlineMarketSource.DepthFactor(file.Klines, 2, KlineMarketSource.MarksPerMinute - 1);
            Assert.InRange(factor, 0.35, 0.37);
            var expected = new DepthModel(depth * factor, KlineMarketSource.DefaultBookAlpha).NotionalWithin(0.0095);
            Assert.Equal(expected, within, expected * 1e-9);
        }
    }

    [Fact]
    public void DepthFactor_CalmMinutesKeepTheBook_VolatileOnesThinItAsTheSquareRootOfTheRange_NeverPastTheFloor()
    {
        var path = Path.Combine(_directory, "BTCUSDT-1m-test.csv");
        File.WriteAllLines(path, [
            Row(0, "60000.0", "60030.0", "59990.0", "60020.0"), // 0.067 % range: calm
            Row(1, "60020.0", "60040.0", "59300.0", "59400.0"), // 1.23 % range, reached at 40 s (high first, then low)
            Row(2, "59400.0", "59410.0", "50000.0", "51000.0"), // a 16 % crash minute
        ]);
        var klines = KlineFile.Read(path).Klines;

        Assert.Equal(1, KlineMarketSource.DepthFactor(klines, 0, KlineMarketSource.MarksPerMinute - 1));
        // Minute 1 before its low: only the prices so far count (the previous minute was calm).
        Assert.True(KlineMarketSource.DepthFactor(klines, 1, 4) > KlineMarketSource.DepthFactor(klines, 1, 8));
        Assert.Equal(Math.Sqrt(KlineMarketSource.CalmMinuteRange / (740.0 / 60_020)), KlineMarketSource.DepthFactor(klines, 1, 8), 12);
        Assert.Equal(KlineMarketSource.MinDepthFactor, KlineMarketSource.DepthFactor(klines, 2, KlineMarketSource.MarksPerMinute - 1));
    }

    [Fact]
    public void Play_EstimatedWithTurnover_TheLastMinutesVolumeShareReopenedAtTheMarkNow_AllAccepted()
    {
        var path = Path.Combine(_directory, "BTCUSDT-1m-test.csv");
        File.WriteAllLines(path, [
            Row(0, "60000.0", "60030.0", "59990.0", "60020.0"),
            Row(1, "60020.0", "60040.0", "60000.0", "60010.0"),
            Row(2, "60010.0", "60030.0", "59990.0", "60000.0"),
            Row(3, "60000.0", "60020.0", "59980.0", "59990.0"),
            Row(4, "72000.0", "72020.0", "71980.0", "71990.0"),
        ]);
        var file = KlineFile.Read(path);
        var instrument = KlineInstruments.For(file, new Dictionary<string, Domain.Instruments.Instrument>());
        var state = new ReplayState(new EngineOptions());

        // Open interest 3M against 600k of quote volume a minute: a share 600k / (2 × 3M) = 10 % a minute, at the opens
        // of minutes 1-4 (minute 0's volume turned over at minute 1's open, and so on): 4 × 10 % of 1,000 accounts.
        var spec = new Simulation.EstimatedPopulationSpec(3e6) { Accounts = 1_000, Turnover = true };
        Assert.Equal(0.1, Simulation.EstimatedTurnover.Share(600_000, 3e6), 12);
        using var source = new KlineMarketSource(new KlineSourceOptions { Files = [file], Instruments = [instrument], Estimated = spec, Accounts = 1_000 });

        source.Play(state.Apply, CancellationToken.None);

        Assert.Equal(0, state.Rejected);
        Assert.Equal(1_000, state.Engine.Margins.AccountCount);
        Assert.InRange(source.Reopened, 400 - (4 * 19), 400 + (4 * 19)); // binomial σ ≈ 19

        // Minute 4 opens at 72,000, 20 % above the price the population was opened around (its simulated day's walk at
        // 2.9 % a day does not reach it): the positions entered near there are the ones reopened at that open.
        var near = 0;
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(state.Engine.Margins.TryGetAccount(new Domain.AccountId(string.Create(CultureInfo.InvariantCulture, $"est-{i + 1:D6}")), out var account));
            var position = Assert.Single(account.Positions.ToArray());
            near += position.Entry > 71_000 ? 1 : 0;
        }

        Assert.InRange(near, 100 - (4 * 9), 100 + (4 * 9)); // 10 % of 1,000, binomial σ ≈ 9.5
    }

    [Fact]
    public void Play_EstimatedWithoutTurnover_NothingReopened()
    {
        var path = Path.Combine(_directory, "BTCUSDT-1m-test.csv");
        File.WriteAllLines(path, [Row(0, "60000.0", "60030.0", "59990.0", "60020.0"), Row(1, "60020.0", "60040.0", "60000.0", "60010.0")]);
        var file = KlineFile.Read(path);
        var instrument = KlineInstruments.For(file, new Dictionary<string, Domain.Instruments.Instrument>());
        var state = new ReplayState(new EngineOptions());
        using var source = new KlineMarketSource(new KlineSourceOptions
        {
            Files = [file], Instruments = [instrument], Estimated = new Simulation.EstimatedPopulationSpec(3e6) { Accounts = 100 }, Accounts = 100,
        });

        source.Play(state.Apply, CancellationToken.None);

        Assert.Equal((0L, 0L, 100L), (state.Rejected, source.Reopened, source.Accounts));
    }

    private static string Row(int minute, string open, string high, string low, string close)
    {
        var time = 1_700_000_040_000L + (minute * 60_000L);
        return string.Create(CultureInfo.InvariantCulture, $"{time},{open},{high},{low},{close},10.000,{time + 59_999},600000.0,100,5.0,300000.0,0");
    }
}
