using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Writes every wire message with <see cref="Utf8JsonWriter"/> into an <see cref="IBufferWriter{T}"/> (one message
/// per call; the caller hands each to the producer and resets its buffer). Used by the market simulator and tests;
/// what it writes, <see cref="WireDecoder"/> reads back exactly: book prices as the exact decimal of their ticks,
/// doubles in their shortest round-trip form, <c>"v":1</c> first so a reader can refuse another version up front.
/// Symbols and accounts are written from the tables' UTF-8 bytes. The writer is reused: steady-state encoding
/// allocates nothing beyond what the output buffer does. Owned by one producer thread.
/// </summary>
public sealed class WireEncoder : IDisposable
{
    // Relaxed escaping keeps ids such as "a+b" readable in kcat; these messages are never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SymbolTable _symbols;
    private readonly AccountTable _accounts;
    private readonly Utf8JsonWriter _writer;

    public WireEncoder(SymbolTable symbols, AccountTable accounts)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentNullException.ThrowIfNull(accounts);
        _symbols = symbols;
        _accounts = accounts;

        // Retargeted to each call's output by Reset.
        _writer = new Utf8JsonWriter(new ArrayBufferWriter<byte>(1), WriterOptions);
    }

    /// <summary>Topic <c>instruments</c>; tickSize is written as the exact decimal, every tier with its deduction.</summary>
    public void WriteInstrument(IBufferWriter<byte> output, InstrumentDefined instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var spec = instrument.Instrument;
        Begin(output);
        _writer.WriteString("symbol"u8, spec.Symbol.Value);
        _writer.WriteString("contract"u8, spec.Contract == ContractKind.Inverse ? "inverse"u8 : "linear"u8);
        _writer.WriteNumber("tickSize"u8, instrument.TickSize.Value);
        _writer.WriteNumber("lotSize"u8, spec.LotSize);
        _writer.WriteNumber("multiplier"u8, spec.Multiplier);
        if (spec.BookDepthLimit > 0)
        {
            _writer.WriteNumber("bookDepthLimit"u8, spec.BookDepthLimit);
        }

        _writer.WriteStartArray("tiers"u8);
        for (var i = 0; i < spec.Tiers.Count; i++)
        {
            var tier = spec.Tiers[i];
            _writer.WriteStartObject();
            _writer.WriteNumber("floor"u8, tier.Floor);
            _writer.WriteNumber("mmr"u8, tier.Rate);
            _writer.WriteNumber("deduction"u8, tier.Deduction);
            _writer.WriteEndObject();
        }

        _writer.WriteEndArray();
        End();
    }

    /// <summary>Topic <c>book</c>: a snapshot (lastId only) or a delta (firstId, lastId, prevId).</summary>
    public void WriteBook(IBufferWriter<byte> output, scoped in BookUpdated book)
    {
        var tickSize = _symbols.TickSizeAt(book.InstrumentIndex);
        Begin(output);
        _writer.WriteString("type"u8, book.Kind == BookUpdateKind.Delta ? "delta"u8 : "snapshot"u8);
        _writer.WriteString("symbol"u8, _symbols.Utf8At(book.InstrumentIndex));
        _writer.WriteNumber("eventTime"u8, book.EventTime);
        if (book.Kind == BookUpdateKind.Delta)
        {
            _writer.WriteNumber("firstId"u8, book.FirstId);
        }

        _writer.WriteNumber("lastId"u8, book.LastId);
        if (book.Kind == BookUpdateKind.Delta)
        {
            _writer.WriteNumber("prevId"u8, book.PreviousId);
        }

        WriteLevels("bids"u8, book.Bids, tickSize);
        WriteLevels("asks"u8, book.Asks, tickSize);
        End();
    }

    /// <summary>Topic <c>marks</c>.</summary>
    public void WriteMark(IBufferWriter<byte> output, in MarkUpdated mark)
    {
        Begin(output);
        _writer.WriteString("symbol"u8, _symbols.Utf8At(mark.InstrumentIndex));
        _writer.WriteNumber("eventTime"u8, mark.EventTime);
        _writer.WriteNumber("price"u8, mark.Price);
        End();
    }

    /// <summary>Topic <c>positions</c>, type <c>account</c>: the balance and every position (isolated margin NaN is written as null: cross).</summary>
    public void WriteAccount(
        IBufferWriter<byte> output, in AccountSnapshotted account, ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> positions)
    {
        BeginPositions(output, "account"u8, account.AccountSlot, account.Sequence, account.EventTime);
        _writer.WriteNumber("balance"u8, account.Balance);
        _writer.WriteStartArray("positions"u8);
        foreach (var (instrument, size, entry, isolatedMargin) in positions)
        {
            _writer.WriteStartObject();
            _writer.WriteString("symbol"u8, _symbols.Utf8At(instrument));
            _writer.WriteNumber("size"u8, size);
            _writer.WriteNumber("entry"u8, entry);
            WriteIsolatedMargin(isolatedMargin);
            _writer.WriteEndObject();
        }

        _writer.WriteEndArray();
        End();
    }

    /// <summary>Topic <c>positions</c>, type <c>position</c>.</summary>
    public void WritePosition(IBufferWriter<byte> output, in PositionChanged position)
    {
        BeginPositions(output, "position"u8, position.AccountSlot, position.Sequence, position.EventTime);
        _writer.WriteString("symbol"u8, _symbols.Utf8At(position.InstrumentIndex));
        _writer.WriteNumber("size"u8, position.Size);
        _writer.WriteNumber("entry"u8, position.Entry);
        WriteIsolatedMargin(position.IsolatedMargin);
        End();
    }

    /// <summary>Topic <c>positions</c>, type <c>balance</c>.</summary>
    public void WriteBalance(IBufferWriter<byte> output, in BalanceChanged balance)
    {
        BeginPositions(output, "balance"u8, balance.AccountSlot, balance.Sequence, balance.EventTime);
        _writer.WriteNumber("balance"u8, balance.Balance);
        End();
    }

    /// <summary>Topic <c>liquidations</c>; the account only when known.</summary>
    public void WriteLiquidation(IBufferWriter<byte> output, in LiquidationFilled liquidation)
    {
        Begin(output);
        _writer.WriteString("symbol"u8, _symbols.Utf8At(liquidation.InstrumentIndex));
        _writer.WriteNumber("eventTime"u8, liquidation.EventTime);
        _writer.WriteString("side"u8, liquidation.Side == PositionSide.Short ? "short"u8 : "long"u8);
        _writer.WriteNumber("price"u8, liquidation.Price);
        _writer.WriteNumber("size"u8, liquidation.Size);
        if (liquidation.HasAccount)
        {
            _writer.WriteString("account"u8, _accounts.Utf8At(liquidation.AccountSlot));
        }

        End();
    }

    /// <summary>Topic <c>insurance</c>: <paramref name="fund"/> is a symbol (its own fund) or the venue-wide fund's name.</summary>
    public void WriteInsurance(IBufferWriter<byte> output, string fund, long eventTime, double balance)
    {
        Begin(output);
        _writer.WriteString("fund"u8, fund);
        _writer.WriteNumber("eventTime"u8, eventTime);
        _writer.WriteNumber("balance"u8, balance);
        End();
    }

    public void Dispose() => _writer.Dispose();

    private void Begin(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _writer.Reset(output);
        _writer.WriteStartObject();
        _writer.WriteNumber("v"u8, WireDecoder.Version);
    }

    private void BeginPositions(IBufferWriter<byte> output, ReadOnlySpan<byte> type, int accountSlot, long sequence, long eventTime)
    {
        Begin(output);
        _writer.WriteString("type"u8, type);
        _writer.WriteString("account"u8, _accounts.Utf8At(accountSlot));
        _writer.WriteNumber("seq"u8, sequence);
        _writer.WriteNumber("eventTime"u8, eventTime);
    }

    private void End()
    {
        _writer.WriteEndObject();
        _writer.Flush();
    }

    private void WriteIsolatedMargin(double isolatedMargin)
    {
        if (double.IsNaN(isolatedMargin))
        {
            _writer.WriteNull("isolatedMargin"u8);
        }
        else
        {
            _writer.WriteNumber("isolatedMargin"u8, isolatedMargin);
        }
    }

    private void WriteLevels(ReadOnlySpan<byte> name, ReadOnlySpan<PriceLevel> levels, TickSize tickSize)
    {
        _writer.WriteStartArray(name);
        foreach (var level in levels)
        {
            _writer.WriteStartArray();
            _writer.WriteNumberValue(tickSize.ToDecimal(level.PriceTicks));
            _writer.WriteNumberValue(level.Quantity);
            _writer.WriteEndArray();
        }

        _writer.WriteEndArray();
    }
}
