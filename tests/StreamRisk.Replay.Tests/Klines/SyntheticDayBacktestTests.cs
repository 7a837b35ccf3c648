using System.Globalization;
using StreamRisk.Domain.Alerts;
using StreamRisk.Engine;
using StreamRisk.Replay.Klines;
using StreamRisk.Simulation;

namespace StreamRisk.Replay.Tests.Klines;

/// <summary>
/// Backtests of generated days, none of the shipped ones: a calm random walk must stay calm, and a crash that the
/// price slides into must be warned of before its drop minute.
/// </summary>
/// <remarks>
/// A day is a random walk in one-second steps at BTC's calm volatility (0.01 % per √s, 2.9 % a day), plus a drift per
/// minute; each minute's candle is the walk's open, extremes and close over its 60 s, on a 0.1 tick. A minute's quote
/// volume is 20M USD, times its range over a calm minute's (0.12 %) when wider: volume rises with volatility.
/// </remarks>
public sealed class SyntheticDayBacktestTests : IDisposable
{
    private const double Calm = 0.0012;
    private readonly string _directory = Directory.CreateTempSubdirectory("synthetic-day-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Populations => new() { "estimated", "estimated:oi=1B,leverage=coinglass" };

    [Theory]
    [MemberData(nameof(Populations))]
    public void Run_CalmRandomWalk_CriticalInHardlyAnyCalmMinute(string population)
    {
        var file = Day("BTCUSDT-1m-calm.csv", seed: 7, minutes: 120, _ => 0);

        var run = Run(file, population);

        Assert.Null(run.DropMinute);
        Assert.True(run.CalmMinutes > 100, $"{run.CalmMinutes} calm minutes");
        Assert.True(run.CalmMinutesWithCritical <= run.CalmMinutes / 20, $"{run.CalmMinutesWithCritical} of {run.CalmMinutes} calm minutes with a critical alert");
    }

    /// <summary>
    /// 70 calm minutes, a slide of 0.2 % a minute for 15 minutes (3 %), a break of 3 % a minute for 3 minutes, then 60
    /// calm minutes recovering 0.03 % a minute from the bottom. The liquidation-map mix holds leveraged longs within a few percent of the price: the
    /// slide brings the price onto them, which the monitor must see before the break; and once the crash has liquidated
    /// them and emptied the fund, the calm bottom must be calm again (an emptied fund is not drained again by moves that
    /// cost it nothing).
    /// </summary>
    [Fact]
    public void Run_SlideIntoACrash_WarnedAMinuteAheadAndCalmAfter()
    {
        var file = Day("BTCUSDT-1m-crash.csv", seed: 11, minutes: 148, m => m switch
        {
            >= 70 and < 85 => -0.002,
            >= 85 and < 88 => -0.03,
            >= 88 => 0.0003,
            _ => 0,
        });

        var run = Run(file, "estimated:oi=1B,leverage=coinglass");

        Assert.NotNull(run.DropMinute);
        var warned = run.FirstWarning[AlertRule.CascadeRisk];
        Assert.True(warned <= run.DropMinute - 60_000, $"first CascadeRisk warning {warned}, drop minute {run.DropMinute}");

        // The slide's minutes are calm by range, and what the monitor says in them is the warning; after the trough,
        // with the crash's positions liquidated and the fund emptied, nothing is near a cascade.
        var day = CrashDay.Of(file.Klines);
        var calmAfter = Enumerable.Range(day.Trough!.Value, file.Klines.Count - day.Trough.Value).Count(m => day.Calm[m]);
        var criticalAfter = run.CalmMinutesWithCritical - run.CalmMinutesWithCriticalBeforeDrop;
        Assert.True(calmAfter >= 30, $"{calmAfter} calm minutes after the trough");
        Assert.True(criticalAfter <= calmAfter / 20, $"{criticalAfter} of {calmAfter} calm minutes after the trough with a critical alert");
    }

    private static BacktestRun Run(KlineFile file, string population)
    {
        var estimated = population == "estimated" ? new EstimatedPopulationSpec(1) { Accounts = 5_000 } : EstimatedPopulationSpec.Parse(population, 5_000);
        var instrument = KlineInstruments.For(file, new Dictionary<string, Domain.Instruments.Instrument>());
        return Backtest.Run([file], [instrument], new EngineOptions(), new BacktestPositions
        {
            Estimated = estimated,
            EstimateOpenInterest = population == "estimated",
            Accounts = 5_000,
            Name = population,
        }, TimeProvider.System, CancellationToken.None);
    }

    /// <summary>A generated day: the walk plus <paramref name="drift"/>(minute), a log return spread evenly over the minute.</summary>
    private KlineFile Day(string name, int seed, int minutes, Func<int, double> drift)
    {
        var rng = new Random(seed);
        var lines = new List<string>(minutes);
        var price = 60_000.0;
        var start = 1_700_000_040_000L;
        for (var m = 0; m < minutes; m++)
        {
            var open = Math.Round(price, 1);
            double high = open, low = open;
            for (var s = 0; s < 60; s++)
            {
                price *= Math.Exp((drift(m) / 60) + (0.0001 * Normal(rng)));
                high = Math.Max(high, price);
                low = Math.Min(low, price);
            }

            var close = Math.Round(price, 1);
            (high, low) = (Math.Round(high, 1), Math.Round(low, 1));
            var quote = 20e6 * Math.Max(1, (high - low) / open / Calm);
            var time = start + (m * 60_000L);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{time},{open:0.0},{high:0.0},{low:0.0},{close:0.0},{quote / open:0.000},{time + 59_999},{quote:0.0},1000,{quote / open / 2:0.000},{quote / 2:0.0},0"));
        }

        var path = Path.Combine(_directory, name);
        File.WriteAllLines(path, lines);
        return KlineFile.Read(path);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
