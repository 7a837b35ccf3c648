namespace StreamRisk.Domain.Portfolio;

/// <summary>Where an instrument's <see cref="BetaEstimator.Beta"/> comes from.</summary>
public enum BetaSource
{
    /// <summary>Not enough paired returns yet, or the reference did not move over the window: β = 1.</summary>
    Default,

    /// <summary>OLS over the rolling window of 1-minute log returns.</summary>
    Estimated,

    /// <summary>A fixed β from configuration; wins over the estimate.</summary>
    Override,

    /// <summary>The reference instrument itself: β = 1 by definition.</summary>
    Reference,
}

/// <summary>
/// Online β of every instrument against a reference instrument, for factor scenarios (a reference move m moves
/// instrument i by β_i × m; docs/domain.md, "Portfolio cascade model"). Owned by one writer: the engine thread feeds
/// marks in event-time order and reads betas; no locks.
/// </summary>
/// <remarks>
/// <para><b>Sampling.</b> Event time is cut at 1-minute boundaries (multiples of 60,000 ms since the epoch). An
/// instrument's sample at boundary B is its last mark at or before B (a mark exactly at B belongs to B); the return of
/// the minute ending at B is ln(sample(B) / sample(B − 1 min)). A boundary is sampled when the first mark after it
/// arrives (for any instrument), so the last minute is sampled only once event time has passed it.</para>
/// <para><b>Quiet minutes.</b> A minute in which an instrument had no new mark repeats its last price: its return is 0.
/// Marks come at a venue's pace (seconds), so a zero is a flat minute, not missing data; treating it as missing would
/// pair the instrument's next return (which carries the whole move) with one minute of the reference. A gap in the
/// whole feed (no marks at all for a while) is a run of zero returns for everyone: after more than
/// <see cref="Window"/> quiet minutes the window holds only zeros, the reference has no variance and every estimate
/// falls back to β = 1 until real returns refill it (the observation count stays at the window). Such a gap costs at
/// most <see cref="Window"/> + 1 boundary closes, however long it is.</para>
/// <para><b>Pairing.</b> An instrument's return pairs with the reference's return of the same minute; pairs exist
/// from the first boundary at which both had a previous sample, and from then on every minute (quiet minutes are
/// zeros). The window is the last <see cref="Window"/> pairs.</para>
/// <para><b>Estimate.</b> β_i = cov(r_i, r_ref) / var(r_ref) by OLS over the window, from running sums Σx, Σy, Σx², Σxy
/// (x = r_ref, y = r_i) kept over a ring buffer: O(1) per instrument per minute, no allocation after construction or
/// <see cref="GrowTo"/>. The sums are recomputed exactly from the ring once per <see cref="Window"/> pushes (amortised
/// O(1)) so subtraction drift stays bounded; an exact count of non-zero reference returns makes an all-zero window
/// give var = 0 exactly. β = 1 until an instrument has <see cref="MinObservations"/> pairs and var(r_ref) &gt; 0
/// (a window variance below 1e-12 of the mean square counts as 0: a reference that moved by the same log return every
/// minute has no variance, and rounding must not make one up).</para>
/// <para><b>Order.</b> A mark older than the instrument's last accepted mark, or at or before a boundary already
/// sampled, is ignored (<see cref="OnMark"/> returns false): a sampled minute is never rewritten. A mark with the same
/// time as the instrument's last mark replaces it (last arrival wins, as it would within the minute). Non-positive
/// or non-finite prices are ignored.</para>
/// </remarks>
public sealed class BetaEstimator
{
    /// <summary>Return interval: one minute of event time, in milliseconds.</summary>
    public const long IntervalMs = 60_000;

    /// <summary>Default window: 240 one-minute returns (4 hours).</summary>
    public const int DefaultWindow = 240;

    /// <summary>Default number of paired returns before an estimate replaces β = 1.</summary>
    public const int DefaultMinObservations = 30;

    // A window variance of the reference below this fraction of its mean square is rounding, not movement.
    private const double RelativeVarianceFloor = 1e-12;

    private readonly int _window;

    // Per instrument.
    private double[] _lastPrice = [];       // NaN until the first mark
    private long[] _lastTime = [];
    private double[] _samplePrice = [];     // sample at the last closed boundary; NaN until one exists
    private double[] _override = [];        // NaN when none
    private int[] _count = [];              // pairs in the window (≤ window)
    private int[] _head = [];               // ring slot the next pair goes to
    private int[] _nonZeroX = [];           // pairs in the window whose reference return is not 0
    private int[] _sinceRefresh = [];       // pushes since the sums were last recomputed exactly
    private double[] _sumX = [];
    private double[] _sumY = [];
    private double[] _sumXX = [];
    private double[] _sumXY = [];

    // Rings, flattened: instrument i owns slots [i × window, (i + 1) × window).
    private double[] _ringX = [];
    private double[] _ringY = [];

    private int _instrumentCount;

    // The boundary (in minutes since the epoch) that marks seen so far belong to; long.MinValue before the first mark.
    private long _openBoundary = long.MinValue;

    /// <param name="reference">Index of the reference instrument (e.g. BTCUSDT).</param>
    /// <param name="instrumentCount">Instruments known now (indexes 0 .. count − 1); more via <see cref="GrowTo"/>.</param>
    /// <param name="window">Returns in the rolling window (≥ 2).</param>
    /// <param name="minObservations">Pairs needed before the estimate is used (2 ≤ value ≤ window).</param>
    public BetaEstimator(int reference, int instrumentCount, int window = DefaultWindow, int minObservations = DefaultMinObservations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(minObservations, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minObservations, window);
        ArgumentOutOfRangeException.ThrowIfNegative(reference);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(instrumentCount, reference);
        _window = window;
        MinObservations = minObservations;
        Reference = reference;
        GrowTo(instrumentCount);
    }

    /// <summary>Index of the reference instrument.</summary>
    public int Reference { get; }

    /// <summary>Returns in the rolling window.</summary>
    public int Window => _window;

    /// <summary>Pairs needed before an estimate replaces β = 1.</summary>
    public int MinObservations { get; }

    /// <summary>Instruments tracked (indexes 0 .. count − 1).</summary>
    public int InstrumentCount => _instrumentCount;

    /// <summary>Tracks instruments up to <paramref name="instrumentCount"/>; new ones start with no mark. Never shrinks.</summary>
    public void GrowTo(int instrumentCount)
    {
        if (instrumentCount <= _instrumentCount)
        {
            return;
        }

        var old = _instrumentCount;
        if (instrumentCount > _lastPrice.Length)
        {
            var capacity = Math.Max(instrumentCount, _lastPrice.Length * 2);
            Array.Resize(ref _lastPrice, capacity);
            Array.Resize(ref _lastTime, capacity);
            Array.Resize(ref _samplePrice, capacity);
            Array.Resize(ref _override, capacity);
            Array.Resize(ref _count, capacity);
            Array.Resize(ref _head, capacity);
            Array.Resize(ref _nonZeroX, capacity);
            Array.Resize(ref _sinceRefresh, capacity);
            Array.Resize(ref _sumX, capacity);
            Array.Resize(ref _sumY, capacity);
            Array.Resize(ref _sumXX, capacity);
            Array.Resize(ref _sumXY, capacity);
            Array.Resize(ref _ringX, checked(capacity * _window));
            Array.Resize(ref _ringY, checked(capacity * _window));
        }

        for (var i = old; i < instrumentCount; i++)
        {
            _lastPrice[i] = double.NaN;
            _lastTime[i] = long.MinValue;
            _samplePrice[i] = double.NaN;
            _override[i] = double.NaN;
        }

        _instrumentCount = instrumentCount;
    }

    /// <summary>A fixed β for <paramref name="instrument"/> that wins over the estimate (finite). Not for the reference.</summary>
    public void SetOverride(int instrument, double beta)
    {
        CheckInstrument(instrument);
        if (instrument == Reference)
        {
            throw new ArgumentException("The reference instrument's beta is 1 by definition.", nameof(instrument));
        }

        if (!double.IsFinite(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "A beta override must be finite.");
        }

        _override[instrument] = beta;
    }

    /// <summary>Removes the override of <paramref name="instrument"/>, so the estimate (or 1) applies again.</summary>
    public void ClearOverride(int instrument)
    {
        CheckInstrument(instrument);
        _override[instrument] = double.NaN;
    }

    /// <summary>
    /// Applies a mark. Samples every boundary the mark's time has passed first. Returns false when the mark is ignored
    /// (out of order, at or before a sampled boundary, or not a positive finite price); see the remarks.
    /// </summary>
    public bool OnMark(int instrument, long eventTimeMs, double price)
    {
        CheckInstrument(instrument);
        if (!(price > 0) || !double.IsFinite(price) || eventTimeMs < _lastTime[instrument])
        {
            return false;
        }

        var boundary = BoundaryOf(eventTimeMs);
        if (_openBoundary == long.MinValue)
        {
            _openBoundary = boundary;
        }
        else if (boundary < _openBoundary)
        {
            return false;
        }
        else if (boundary > _openBoundary)
        {
            CloseThrough(boundary);
        }

        _lastPrice[instrument] = price;
        _lastTime[instrument] = eventTimeMs;
        return true;
    }

    /// <summary>The β to use for <paramref name="instrument"/>: 1 for the reference, else the override, else the estimate, else 1.</summary>
    public double Beta(int instrument)
    {
        CheckInstrument(instrument);
        if (instrument == Reference)
        {
            return 1.0;
        }

        var fixedBeta = _override[instrument];
        if (!double.IsNaN(fixedBeta))
        {
            return fixedBeta;
        }

        return TryEstimate(instrument, out var beta) ? beta : 1.0;
    }

    /// <summary>Where <see cref="Beta"/> of <paramref name="instrument"/> comes from.</summary>
    public BetaSource Source(int instrument)
    {
        CheckInstrument(instrument);
        if (instrument == Reference)
        {
            return BetaSource.Reference;
        }

        if (!double.IsNaN(_override[instrument]))
        {
            return BetaSource.Override;
        }

        return TryEstimate(instrument, out _) ? BetaSource.Estimated : BetaSource.Default;
    }

    /// <summary>Paired returns in <paramref name="instrument"/>'s window (0 .. <see cref="Window"/>).</summary>
    public int Observations(int instrument)
    {
        CheckInstrument(instrument);
        return _count[instrument];
    }

    private bool TryEstimate(int i, out double beta)
    {
        beta = 1.0;
        var n = _count[i];
        if (n < MinObservations || _nonZeroX[i] == 0)
        {
            return false;
        }

        var sumX = _sumX[i];
        var sxx = _sumXX[i] - (sumX * sumX / n);
        if (!(sxx > RelativeVarianceFloor * _sumXX[i]))
        {
            return false;
        }

        beta = (_sumXY[i] - (sumX * _sumY[i] / n)) / sxx;
        return true;
    }

    /// <summary>Minutes since the epoch of the first boundary at or after <paramref name="timeMs"/> (a mark at B belongs to B).</summary>
    private static long BoundaryOf(long timeMs)
    {
        var minutes = Math.DivRem(timeMs, IntervalMs, out var rest);
        return rest > 0 ? minutes + 1 : minutes;
    }

    /// <summary>Samples boundaries _openBoundary .. next − 1 (each with the last prices as they stand) and opens <paramref name="next"/>.</summary>
    private void CloseThrough(long next)
    {
        // After one close every sample equals the last price, so later closes push (0, 0) pairs; more than a window of
        // them leaves the same state as a window of them.
        var closes = Math.Min(next - _openBoundary, _window + 1L);
        for (var c = 0L; c < closes; c++)
        {
            CloseBoundary();
        }

        _openBoundary = next;
    }

    private void CloseBoundary()
    {
        var refPrice = _lastPrice[Reference];
        var refSample = _samplePrice[Reference];
        var hasRefReturn = !double.IsNaN(refSample);
        var x = hasRefReturn ? Math.Log(refPrice / refSample) : 0.0;
        for (var i = 0; i < _instrumentCount; i++)
        {
            var price = _lastPrice[i];
            if (double.IsNaN(price))
            {
                continue;
            }

            var sample = _samplePrice[i];
            if (hasRefReturn && !double.IsNaN(sample))
            {
                Push(i, x, Math.Log(price / sample));
            }

            _samplePrice[i] = price;
        }
    }

    private void Push(int i, double x, double y)
    {
        var slot = (i * _window) + _head[i];
        if (_count[i] == _window)
        {
            var oldX = _ringX[slot];
            var oldY = _ringY[slot];
            _sumX[i] -= oldX;
            _sumY[i] -= oldY;
            _sumXX[i] -= oldX * oldX;
            _sumXY[i] -= oldX * oldY;
            if (oldX != 0)
            {
                _nonZeroX[i]--;
            }
        }
        else
        {
            _count[i]++;
        }

        _ringX[slot] = x;
        _ringY[slot] = y;
        _sumX[i] += x;
        _sumY[i] += y;
        _sumXX[i] += x * x;
        _sumXY[i] += x * y;
        if (x != 0)
        {
            _nonZeroX[i]++;
        }

        _head[i] = _head[i] + 1 == _window ? 0 : _head[i] + 1;
        if (++_sinceRefresh[i] == _window)
        {
            Refresh(i);
        }
        else if (_nonZeroX[i] == 0)
        {
            // Every reference return in the window is 0: the x sums are exactly 0, whatever subtraction left behind.
            _sumX[i] = 0;
            _sumXX[i] = 0;
            _sumXY[i] = 0;
        }
    }

    /// <summary>Recomputes the running sums of instrument <paramref name="i"/> from its ring (bounds subtraction drift).</summary>
    private void Refresh(int i)
    {
        _sinceRefresh[i] = 0;
        double sumX = 0, sumY = 0, sumXX = 0, sumXY = 0;
        var start = i * _window;
        for (var s = 0; s < _count[i]; s++)
        {
            var x = _ringX[start + s];
            var y = _ringY[start + s];
            sumX += x;
            sumY += y;
            sumXX += x * x;
            sumXY += x * y;
        }

        _sumX[i] = sumX;
        _sumY[i] = sumY;
        _sumXX[i] = sumXX;
        _sumXY[i] = sumXY;
    }

    private void CheckInstrument(int instrument)
    {
        if ((uint)instrument >= (uint)_instrumentCount)
        {
            ThrowUnknownInstrument(instrument);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowUnknownInstrument(int instrument) =>
        throw new ArgumentOutOfRangeException(nameof(instrument), instrument, "Not a tracked instrument index; call GrowTo first.");
}
