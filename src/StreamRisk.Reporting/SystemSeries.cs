using StreamRisk.Domain.Alerts;

namespace StreamRisk.Reporting;

/// <summary>
/// What a time bucket of system views shows: the smallest system critical shock each way and, per instrument, the
/// largest liquidated notional at the reference grid moves (<see cref="SystemSeries.ReferenceMove"/> down and up). The
/// worst reading per figure, as <see cref="Bucket"/> keeps it, so downsampling hides no spike.
/// </summary>
internal sealed class SystemBucket : IMergingBucket<SystemBucket>
{
    public long FirstTime { get; private set; }

    public long LastTime { get; private set; }

    /// <summary>NaN when no view in the bucket had a system critical shock.</summary>
    public double ShockDown { get; private set; } = double.NaN;

    public double ShockUp { get; private set; } = double.NaN;

    /// <summary>Per instrument (index into <see cref="SystemSeries.Symbols"/>), NaN when the instrument was in no view of the bucket.</summary>
    public double[] LiquidatedDown { get; private set; } = [];

    public double[] LiquidatedUp { get; private set; } = [];

    public static SystemBucket Of(long time, double? shockDown, double? shockUp, double[] liquidatedDown, double[] liquidatedUp) => new()
    {
        FirstTime = time,
        LastTime = time,
        ShockDown = shockDown ?? double.NaN,
        ShockUp = shockUp ?? double.NaN,
        LiquidatedDown = liquidatedDown,
        LiquidatedUp = liquidatedUp,
    };

    /// <summary>The instrument's reading, NaN when the bucket has none (an instrument that got its first mark later).</summary>
    public static double At(double[] values, int instrument) => instrument < values.Length ? values[instrument] : double.NaN;

    /// <summary>Folds <paramref name="later"/> (a view or bucket at or after this one) into this bucket.</summary>
    public void Merge(SystemBucket later)
    {
        FirstTime = Math.Min(FirstTime, later.FirstTime);
        LastTime = Math.Max(LastTime, later.LastTime);
        ShockDown = MinIgnoringNaN(ShockDown, later.ShockDown);
        ShockUp = MinIgnoringNaN(ShockUp, later.ShockUp);
        LiquidatedDown = MaxIgnoringNaN(LiquidatedDown, later.LiquidatedDown);
        LiquidatedUp = MaxIgnoringNaN(LiquidatedUp, later.LiquidatedUp);
    }

    private static double MinIgnoringNaN(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Min(a, b);

    private static double MaxIgnoringNaN(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Max(a, b);

    private static double[] MaxIgnoringNaN(double[] a, double[] b)
    {
        var merged = new double[Math.Max(a.Length, b.Length)];
        for (var i = 0; i < merged.Length; i++)
        {
            merged[i] = MaxIgnoringNaN(At(a, i), At(b, i));
        }

        return merged;
    }
}

/// <summary>The moment of a reading: its value and the view's event time.</summary>
internal readonly record struct SystemReading(double Value, long EventTime);

/// <summary>
/// The system views of a replay (the <c>"type":"system"</c> lines of projections.ndjson), downsampled while streaming
/// like <see cref="ProjectionSeries"/>: time buckets whose width doubles past <see cref="ProjectionSeries.MaxBuckets"/>.
/// Beside the buckets it keeps, exactly, the smallest critical shock each way with its time, each instrument's largest
/// liquidated notional at the reference grid moves with its time, and two whole views: the one with the smallest
/// system critical shock (either way; the earliest on a tie) and the last. Memory stays bounded whatever the day length.
/// </summary>
internal sealed class SystemSeries
{
    /// <summary>The reference move the per-instrument liquidation is charted at: the grid move nearest to it, each way.</summary>
    public const double ReferenceMove = 0.05;

    private readonly SortedDictionary<long, SystemBucket> _buckets = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _symbols = [];
    private readonly List<SystemReading> _largestDown = [];
    private readonly List<SystemReading> _largestUp = [];
    private readonly SortedSet<double> _gridMovesDown = [];
    private readonly SortedSet<double> _gridMovesUp = [];
    private long _width = 100;
    private double _worstShock = double.NaN;

    public long Count { get; private set; }

    public long WidthMs => _width;

    public IReadOnlyCollection<SystemBucket> Buckets => _buckets.Values;

    /// <summary>Every instrument of any view, in the order first seen (the engine's instrument order).</summary>
    public IReadOnlyList<string> Symbols => _symbols;

    /// <summary>The grid moves charted (signed): one each way unless the grid changed during the replay.</summary>
    public IReadOnlyCollection<double> GridMovesDown => _gridMovesDown;

    public IReadOnlyCollection<double> GridMovesUp => _gridMovesUp;

    /// <summary>Per instrument of <see cref="Symbols"/>, its largest liquidated notional at the down grid move and when (the earliest of equals).</summary>
    public IReadOnlyList<SystemReading> LargestDown => _largestDown;

    public IReadOnlyList<SystemReading> LargestUp => _largestUp;

    public SystemReading? SmallestShockDown { get; private set; }

    public SystemReading? SmallestShockUp { get; private set; }

    /// <summary>The view with the smallest system critical shock either way; null when no view had one.</summary>
    public SystemView? Worst { get; private set; }

    public SystemView? Last { get; private set; }

    public long FirstTime { get; private set; }

    public long LastTime { get; private set; }

    public void Add(SystemView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (Count == 0)
        {
            FirstTime = view.EventTime;
        }

        Count++;
        FirstTime = Math.Min(FirstTime, view.EventTime);
        LastTime = Math.Max(LastTime, view.EventTime);
        Last = view;

        if (Smaller(view.CriticalShockDown, SmallestShockDown))
        {
            SmallestShockDown = new SystemReading(view.CriticalShockDown!.Value, view.EventTime);
        }

        if (Smaller(view.CriticalShockUp, SmallestShockUp))
        {
            SmallestShockUp = new SystemReading(view.CriticalShockUp!.Value, view.EventTime);
        }

        if (Smallest(view) is { Shock: var shock } && (Worst is null || shock < _worstShock))
        {
            Worst = view;
            _worstShock = shock;
        }

        foreach (var symbol in view.Symbols)
        {
            if (!_index.ContainsKey(symbol))
            {
                _index.Add(symbol, _symbols.Count);
                _symbols.Add(symbol);
                _largestDown.Add(new SystemReading(double.NaN, 0));
                _largestUp.Add(new SystemReading(double.NaN, 0));
            }
        }

        var down = Liquidated(view, -ReferenceMove, _gridMovesDown, _largestDown);
        var up = Liquidated(view, ReferenceMove, _gridMovesUp, _largestUp);
        var bucket = SystemBucket.Of(view.EventTime, view.CriticalShockDown, view.CriticalShockUp, down, up);
        var key = Math.Max(0, view.EventTime) / _width;
        if (_buckets.TryGetValue(key, out var existing))
        {
            existing.Merge(bucket);
        }
        else
        {
            _buckets.Add(key, bucket);
        }

        while (_buckets.Count > ProjectionSeries.MaxBuckets)
        {
            Coarsen();
        }
    }

    /// <summary>The smaller of a view's two critical shocks and its direction (down on a tie); null when it has neither.</summary>
    public static (double Shock, string Direction)? Smallest(SystemView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.CriticalShockDown is { } down && !double.IsNaN(down) && (view.CriticalShockUp is not { } up || double.IsNaN(up) || down <= up) ? (down, "down")
            : view.CriticalShockUp is { } u && !double.IsNaN(u) ? (u, "up")
            : null;
    }

    /// <summary>Strictly smaller, so the earliest of equal readings stays.</summary>
    private static bool Smaller(double? value, SystemReading? best) =>
        value is { } v && !double.IsNaN(v) && (best is not { } b || v < b.Value);

    /// <summary>
    /// Per instrument, its liquidated notional in the grid scenario whose reference move is nearest to <paramref name="target"/>
    /// on its side (NaN for instruments not in the view); updates the largest readings.
    /// </summary>
    private double[] Liquidated(SystemView view, double target, SortedSet<double> movesSeen, List<SystemReading> largest)
    {
        var values = new double[_symbols.Count];
        Array.Fill(values, double.NaN);
        SystemScenario? nearest = null;
        foreach (var scenario in view.Grid)
        {
            if (Math.Sign(scenario.Move) == Math.Sign(target) && (nearest is null || Math.Abs(scenario.Move - target) < Math.Abs(nearest.Move - target)))
            {
                nearest = scenario;
            }
        }

        if (nearest is null)
        {
            return values;
        }

        movesSeen.Add(nearest.Move);
        foreach (var instrument in nearest.Instruments)
        {
            if (!_index.TryGetValue(instrument.Symbol, out var i) || double.IsNaN(instrument.LiquidatedNotional))
            {
                continue;
            }

            values[i] = instrument.LiquidatedNotional;
            if (double.IsNaN(largest[i].Value) || instrument.LiquidatedNotional > largest[i].Value)
            {
                largest[i] = new SystemReading(instrument.LiquidatedNotional, view.EventTime);
            }
        }

        return values;
    }

    private void Coarsen()
    {
        _width *= 2;
        TimeBuckets.Halve(_buckets);
    }
}
