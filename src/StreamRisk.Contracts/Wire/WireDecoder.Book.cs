using System.Globalization;
using System.Text.Json;
using StreamRisk.Domain.Books;

namespace StreamRisk.Contracts.Wire;

public sealed partial class WireDecoder
{
    private const int InitialLevels = 256;

    // Prices are read before the symbol may be known (field order is free), so levels are first kept as the exact
    // decimal they were written as, then converted to ticks once the instrument's tick size is known.
    private RawLevel[] _rawBids = new RawLevel[InitialLevels];
    private RawLevel[] _rawAsks = new RawLevel[InitialLevels];
    private int _rawBidCount;
    private int _rawAskCount;
    private PriceLevel[] _bids = new PriceLevel[InitialLevels];
    private PriceLevel[] _asks = new PriceLevel[InitialLevels];
    private int _bidCount;
    private int _askCount;

    // Sorted copy of a snapshot side's prices, to find a price listed twice (the order book refuses such a snapshot).
    private long[] _levelTicks = new long[InitialLevels];

    /// <summary>Bid levels of the last decoded book message (prices in ticks); valid until the next decode.</summary>
    public ReadOnlySpan<PriceLevel> Bids => _bids.AsSpan(0, _bidCount);

    /// <summary>Ask levels of the last decoded book message; valid until the next decode.</summary>
    public ReadOnlySpan<PriceLevel> Asks => _asks.AsSpan(0, _askCount);

    /// <summary>
    /// Topic <c>book</c>: <c>{"v":1,"type":"snapshot"|"delta","symbol":..,"eventTime":..,"firstId":..,"lastId":..,"prevId":..,
    /// "bids":[[price,qty],..],"asks":[[price,qty],..]}</c>. Prices (numbers or decimal strings) convert exactly to
    /// ticks of the instrument's tick size; a price off the tick grid is refused, never rounded. The levels in
    /// <paramref name="book"/> live in this decoder's buffers until its next decode.
    /// </summary>
    public DecodeResult DecodeBook(ReadOnlySpan<byte> utf8, out BookUpdated book)
    {
        book = default;
        _rawBidCount = _rawAskCount = _bidCount = _askCount = 0;
        try
        {
            if (!Begin(utf8, out var reader))
            {
                return Refused(utf8);
            }

            var seen = Fields.None;
            scoped ReadOnlySpan<byte> symbol = default;
            var kind = BookUpdateKind.Snapshot;
            long eventTime = 0, firstId = 0, lastId = 0, previousId = 0;
            while (NextField(ref reader, out var field))
            {
                var ok = field switch
                {
                    Fields.Version => Claim(ref seen, field) && ReadVersion(ref reader),
                    Fields.Type => Claim(ref seen, field) && ReadBookKind(ref reader, out kind),
                    Fields.Symbol => Claim(ref seen, field) && ReadIdentifier(ref reader, field, _symbolScratch, _options.MaxSymbolBytes, out symbol),
                    Fields.EventTime => Claim(ref seen, field) && ReadInteger(ref reader, field, out eventTime),
                    Fields.FirstId => Claim(ref seen, field) && ReadInteger(ref reader, field, out firstId),
                    Fields.LastId => Claim(ref seen, field) && ReadInteger(ref reader, field, out lastId),
                    Fields.PreviousId => Claim(ref seen, field) && ReadInteger(ref reader, field, out previousId),
                    Fields.Bids => Claim(ref seen, field) && ReadLevels(ref reader, field, ref _rawBids, out _rawBidCount),
                    Fields.Asks => Claim(ref seen, field) && ReadLevels(ref reader, field, ref _rawAsks, out _rawAskCount),
                    _ => SkipValue(ref reader),
                };
                if (!ok)
                {
                    return Refused(utf8);
                }
            }

            var required = Fields.Version | Fields.Type | Fields.Symbol | Fields.EventTime | Fields.LastId | Fields.Bids | Fields.Asks;
            if (kind == BookUpdateKind.Delta)
            {
                required |= Fields.FirstId | Fields.PreviousId;
            }

            if (!Finish(ref reader) || !Require(seen, required) || !CheckIds(kind, firstId, lastId, previousId) || !ResolveSymbol(symbol, out var instrument))
            {
                return Refused(utf8);
            }

            var tickSize = _symbols.TickSizeAt(instrument);
            if (!ToTicks(Fields.Bids, _rawBids, _rawBidCount, tickSize, ref _bids, out _bidCount)
                || !ToTicks(Fields.Asks, _rawAsks, _rawAskCount, tickSize, ref _asks, out _askCount)
                || (kind == BookUpdateKind.Snapshot && (!CheckDistinct(Fields.Bids, _bids, _bidCount) || !CheckDistinct(Fields.Asks, _asks, _askCount))))
            {
                _bidCount = _askCount = 0;
                return Refused(utf8);
            }

            book = kind == BookUpdateKind.Snapshot
                ? BookUpdated.Snapshot(instrument, eventTime, lastId, Bids, Asks)
                : BookUpdated.Delta(instrument, eventTime, firstId, lastId, previousId, Bids, Asks);
            return DecodeResult.Valid;
        }
        catch (JsonException ex)
        {
            _bidCount = _askCount = 0;
            return BadJson(ex);
        }
    }

    private bool ReadBookKind(ref Utf8JsonReader reader, out BookUpdateKind kind)
    {
        kind = BookUpdateKind.Snapshot;
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return Fail(WireProblem.WrongType, Fields.Type, $"type must be a string, not {Describe(reader.TokenType)}");
        }

        if (reader.ValueTextEquals("delta"u8))
        {
            kind = BookUpdateKind.Delta;
            return true;
        }

        return reader.ValueTextEquals("snapshot"u8)
            || Fail(WireProblem.UnknownType, Fields.None, $"type \"{Printable(reader.ValueSpan)}\" is not a book message (snapshot, delta)");
    }

    /// <summary>A delta spans [firstId, lastId] and follows prevId, which must come before it.</summary>
    private bool CheckIds(BookUpdateKind kind, long firstId, long lastId, long previousId)
    {
        if (kind == BookUpdateKind.Snapshot)
        {
            return true;
        }

        if (firstId > lastId)
        {
            return Fail(WireProblem.OutOfRange, Fields.FirstId, $"firstId {firstId} is after lastId {lastId}");
        }

        return previousId < firstId || Fail(WireProblem.OutOfRange, Fields.PreviousId, $"prevId {previousId} is not before firstId {firstId}");
    }

    /// <summary><c>[[price, qty], ...]</c>: prices exact and positive, quantities finite and not negative.</summary>
    private bool ReadLevels(ref Utf8JsonReader reader, Fields side, ref RawLevel[] levels, out int count)
    {
        count = 0;
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return Fail(WireProblem.WrongType, side, $"{NameOf(side)} must be an array of [price, qty], not {Describe(reader.TokenType)}");
        }

        while (true)
        {
            if (!Advance(ref reader))
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return true;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return Fail(WireProblem.WrongType, side, $"{NameOf(side)}[{count}] must be [price, qty], not {Describe(reader.TokenType)}");
            }

            if (count == _options.MaxLevelsPerSide)
            {
                return Fail(WireProblem.TooMany, side, $"{NameOf(side)} has more than {_options.MaxLevelsPerSide} levels");
            }

            if (!Advance(ref reader) || !EndsLevel(ref reader, side, count, expected: false))
            {
                return false;
            }

            if (!DecimalAtToken(ref reader, Fields.Price, out var mantissa, out var scale))
            {
                return FailAt(side, count);
            }

            if (!Advance(ref reader) || !EndsLevel(ref reader, side, count, expected: false))
            {
                return false;
            }

            if (!DoubleAtToken(ref reader, Fields.Quantity, Sign.NonNegative, out var quantity) || !CheckSize(Fields.Quantity, quantity))
            {
                return FailAt(side, count);
            }

            if (!Advance(ref reader) || !EndsLevel(ref reader, side, count, expected: true))
            {
                return false;
            }

            if (count == levels.Length)
            {
                Array.Resize(ref levels, Math.Min(levels.Length * 2, _options.MaxLevelsPerSide));
            }

            levels[count++] = new RawLevel(mantissa, scale, quantity);
        }
    }

    /// <summary>A level is exactly two elements: the array ends where <paramref name="expected"/> says, and only there.</summary>
    private bool EndsLevel(ref Utf8JsonReader reader, Fields side, int index, bool expected) =>
        (reader.TokenType == JsonTokenType.EndArray) == expected
        || Fail(WireProblem.WrongType, side, $"{NameOf(side)}[{index}] must be [price, qty]: exactly two elements");

    /// <summary>Prefixes the detail of a level's failure with where it is (<c>bids[3]: </c>); the reason code stays the field's.</summary>
    private bool FailAt(Fields side, int index)
    {
        _detail = $"{NameOf(side)}[{index}]: {_detail}";
        return false;
    }

    private bool ToTicks(Fields side, RawLevel[] raw, int rawCount, TickSize tickSize, ref PriceLevel[] levels, out int count)
    {
        count = 0;
        if (levels.Length < rawCount)
        {
            Array.Resize(ref levels, Math.Max(rawCount, Math.Min(levels.Length * 2, _options.MaxLevelsPerSide)));
        }

        for (var i = 0; i < rawCount; i++)
        {
            var level = raw[i];
            if (!tickSize.TryToTicks(level.Mantissa, level.Scale, out var ticks))
            {
                if ((decimal)level.Mantissa / (decimal)Math.Pow(10, Math.Min(level.Scale, 28)) > tickSize.ToDecimal(tickSize.MaxTicks))
                {
                    return Fail(WireProblem.OutOfRange, Fields.Price,
                        $"{NameOf(side)}[{i}]: price {DecimalText.Format(false, level.Mantissa, level.Scale)} is above {tickSize.ToDecimal(tickSize.MaxTicks).ToString(CultureInfo.InvariantCulture)}, the highest price a tick of {tickSize} represents");
                }

                return Fail(WireProblem.OffTick, Fields.Price,
                    $"{NameOf(side)}[{i}]: price {DecimalText.Format(false, level.Mantissa, level.Scale)} is not a whole number of ticks of {tickSize}");
            }

            levels[i] = new PriceLevel(ticks, level.Quantity);
        }

        count = rawCount;
        return true;
    }

    /// <summary>A snapshot lists each price once (a zero quantity, which the book leaves out, does not count).</summary>
    private bool CheckDistinct(Fields side, PriceLevel[] levels, int count)
    {
        if (_levelTicks.Length < count)
        {
            Array.Resize(ref _levelTicks, Math.Max(count, _levelTicks.Length * 2));
        }

        var n = 0;
        for (var i = 0; i < count; i++)
        {
            if (levels[i].Quantity > 0)
            {
                _levelTicks[n++] = levels[i].PriceTicks;
            }
        }

        Array.Sort(_levelTicks, 0, n);
        for (var i = 1; i < n; i++)
        {
            if (_levelTicks[i] == _levelTicks[i - 1])
            {
                return Fail(WireProblem.DuplicateLevel, side, $"{NameOf(side)} lists the price of tick {_levelTicks[i]} twice");
            }
        }

        return true;
    }

    /// <summary>A level as written: price = mantissa × 10^-scale exactly, before the tick size is applied.</summary>
    private readonly record struct RawLevel(long Mantissa, int Scale, double Quantity);
}
