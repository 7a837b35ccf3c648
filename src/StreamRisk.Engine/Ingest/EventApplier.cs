using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;

namespace StreamRisk.Engine.Ingest;

/// <summary>Counts of what the applier did, for the summary and telemetry.</summary>
public sealed class IngestCounters
{
    private readonly long[] _applied = new long[Enum.GetValues<WireTopic>().Length];

    public long DeadLettered { get; private set; }

    public long Applied(WireTopic topic) => _applied[(int)topic];

    public long TotalApplied => _applied.Sum();

    /// <summary>Raised for every applied event (topic) — the telemetry counter hooks in here.</summary>
    public Action<WireTopic>? OnApplied { get; set; }

    internal void CountApplied(WireTopic topic)
    {
        _applied[(int)topic]++;
        OnApplied?.Invoke(topic);
    }

    internal void CountDeadLetter() => DeadLettered++;
}

/// <summary>
/// Decodes each input record straight from its UTF-8 bytes and applies it to the engine, on the engine thread.
/// The decode boundary is the only place input is validated: anything malformed, unknown or out of order goes to
/// the dead-letter topic with its reason and never reaches (or corrupts) the engine's state.
/// </summary>
public sealed class EventApplier
{
    /// <summary>Dead-letter reason of a book delta older than the book.</summary>
    public const string OutOfOrderBook = "out-of-order-book";

    private readonly RiskEngine _engine;
    private readonly EventClock _clock;
    private readonly TimeProvider? _wallClock;
    private readonly long _maxAheadMs;

    /// <summary>
    /// The wall-clock bound last read (wall clock + max-ahead): an event time at or below it passes without reading the
    /// clock again, since the clock only moves on; the clock is read only for an event beyond it.
    /// </summary>
    private long _aheadBound = long.MinValue;
    private readonly WireDecoder _decoder;
    private readonly AccountSequences _sequences = new();
    private readonly Action<WireRecord, string, string> _deadLetter;
    private readonly LadderUpdate _ladder = new();
    private int[] _partitionOfAccount = new int[1024];

    /// <param name="wallClock">Where the monitor runs live: event times more than <see cref="EngineOptions.MaxEventTimeAhead"/>
    /// past it are refused. Null offline (a replay of recorded time): only <see cref="EngineOptions.LatestEventTime"/> holds.</param>
    public EventApplier(RiskEngine engine, EventClock clock, Action<WireRecord, string, string> deadLetter, WireDecoderOptions? options = null,
        TimeProvider? wallClock = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(deadLetter);
        _engine = engine;
        _clock = clock;
        _wallClock = wallClock;
        _maxAheadMs = (long)engine.Options.MaxEventTimeAhead.TotalMilliseconds;
        _deadLetter = deadLetter;
        // One id table: the decoder names accounts by their key in the margin book's table, so a message finds its
        // account with no string and no second lookup.
        _decoder = new WireDecoder(new SymbolTable(), new AccountTable(engine.Accounts.Margins.Ids), options);
    }

    public IngestCounters Counters { get; } = new();

    /// <summary>With event-time ordering: every input of every stage up to this one has been applied (the account stage reports it on).</summary>
    public Action<long>? StagesReleased { get; set; }

    /// <summary>The instrument a message key (symbol, UTF-8) names, without allocating.</summary>
    public bool TryGetInstrument(ReadOnlySpan<byte> symbolUtf8, out int instrument) => _decoder.Symbols.TryGetIndex(symbolUtf8, out instrument);

    public void Apply(in IngestedMessage message)
    {
        switch (message.Kind)
        {
            case IngestKind.PartitionsRevoked:
                DropAccounts(message.Partitions);
                return;
            case IngestKind.PartitionsAssigned:
                return; // the source re-reads them from the beginning: accounts arrive again as messages
            case IngestKind.StagesReleased:
                StagesReleased?.Invoke(message.Stage);
                return;
        }

        var record = message.Record;
        var value = record.Value;
        if (value is null)
        {
            DeadLetter(record, WireReasons.BadJson, "empty message (tombstone)");
            return;
        }

        var outcome = record.Topic switch
        {
            WireTopic.Marks => ApplyMark(value),
            WireTopic.Book => ApplyBook(value),
            WireTopic.Positions => ApplyPositions(value, record.Partition),
            WireTopic.Liquidations => ApplyLiquidation(value),
            WireTopic.Insurance => ApplyInsurance(value),
            WireTopic.Ladders => ApplyLadder(value),
            _ => ApplyInstrument(value),
        };
        if (outcome.Ok)
        {
            Counters.CountApplied(record.Topic);
        }
        else
        {
            DeadLetter(record, outcome.Reason, outcome.Detail);
        }
    }

    /// <summary>What applying one message came to; the reason strings are constants, so the good path allocates nothing.</summary>
    private readonly record struct Outcome(bool Ok, string Reason, string Detail)
    {
        public static Outcome Applied => new(true, string.Empty, string.Empty);

        public static Outcome From(in DecodeResult result) => result.IsValid ? Applied : new(false, result.Reason, result.Detail);
    }

    /// <summary>Reason of a new instrument beyond <see cref="EngineOptions.MaxInstruments"/>.</summary>
    private static readonly string TooManyInstruments = WireReasons.TooMany + ":instruments";

    /// <summary>Reason of an event time outside the accepted window.</summary>
    private static readonly string EventTimeOutOfRange = WireReasons.OutOfRange + ":eventTime";

    /// <summary>
    /// The event time window, checked before anything moves: not after <see cref="EngineOptions.LatestEventTime"/>, and
    /// live not more than <see cref="EngineOptions.MaxEventTimeAhead"/> past the wall clock. Earlier times pass: event
    /// time never goes backwards, so an old event moves nothing but its own state.
    /// </summary>
    private bool TimeRefused(long eventTime, out Outcome refused)
    {
        var latest = _engine.Options.LatestEventTime;
        if (_wallClock is not null)
        {
            if (eventTime > _aheadBound)
            {
                _aheadBound = _wallClock.GetUtcNow().ToUnixTimeMilliseconds() + _maxAheadMs;
            }

            latest = Math.Min(latest, _aheadBound);
        }

        if (eventTime <= latest)
        {
            refused = default;
            return false;
        }

        refused = new Outcome(false, EventTimeOutOfRange, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"eventTime {eventTime} is after {latest}, the latest accepted ({(_wallClock is null ? "the configured limit" : "wall clock + max-ahead")})"));
        return true;
    }

    private Outcome ApplyMark(byte[] value)
    {
        var result = _decoder.DecodeMark(value, out var mark);
        if (result.IsValid)
        {
            if (TimeRefused(mark.EventTime, out var refused))
            {
                return refused;
            }

            _clock.AdvanceTo(mark.EventTime);
            _engine.ApplyMark(mark.InstrumentIndex, mark.Price, mark.EventTime);
        }

        return Outcome.From(result);
    }

    private Outcome ApplyBook(byte[] value)
    {
        var result = _decoder.DecodeBook(value, out var book);
        if (!result.IsValid)
        {
            return Outcome.From(result);
        }

        if (TimeRefused(book.EventTime, out var refused))
        {
            return refused;
        }

        if (book.Kind == BookUpdateKind.Snapshot)
        {
            _clock.AdvanceTo(book.EventTime);
            _engine.ApplyBookSnapshot(book.InstrumentIndex, book.LastId, book.Bids, book.Asks, book.EventTime);
            return Outcome.Applied;
        }

        // A gap is not bad input — the book turns stale and says so — but an outdated delta is a replayed duplicate,
        // refused before event time moves for it.
        var delta = book.ToDepthUpdated();
        if (_engine.IsOutdated(book.InstrumentIndex, in delta))
        {
            return new Outcome(false, OutOfOrderBook, "a delta older than the book (replayed duplicate)");
        }

        _clock.AdvanceTo(book.EventTime);
        _engine.ApplyBookDelta(book.InstrumentIndex, in delta, book.EventTime);
        return Outcome.Applied;
    }

    private Outcome ApplyLiquidation(byte[] value)
    {
        var result = _decoder.DecodeLiquidation(value, out var fill);
        if (result.IsValid)
        {
            if (TimeRefused(fill.EventTime, out var refused))
            {
                return refused;
            }

            _clock.AdvanceTo(fill.EventTime);
            _engine.ApplyLiquidation(fill.InstrumentIndex, fill.Side == PositionSide.Long, fill.Price, fill.Size, fill.EventTime,
                fill.HasAccount ? AccountIdOf(fill.AccountSlot) : null);
        }

        return Outcome.From(result);
    }

    private Outcome ApplyInsurance(byte[] value)
    {
        var result = _decoder.DecodeInsurance(value, out var update);
        if (result.IsValid)
        {
            if (TimeRefused(update.EventTime, out var refused))
            {
                return refused;
            }

            _clock.AdvanceTo(update.EventTime);
            var fund = update.IsVenueWide ? update.Fund! : _decoder.Symbols.SymbolAt(update.InstrumentIndex).Value;
            _engine.ApplyInsurance(update.InstrumentIndex, fund, update.Balance, update.EventTime);
        }

        return Outcome.From(result);
    }

    private Outcome ApplyLadder(byte[] value)
    {
        var result = _decoder.DecodeLadderUpdate(value, _ladder);
        if (!result.IsValid)
        {
            return Outcome.From(result);
        }

        if (TimeRefused(_ladder.EventTime, out var refused))
        {
            return refused;
        }

        _clock.AdvanceTo(_ladder.EventTime);
        _engine.Projector.Apply(_ladder);
        return Outcome.Applied;
    }

    private Outcome ApplyInstrument(byte[] value)
    {
        var result = _decoder.DecodeInstrument(value, out var defined);
        if (result.IsValid && defined is not null)
        {
            if (_decoder.Symbols.Count >= _engine.Options.MaxInstruments
                && !_decoder.Symbols.TryGetIndex(System.Text.Encoding.UTF8.GetBytes(defined.Instrument.Symbol.Value), out _))
            {
                return new Outcome(false, TooManyInstruments,
                    $"a new instrument beyond the {_engine.Options.MaxInstruments} held (EngineOptions.MaxInstruments); known ones may still be redefined");
            }

            var symbolIndex = _decoder.Symbols.Upsert(defined.Instrument.Symbol, defined.TickSize);
            var engineIndex = _engine.ApplyInstrument(defined.Instrument, defined.TickSize);
            if (symbolIndex != engineIndex)
            {
                throw new InvalidOperationException($"symbol table and engine disagree on {defined.Instrument.Symbol}: {symbolIndex} vs {engineIndex}");
            }
        }

        return Outcome.From(result);
    }

    private Outcome ApplyPositions(byte[] value, int partition)
    {
        var result = _decoder.DecodePositions(value, out var message);
        if (!result.IsValid)
        {
            return Outcome.From(result);
        }

        if (TimeRefused(message.EventTime, out var refused))
        {
            return refused;
        }

        var slot = message.AccountSlot;
        if (!_sequences.Accept(slot, message.Sequence))
        {
            return new Outcome(false, WireReasons.OutOfOrderSeq, "seq not above the account's last applied seq (duplicate or reordered)");
        }

        RememberPartition(slot, partition);
        var account = new AccountKey(slot);
        _clock.AdvanceTo(message.EventTime);
        switch (message.Kind)
        {
            case PositionsMessageKind.Account:
                var snapshot = message.Account;
                _engine.ApplyAccount(account, snapshot.Balance, _decoder.AccountPositions, snapshot.EventTime);
                break;
            case PositionsMessageKind.Position:
                var change = message.Position;
                _engine.ApplyPosition(account, change.InstrumentIndex, change.Size, change.Entry, change.IsolatedMargin, change.EventTime);
                break;
            default:
                var balance = message.Balance;
                _engine.ApplyBalance(account, balance.Balance, balance.EventTime);
                break;
        }

        return Outcome.Applied;
    }

    /// <summary>The id of an account the decoder named (the margin book's own string when it holds the account).</summary>
    private AccountId AccountIdOf(int slot) =>
        _engine.Accounts.Margins.TryGetAccount(new AccountKey(slot), out var account) ? account.Id : _decoder.Accounts.IdAt(slot);

    private void RememberPartition(int slot, int partition)
    {
        if (slot >= _partitionOfAccount.Length)
        {
            var old = _partitionOfAccount.Length;
            Array.Resize(ref _partitionOfAccount, Math.Max(slot + 1, old * 2));
        }

        _partitionOfAccount[slot] = partition + 1; // 0 = unknown
    }

    /// <summary>Partitions moved to another instance: their accounts are no longer ours to watch.</summary>
    private void DropAccounts(IReadOnlyList<int> partitions)
    {
        var revoked = partitions.Select(p => p + 1).ToHashSet();
        for (var slot = 0; slot < Math.Min(_partitionOfAccount.Length, _decoder.Accounts.Count); slot++)
        {
            if (revoked.Contains(_partitionOfAccount[slot]))
            {
                _engine.ApplyAccount(new AccountKey(slot), 0, [], _clock.Now);
                _sequences.Forget(slot);
                _partitionOfAccount[slot] = 0;
            }
        }
    }

    private void DeadLetter(in WireRecord record, string reason, string detail)
    {
        Counters.CountDeadLetter();
        _deadLetter(record, reason, detail);
    }
}
