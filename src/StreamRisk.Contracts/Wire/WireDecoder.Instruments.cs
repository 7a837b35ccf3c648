using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Wire;

public sealed partial class WireDecoder
{
    // Defaults of an absent (or null) optional field: the same as the instrument document of liqprice and replay files.
    private const double DefaultLotSize = 0.001;
    private const double DefaultMultiplier = 1.0;
    private static readonly TickSize DefaultTickSize = TickSize.FromDecimalPlaces(2);

    // What a symbol may be spelled with: venues' contract names (BTCUSDT, BTCUSD_PERP, 1000PEPEUSDT, Hyperliquid's kPEPE)
    // and nothing an output would have to escape (quotes, control characters, Redis key separators). Checked where a
    // symbol becomes known; every other message names a known symbol or is refused as unknown.
    private static readonly System.Buffers.SearchValues<byte> SymbolCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"u8);

    /// <summary>
    /// Topic <c>instruments</c> (key = symbol): <c>{"v":1,"symbol":..,"contract":"linear"|"inverse","tickSize":..,
    /// "lotSize":..,"multiplier":..,"bookDepthLimit":..,"tiers":[{"floor":..,"mmr":..,"deduction":..}]}</c>, the fields of
    /// the instrument document. contract, tickSize, lotSize, multiplier, bookDepthLimit and each deduction are optional (a
    /// missing deduction is derived; no bookDepthLimit is a full-depth book feed). Rare, so it may allocate; the symbol need not be known yet (this is how symbols become known).
    /// </summary>
    public DecodeResult DecodeInstrument(ReadOnlySpan<byte> utf8, out InstrumentDefined? instrument)
    {
        instrument = null;
        try
        {
            if (!Begin(utf8, out var reader))
            {
                return Refused(utf8);
            }

            var seen = Fields.None;
            scoped ReadOnlySpan<byte> symbol = default;
            var contract = ContractKind.Linear;
            var tickSize = DefaultTickSize;
            var lotSize = DefaultLotSize;
            var multiplier = DefaultMultiplier;
            MarginTiers? tiers = null;
            var depthLimit = 0;
            while (NextField(ref reader, out var field))
            {
                var ok = field switch
                {
                    Fields.Version => Claim(ref seen, field) && ReadVersion(ref reader),
                    Fields.Symbol => Claim(ref seen, field) && ReadIdentifier(ref reader, field, _symbolScratch, _options.MaxSymbolBytes, out symbol),
                    Fields.Contract => Claim(ref seen, field) && ReadContract(ref reader, ref contract),
                    Fields.TickSize => Claim(ref seen, field) && ReadTickSize(ref reader, ref tickSize),
                    Fields.LotSize => Claim(ref seen, field) && ReadOptionalPositive(ref reader, field, ref lotSize),
                    Fields.Multiplier => Claim(ref seen, field) && ReadOptionalPositive(ref reader, field, ref multiplier),
                    Fields.Tiers => Claim(ref seen, field) && ReadTiers(ref reader, out tiers),
                    Fields.BookDepthLimit => Claim(ref seen, field) && ReadDepthLimit(ref reader, ref depthLimit),
                    _ => SkipValue(ref reader),
                };
                if (!ok)
                {
                    return Refused(utf8);
                }
            }

            if (!Finish(ref reader) || !Require(seen, Fields.Version | Fields.Symbol | Fields.Tiers))
            {
                return Refused(utf8);
            }

            if (!Utf8.IsValid(symbol))
            {
                Fail(WireProblem.BadUtf8, Fields.Symbol, "symbol is not valid UTF-8");
                return Refused(utf8);
            }

            if (symbol.IndexOfAnyExcept(SymbolCharacters) >= 0)
            {
                Fail(WireProblem.BadValue, Fields.Symbol, $"symbol \"{Printable(symbol)}\" may hold only A-Z, a-z, 0-9, '.', '_' and '-'");
                return Refused(utf8);
            }

            var spec = new Instrument(new Symbol(Encoding.UTF8.GetString(symbol)), contract, (double)tickSize.Value, lotSize, tiers!, multiplier, depthLimit);
            instrument = new InstrumentDefined(spec, tickSize);
            return DecodeResult.Valid;
        }
        catch (JsonException ex)
        {
            return BadJson(ex);
        }
    }

    private bool ReadContract(ref Utf8JsonReader reader, ref ContractKind contract)
    {
        if (!Advance(ref reader))
        {
            return false;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                break;
            default:
                return Fail(WireProblem.WrongType, Fields.Contract, $"contract must be a string, not {Describe(reader.TokenType)}");
        }

        // Case-insensitive, as the instrument document reads it ("LINEAR" is linear); an escaped value must match exactly.
        if (IsWord(ref reader, "linear"u8))
        {
            contract = ContractKind.Linear;
            return true;
        }

        if (IsWord(ref reader, "inverse"u8))
        {
            contract = ContractKind.Inverse;
            return true;
        }

        return Fail(WireProblem.BadValue, Fields.Contract, $"contract \"{Printable(reader.ValueSpan)}\" is not a contract kind (linear, inverse)");
    }

    private static bool IsWord(ref Utf8JsonReader reader, ReadOnlySpan<byte> lowerCase) =>
        reader.ValueIsEscaped ? reader.ValueTextEquals(lowerCase) : Ascii.EqualsIgnoreCase(reader.ValueSpan, lowerCase);

    /// <summary>The tick size, exact (book prices are converted with it): a positive decimal of at most 18 places.</summary>
    private bool ReadTickSize(ref Utf8JsonReader reader, ref TickSize tickSize)
    {
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (!DecimalAtToken(ref reader, Fields.TickSize, out var mantissa, out var scale))
        {
            return false;
        }

        if (scale > TickSize.MaxScale)
        {
            return Fail(WireProblem.OutOfRange, Fields.TickSize, $"tickSize has more than {TickSize.MaxScale} decimal places");
        }

        try
        {
            tickSize = TickSize.FromDecimal(new decimal((int)mantissa, (int)(mantissa >> 32), 0, false, (byte)scale));
            return true;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // TickSize's own limits (prices in ticks must fit 64 bits at 18 places); its message says which.
            return Fail(WireProblem.OutOfRange, Fields.TickSize, "tickSize: " + ex.Message.ReplaceLineEndings(" "));
        }
    }

    /// <summary>The venue's snapshot depth in levels a side: a whole number from 1 to <see cref="Instrument.MaxBookDepthLimit"/>; null is none.</summary>
    private bool ReadDepthLimit(ref Utf8JsonReader reader, ref int levels)
    {
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            return Fail(WireProblem.WrongType, Fields.BookDepthLimit, $"bookDepthLimit must be a number, not {Describe(reader.TokenType)}");
        }

        if (!reader.TryGetInt32(out var read) || read < 1 || read > Instrument.MaxBookDepthLimit)
        {
            return Fail(WireProblem.OutOfRange, Fields.BookDepthLimit,
                $"bookDepthLimit must be a whole number of levels from 1 to {Instrument.MaxBookDepthLimit}, not {Printable(reader.ValueSpan)}");
        }

        levels = read;
        return true;
    }

    private bool ReadOptionalPositive(ref Utf8JsonReader reader, Fields field, ref double value)
    {
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (!DoubleAtToken(ref reader, field, Sign.Positive, out var read))
        {
            return false;
        }

        value = read;
        return true;
    }

    private bool ReadTiers(ref Utf8JsonReader reader, out MarginTiers? tiers)
    {
        tiers = null;
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return Fail(WireProblem.WrongType, Fields.Tiers, $"tiers must be an array, not {Describe(reader.TokenType)}");
        }

        var rows = new List<(double Floor, double Rate, double? Deduction)>();
        while (true)
        {
            if (!Advance(ref reader))
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail(WireProblem.WrongType, Fields.Tiers, $"tiers[{rows.Count}] must be an object, not {Describe(reader.TokenType)}");
            }

            if (rows.Count == _options.MaxTiers)
            {
                return Fail(WireProblem.TooMany, Fields.Tiers, $"tiers has more than {_options.MaxTiers} entries");
            }

            if (!ReadTier(ref reader, out var row))
            {
                if (_problem != WireProblem.BadJson)
                {
                    _detail = $"tiers[{rows.Count}]: {_detail}";
                }

                return false;
            }

            rows.Add(row);
        }

        try
        {
            tiers = MarginTiers.Create(rows);
            return true;
        }
        catch (ArgumentException ex)
        {
            // MarginTiers states the table's rules (first floor 0, increasing floors, mmr in [0, 1)).
            return Fail(WireProblem.BadValue, Fields.Tiers, "tiers: " + ex.Message.Split(" (Parameter", 2)[0].ReplaceLineEndings(" "));
        }
    }

    private bool ReadTier(ref Utf8JsonReader reader, out (double Floor, double Rate, double? Deduction) row)
    {
        row = default;
        var seen = Fields.None;
        double floor = 0, rate = 0, deduction = double.NaN;
        while (NextField(ref reader, out var field))
        {
            var ok = field switch
            {
                Fields.Floor => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.NonNegative, out floor),
                Fields.Mmr => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.NonNegative, out rate),
                Fields.Deduction => Claim(ref seen, field) && ReadOptionalNonNegative(ref reader, out deduction),
                _ => SkipValue(ref reader),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (!Require(seen, Fields.Floor | Fields.Mmr))
        {
            return false;
        }

        row = (floor, rate, double.IsNaN(deduction) ? null : deduction);
        return true;
    }

    private bool ReadOptionalNonNegative(ref Utf8JsonReader reader, out double value)
    {
        value = double.NaN;
        return Advance(ref reader)
            && (reader.TokenType == JsonTokenType.Null || DoubleAtToken(ref reader, Fields.Deduction, Sign.NonNegative, out value));
    }
}
