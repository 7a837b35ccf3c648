using System.Globalization;
using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Instruments;
using StreamRisk.Engine;
using StreamRisk.Replay.InProcess;

using StreamRisk.Simulation;

namespace StreamRisk.Replay.Klines;

/// <summary>Where a backtest's positions come from (as <c>replay --positions</c> names them).</summary>
public sealed record BacktestPositions
{
    public int Seed { get; init; } = 1;

    /// <summary>Account documents instead of a generated population.</summary>
    public byte[]? File { get; init; }

    /// <summary>
    /// An estimated population (<see cref="EstimatedPopulation"/>) instead of the synthetic one; its open interest applies to
    /// each instrument, or, when <see cref="EstimateOpenInterest"/> is set, each instrument's is estimated from its candles.
    /// </summary>
    public EstimatedPopulationSpec? Estimated { get; init; }

    /// <summary>Estimate each instrument's open interest from its candles' quote volume (<see cref="KlineMarketSource.OpenInterestFromVolume"/>).</summary>
    public bool EstimateOpenInterest { get; init; }

    public int Accounts { get; init; } = 20_000;

    /// <summary>How the output names the population.</summary>
    public required string Name { get; init; }
}

/// <summary>One instrument's realized liquidations and auto-deleveraging in a run (null while not modelled).</summary>
public sealed record SymbolOutcome(double? LiquidatedNotional, double? AdlNotional, long? FirstLiquidation, long? FirstAdl);

/// <summary>What one run of a backtest found (docs/backtest.md reads each field).</summary>
public sealed record BacktestRun
{
    public required IReadOnlyList<string> Symbols { get; init; }
    public required IReadOnlyList<string> Files { get; init; }
    public required long Start { get; init; }
    public required long End { get; init; }
    public long? DropMinute { get; init; }
    public long? TroughMinute { get; init; }

    /// <summary>Per rule, the event time of the first transition at warning or above (null: never).</summary>
    public required IReadOnlyDictionary<AlertRule, long?> FirstWarning { get; init; }

    /// <summary>Per rule, the event time of the first transition at critical (null: never).</summary>
    public required IReadOnlyDictionary<AlertRule, long?> FirstCritical { get; init; }

    public required int Minutes { get; init; }
    public required int CalmMinutes { get; init; }
    public required int CalmMinutesWithCritical { get; init; }

    /// <summary>Of <see cref="CalmMinutesWithCritical"/>, those before the drop (the rest come after the trough).</summary>
    public required int CalmMinutesWithCriticalBeforeDrop { get; init; }
    public required long AlertTransitions { get; init; }

    /// <summary>Messages the live monitor would have dead-lettered (none, unless the instruments and candles disagree), by reason.</summary>
    public required IReadOnlyDictionary<string, long> Rejected { get; init; }
    public double? LiquidatedNotional { get; init; }
    public long? FirstLiquidation { get; init; }
    public long? FirstAdl { get; init; }
    public required IReadOnlyDictionary<string, SymbolOutcome> PerSymbol { get; init; }

    /// <summary>Per symbol, the one-side notional within 1 % of the mark of its modelled book.</summary>
    public required IReadOnlyDictionary<string, double> DepthWithin1Pct { get; init; }

    /// <summary>The insurance fund of each symbol after each minute, stamped with the minute's open time.</summary>
    public required IReadOnlyList<(long Time, IReadOnlyDictionary<string, double> Balances)> FundPath { get; init; }

    public required string Positions { get; init; }
}

/// <summary>
/// Crash-day backtests: kline files grouped into runs by period, each run played through the monitor in process
/// (<see cref="KlineMarketSource"/> → <see cref="InProcessReplay"/>, the live decode path, projections, alert rules and
/// the system view on event time), and what it found (<see cref="BacktestRun"/>).
/// </summary>
public static class Backtest
{
    /// <summary>
    /// Files of the same minutes are one run (ordered as given); files of disjoint periods are separate runs, in time
    /// order. Files whose periods overlap without being the same, or two files of one symbol in a run, are bad input.
    /// </summary>
    /// <exception cref="InvalidDataException">The message names the files.</exception>
    public static IReadOnlyList<IReadOnlyList<KlineFile>> Group(IReadOnlyList<KlineFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var groups = new List<List<KlineFile>>();
        foreach (var file in files)
        {
            var group = groups.Find(g => g[0].Start == file.Start && g[0].End == file.End);
            if (group is null)
            {
                if (groups.Find(g => g[0].Start <= file.End && file.Start <= g[0].End) is { } overlapping)
                {
                    throw new InvalidDataException(
                        $"{Name(file)} ({Period(file)}) and {Name(overlapping[0])} ({Period(overlapping[0])}) overlap but cover different minutes; the files of one run must cover the same minutes");
                }

                groups.Add([file]);
                continue;
            }

            if (group.Find(f => f.Symbol == file.Symbol) is { } same)
            {
                throw new InvalidDataException($"{Name(file)} and {Name(same)} are both {file.Symbol} for {Period(file)}; a run holds one file per instrument");
            }

            group.Add(file);
        }

        return [.. groups.OrderBy(g => g[0].Start)];
    }

    /// <summary>Plays one run's files through the monitor and measures it against the crash's minutes.</summary>
    public static BacktestRun Run(IReadOnlyList<KlineFile> files, IReadOnlyList<Instrument> instruments, EngineOptions engine, BacktestPositions positions, TimeProvider time, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(instruments);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(positions);
        var start = files[0].Start;
        var minutes = files[0].Klines.Count;
        var alerts = new AlertTimeline(start, minutes);
        var fundPath = new List<(long, IReadOnlyDictionary<string, double>)>(minutes);
        using var outputs = new ReplayOutputs(null) { Observer = alerts.Add };
        using var replay = new InProcessReplay(WithVenueLiquidations(engine), outputs, new ReplayPacer(0, time));
        using var source = new KlineMarketSource(new KlineSourceOptions
        {
            Files = files,
            Instruments = instruments,
            PopulationSeed = positions.Seed,
            PositionsFile = positions.File,
            Estimated = positions.Estimated,
            EstimateOpenInterest = positions.EstimateOpenInterest,
            Accounts = positions.Accounts,
            MinuteDone = minute =>
            {
                var balances = new SortedDictionary<string, double>(StringComparer.Ordinal);
                foreach (var instrument in instruments)
                {
                    balances[instrument.Symbol.Value] = FundBalance(replay.Engine, instrument.Symbol.Value);
                }

                fundPath.Add((start + (minute * 60_000L), balances));
            },
        });
        source.Play(replay.Apply, cancel);

        var day = CrashDay.Of([.. files.Select(f => f.Klines)]);
        int calmWithCritical = 0, calmWithCriticalBeforeDrop = 0;
        for (var m = 0; m < minutes; m++)
        {
            if (day.Calm[m] && alerts.CriticalDuring(m))
            {
                calmWithCritical++;
                calmWithCriticalBeforeDrop += day.Drop is null || m < day.Drop ? 1 : 0;
            }
        }

        var perSymbol = new SortedDictionary<string, SymbolOutcome>(StringComparer.Ordinal);
        foreach (var instrument in instruments)
        {
            perSymbol[instrument.Symbol.Value] = RealizedOutcome(replay.Engine, instrument.Symbol.Value);
        }

        return new BacktestRun
        {
            Symbols = [.. instruments.Select(i => i.Symbol.Value)],
            Files = [.. files.Select(f => Path.GetFileName(f.Path))],
            Start = start,
            End = files[0].End,
            DropMinute = day.Drop is { } drop ? start + (drop * 60_000L) : null,
            TroughMinute = day.Trough is { } trough ? start + (trough * 60_000L) : null,
            FirstWarning = alerts.FirstWarning,
            FirstCritical = alerts.FirstCritical,
            Minutes = minutes,
            CalmMinutes = day.CalmMinutes,
            CalmMinutesWithCritical = calmWithCritical,
            CalmMinutesWithCriticalBeforeDrop = calmWithCriticalBeforeDrop,
            AlertTransitions = outputs.Alerts,
            Rejected = new SortedDictionary<string, long>(replay.RejectedByReason, StringComparer.Ordinal),
            LiquidatedNotional = perSymbol.Values.Any(o => o.LiquidatedNotional is null) ? null : perSymbol.Values.Sum(o => o.LiquidatedNotional),
            FirstLiquidation = perSymbol.Values.Min(o => o.FirstLiquidation),
            FirstAdl = perSymbol.Values.Min(o => o.FirstAdl),
            PerSymbol = perSymbol,
            DepthWithin1Pct = new SortedDictionary<string, double>(source.DepthWithin1Pct.ToDictionary(), StringComparer.Ordinal),
            FundPath = fundPath,
            Positions = positions.Name,
        };
    }

    // The realized state of a backtest: the three members below are the one place that turns the venue liquidation
    // engine on and reads what it realized. Until the engine runs replays' liquidations, the fund is the configured
    // one and nothing is realized (null in the output).

    /// <summary>The engine options a backtest runs with: the venue liquidation engine on.</summary>
    private static EngineOptions WithVenueLiquidations(EngineOptions engine) => engine with { LiquidationEngine = LiquidationEngineMode.Venue };

    /// <summary>A symbol's insurance fund balance now, as the engine holds it (what the projections and the system view read).</summary>
    private static double FundBalance(RiskEngine engine, string symbol) =>
        engine.Catalog.TryGetIndex(new Symbol(symbol), out var index) ? engine.InsuranceFundOf(index) : engine.Options.InsuranceFundFor(symbol);

    /// <summary>What the venue liquidation engine realized on a symbol: liquidated and ADL notional, and their first times.</summary>
    private static SymbolOutcome RealizedOutcome(RiskEngine engine, string symbol)
    {
        double liquidated = 0, adl = 0;
        long? firstLiquidation = null, firstAdl = null;
        foreach (var fill in engine.Liquidations?.Fills ?? [])
        {
            if (fill.Symbol != symbol)
            {
                continue;
            }

            liquidated += fill.Size * fill.Price;
            firstLiquidation ??= fill.EventTime;
            if (fill.AdlNotional > 0)
            {
                adl += fill.AdlNotional;
                firstAdl ??= fill.EventTime;
            }
        }

        return new(liquidated, adl, firstLiquidation, firstAdl);
    }

    private static string Name(KlineFile file) => Path.GetFileName(file.Path);

    private static string Period(KlineFile file) => string.Create(CultureInfo.InvariantCulture,
        $"{DateTimeOffset.FromUnixTimeMilliseconds(file.Start):yyyy-MM-ddTHH:mmZ} to {DateTimeOffset.FromUnixTimeMilliseconds(file.End):yyyy-MM-ddTHH:mmZ}");

    /// <summary>The alert transitions of a run as the backtest reads them: first times per rule, and when criticals were open.</summary>
    private sealed class AlertTimeline(long start, int minutes)
    {
        private readonly Dictionary<string, long> _criticalSince = new(StringComparer.Ordinal);
        private readonly List<(long From, long To)> _critical = [];
        private readonly Dictionary<AlertRule, long?> _firstWarning = Enum.GetValues<AlertRule>().ToDictionary(r => r, _ => (long?)null);
        private readonly Dictionary<AlertRule, long?> _firstCritical = Enum.GetValues<AlertRule>().ToDictionary(r => r, _ => (long?)null);

        public IReadOnlyDictionary<AlertRule, long?> FirstWarning => _firstWarning;

        public IReadOnlyDictionary<AlertRule, long?> FirstCritical => _firstCritical;

        public void Add(AlertTransition transition)
        {
            var open = transition.State != AlertState.Resolved;
            if (open && transition.Severity >= AlertSeverity.Warning)
            {
                _firstWarning[transition.Rule] ??= transition.EventTime;
            }

            if (open && transition.Severity == AlertSeverity.Critical)
            {
                _firstCritical[transition.Rule] ??= transition.EventTime;
                _criticalSince.TryAdd(transition.Id, transition.EventTime);
            }
            else if (_criticalSince.Remove(transition.Id, out var since))
            {
                _critical.Add((since, transition.EventTime));
            }
        }

        /// <summary>Whether a critical alert was open at some moment of minute <paramref name="minute"/>, or raised in it.</summary>
        public bool CriticalDuring(int minute)
        {
            if (minute < 0 || minute >= minutes)
            {
                return false;
            }

            var from = start + (minute * 60_000L);
            var to = from + 60_000;
            foreach (var since in _criticalSince.Values)
            {
                if (since < to)
                {
                    return true;
                }
            }

            foreach (var (since, until) in _critical)
            {
                if (since < to && (until > from || since >= from))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
