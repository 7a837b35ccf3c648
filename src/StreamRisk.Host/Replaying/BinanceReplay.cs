using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Engine;
using StreamRisk.Replay.Binance;
using StreamRisk.Replay.Simulation;

namespace StreamRisk.Host.Replaying;

/// <summary>Settings of an in-process replay of a Binance raw capture.</summary>
public sealed record BinanceReplayOptions
{
    public required IReadOnlyList<string> Files { get; init; }
    public BinanceMarket Market { get; init; } = BinanceMarket.UsdM;

    /// <summary>Seed of the synthetic population placed around the first observed price (public captures carry no positions).</summary>
    public int PopulationSeed { get; init; } = 1;

    /// <summary>A positions file (account documents) instead of the synthetic population.</summary>
    public string? PositionsFile { get; init; }

    public int Accounts { get; init; } = 20_000;

    /// <summary>0 = as fast as possible; otherwise event time runs this many times faster than the wall clock.</summary>
    public double Speed { get; init; }

    public long? From { get; init; }
    public long? To { get; init; }
    public EngineOptions Engine { get; init; } = new();
}

/// <summary>What a replay did.</summary>
public sealed record ReplaySummary(long DiffsApplied, long MarksApplied, long Accounts, long Projections, long AlertTransitions, IReadOnlyDictionary<string, int> RaisedByRule, BinanceImportSummary Import);

/// <summary>
/// Replays a Binance USDⓈ-M or COIN-M raw capture through the full monitor work in process: the capture importer keeps
/// the book (Binance's local-book procedure), the engine projects on it, the alert rules run — all on event time, so
/// the output depends only on the inputs, never on the replay speed.
/// </summary>
/// <remarks>
/// Marks: the captures hold no mark-price stream, so the mark is the midpoint of the best bid and ask after each
/// applied diff (applied only when it changes). Positions: a synthetic population (the demo's documented leverage mix)
/// generated around the first mid price. Trades in the capture are not used.
/// </remarks>
public sealed class BinanceReplay : IBinanceBookObserver
{
    private readonly BinanceReplayOptions _options;
    private readonly RiskEngine _engine;
    private readonly EventClock _clock = new();
    private readonly ReplayOutputs _outputs;
    private readonly ReplayPacer _pacer;
    private readonly Action<long, double>? _progress;
    private long _bytesTotal;
    private long _bytesBefore;
    private Stream? _current;
    private int _instrument = -1;
    private double _lastMark = double.NaN;
    private long _diffs;
    private long _marks;
    private long _accounts;

    /// <param name="progress">Called every ~1,000 book updates with the event time reached and the fraction of the capture bytes read.</param>
    public BinanceReplay(BinanceReplayOptions options, ReplayOutputs outputs, TimeProvider time, Action<long, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _outputs = outputs;
        _progress = progress;
        _engine = new RiskEngine(options.Engine);
        _pacer = new ReplayPacer(options.Speed, time);
    }

    public ReplaySummary Run(CancellationToken cancel)
    {
        using var pipeline = new MonitorPipeline(_engine, _clock, _outputs.Projection, _outputs.Alert, ex => throw ex);
        var importer = new BinanceBookImporter(new BinanceImportOptions { Market = _options.Market }, this);
        _bytesTotal = _options.Files.Sum(f => new FileInfo(f).Length);
        Span<byte> magic = stackalloc byte[2];
        foreach (var file in _options.Files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var length = stream.Length;
            var gzip = stream.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            stream.Position = 0;
            _current = stream;
            using var text = gzip ? new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true) : (Stream)stream;
            importer.Import(text, Path.GetFileName(file), cancel);
            _bytesBefore += length;
            _current = null;
        }

        // Let the last throttled projections fall due: event time moves one interval past the last event.
        _clock.AdvanceTo(_clock.Now + (long)_options.Engine.ProjectionInterval.TotalMilliseconds);
        return new ReplaySummary(_diffs, _marks, _accounts, _outputs.Projections, _outputs.Alerts, _outputs.RaisedByRule, importer.Summary);
    }

    public void OnDiffApplied(in DiffApplied applied, OrderBook book)
    {
        var time = applied.EventTime;
        if ((_options.From is { } from && time < from) || (_options.To is { } to && time > to))
        {
            return;
        }

        _pacer.WaitFor(time);
        _clock.AdvanceTo(time);
        if (!book.TryGetBest(BookSide.Bid, out var bid) || !book.TryGetBest(BookSide.Ask, out var ask))
        {
            return;
        }

        var mid = (book.TickSize.ToPrice(bid.PriceTicks) + book.TickSize.ToPrice(ask.PriceTicks)) / 2;
        if (_instrument < 0)
        {
            Start(book, mid, time);
        }

        _diffs++;
        _engine.BookChanged(_instrument, time);
        if (mid != _lastMark)
        {
            _lastMark = mid;
            _marks++;
            _engine.ApplyMark(_instrument, mid, time);
        }

        if ((_diffs & 0x3FF) == 0)
        {
            // Compressed bytes read so far: the only measure of "how far" known before the capture's end.
            var read = _bytesBefore + (_current?.Position ?? 0);
            _progress?.Invoke(time, _bytesTotal > 0 ? Math.Min(1, (double)read / _bytesTotal) : 0);
        }
    }

    public void OnBookTicker(in BookTickerReceived ticker)
    {
    }

    private void Start(OrderBook book, double mid, long time)
    {
        var instrument = InstrumentFor(book.Symbol, book.TickSize, _options.Market);
        _instrument = _engine.ApplyInstrument(instrument, book.TickSize);
        _engine.UseBook(_instrument, book);
        _engine.ApplyMark(_instrument, mid, time);
        _lastMark = mid;
        if (_options.PositionsFile is { } file)
        {
            var catalog = new InstrumentCatalog();
            catalog.Upsert(instrument);
            IReadOnlyList<Contracts.Documents.AccountDocument> accounts;
            try
            {
                accounts = Contracts.Documents.AccountFile.Parse(File.ReadAllBytes(file), catalog);
            }
            catch (Contracts.Documents.DocumentException ex)
            {
                throw new UsageException($"{file}: {ex.Message}");
            }

            foreach (var account in accounts)
            {
                var legs = account.Positions.Select(p => (_instrument, p.Size, p.Entry, p.IsolatedMargin)).ToArray();
                _engine.ApplyAccount(account.Id, account.Balance, legs, time);
                _accounts++;
            }

            return;
        }

        foreach (var account in SyntheticPopulation.Generate(_options.PopulationSeed, _options.Accounts, [(instrument, mid)], time))
        {
            var legs = account.Positions.Select(p => (_instrument, p.Size, p.Entry, p.IsolatedMargin ?? double.NaN)).ToArray();
            _engine.ApplyAccount(new AccountId(account.Account), account.Balance, legs, time);
            _accounts++;
        }
    }

    /// <summary>Binance's published brackets for the captured symbols; other symbols get BTCUSDT-shaped tiers.</summary>
    internal static Instrument InstrumentFor(Symbol symbol, TickSize tick, BinanceMarket market)
    {
        if (market == BinanceMarket.CoinM)
        {
            // COIN-M BTCUSD_PERP: 100 USD contracts, tiers in coin.
            return new Instrument(symbol, ContractKind.Inverse, (double)tick.Value, 1, MarginTiers.Create([(0, 0.004, null), (5, 0.005, null), (10, 0.01, null), (20, 0.025, null)]), 100);
        }

        var tiers = symbol.Value == SimulatedSymbol.EthUsdt.Instrument.Symbol.Value ? SimulatedSymbol.BinanceEthUsdtTiers : SimulatedSymbol.BinanceBtcUsdtTiers;
        return new Instrument(symbol, ContractKind.Linear, (double)tick.Value, 0.001, tiers);
    }
}
