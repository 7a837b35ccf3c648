using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRisk.Domain.Books;

namespace StreamRisk.Replay.Binance;

internal enum BinanceMessageKind
{
    /// <summary>Anything the book does not use (trades, subscription replies, other streams).</summary>
    Other,

    /// <summary><c>depthUpdate</c>: a diff of absolute level quantities with U / u / pu.</summary>
    DepthUpdate,

    /// <summary><c>bookTicker</c>: Binance's best bid and ask at update id u.</summary>
    BookTicker,

    /// <summary>The REST depth snapshot: <c>{"lastUpdateId":..,"bids":..,"asks":..}</c>, without a stream wrapper.</summary>
    Snapshot,
}

/// <summary>
/// Decodes one Binance futures message straight from its UTF-8 bytes with <see cref="Utf8JsonReader"/> into reused
/// buffers: no strings and no allocation per message once the level buffers have grown to the deepest message.
/// This is the validation boundary: malformed JSON, missing ids, prices off the tick grid and negative or
/// non-numeric quantities are refused here (as <see cref="InvalidDataException"/>), so the book below trusts its input.
/// Field order inside a message is not assumed (COIN-M sends <c>u</c> before <c>e</c>).
/// Owned by one importer; the results describe the last decoded message only.
/// </summary>
internal sealed class BinanceMessageDecoder
{
    private PriceLevel[] _bids = new PriceLevel[1024];
    private PriceLevel[] _asks = new PriceLevel[1024];
    private int _bidCount;
    private int _askCount;
    private byte[]? _symbolUtf8;
    private Fields _seen;
    private BinanceMessageKind _eventKind;

    [Flags]
    private enum Fields
    {
        None = 0,
        First = 1,
        Last = 2,
        Previous = 4,
        BidLevels = 8,
        AskLevels = 16,
        BidPrice = 32,
        BidQuantity = 64,
        AskPrice = 128,
        AskQuantity = 256,
        SnapshotId = 512,
    }

    /// <summary>The capture's symbol, fixed by the first message that names one.</summary>
    public string? Symbol { get; private set; }

    public BinanceMessageKind Kind { get; private set; }

    public long EventTime { get; private set; }

    public long TransactionTime { get; private set; }

    /// <summary><c>U</c> of a depth update.</summary>
    public long FirstUpdateId { get; private set; }

    /// <summary><c>u</c> of a depth update or bookTicker; <c>lastUpdateId</c> of a snapshot.</summary>
    public long LastUpdateId { get; private set; }

    /// <summary><c>pu</c> of a depth update.</summary>
    public long PreviousUpdateId { get; private set; }

    public decimal BidPrice { get; private set; }

    public double BidQuantity { get; private set; }

    public decimal AskPrice { get; private set; }

    public double AskQuantity { get; private set; }

    /// <summary>Bid levels of the last depth update or snapshot (empty when decoded without a tick size).</summary>
    public ReadOnlySpan<PriceLevel> Bids => _bids.AsSpan(0, _bidCount);

    public ReadOnlySpan<PriceLevel> Asks => _asks.AsSpan(0, _askCount);

    /// <summary>
    /// Decodes one message. Without a tick size the level arrays are checked for shape but not converted (the
    /// importer holds such updates raw until a snapshot has fixed the tick size).
    /// </summary>
    public void Decode(ReadOnlySpan<byte> json, TickSize? tickSize)
    {
        Kind = BinanceMessageKind.Other;
        _eventKind = BinanceMessageKind.Other;
        _seen = Fields.None;
        _bidCount = _askCount = 0;
        EventTime = TransactionTime = FirstUpdateId = LastUpdateId = PreviousUpdateId = 0;

        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Bad("expected a JSON object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    DecodeEvent(ref reader, tickSize);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("lastUpdateId"u8))
            {
                reader.Read();
                LastUpdateId = ReadId(ref reader, "lastUpdateId");
                _seen |= Fields.SnapshotId;
            }
            else if (reader.ValueTextEquals("bids"u8))
            {
                reader.Read();
                ReadLevels(ref reader, tickSize, ref _bids, out _bidCount);
                _seen |= Fields.BidLevels;
            }
            else if (reader.ValueTextEquals("asks"u8))
            {
                reader.Read();
                ReadLevels(ref reader, tickSize, ref _asks, out _askCount);
                _seen |= Fields.AskLevels;
            }
            else if (reader.ValueTextEquals("symbol"u8))
            {
                reader.Read();
                CheckSymbol(ref reader);
            }
            else if (reader.ValueTextEquals("E"u8))
            {
                reader.Read();
                EventTime = ReadId(ref reader, "E");
            }
            else if (reader.ValueTextEquals("T"u8))
            {
                reader.Read();
                TransactionTime = ReadId(ref reader, "T");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw Bad("expected a JSON object");
        }

        if ((_seen & Fields.SnapshotId) != 0)
        {
            Require(Fields.BidLevels | Fields.AskLevels, "a depth snapshot needs bids and asks");
            Kind = BinanceMessageKind.Snapshot;
            return;
        }

        switch (_eventKind)
        {
            case BinanceMessageKind.DepthUpdate:
                Require(Fields.First | Fields.Last | Fields.Previous | Fields.BidLevels | Fields.AskLevels, "a depthUpdate needs U, u, pu, b and a");
                break;
            case BinanceMessageKind.BookTicker:
                Require(Fields.Last | Fields.BidPrice | Fields.BidQuantity | Fields.AskPrice | Fields.AskQuantity, "a bookTicker needs u, b, B, a and A");
                break;
            default:
                break;
        }

        Kind = _eventKind;
    }

    /// <summary>
    /// The most decimal places any price in a snapshot's bids and asks really uses (trailing zeros ignored):
    /// "61800.20" counts as 1. -1 when the snapshot has no level.
    /// </summary>
    public static int FinestPriceDecimals(ReadOnlySpan<byte> json)
    {
        var finest = -1;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Bad("expected a JSON object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isLevels = reader.ValueTextEquals("bids"u8) || reader.ValueTextEquals("asks"u8);
            reader.Read();
            if (!isLevels)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw Bad("bids and asks must be arrays of [price, quantity]");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Read();
                var text = StringValue(ref reader, "price");
                if (!TryParsePlainDecimal(text, out var mantissa, out var scale))
                {
                    throw Bad($"price \"{Encoding.UTF8.GetString(text)}\" is not a plain decimal");
                }

                while (scale > 0 && mantissa % 10 == 0)
                {
                    mantissa /= 10;
                    scale--;
                }

                finest = Math.Max(finest, scale);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    reader.Skip();
                }
            }
        }

        return finest;
    }

    /// <summary>Reads "123.45" (digits and at most one point, nothing else) exactly as 12345 × 10^-2.</summary>
    internal static bool TryParsePlainDecimal(ReadOnlySpan<byte> text, out long mantissa, out int scale)
    {
        mantissa = 0;
        scale = 0;
        var digits = 0;
        var seenPoint = false;
        foreach (var c in text)
        {
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                if (mantissa > (long.MaxValue - 9) / 10)
                {
                    return false;
                }

                mantissa = (mantissa * 10) + (c - '0');
                digits++;
                if (seenPoint)
                {
                    scale++;
                }
            }
            else if (c == (byte)'.' && !seenPoint)
            {
                seenPoint = true;
            }
            else
            {
                return false;
            }
        }

        return digits > 0 && scale <= TickSize.MaxScale;
    }

    private static InvalidDataException Bad(string message) => new(message);

    private static long ReadId(ref Utf8JsonReader reader, string field) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)
            ? value
            : throw Bad($"{field} must be an integer");

    private static ReadOnlySpan<byte> StringValue(ref Utf8JsonReader reader, string what)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Bad($"{what} must be a string");
        }

        // Numbers never need escapes; refusing them keeps the no-copy path simple.
        return reader.ValueIsEscaped ? throw Bad($"{what} must not contain escapes") : reader.ValueSpan;
    }

    private static long ParsePriceTicks(ReadOnlySpan<byte> text, TickSize tickSize)
    {
        if (!TryParsePlainDecimal(text, out var mantissa, out var scale))
        {
            throw Bad($"price \"{Encoding.UTF8.GetString(text)}\" is not a plain decimal");
        }

        return tickSize.TryToTicks(mantissa, scale, out var ticks)
            ? ticks
            : throw Bad($"price \"{Encoding.UTF8.GetString(text)}\" is not a multiple of the tick size {tickSize}; configure the symbol's tick size");
    }

    private static double ParseQuantity(ReadOnlySpan<byte> text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var quantity) && double.IsFinite(quantity)
            ? quantity
            : throw Bad($"quantity \"{Encoding.UTF8.GetString(text)}\" is not a non-negative decimal");

    private static decimal ParseDecimalPrice(ReadOnlySpan<byte> text) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price)
            ? price
            : throw Bad($"price \"{Encoding.UTF8.GetString(text)}\" is not a plain decimal");

    private static void ReadLevels(ref Utf8JsonReader reader, TickSize? tickSize, ref PriceLevel[] buffer, out int count)
    {
        count = 0;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Bad("levels must be an array of [price, quantity]");
        }

        if (tickSize is not { } tick)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            reader.Read();
            var ticks = ParsePriceTicks(StringValue(ref reader, "price"), tick);
            reader.Read();
            var quantity = ParseQuantity(StringValue(ref reader, "quantity"));
            if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            {
                throw Bad("a level must be [price, quantity]");
            }

            if (count == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            buffer[count++] = new PriceLevel(ticks, quantity);
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            throw Bad("levels must be an array of [price, quantity]");
        }
    }

    private void DecodeEvent(ref Utf8JsonReader reader, TickSize? tickSize)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Event fields are one or two letters; dispatch on the name's bytes instead of a chain of comparisons.
            var name = reader.ValueIsEscaped ? default : reader.ValueSpan;
            reader.Read();
            switch (name.Length == 1 ? name[0] : (byte)0)
            {
                case (byte)'e':
                    _eventKind = reader.ValueTextEquals("depthUpdate"u8) ? BinanceMessageKind.DepthUpdate
                        : reader.ValueTextEquals("bookTicker"u8) ? BinanceMessageKind.BookTicker
                        : BinanceMessageKind.Other;
                    break;
                case (byte)'E':
                    EventTime = ReadId(ref reader, "E");
                    break;
                case (byte)'T':
                    TransactionTime = ReadId(ref reader, "T");
                    break;
                case (byte)'s':
                    CheckSymbol(ref reader);
                    break;
                case (byte)'U':
                    FirstUpdateId = ReadId(ref reader, "U");
                    _seen |= Fields.First;
                    break;
                case (byte)'u':
                    LastUpdateId = ReadId(ref reader, "u");
                    _seen |= Fields.Last;
                    break;
                case (byte)'b':
                    ReadSide(ref reader, tickSize, isBid: true);
                    break;
                case (byte)'a':
                    ReadSide(ref reader, tickSize, isBid: false);
                    break;
                case (byte)'B' when reader.TokenType == JsonTokenType.String:
                    BidQuantity = ParseQuantity(StringValue(ref reader, "B"));
                    _seen |= Fields.BidQuantity;
                    break;
                case (byte)'A' when reader.TokenType == JsonTokenType.String:
                    AskQuantity = ParseQuantity(StringValue(ref reader, "A"));
                    _seen |= Fields.AskQuantity;
                    break;
                case 0 when name.SequenceEqual("pu"u8):
                    PreviousUpdateId = ReadId(ref reader, "pu");
                    _seen |= Fields.Previous;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw Bad("expected the data object to end");
        }
    }

    /// <summary><c>b</c> / <c>a</c>: level arrays in a depthUpdate, the best price (a string) in a bookTicker.</summary>
    private void ReadSide(ref Utf8JsonReader reader, TickSize? tickSize, bool isBid)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartArray when isBid:
                ReadLevels(ref reader, tickSize, ref _bids, out _bidCount);
                _seen |= Fields.BidLevels;
                break;
            case JsonTokenType.StartArray:
                ReadLevels(ref reader, tickSize, ref _asks, out _askCount);
                _seen |= Fields.AskLevels;
                break;
            case JsonTokenType.String when isBid:
                BidPrice = ParseDecimalPrice(StringValue(ref reader, "b"));
                _seen |= Fields.BidPrice;
                break;
            case JsonTokenType.String:
                AskPrice = ParseDecimalPrice(StringValue(ref reader, "a"));
                _seen |= Fields.AskPrice;
                break;
            default:
                // e.g. aggTrade's numeric "a" (aggregate trade id): not ours.
                reader.Skip();
                break;
        }
    }

    private void CheckSymbol(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Bad("the symbol must be a string");
        }

        if (_symbolUtf8 is null)
        {
            Symbol = reader.GetString();
            _symbolUtf8 = Encoding.UTF8.GetBytes(Symbol!);
        }
        else if (!reader.ValueTextEquals(_symbolUtf8))
        {
            throw Bad($"the capture mixes symbols {Symbol} and {reader.GetString()}; import one symbol per capture");
        }
    }

    private void Require(Fields fields, string message)
    {
        if ((_seen & fields) != fields)
        {
            throw Bad(message);
        }
    }
}
