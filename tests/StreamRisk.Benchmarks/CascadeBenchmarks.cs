using BenchmarkDotNet.Attributes;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Reference;

namespace StreamRisk.Benchmarks;

/// <summary>
/// One symbol with 1M positions (half long, half short; liquidation prices clustered where 5x–100x leverage puts
/// them) and a 1,000-level book per side. Baseline: the list-and-scan reference model. Measured: the full
/// two-sided grid (9 shocks a side) plus both critical-shock searches, and one ladder update.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class CascadeBenchmarks
{
    private const double Mark = CascadeScenario.Mark;
    private static readonly double[] Shocks = [.. CascadeShocks.DefaultGrid];

    private readonly CascadeRound[] _rounds = new CascadeRound[1024];
    private LiquidationLadder _longs = null!;
    private LiquidationLadder _shorts = null!;
    private SideDepth _bids = null!;
    private SideDepth _asks = null!;
    private List<RefPosition> _refLongs = null!;
    private List<RefPosition> _refShorts = null!;
    private (double, double)[] _bidLevels = null!;
    private (double, double)[] _askLevels = null!;
    private int _updateId;

    [Params(1_000_000)]
    public int Positions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var scenario = CascadeScenario.Generate(Positions);
        (_longs, _shorts, _bids, _asks) = (scenario.Longs, scenario.Shorts, scenario.Bids, scenario.Asks);
        (_refLongs, _refShorts, _bidLevels, _askLevels) = (scenario.RefLongs, scenario.RefShorts, scenario.BidLevels, scenario.AskLevels);

        // The scenario must really cascade, or the timing means nothing: print what it does.
        var fivePercent = CascadeProjector.Project(Mark, CascadeDirection.Down, 0.05, _longs, _bids, 1_000_000, null, _rounds);
        Console.WriteLine($"// scenario: critical shock down {CascadeProjector.CriticalShock(Mark, CascadeDirection.Down, _longs, _bids)}, " +
            $"up {CascadeProjector.CriticalShock(Mark, CascadeDirection.Up, _shorts, _asks)}; 5% down: {fivePercent.RoundCount} rounds, " +
            $"{fivePercent.LiquidatedAccounts} positions, amplification {fivePercent.Amplification:0.00}, exhausted {fivePercent.BookExhausted}");
    }

    [Benchmark(Baseline = true, Description = "naive reference: grid (18) + critical shocks")]
    public double NaiveGridAndCriticalShock()
    {
        var sum = 0.0;
        foreach (var shock in Shocks)
        {
            sum += ReferenceCascade.Project(Mark, CascadeDirection.Down, shock, _refLongs, _bidLevels, 1_000_000).Final;
            sum += ReferenceCascade.Project(Mark, CascadeDirection.Up, shock, _refShorts, _askLevels, 1_000_000).Final;
        }

        sum += ReferenceCascade.CriticalShock(Mark, CascadeDirection.Down, _refLongs, _bidLevels) ?? 0;
        sum += ReferenceCascade.CriticalShock(Mark, CascadeDirection.Up, _refShorts, _askLevels) ?? 0;
        return sum;
    }

    [Benchmark(Description = "CascadeProjector: grid (18) + critical shocks")]
    public double GridAndCriticalShock()
    {
        var sum = 0.0;
        foreach (var shock in Shocks)
        {
            sum += CascadeProjector.Project(Mark, CascadeDirection.Down, shock, _longs, _bids, 1_000_000, null, _rounds).FinalPrice;
            sum += CascadeProjector.Project(Mark, CascadeDirection.Up, shock, _shorts, _asks, 1_000_000, null, _rounds).FinalPrice;
        }

        sum += CascadeProjector.CriticalShock(Mark, CascadeDirection.Down, _longs, _bids) ?? 0;
        sum += CascadeProjector.CriticalShock(Mark, CascadeDirection.Up, _shorts, _asks) ?? 0;
        return sum;
    }

    [Benchmark(Description = "LiquidationLadder.Upsert (move one of 500k)")]
    public int LadderUpdate()
    {
        var id = _updateId++ % (Positions / 2);
        _longs.Upsert(id, Mark * (0.8 + (0.19 * ((id * 7919) % 1000) / 1000.0)), 0.01, Mark * 0.79);
        return _longs.Count;
    }
}
