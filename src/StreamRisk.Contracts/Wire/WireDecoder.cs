using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Decodes the wire topics' JSON straight from each message's UTF-8 bytes with <see cref="Utf8JsonReader"/> into
/// the events of <c>WireEvents.cs</c>. This is the validation boundary of the whole pipeline: every check of the
/// input happens here, once, and a bad message comes back as a <see cref="DecodeResult"/> naming its reason (for the
/// dead-letter topic) instead of an exception. Below it, the engine trusts its inputs.
/// <para>
/// Hot path: known symbols and accounts resolve from their bytes through <see cref="SymbolTable"/> and
/// <see cref="AccountTable"/>; book levels and account positions land in buffers this decoder owns and reuses (valid
/// until its next decode). A valid message allocates nothing once the buffers have grown to the largest message;
/// a refused one allocates its reason text. Field order is not assumed; unknown fields are skipped (so v1 can gain
/// optional fields); a known field twice is refused (two parsers could pick different ones).
/// </para>
/// Ownership: one decoder per consume thread, together with the tables it resolves through; no locks.
/// </summary>
public sealed partial class WireDecoder
{
    /// <summary>The wire version this build reads and writes (<c>"v":1</c>).</summary>
    public const int Version = 1;

    // Field names of every topic. One table serves plain names (compared as bytes) and escaped ones (compared
    // through the reader, which unescapes); most names differ in length, so a probe is a few length checks.
    private static readonly (byte[] Name, Fields Field)[] FieldNames =
    [
        ("v"u8.ToArray(), Fields.Version),
        ("type"u8.ToArray(), Fields.Type),
        ("symbol"u8.ToArray(), Fields.Symbol),
        ("eventTime"u8.ToArray(), Fields.EventTime),
        ("price"u8.ToArray(), Fields.Price),
        ("size"u8.ToArray(), Fields.Size),
        ("entry"u8.ToArray(), Fields.Entry),
        ("isolatedMargin"u8.ToArray(), Fields.IsolatedMargin),
        ("balance"u8.ToArray(), Fields.Balance),
        ("positions"u8.ToArray(), Fields.Positions),
        ("account"u8.ToArray(), Fields.Account),
        ("seq"u8.ToArray(), Fields.Sequence),
        ("side"u8.ToArray(), Fields.Side),
        ("firstId"u8.ToArray(), Fields.FirstId),
        ("lastId"u8.ToArray(), Fields.LastId),
        ("prevId"u8.ToArray(), Fields.PreviousId),
        ("bids"u8.ToArray(), Fields.Bids),
        ("asks"u8.ToArray(), Fields.Asks),
        ("contract"u8.ToArray(), Fields.Contract),
        ("tickSize"u8.ToArray(), Fields.TickSize),
        ("lotSize"u8.ToArray(), Fields.LotSize),
        ("multiplier"u8.ToArray(), Fields.Multiplier),
        ("tiers"u8.ToArray(), Fields.Tiers),
        ("floor"u8.ToArray(), Fields.Floor),
        ("mmr"u8.ToArray(), Fields.Mmr),
        ("deduction"u8.ToArray(), Fields.Deduction),
        ("bookDepthLimit"u8.ToArray(), Fields.BookDepthLimit),
        ("fund"u8.ToArray(), Fields.Fund),
    ];

    private readonly SymbolTable _symbols;
    private readonly AccountTable _accounts;
    private readonly WireDecoderOptions _options;
    private readonly JsonReaderOptions _readerOptions;

    // Escaped identifiers are unescaped here; plain ones (the norm) are used in place. An escape is at most 6 bytes
    // per character, so these hold any id whose unescaped form is within its limit.
    private readonly byte[] _symbolScratch;
    private readonly byte[] _entrySymbolScratch;
    private readonly byte[] _accountScratch;

    // The reason of the message being refused; set by Fail, read once by Refused.
    private WireProblem _problem;
    private Fields _field;
    private string? _detail;
    private string? _fieldName; // a field the Fields table does not name (the ladders topic's), as written
    private bool _versionSeen;
    private string? _venueFund;
    private byte[] _venueFundUtf8 = [];

    public WireDecoder(SymbolTable symbols, AccountTable accounts, WireDecoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentNullException.ThrowIfNull(accounts);
        options ??= new WireDecoderOptions();
        options.Validate();
        _symbols = symbols;
        _accounts = accounts;
        _options = options;
        _readerOptions = new JsonReaderOptions
        {
            MaxDepth = options.MaxDepth + 1,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        };
        _symbolScratch = new byte[6 * options.MaxSymbolBytes];
        _entrySymbolScratch = new byte[6 * options.MaxSymbolBytes];
        _accountScratch = new byte[6 * options.MaxAccountBytes];
    }

    [Flags]
    private enum Fields
    {
        None = 0,
        Version = 1 << 0,
        Type = 1 << 1,
        Symbol = 1 << 2,
        Account = 1 << 3,
        Sequence = 1 << 4,
        EventTime = 1 << 5,
        Price = 1 << 6,
        Size = 1 << 7,
        Entry = 1 << 8,
        IsolatedMargin = 1 << 9,
        Balance = 1 << 10,
        Positions = 1 << 11,
        Side = 1 << 12,
        FirstId = 1 << 13,
        LastId = 1 << 14,
        PreviousId = 1 << 15,
        Bids = 1 << 16,
        Asks = 1 << 17,
        Contract = 1 << 18,
        TickSize = 1 << 19,
        LotSize = 1 << 20,
        Multiplier = 1 << 21,
        Tiers = 1 << 22,
        Floor = 1 << 23,
        Mmr = 1 << 24,
        Deduction = 1 << 25,
        Quantity = 1 << 26,

        /// <summary>The message itself (<c>$</c>), e.g. a JSON array where a message object belongs.</summary>
        Message = 1 << 27,
        BookDepthLimit = 1 << 28,
        Fund = 1 << 29,
    }

    private enum Sign
    {
        Any,
        NonNegative,
        Positive,
    }

    public SymbolTable Symbols => _symbols;

    public AccountTable Accounts => _accounts;

    public WireDecoderOptions Options => _options;

    /// <summary>Topic <c>marks</c>: <c>{"v":1,"symbol":..,"eventTime":..,"price":..}</c>.</summary>
    public DecodeResult DecodeMark(ReadOnlySpan<byte> utf8, out MarkUpdated mark)
    {
        mark = default;
        try
        {
            if (!ReadKeyedScalars(utf8, Fields.Symbol, Fields.Price, out var message)
                || !ResolveSymbol(message.Key, out var instrument)
                || !CheckPrice(Fields.Price, message.Price, instrument))
            {
                return Refused(utf8);
            }

            mark = new MarkUpdated(instrument, message.EventTime, message.Price);
            return DecodeResult.Valid;
        }
        catch (JsonException ex)
        {
            return BadJson(ex);
        }
    }

    /// <summary>
    /// Topic <c>insurance</c>: <c>{"v":1,"fund":..,"eventTime":..,"balance":..}</c>, balance not negative. A fund named
    /// after a known symbol is that symbol's own (<see cref="InsuranceUpdated.InstrumentIndex"/>); any other name is the
    /// venue-wide fund (index -1, name in <see cref="InsuranceUpdated.Fund"/>, the same string while the name repeats).
    /// </summary>
    public DecodeResult DecodeInsurance(ReadOnlySpan<byte> utf8, out InsuranceUpdated update)
    {
        update = default;
        try
        {
            if (!ReadKeyedScalars(utf8, Fields.Fund, Fields.Balance, out var message))
            {
                return Refused(utf8);
            }

            var fund = message.Key;
            if (_symbols.TryGetIndex(fund, out var instrument))
            {
                update = new InsuranceUpdated(instrument, null, message.EventTime, message.Balance);
                return DecodeResult.Valid;
            }

            // A name shown to operators: the characters of a symbol only (ASCII, so valid UTF-8).
            if (fund.IndexOfAnyExcept(SymbolCharacters) >= 0)
            {
                Fail(WireProblem.BadValue, Fields.Fund, $"fund \"{Printable(fund)}\" may hold only A-Z, a-z, 0-9, '.', '_' and '-'");
                return Refused(utf8);
            }

            if (_venueFund is null || !fund.SequenceEqual(_venueFundUtf8))
            {
                _venueFundUtf8 = fund.ToArray();
                _venueFund = Encoding.UTF8.GetString(fund);
            }

            update = new InsuranceUpdated(-1, _venueFund, message.EventTime, message.Balance);
            return DecodeResult.Valid;
        }
        catch (JsonException ex)
        {
            return BadJson(ex);
        }
    }

    /// <summary>
    /// Topic <c>liquidations</c>: <c>{"v":1,"symbol":..,"eventTime":..,"side":"long"|"short","price":..,"size":..,"account":..}</c>,
    /// account optional. A new account id is added to the <see cref="AccountTable"/>.
    /// </summary>
    public DecodeResult DecodeLiquidation(ReadOnlySpan<byte> utf8, out LiquidationFilled liquidation)
    {
        liquidation = default;
        try
        {
            if (!ReadKeyedScalars(utf8, Fields.Symbol, Fields.Side | Fields.Price | Fields.Size | Fields.Account, out var message)
                || !ResolveSymbol(message.Key, out var instrument)
                || !CheckPrice(Fields.Price, message.Price, instrument)
                || !CheckSize(Fields.Size, message.Size))
            {
                return Refused(utf8);
            }

            var slot = -1;
            if (!message.Account.IsEmpty && !ResolveAccount(message.Account, out slot))
            {
                return Refused(utf8);
            }

            liquidation = new LiquidationFilled(instrument, message.EventTime, message.Side, message.Price, message.Size, slot);
            return DecodeResult.Valid;
        }
        catch (JsonException ex)
        {
            return BadJson(ex);
        }
    }

    // ---- keyed scalar messages -----------------------------------------------------------------------------------

    /// <summary>What a keyed scalar message held (<see cref="ReadKeyedScalars"/>); a field it did not carry stays at its default.</summary>
    private ref struct KeyedScalars
    {
        /// <summary>The key identifier's UTF-8 (in the message, or in the symbol scratch buffer when escaped).</summary>
        public ReadOnlySpan<byte> Key;

        /// <summary>The account's UTF-8; empty when absent or null.</summary>
        public ReadOnlySpan<byte> Account;

        public long EventTime;
        public double Price;
        public double Size;
        public double Balance;
        public PositionSide Side;
    }

    /// <summary>
    /// Reads a keyed scalar message, the shape of the marks, insurance and liquidations topics: <c>v</c>, a key
    /// identifier (<paramref name="key"/>: the symbol, or the fund's name; symbol-sized), <c>eventTime</c> and the
    /// topic's scalar <paramref name="fields"/> (price and size positive, balance not negative, side, account), in any
    /// order. Fields the topic does not carry are skipped; a field twice is refused; every one of them but the account
    /// is required; nothing may follow the object. False with the reason recorded (for <see cref="Refused"/>).
    /// </summary>
    private bool ReadKeyedScalars(ReadOnlySpan<byte> utf8, Fields key, Fields fields, out KeyedScalars message)
    {
        message = default;
        if (!Begin(utf8, out var reader))
        {
            return false;
        }

        var seen = Fields.None;
        while (NextField(ref reader, out var field))
        {
            var ok = field == key ? Claim(ref seen, field) && ReadIdentifier(ref reader, field, _symbolScratch, _options.MaxSymbolBytes, out message.Key)
                : (field & (fields | Fields.Version | Fields.EventTime)) == 0 ? SkipValue(ref reader)
                : field switch
                {
                    Fields.Version => Claim(ref seen, field) && ReadVersion(ref reader),
                    Fields.EventTime => Claim(ref seen, field) && ReadInteger(ref reader, field, out message.EventTime),
                    Fields.Side => Claim(ref seen, field) && ReadSide(ref reader, out message.Side),
                    Fields.Price => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.Positive, out message.Price),
                    Fields.Size => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.Positive, out message.Size),
                    Fields.Balance => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.NonNegative, out message.Balance),
                    Fields.Account => Claim(ref seen, field) && ReadOptionalIdentifier(ref reader, field, _accountScratch, _options.MaxAccountBytes, out message.Account),
                    _ => SkipValue(ref reader),
                };
            if (!ok)
            {
                return false;
            }
        }

        return Finish(ref reader) && Require(seen, Fields.Version | key | Fields.EventTime | (fields & ~Fields.Account));
    }

    // ---- message frame -------------------------------------------------------------------------------------------

    private bool Begin(ReadOnlySpan<byte> utf8, out Utf8JsonReader reader)
    {
        _problem = WireProblem.None;
        _field = Fields.None;
        _detail = null;
        _fieldName = null;
        _versionSeen = false;
        reader = new Utf8JsonReader(utf8, _readerOptions);
        if (utf8.Length > _options.MaxMessageBytes)
        {
            return Fail(WireProblem.TooLarge, Fields.None, $"the message has {utf8.Length} bytes; the limit is {_options.MaxMessageBytes}");
        }

        if (!reader.Read())
        {
            return Fail(WireProblem.BadJson, Fields.None, "the message is empty");
        }

        return reader.TokenType == JsonTokenType.StartObject
            || Fail(WireProblem.WrongType, Fields.Message, $"a message is a JSON object, not {Describe(reader.TokenType)}");
    }

    /// <summary>Moves to the next property of the current object: true with its field, false at the object's end.</summary>
    private static bool NextField(ref Utf8JsonReader reader, out Fields field)
    {
        field = Fields.None;
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            return false;
        }

        field = FieldOf(ref reader);
        return true;
    }

    private static Fields FieldOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            var name = reader.ValueSpan;
            foreach (var (bytes, field) in FieldNames)
            {
                if (name.SequenceEqual(bytes))
                {
                    return field;
                }
            }

            return Fields.None;
        }

        foreach (var (bytes, field) in FieldNames)
        {
            if (reader.ValueTextEquals(bytes))
            {
                return field;
            }
        }

        return Fields.None;
    }

    /// <summary>The reader stands on the message object's end: nothing may follow it.</summary>
    private bool Finish(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0)
        {
            return Fail(WireProblem.BadJson, Fields.None, "the message object does not close");
        }

        // The reader throws on anything but whitespace after the root value (AllowMultipleValues is off).
        return !reader.Read() || Fail(WireProblem.BadJson, Fields.None, "content follows the message object");
    }

    private bool Advance(ref Utf8JsonReader reader) =>
        reader.Read() || Fail(WireProblem.BadJson, Fields.None, "the message ends early");

    private bool Claim(ref Fields seen, Fields field)
    {
        if ((seen & field) != 0)
        {
            return Fail(WireProblem.Duplicate, field, $"{NameOf(field)} appears twice");
        }

        seen |= field;
        return true;
    }

    /// <summary>Names the first required field (in <see cref="Fields"/> order: v, type, symbol, account, seq, …) that is missing.</summary>
    private bool Require(Fields seen, Fields required)
    {
        var missing = required & ~seen;
        if (missing == Fields.None)
        {
            return true;
        }

        var first = (Fields)((int)missing & -(int)missing);
        return Fail(WireProblem.Missing, first, $"{NameOf(first)} is required");
    }

    /// <summary>Skips a value the message type does not use, refusing nesting deeper than the limit on the way.</summary>
    private bool SkipValue(ref Utf8JsonReader reader)
    {
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return true;
        }

        var depth = reader.CurrentDepth;
        while (true)
        {
            // A container token at CurrentDepth d is nested d + 1 deep (the message object is depth 0, nesting 1).
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= _options.MaxDepth)
            {
                return Fail(WireProblem.TooDeep, Fields.None, $"nesting deeper than {_options.MaxDepth}");
            }

            if (!Advance(ref reader))
            {
                return false;
            }

            if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == depth)
            {
                return true;
            }
        }
    }

    // ---- values ---------------------------------------------------------------------------------------------------

    private bool ReadVersion(ref Utf8JsonReader reader)
    {
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            return Fail(WireProblem.WrongType, Fields.Version, $"v must be a number, not {Describe(reader.TokenType)}");
        }

        if (!reader.TryGetInt64(out var version) || version != Version)
        {
            return Fail(WireProblem.UnsupportedVersion, Fields.None, $"v {Printable(reader.ValueSpan)} is not supported; this build reads v{Version}");
        }

        _versionSeen = true;
        return true;
    }

    /// <summary>A non-negative 64-bit integer JSON number (versions, ids, sequences, Unix-millisecond times).</summary>
    private bool ReadInteger(ref Utf8JsonReader reader, Fields field, out long value)
    {
        value = 0;
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            return Fail(WireProblem.WrongType, field, $"{NameOf(field)} must be an integer, not {Describe(reader.TokenType)}");
        }

        if (!reader.TryGetInt64(out value))
        {
            return Fail(WireProblem.NotInteger, field, $"{NameOf(field)} {Printable(reader.ValueSpan)} is not a 64-bit integer");
        }

        return value >= 0 || Fail(WireProblem.Negative, field, $"{NameOf(field)} {value} is negative");
    }

    private bool ReadDouble(ref Utf8JsonReader reader, Fields field, Sign sign, out double value)
    {
        value = 0;
        return Advance(ref reader) && DoubleAtToken(ref reader, field, sign, out value);
    }

    /// <summary>
    /// A JSON number or a decimal string, as the nearest double (the parse is correctly rounded, so a value written
    /// with the shortest round-trip form reads back bit for bit). NaN and Infinity, named or by overflow, are refused.
    /// </summary>
    private bool DoubleAtToken(ref Utf8JsonReader reader, Fields field, Sign sign, out double value)
    {
        value = 0;
        if (!NumberText(ref reader, field, out var text))
        {
            return false;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            return Fail(WireProblem.NotFinite, field, $"{NameOf(field)} {Printable(text)} is not a finite number");
        }

        if (value == 0)
        {
            // -0 reads as 0: a sign on nothing is not a negative quantity.
            value = 0;
        }

        return CheckSign(field, sign, value < 0, value == 0, text);
    }

    /// <summary>
    /// A positive JSON number or decimal string read exactly as mantissa × 10^-scale (book prices, tick sizes): no
    /// double on the way, so "61800.3" is 618003 tenths and nothing else.
    /// </summary>
    private bool DecimalAtToken(ref Utf8JsonReader reader, Fields field, out long mantissa, out int scale)
    {
        mantissa = 0;
        scale = 0;
        if (!NumberText(ref reader, field, out var text))
        {
            return false;
        }

        var status = DecimalText.Parse(text, out var negative, out mantissa, out scale);
        return status switch
        {
            DecimalStatus.Malformed => Fail(WireProblem.BadNumber, field, $"{NameOf(field)} {Printable(text)} is not a decimal number"),
            DecimalStatus.NotFinite => Fail(WireProblem.NotFinite, field, $"{NameOf(field)} {Printable(text)} is not a finite number"),
            _ when negative && (status == DecimalStatus.OutOfRange || mantissa != 0) => Fail(WireProblem.Negative, field, $"{NameOf(field)} {Printable(text)} is negative"),
            DecimalStatus.OutOfRange => Fail(WireProblem.OutOfRange, field, $"{NameOf(field)} {Printable(text)} has more digits than 64 bits hold"),
            _ => CheckSign(field, Sign.Positive, false, mantissa == 0, text),
        };
    }

    /// <summary>The text of a number: a number token as is, or a plain decimal string (numbers never need escapes).</summary>
    private bool NumberText(ref Utf8JsonReader reader, Fields field, out ReadOnlySpan<byte> text)
    {
        text = default;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                text = reader.ValueSpan;
                return true;
            case JsonTokenType.String when reader.ValueIsEscaped:
                return Fail(WireProblem.BadNumber, field, $"{NameOf(field)} is a string with escapes, not a decimal number");
            case JsonTokenType.String:
                text = reader.ValueSpan;
                if (DecimalText.IsNamedNonFinite(text))
                {
                    return Fail(WireProblem.NotFinite, field, $"{NameOf(field)} is {Printable(text)}");
                }

                return DecimalText.IsNumber(text)
                    || Fail(WireProblem.BadNumber, field, $"{NameOf(field)} \"{Printable(text)}\" is not a decimal number");
            default:
                return Fail(WireProblem.WrongType, field, $"{NameOf(field)} must be a number or a decimal string, not {Describe(reader.TokenType)}");
        }
    }

    private bool CheckSign(Fields field, Sign sign, bool negative, bool zero, ReadOnlySpan<byte> text)
    {
        if (negative && sign != Sign.Any)
        {
            return Fail(WireProblem.Negative, field, $"{NameOf(field)} {Printable(text)} is negative");
        }

        return !zero || sign != Sign.Positive || Fail(WireProblem.Zero, field, $"{NameOf(field)} must be greater than 0");
    }

    private bool ReadIdentifier(scoped ref Utf8JsonReader reader, Fields field, byte[] scratch, int maxBytes, out ReadOnlySpan<byte> utf8)
    {
        utf8 = default;
        return Advance(ref reader) && IdentifierAtToken(ref reader, field, scratch, maxBytes, out utf8);
    }

    /// <summary>Like <see cref="ReadIdentifier"/>, but null reads as absent (an empty span).</summary>
    private bool ReadOptionalIdentifier(scoped ref Utf8JsonReader reader, Fields field, byte[] scratch, int maxBytes, out ReadOnlySpan<byte> utf8)
    {
        utf8 = default;
        return Advance(ref reader) && (reader.TokenType == JsonTokenType.Null || IdentifierAtToken(ref reader, field, scratch, maxBytes, out utf8));
    }

    /// <summary>
    /// A symbol or account id as UTF-8 bytes: in place in the message when plain (the norm), unescaped into
    /// <paramref name="scratch"/> otherwise. Valid until the scratch buffer's next use.
    /// </summary>
    private bool IdentifierAtToken(scoped ref Utf8JsonReader reader, Fields field, byte[] scratch, int maxBytes, out ReadOnlySpan<byte> utf8)
    {
        utf8 = default;
        if (reader.TokenType != JsonTokenType.String)
        {
            return Fail(WireProblem.WrongType, field, $"{NameOf(field)} must be a string, not {Describe(reader.TokenType)}");
        }

        if (!reader.ValueIsEscaped)
        {
            utf8 = reader.ValueSpan;
        }
        else
        {
            if (reader.ValueSpan.Length > scratch.Length)
            {
                return Fail(WireProblem.TooLong, field, $"{NameOf(field)} is longer than {maxBytes} bytes");
            }

            int written;
            try
            {
                written = reader.CopyString(scratch);
            }
            catch (InvalidOperationException)
            {
                // The reader refuses escapes that do not form valid UTF-16 (a lone surrogate such as \uD800).
                return Fail(WireProblem.BadUtf8, field, $"{NameOf(field)} has an escape that is not a valid character");
            }

            utf8 = scratch.AsSpan(0, written);
        }

        if (utf8.IsEmpty)
        {
            return Fail(WireProblem.BadValue, field, $"{NameOf(field)} must not be empty");
        }

        return utf8.Length <= maxBytes || Fail(WireProblem.TooLong, field, $"{NameOf(field)} is longer than {maxBytes} bytes");
    }

    private bool ReadSide(ref Utf8JsonReader reader, out PositionSide side)
    {
        side = PositionSide.Long;
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return Fail(WireProblem.WrongType, Fields.Side, $"side must be a string, not {Describe(reader.TokenType)}");
        }

        if (reader.ValueTextEquals("long"u8))
        {
            return true;
        }

        if (reader.ValueTextEquals("short"u8))
        {
            side = PositionSide.Short;
            return true;
        }

        return Fail(WireProblem.BadValue, Fields.Side, $"side \"{Printable(reader.ValueSpan)}\" is neither long nor short");
    }

    /// <summary>A price the instrument's ticks represent (<see cref="TickSize.MaxPrice"/>): beyond it no tick arithmetic holds.</summary>
    private bool CheckPrice(Fields field, double price, int instrument)
    {
        var tick = _symbols.TickSizeAt(instrument);
        return price <= tick.MaxPrice
            || Fail(WireProblem.OutOfRange, field, string.Create(CultureInfo.InvariantCulture,
                $"{NameOf(field)} {price:R} is above {tick.MaxPrice:R}, the highest price a tick of {tick} represents"));
    }

    /// <summary>A size or quantity within <see cref="LadderQuanta.MaxSize"/> either way.</summary>
    private bool CheckSize(Fields field, double size) =>
        Math.Abs(size) <= LadderQuanta.MaxSize
        || Fail(WireProblem.OutOfRange, field, string.Create(CultureInfo.InvariantCulture, $"{NameOf(field)} {size:R} is beyond ±{LadderQuanta.MaxSize:R}"));

    private bool ResolveSymbol(ReadOnlySpan<byte> symbol, out int index) =>
        _symbols.TryGetIndex(symbol, out index)
        || Fail(WireProblem.UnknownSymbol, Fields.None, $"symbol \"{Printable(symbol)}\" is not among the {_symbols.Count} known instruments");

    /// <summary>The account's slot; a new account is added only here, after the whole message has validated.</summary>
    private bool ResolveAccount(ReadOnlySpan<byte> account, out int slot)
    {
        if (_accounts.TryGetSlot(account, out slot))
        {
            return true;
        }

        if (!Utf8.IsValid(account))
        {
            return Fail(WireProblem.BadUtf8, Fields.Account, "account is not valid UTF-8");
        }

        slot = _accounts.GetOrAdd(account);
        return true;
    }

    // ---- refusal --------------------------------------------------------------------------------------------------

    /// <summary>Records why the message is refused; always false, so checks read <c>ok || Fail(...)</c>.</summary>
    private bool Fail(WireProblem problem, Fields field, string detail)
    {
        _problem = problem;
        _field = field;
        _detail = detail;
        return false;
    }

    private DecodeResult Refused(ReadOnlySpan<byte> utf8)
    {
        // A message of another version may be another shape altogether: when "v" was not read before the first
        // problem (producers write it first, but order is not guaranteed), say the version is the problem if it is.
        if (!_versionSeen && _problem is not (WireProblem.BadJson or WireProblem.TooLarge or WireProblem.TooDeep or WireProblem.UnsupportedVersion)
            && TryFindVersion(utf8, out var version) && version != Version)
        {
            return new DecodeResult(WireProblem.UnsupportedVersion, null, $"v {version} is not supported; this build reads v{Version}");
        }

        return new DecodeResult(_problem, _fieldName ?? (_field == Fields.None ? null : NameOf(_field)), _detail);
    }

    private static DecodeResult BadJson(JsonException ex)
    {
        var message = ex.Message.ReplaceLineEndings(" ");
        return new DecodeResult(WireProblem.BadJson, null, "not valid JSON: " + message);
    }

    /// <summary>The top-level integer <c>v</c>, if there is one (only on the refusal path).</summary>
    private bool TryFindVersion(ReadOnlySpan<byte> utf8, out long version)
    {
        version = 0;
        try
        {
            var reader = new Utf8JsonReader(utf8, _readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("v"u8);
                reader.Read();
                if (isVersion)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out version);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // The version could not be found before the JSON broke: the first problem stands.
        }

        return false;
    }

    private static string NameOf(Fields field) => field switch
    {
        Fields.Quantity => "qty",
        Fields.Message => "$",
        _ => FindName(field),
    };

    private static string FindName(Fields field)
    {
        foreach (var (bytes, f) in FieldNames)
        {
            if (f == field)
            {
                return Encoding.UTF8.GetString(bytes);
            }
        }

        return field.ToString();
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>Input bytes quoted in a detail line: at most 40 bytes, control characters shown as '?'.</summary>
    private static string Printable(ReadOnlySpan<byte> text)
    {
        const int Limit = 40;
        var shown = Encoding.UTF8.GetString(text.Length > Limit ? text[..Limit] : text);
        var builder = new StringBuilder(shown.Length + 3);
        foreach (var c in shown)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        if (text.Length > Limit)
        {
            builder.Append("...");
        }

        return builder.ToString();
    }
}
