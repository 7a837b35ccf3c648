using System.Globalization;
using StreamRisk.Contracts.Documents;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Replay.Capture;
using StreamRisk.Simulation;

namespace StreamRisk.Replay.Klines;

/// <summary>What to make of one period's kline files (one instrument each, the same minutes).</summary>
public sealed record KlineSourceOptions
{
    /// <summary>The files, each one instrument's candles of the same minutes.</summary>
    public required IReadOnlyList<KlineFile> Files { get; init; }

    /// <summary>The instrument of each file, in the same order.</summary>
    public required IReadOnlyList<Instrument> Instruments { get; init; }

    /// <summary>Seed of the synthetic population placed around the first minute's opens.</summary>
    public int PopulationSeed { get; init; } = 1;

    /// <summary>Account documents (the <c>liqprice</c> JSON, marks not needed) instead of a generated population.</summary>
    public byte[]? PositionsFile { get; init; }

    /// <summary>An estimated population per instrument instead of the synthetic one.</summary>
    public EstimatedPopulationSpec? Estimated { get; init; }

    /// <summary>Each instrument's open interest estimated from its candles rather than the spec's.</summary>
    public bool EstimateOpenInterest { get; init; }

    public int Accounts { get; init; } = 20_000;

    /// <summary>Exponent of the modelled book: the notional within d of the mark grows as d^α.</summary>
    public double BookAlpha { get; init; } = KlineMarketSource.DefaultBookAlpha;

    /// <summary>Open interest over the notional resting within 1 % of the mark on one side of the modelled book.</summary>
    public double OpenInterestToDepth { get; init; } = KlineMarketSource.DefaultOpenInterestToDepth;

    /// <summary>Told, after each minute's messages were handed on, the minute's index.</summary>
    public Action<int>? MinuteDone { get; init; }
}

/// <summary>
/// Turns 1-minute candles into the StreamRisk wire messages a live feed of those minutes would have produced — an
/// instrument, marks, modelled books, positions — in event-time order, so a backtest applies them through exactly the
/// live decode path (<see cref="InProcess.InProcessReplay"/>). See docs/backtest.md.
/// </summary>
/// <remarks>
/// <para><b>Marks</b>: <see cref="MarksPerMinute"/> a minute, 5 s apart, along a path through the candle: a candle that
/// closes at or above its open went down first (open → low → high → close), one that closes below went up first
/// (open → high → low → close) — the usual assumption that the extreme nearer the open came first, which puts a
/// falling minute's low late. The open is at 0 s, the first extreme at 20 s, the second at 40 s, the close at 55 s,
/// linear in between; so each extreme is a mark, and the dwell and throttle logic sees time pass.</para>
/// <para><b>Book</b>: each side a <see cref="DepthModel"/> around the mark, N(d) = N1% · (d / 1 %)^α, α
/// <see cref="DefaultBookAlpha"/>; N1% is the symbol's open interest at the start (the population's notional at the first
/// open) over <see cref="DefaultOpenInterestToDepth"/> — on Binance's BTC book open interest is about 50× the depth within
/// 1 % a side — or, for a symbol nobody holds, its median minute quote volume. Written on the tick grid as
/// <see cref="NearLevels"/> levels over the first <see cref="NearDistance"/> and <see cref="FarLevels"/> out to
/// <see cref="BookDistance"/>, and sent again as a snapshot whenever the mark moves, thinned by <see cref="DepthFactor"/>;
/// what liquidations take from it the venue liquidation engine keeps in its own overlay.</para>
/// <para><b>Positions</b>: the accounts of <see cref="KlineSourceOptions.PositionsFile"/>, else an estimated population
/// per instrument (<see cref="EstimatedPopulation"/>, opened along a simulated past), else the synthetic population
/// (<see cref="SyntheticPopulation"/>) around the first minute's opens, at the first event time after the instruments,
/// books and first marks. An estimated population with <see cref="EstimatedPopulationSpec.Turnover"/> also changes hands
/// along the minutes (<see cref="EstimatedTurnover"/>): at each minute's open, snapshots of the accounts reopened at the
/// mark.</para>
/// </remarks>
public sealed class KlineMarketSource : IReplaySource, IDisposable
{
    public const int MarksPerMinute = 12;
    public const double DefaultBookAlpha = 1.2;
    public const double DefaultOpenInterestToDepth = 50;
    public const double NearDistance = 0.005;
    public const int NearLevels = 100;
    public const double BookDistance = 0.25;
    public const int FarLevels = 490;

    private const long Minute = 60_000;
    private const long Step = Minute / MarksPerMinute;

    private readonly KlineSourceOptions _options;
    private readonly WireMessageWriter _writer = new();
    private readonly PriceLevel[] _bids = new PriceLevel[NearLevels + FarLevels];
    private readonly PriceLevel[] _asks = new PriceLevel[NearLevels + FarLevels];
    private long _records;
    private long _bookId;
    private int _minutesDone;

    public KlineMarketSource(KlineSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Files.Count == 0 || options.Files.Count != options.Instruments.Count)
        {
            throw new ArgumentException("one instrument per file, at least one file", nameof(options));
        }

        _options = options;
    }

    public double Fraction => (double)_minutesDone / _options.Files[0].Klines.Count;

    public long Marks { get; private set; }

    public long Books { get; private set; }

    public long Accounts { get; private set; }

    /// <summary>Per symbol, the one-side notional within 1 % of the mark of its modelled book.</summary>
    public IReadOnlyDictionary<string, double> DepthWithin1Pct => _depth;

    private readonly Dictionary<string, double> _depth = new(StringComparer.Ordinal);
    private EstimatedTurnover?[] _turnovers = [];

    public void Play(Action<CaptureRecord> sink, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var files = _options.Files;
        var instruments = _options.Instruments;
        var start = files[0].Start;
        _turnovers = new EstimatedTurnover?[files.Count];
        var accounts = Population(start);
        var openInterests = new double[files.Count];
        var models = new DepthModel[files.Count];
        var ticks = new TickSize[files.Count];
        var lastMark = new double[files.Count];
        for (var s = 0; s < files.Count; s++)
        {
            var instrument = instruments[s];
            // Open interest counts each contract once: the mean of the long and the short notional (equal when every
            // contract has both holders in the population, as an estimated one does).
            double longs = 0, shorts = 0;
            foreach (var (_, _, _, legs) in accounts)
            {
                foreach (var leg in legs)
                {
                    if (leg.Symbol == instrument.Symbol)
                    {
                        var notional = instrument.Notional(Math.Abs(leg.Size), files[s].Klines[0].Open);
                        longs += leg.Size > 0 ? notional : 0;
                        shorts += leg.Size < 0 ? notional : 0;
                    }
                }
            }

            var openInterest = (longs + shorts) / 2;
            openInterests[s] = openInterest;
            var depth = openInterest > 0 ? openInterest / _options.OpenInterestToDepth : MedianQuoteVolume(files[s].Klines);
            _depth[instrument.Symbol.Value] = depth;
            models[s] = new DepthModel(depth, _options.BookAlpha);
            ticks[s] = TickSize.FromDecimal((decimal)instrument.TickSize);
            lastMark[s] = double.NaN;
            Emit(sink, _writer.Instrument(instrument), start);
        }

        var minutes = files[0].Klines.Count;
        for (var m = 0; m < minutes; m++)
        {
            for (var k = 0; k < MarksPerMinute; k++)
            {
                cancel.ThrowIfCancellationRequested();
                var time = files[0].Klines[m].OpenTime + (k * Step);
                for (var s = 0; s < files.Count; s++)
                {
                    var mark = MarkAt(files[s].Klines[m], k);
                    if (mark != lastMark[s])
                    {
                        lastMark[s] = mark;
                        var thinned = models[s] with { NotionalWithin1Pct = models[s].NotionalWithin1Pct * DepthFactor(files[s].Klines, m, k) };
                        Book(sink, instruments[s].Symbol, thinned, ticks[s], mark, time);
                    }

                    Marks++;
                    Emit(sink, _writer.Mark(instruments[s].Symbol, time, mark), time);
                }

                if (m == 0 && k == 0)
                {
                    foreach (var (id, balance, seq, legs) in accounts)
                    {
                        Emit(sink, _writer.Account(id, seq, start, balance, legs), start);
                        Accounts++;
                    }
                }
                else if (k == 0)
                {
                    ChangeHands(sink, m, openInterests, lastMark, time);
                }
            }

            _minutesDone = m + 1;
            _options.MinuteDone?.Invoke(m);
        }
    }

    /// <summary>Account snapshots of positions that changed hands along the minutes (<see cref="EstimatedPopulationSpec.Turnover"/>).</summary>
    public long Reopened { get; private set; }

    /// <summary>At the open of minute <paramref name="m"/>: the positions the last minute's volume turned over, reopened at the mark now.</summary>
    private void ChangeHands(Action<CaptureRecord> sink, int m, double[] openInterests, double[] marks, long time)
    {
        for (var s = 0; s < _turnovers.Length; s++)
        {
            if (_turnovers[s] is not { } turnover)
            {
                continue;
            }

            var symbol = _options.Instruments[s].Symbol;
            var share = EstimatedTurnover.Share(_options.Files[s].Klines[m - 1].QuoteVolume, openInterests[s]);
            foreach (var account in turnover.Step(share, marks[s], time))
            {
                var legs = account.Positions.Select(p => (symbol, p.Size, p.Entry, p.IsolatedMargin ?? double.NaN)).ToArray();
                Emit(sink, _writer.Account(new AccountId(account.Account), account.Seq, time, account.Balance, legs), time);
                Reopened++;
            }
        }
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{_options.Files.Count} instrument(s), {_options.Files[0].Klines.Count:N0} minutes, {Marks:N0} marks, {Books:N0} modelled books, {Accounts:N0} accounts, {Reopened:N0} changed hands");

    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// How much of its calm depth the book shows at step <paramref name="k"/> of minute <paramref name="m"/>: market makers
    /// quote less as volatility rises, so depth falls as the square root of the calm minute range
    /// (<see cref="CalmMinuteRange"/>) over the range seen so far — the last minute's and this minute's up to this step,
    /// never a later price — between <see cref="MinDepthFactor"/> and 1.
    /// </summary>
    public static double DepthFactor(IReadOnlyList<Kline> klines, int m, int k)
    {
        var previous = m > 0 ? (klines[m - 1].High - klines[m - 1].Low) / klines[m - 1].Open : 0;
        double low = klines[m].Open, high = klines[m].Open;
        for (var j = 0; j <= k; j++)
        {
            var mark = MarkAt(klines[m], j);
            low = Math.Min(low, mark);
            high = Math.Max(high, mark);
        }

        var range = Math.Max(previous, (high - low) / klines[m].Open);
        return range <= CalmMinuteRange ? 1 : Math.Max(MinDepthFactor, Math.Sqrt(CalmMinuteRange / range));
    }

    /// <summary>
    /// A calm minute's high-low range: BTC's ~2.9 % daily volatility is ~0.076 % a minute, and a minute's expected range
    /// is about 1.6 σ.
    /// </summary>
    public const double CalmMinuteRange = 0.0012;

    /// <summary>The thinnest a book gets against its calm depth.</summary>
    public const double MinDepthFactor = 0.2;

    /// <summary>The mark at step <paramref name="k"/> of the minute (see the class remarks for the path).</summary>
    public static double MarkAt(in Kline kline, int k)
    {
        var (first, second) = kline.Close >= kline.Open ? (kline.Low, kline.High) : (kline.High, kline.Low);
        return k switch
        {
            <= 4 => Between(kline.Open, first, k / 4.0),
            <= 8 => Between(first, second, (k - 4) / 4.0),
            _ => Between(second, kline.Close, (k - 8) / 3.0),
        };

        static double Between(double from, double to, double fraction) => fraction >= 1 ? to : from + ((to - from) * fraction);
    }

    private void Book(Action<CaptureRecord> sink, Symbol symbol, DepthModel model, TickSize tick, double mark, long time)
    {
        var bids = Side(BookSide.Bid, model, tick, mark, _bids);
        var asks = Side(BookSide.Ask, model, tick, mark, _asks);
        Books++;
        Emit(sink, _writer.BookSnapshot(symbol, time, ++_bookId, bids, asks), time);
    }

    private static ReadOnlySpan<PriceLevel> Side(BookSide side, DepthModel model, TickSize tick, double mark, PriceLevel[] into)
    {
        var near = model.WriteLevels(side, mark, tick, 0, NearDistance, into.AsSpan(0, NearLevels));
        var far = model.WriteLevels(side, mark, tick, NearDistance, BookDistance, into.AsSpan(near, FarLevels));

        // Where the near part's last level and the far part's first fall on one tick, they are one level.
        if (near > 0 && far > 0 && into[near - 1].PriceTicks == into[near].PriceTicks)
        {
            into[near - 1] = into[near - 1] with { Quantity = into[near - 1].Quantity + into[near].Quantity };
            Array.Copy(into, near + 1, into, near, far - 1);
            far--;
        }

        return into.AsSpan(0, near + far);
    }

    private List<(AccountId Id, double Balance, long Seq, (Symbol Symbol, double Size, double Entry, double IsolatedMargin)[] Legs)> Population(long time)
    {
        var result = new List<(AccountId, double, long, (Symbol, double, double, double)[])>();
        if (_options.PositionsFile is { } file)
        {
            var catalog = new InstrumentCatalog();
            foreach (var instrument in _options.Instruments)
            {
                catalog.Upsert(instrument);
            }

            foreach (var account in AccountFile.Parse(file, catalog))
            {
                result.Add((account.Id, account.Balance, 1, account.Positions.Select(p => (p.Symbol, p.Size, p.Entry, p.IsolatedMargin)).ToArray()));
            }

            return result;
        }

        if (_options.Estimated is { } spec)
        {
            for (var s = 0; s < _options.Instruments.Count; s++)
            {
                var instrument = _options.Instruments[s];
                var klines = _options.Files[s].Klines;
                var own = _options.EstimateOpenInterest ? spec with { OpenInterest = OpenInterestFromVolume(klines) } : spec;

                // No look-ahead: the positions were opened along a simulated past that ends at the first open (the candles
                // before the file are not in it), drawn from a stream of its own per instrument.
                var opened = EstimatedPopulation.AlongSimulatedPast(instrument, own, klines[0].Open, time, stream: s);
                var ids = new List<string>(opened.Count);
                foreach (var account in opened)
                {
                    var id = _options.Instruments.Count == 1 ? account.Account : instrument.Symbol.Value + ":" + account.Account;
                    ids.Add(id);
                    result.Add((new AccountId(id), account.Balance, account.Seq,
                        account.Positions.Select(p => (instrument.Symbol, p.Size, p.Entry, p.IsolatedMargin ?? double.NaN)).ToArray()));
                }

                // And along the day being replayed: positions change hands at the prices of its minutes.
                if (own.Turnover)
                {
                    _turnovers[s] = new EstimatedTurnover(instrument, opened, ids, own.Prior, unchecked((own.Seed * 1_000_033) + 11 + (s * 7_919)));
                }
            }

            return result;
        }

        var around = _options.Instruments.Select((instrument, s) => (instrument, _options.Files[s].Klines[0].Open)).ToList();
        foreach (var account in SyntheticPopulation.Generate(_options.PopulationSeed, _options.Accounts, around, time))
        {
            result.Add((new AccountId(account.Account), account.Balance, account.Seq,
                account.Positions.Select(p => (new Symbol(p.Symbol), p.Size, p.Entry, p.IsolatedMargin ?? double.NaN)).ToArray()));
        }

        return result;
    }

    /// <summary>
    /// Open interest estimated from the candles: <see cref="OpenInterestToDailyVolume"/> × a day's quote volume at the
    /// median minute's pace. Binance's BTCUSDT perpetual has carried open interest of roughly a third to a half of its
    /// 24 h quote volume (CoinGlass's open-interest and volume pages, 2020–2025: e.g. ~8–10 bn USD of open interest
    /// against ~15–25 bn USD a day in 2024–2025); the median minute keeps the crash's own volume out of it.
    /// </summary>
    public static double OpenInterestFromVolume(IReadOnlyList<Kline> klines) => OpenInterestToDailyVolume * MedianQuoteVolume(klines) * 1440;

    /// <summary>Open interest over a day's quote volume (see <see cref="OpenInterestFromVolume"/>).</summary>
    public const double OpenInterestToDailyVolume = 0.4;

    private static double MedianQuoteVolume(IReadOnlyList<Kline> klines)
    {
        var volumes = klines.Select(k => k.QuoteVolume).Order().ToArray();
        return Math.Max(volumes[volumes.Length / 2], 1);
    }

    private void Emit(Action<CaptureRecord> sink, in WireMessage message, long eventTime) =>
        sink(new CaptureRecord(++_records, CaptureTopics.Of(message.Topic), message.Key, eventTime, message.Value));
}
