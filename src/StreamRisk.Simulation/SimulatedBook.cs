using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Simulation;

/// <summary>
/// The simulator's L2 book of one symbol, in integer ticks and lots (exact), with the changes since the last
/// published update. Owned by one <see cref="MarketSimulator"/> run; not thread-safe.
/// </summary>
/// <remarks>
/// <para>Layout, by distance from the mark: the gap to the next level at o ticks out is about 2√(o·W)/n ticks (± 30 %,
/// at least one tick), where W = span × mark in ticks and n the level count. That is the spacing of
/// "level k sits at span × (k/n)²": about n levels reach the span, the first ones a tick or a few apart, the far
/// ones wide, so a shock of a few percent still lands inside the book.</para>
/// <para>Every step the book follows the mark: crossed levels go, then one walk per side from the mark outwards
/// fills holes wider than twice the layout gap, deletes levels packed closer than half of it (where the mark has
/// be), drops levels beyond 1.2 × span and extends the side to the span. Levels stay at their prices otherwise, as
/// on a venue. The hysteresis (×2 / ×0.5) keeps the update rate low once the layout is met.</para>
/// <para>Quantity: a level d (a fraction of the mark) out holds the <see cref="DepthModel"/>'s notional between d − g
/// and d, g its layout gap, × U(0.5, 1.5), times the liquidity factor inside the withdrawal band: so the depth within d
/// follows N1% · (d / 1%)^α on average, thin near the touch.</para>
/// </remarks>
internal sealed class SimulatedBook
{
    private const double HoleFactor = 2.0;
    private const double PackedFactor = 0.5;
    private const double TrimFactor = 1.2;

    private readonly Instrument _instrument;
    private readonly string _symbol;
    private readonly TickSize _tick;
    private readonly TickSize _lot;
    private readonly DepthModel _depth;
    private readonly int _levels;
    private readonly double _span;
    private readonly double _band;
    private readonly Side _bids;
    private readonly Side _asks;
    private List<Level> _spare;
    private long _lastId;
    private long _markTicks;
    private double _mark;

    public SimulatedBook(SimulatedSymbol spec, SimulatorOptions options, DepthModel depth, long firstId)
    {
        _depth = depth;
        _instrument = spec.Instrument;
        _symbol = spec.Instrument.Symbol.Value;
        _tick = TickSize.FromDecimal((decimal)_instrument.TickSize);
        _lot = TickSize.FromDecimal((decimal)_instrument.LotSize);
        _levels = options.BookLevels;
        _span = options.BookSpan;
        _band = options.WithdrawalBand;
        _bids = new Side(-1, _levels);
        _asks = new Side(+1, _levels);
        _spare = new List<Level>(_levels * 2);
        _lastId = firstId;
    }

    public string Symbol => _symbol;

    public TickSize Tick => _tick;

    /// <summary>A price's nearest tick (at least 1).</summary>
    public long TicksOf(double price) => Math.Max(1L, (long)Math.Round(price / _instrument.TickSize));

    /// <summary>Lots worth <paramref name="size"/> in the instrument's size units (at least one).</summary>
    public long LotsOf(double size) => Math.Max(1L, (long)Math.Round(Math.Abs(size) / _instrument.LotSize));

    /// <summary>Builds both sides around the mark; nothing is pending afterwards.</summary>
    public void Build(Random rng, long markTicks)
    {
        SetMark(markTicks);
        Reshape(rng, _bids, 1.0);
        Reshape(rng, _asks, 1.0);
        _bids.Changes.Clear();
        _asks.Changes.Clear();
    }

    public SimBook Snapshot(long eventTime) => new(eventTime, _symbol, true, 0, _lastId, 0, Levels(_bids), Levels(_asks));

    /// <summary>Moves the book to a new mark: drops crossed levels, then reshapes each side to the layout.</summary>
    public void Follow(Random rng, long markTicks, double liquidity)
    {
        SetMark(markTicks);
        RemoveCrossed(_bids);
        RemoveCrossed(_asks);
        Reshape(rng, _bids, liquidity);
        Reshape(rng, _asks, liquidity);
    }

    /// <summary>Random quantity changes, deletions and insertions near the touch, <paramref name="changes"/> per side.</summary>
    public void Churn(Random rng, int changes, double liquidity)
    {
        for (var i = 0; i < changes; i++)
        {
            Churn(rng, _bids, liquidity);
            Churn(rng, _asks, liquidity);
        }
    }

    /// <summary>One random change near the touch, on a side drawn at random.</summary>
    public void ChurnOne(Random rng, double liquidity) => Churn(rng, rng.Next(2) == 0 ? _bids : _asks, liquidity);

    /// <summary>
    /// Pulls the levels within the withdrawal band back towards their profile at <paramref name="liquidity"/>: a
    /// level above twice its profile is cut (liquidity withdrawn: the factor fell), one below half of it is raised
    /// (replenished: the factor came back), each to a fresh draw. Levels in between are left alone.
    /// </summary>
    public void Regulate(Random rng, double liquidity)
    {
        Regulate(rng, _bids, liquidity);
        Regulate(rng, _asks, liquidity);
    }

    /// <summary>
    /// A market order of <paramref name="lots"/> into the bids (<paramref name="sell"/>) or asks, consuming levels
    /// from the touch. Returns the price of the last level touched; the mark when the side is empty.
    /// </summary>
    public double Fill(bool sell, long lots)
    {
        var side = sell ? _bids : _asks;
        var levels = side.Levels;
        var last = _markTicks;
        var consumed = 0;
        while (lots > 0 && consumed < levels.Count)
        {
            var level = levels[consumed];
            last = level.Ticks;
            var take = Math.Min(lots, level.Lots);
            lots -= take;
            if (take == level.Lots)
            {
                side.Changes[level.Ticks] = 0;
                consumed++;
            }
            else
            {
                levels[consumed] = level with { Lots = level.Lots - take };
                side.Changes[level.Ticks] = level.Lots - take;
            }
        }

        levels.RemoveRange(0, consumed);
        return _tick.ToPrice(last);
    }

    /// <summary>The pending changes as one delta (ids continuous with the last update), or null when nothing changed.</summary>
    public SimBook? Flush(long eventTime)
    {
        var count = _bids.Changes.Count + _asks.Changes.Count;
        if (count == 0)
        {
            return null;
        }

        var bids = Changes(_bids);
        var asks = Changes(_asks);
        var prev = _lastId;
        _lastId += count;
        return new SimBook(eventTime, _symbol, false, prev + 1, _lastId, prev, bids, asks);
    }

    private (decimal Price, decimal Quantity)[] Levels(Side side)
    {
        var result = new (decimal, decimal)[side.Levels.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (_tick.ToDecimal(side.Levels[i].Ticks), _lot.ToDecimal(side.Levels[i].Lots));
        }

        return result;
    }

    /// <summary>The pending changes of a side, best price first, then cleared.</summary>
    private (decimal Price, decimal Quantity)[] Changes(Side side)
    {
        var changes = side.Changes;
        var keys = new long[changes.Count];
        changes.Keys.CopyTo(keys, 0);
        Array.Sort(keys);
        var result = new (decimal, decimal)[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            var ticks = keys[side.Direction < 0 ? keys.Length - 1 - i : i];
            result[i] = (_tick.ToDecimal(ticks), _lot.ToDecimal(changes[ticks]));
        }

        changes.Clear();
        return result;
    }

    private void SetMark(long markTicks)
    {
        _markTicks = markTicks;
        _mark = _tick.ToPrice(markTicks);
    }

    /// <summary>A bid at or above the mark, an ask at or below it.</summary>
    private void RemoveCrossed(Side side)
    {
        var levels = side.Levels;
        var crossed = 0;
        while (crossed < levels.Count && Offset(side, levels[crossed]) <= 0)
        {
            side.Changes[levels[crossed].Ticks] = 0;
            crossed++;
        }

        levels.RemoveRange(0, crossed);
    }

    /// <summary>One walk from the mark outwards: fill holes, thin packed levels, trim beyond the span, extend to it.</summary>
    private void Reshape(Random rng, Side side, double liquidity)
    {
        var levels = side.Levels;
        var output = _spare;
        output.Clear();
        var spanTicks = _span * _markTicks;
        var previous = 0L;
        var i = 0;
        while (true)
        {
            var wanted = Gap(previous);
            if (i < levels.Count)
            {
                var level = levels[i];
                var offset = Offset(side, level);
                if (offset > spanTicks * TrimFactor)
                {
                    for (; i < levels.Count; i++)
                    {
                        side.Changes[levels[i].Ticks] = 0;
                    }

                    continue;
                }

                if (offset - previous > HoleFactor * Math.Max(1.0, wanted))
                {
                    // A hole (the mark moved away, or a fill took levels): a fresh level a layout gap further out.
                    var inserted = Math.Min(previous + Jittered(rng, wanted), offset - 1);
                    Add(rng, side, output, inserted, liquidity);
                    previous = inserted;
                    continue;
                }

                if (previous > 0 && offset - previous < PackedFactor * wanted)
                {
                    side.Changes[level.Ticks] = 0;
                    i++;
                    continue;
                }

                output.Add(level);
                previous = offset;
                i++;
                continue;
            }

            // Past the last level: extend to the span.
            var next = previous + Jittered(rng, wanted);
            if (next > spanTicks || !Add(rng, side, output, next, liquidity))
            {
                break;
            }

            previous = next;
        }

        side.Levels = output;
        _spare = levels;
    }

    /// <summary>Adds a fresh level <paramref name="offset"/> ticks out; false (nothing added) when that price would not be positive.</summary>
    private bool Add(Random rng, Side side, List<Level> output, long offset, double liquidity)
    {
        var ticks = _markTicks + (side.Direction * offset);
        if (ticks <= 0)
        {
            return false;
        }

        var level = new Level(ticks, TargetLots(rng, offset, liquidity));
        output.Add(level);
        side.Changes[ticks] = level.Lots;
        return true;
    }

    private void Churn(Random rng, Side side, double liquidity)
    {
        var levels = side.Levels;
        if (levels.Count < 2)
        {
            return;
        }

        var near = Math.Min(levels.Count - 1, 30);
        var u = rng.NextDouble();
        var index = (int)(near * u * u);
        var level = levels[index];
        var action = rng.NextDouble();
        if (action < 0.8)
        {
            var lots = TargetLots(rng, Offset(side, level), liquidity);
            levels[index] = level with { Lots = lots };
            side.Changes[level.Ticks] = lots;
        }
        else if (action < 0.9)
        {
            if (index > 0)
            {
                levels.RemoveAt(index);
                side.Changes[level.Ticks] = 0;
            }
        }
        else
        {
            // A new level between this one and the next when there is room.
            var next = levels[index + 1];
            var gap = Math.Abs(next.Ticks - level.Ticks);
            if (gap >= 2)
            {
                var ticks = level.Ticks + (side.Direction * (1 + rng.NextInt64(gap - 1)));
                var lots = TargetLots(rng, side.Direction * (ticks - _markTicks), liquidity);
                levels.Insert(index + 1, new Level(ticks, lots));
                side.Changes[ticks] = lots;
            }
        }
    }

    private void Regulate(Random rng, Side side, double liquidity)
    {
        var levels = side.Levels;
        for (var i = 0; i < levels.Count; i++)
        {
            var level = levels[i];
            var offset = Offset(side, level);
            if (!InBand(offset))
            {
                break;
            }

            var profile = ProfileLots(offset, liquidity);
            if (level.Lots > 2 * profile || level.Lots < 0.5 * profile)
            {
                var lots = TargetLots(rng, offset, liquidity);
                if (lots != level.Lots)
                {
                    levels[i] = level with { Lots = lots };
                    side.Changes[level.Ticks] = lots;
                }
            }
        }
    }

    private long Offset(Side side, Level level) => side.Direction * (level.Ticks - _markTicks);

    private bool InBand(long offsetTicks) => offsetTicks * _instrument.TickSize <= _band * _mark;

    /// <summary>The layout's gap in ticks after a level <paramref name="offset"/> ticks from the mark (unrounded).</summary>
    private double Gap(long offset) => 2.0 * Math.Sqrt(offset * _span * _markTicks) / _levels;

    /// <summary>A gap of <paramref name="wanted"/> ticks ± 30 %, at least one tick.</summary>
    private static long Jittered(Random rng, double wanted) => Math.Max(1L, (long)Math.Round(wanted * (0.7 + (0.6 * rng.NextDouble()))));

    /// <summary>A fresh level quantity: the profile × U(0.5, 1.5), at least one lot.</summary>
    private long TargetLots(Random rng, long offsetTicks, double liquidity) =>
        Math.Max(1L, (long)Math.Round(ProfileLots(offsetTicks, liquidity) * (0.5 + rng.NextDouble())));

    /// <summary>The profile's quantity (in lots, unrounded) of a level <paramref name="offsetTicks"/> from the mark.</summary>
    private double ProfileLots(long offsetTicks, double liquidity)
    {
        // The level stands for the interval of one layout gap inside it: its share of the depth model's notional.
        var distance = offsetTicks / (double)_markTicks;
        var width = Math.Max(1.0, Gap(offsetTicks)) / _markTicks;
        var usd = _depth.NotionalBetween(Math.Max(0, distance - width), distance);
        if (InBand(offsetTicks))
        {
            usd *= liquidity;
        }

        var units = _instrument.Contract == ContractKind.Linear ? usd / (_instrument.Multiplier * _mark) : usd / _instrument.Multiplier;
        return units / _instrument.LotSize;
    }

    private readonly record struct Level(long Ticks, long Lots);

    /// <summary>One side: levels best first, and the changes not yet published (ticks → lots, 0 deletes).</summary>
    private sealed class Side(int direction, int capacity)
    {
        /// <summary>−1 for bids (prices fall away from the mark), +1 for asks.</summary>
        public int Direction { get; } = direction;

        public List<Level> Levels { get; set; } = new(capacity * 2);

        public Dictionary<long, long> Changes { get; } = [];
    }
}
