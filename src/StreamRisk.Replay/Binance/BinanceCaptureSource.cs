using System.IO.Compression;
using StreamRisk.Contracts.Documents;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Replay.Capture;
using StreamRisk.Simulation;

namespace StreamRisk.Replay.Binance;

/// <summary>What to make of a Binance raw capture.</summary>
public sealed record BinanceSourceOptions
{
    public required IReadOnlyList<string> Files { get; init; }
    public BinanceMarket Market { get; init; } = BinanceMarket.UsdM;

    /// <summary>Seed of the synthetic population placed around the first observed price (public captures carry no positions).</summary>
    public int PopulationSeed { get; init; } = 1;

    /// <summary>Account documents (the <c>liqprice</c> JSON, marks not needed) instead of the synthetic population.</summary>
    public byte[]? PositionsFile { get; init; }

    /// <summary>
    /// An estimated population instead of the synthetic one: opened along a simulated past of the spec's lookback
    /// ending at the first mid (a capture holds no history before it).
    /// </summary>
    public EstimatedPopulationSpec? Estimated { get; init; }

    public int Accounts { get; init; } = 20_000;
    public long? From { get; init; }
    public long? To { get; init; }

    /// <summary>Told of each bad line of the capture, which is skipped (see <see cref="BinanceBookImporter"/>).</summary>
    public Action<CaptureProblem>? OnProblem { get; init; }
}

/// <summary>
/// Turns a Binance USDⓈ-M or COIN-M raw capture into StreamRisk wire messages, in event-time order, exactly as a feed
/// adapter would put them on our topics — so an in-process replay and a replay through Kafka apply the same messages.
/// </summary>
/// <remarks>
/// <para>The importer keeps the book by Binance's local-book procedure. At the first applied update at or after
/// <c>From</c> (and again after any resync) the whole book goes out as one snapshot; after that each applied update
/// is a delta with its levels. Update ids are renumbered (ours, not Binance's: the wire book needs only to chain,
/// and Binance futures ids have holes): delta k spans [2k+1, 2k+2] after 2k; a snapshot's id is the next delta's first.</para>
/// <para>Marks: the captures hold no mark-price stream, so the mark is the midpoint of the best bid and ask after each
/// applied update, sent only when it changes. Positions: the accounts of <see cref="BinanceSourceOptions.PositionsFile"/>,
/// else a synthetic population (the demo's documented leverage mix) around the first mid — both at the first event
/// time, after the instrument, the book and the first mark. Trades and bookTicker messages are not turned into
/// messages: no StreamRisk input carries trades, and margin runs on the mark.</para>
/// </remarks>
public sealed class BinanceCaptureSource : IBinanceBookObserver, IDisposable
{
    /// <summary>Levels a side of Binance's REST depth snapshot at its largest limit.</summary>
    public const int RestSnapshotLevels = 1000;

    private readonly BinanceSourceOptions _options;
    private readonly WireMessageWriter _writer = new();
    private Action<CaptureRecord> _sink = _ => { };
    private long _bytesTotal;
    private long _bytesBefore;
    private Stream? _current;
    private Symbol? _symbol;
    private long _lastBinanceId = -1;
    private long _wireId;
    private double _lastMark = double.NaN;
    private long _records;
    private PriceLevel[] _bids = new PriceLevel[1024];
    private PriceLevel[] _asks = new PriceLevel[1024];

    public BinanceCaptureSource(BinanceSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>How far through the capture bytes (compressed) the import is: the only measure known before the end.</summary>
    public double Fraction => _bytesTotal > 0 ? Math.Min(1, (double)(_bytesBefore + (_current?.Position ?? 0)) / _bytesTotal) : 0;

    public long DiffsApplied { get; private set; }

    public long Marks { get; private set; }

    public long Accounts { get; private set; }

    /// <summary>Where the accounts come from, for outputs: a positions file, the synthetic population, or an estimate.</summary>
    public string Population => _options.PositionsFile is not null ? "file"
        : _options.Estimated is { } estimated ? estimated.Describe()
        : $"synthetic (seed {_options.PopulationSeed})";

    /// <summary>Lines of the capture reported and skipped.</summary>
    public long BadLines { get; private set; }

    public BinanceImportSummary? Import { get; private set; }

    /// <summary>Reads every file and hands each wire message to <paramref name="sink"/> as a capture record.</summary>
    public void Play(Action<CaptureRecord> sink, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        var importer = new BinanceBookImporter(new BinanceImportOptions { Market = _options.Market }, this, problem =>
        {
            BadLines++;
            _options.OnProblem?.Invoke(problem);
        });
        _bytesTotal = _options.Files.Sum(f => new FileInfo(f).Length);
        Span<byte> magic = stackalloc byte[2];
        foreach (var file in _options.Files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var length = stream.Length;
            var gzip = stream.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            stream.Position = 0;
            _current = stream;
            using var text = gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : (Stream)stream;
            importer.Import(text, Path.GetFileName(file), cancel);
            _bytesBefore += length;
            _current = null;
        }

        Import = importer.Summary;
    }

    public void OnDiffApplied(in DiffApplied applied, OrderBook book, scoped in DepthUpdated diff)
    {
        var time = applied.EventTime;
        if ((_options.From is { } from && time < from) || (_options.To is { } to && time > to)
            || !book.TryGetBest(BookSide.Bid, out var bid) || !book.TryGetBest(BookSide.Ask, out var ask))
        {
            // Not sent: the next sent update must start from a whole book again.
            _lastBinanceId = -1;
            return;
        }

        var mid = (book.TickSize.ToPrice(bid.PriceTicks) + book.TickSize.ToPrice(ask.PriceTicks)) / 2;
        if (_symbol is null)
        {
            Start(book, time, mid);
        }
        else if (applied.PreviousUpdateId != _lastBinanceId)
        {
            Snapshot(book, time);
        }
        else
        {
            // pu = the previous u, U = pu + 1, u = pu + 2; a snapshot says lastId = the next U, so the first delta after
            // it bridges it (U ≤ lastId ≤ u, Binance's rule, which the monitor's book follows).
            Emit(_writer.BookDelta(book.Symbol, time, _wireId + 1, _wireId + 2, _wireId, diff.Bids, diff.Asks), time);
            _wireId += 2;
        }

        _lastBinanceId = applied.LastUpdateId;
        DiffsApplied++;
        if (mid != _lastMark)
        {
            _lastMark = mid;
            Marks++;
            Emit(_writer.Mark(book.Symbol, time, mid), time);
        }
    }

    public void OnBookTicker(in BookTickerReceived ticker)
    {
    }

    public void Dispose() => _writer.Dispose();

    private void Start(OrderBook book, long time, double mid)
    {
        var instrument = InstrumentFor(book.Symbol, book.TickSize, _options.Market);
        _symbol = instrument.Symbol;
        Emit(_writer.Instrument(instrument), time);
        Snapshot(book, time);

        // The population needs a mark to be placed around; it comes after the book so the first projection has both.
        _lastMark = mid;
        Marks++;
        Emit(_writer.Mark(book.Symbol, time, mid), time);
        if (_options.PositionsFile is { } file)
        {
            var catalog = new InstrumentCatalog();
            catalog.Upsert(instrument);
            foreach (var account in AccountFile.Parse(file, catalog))
            {
                var legs = account.Positions.Select(p => (instrument.Symbol, p.Size, p.Entry, p.IsolatedMargin)).ToArray();
                Emit(_writer.Account(account.Id, 1, time, account.Balance, legs), time);
                Accounts++;
            }

            return;
        }

        if (_options.Estimated is { } spec)
        {
            foreach (var account in EstimatedPopulation.AlongSimulatedPast(instrument, spec, mid, time))
            {
                var legs = account.Positions.Select(p => (instrument.Symbol, p.Size, p.Entry, p.IsolatedMargin ?? double.NaN)).ToArray();
                Emit(_writer.Account(new AccountId(account.Account), account.Seq, time, account.Balance, legs), time);
                Accounts++;
            }

            return;
        }

        foreach (var account in SyntheticPopulation.Generate(_options.PopulationSeed, _options.Accounts, [(instrument, mid)], time))
        {
            var legs = account.Positions.Select(p => (instrument.Symbol, p.Size, p.Entry, p.IsolatedMargin ?? double.NaN)).ToArray();
            Emit(_writer.Account(new AccountId(account.Account), account.Seq, time, account.Balance, legs), time);
            Accounts++;
        }
    }

    private void Snapshot(OrderBook book, long time)
    {
        var bids = Copy(book, BookSide.Bid, ref _bids);
        var asks = Copy(book, BookSide.Ask, ref _asks);
        Emit(_writer.BookSnapshot(book.Symbol, time, _wireId + 1, bids, asks), time);
    }

    private static ReadOnlySpan<PriceLevel> Copy(OrderBook book, BookSide side, ref PriceLevel[] buffer)
    {
        var count = book.LevelCount(side);
        if (buffer.Length < count)
        {
            buffer = new PriceLevel[Math.Max(count, buffer.Length * 2)];
        }

        for (var i = 0; i < count; i++)
        {
            buffer[i] = book.LevelAt(side, i);
        }

        return buffer.AsSpan(0, count);
    }

    private void Emit(in WireMessage message, long eventTime) =>
        _sink(new CaptureRecord(++_records, CaptureTopics.Of(message.Topic), message.Key, eventTime, message.Value));

    /// <summary>
    /// Binance's published brackets for the captured symbols; other symbols get BTCUSDT-shaped tiers. The book depth limit
    /// is the REST depth snapshot's largest <c>limit</c> (1,000 levels a side), which is what a capture's snapshots hold.
    /// </summary>
    public static Instrument InstrumentFor(Symbol symbol, TickSize tick, BinanceMarket market)
    {
        if (market == BinanceMarket.CoinM)
        {
            // COIN-M BTCUSD_PERP: 100 USD contracts, tiers in coin.
            return new Instrument(symbol, ContractKind.Inverse, (double)tick.Value, 1, MarginTiers.Create([(0, 0.004, null), (5, 0.005, null), (10, 0.01, null), (20, 0.025, null)]), 100,
                RestSnapshotLevels);
        }

        var tiers = symbol.Value == SimulatedSymbol.EthUsdt.Instrument.Symbol.Value ? SimulatedSymbol.BinanceEthUsdtTiers : SimulatedSymbol.BinanceBtcUsdtTiers;
        return new Instrument(symbol, ContractKind.Linear, (double)tick.Value, 0.001, tiers, BookDepthLimit: RestSnapshotLevels);
    }
}
