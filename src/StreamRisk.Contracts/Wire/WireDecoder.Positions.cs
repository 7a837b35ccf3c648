using System.Text.Json;

namespace StreamRisk.Contracts.Wire;

public sealed partial class WireDecoder
{
    private const int InitialPositions = 64;

    // The tuple shape MarginBook.ApplyAccount takes, so a snapshot goes to the margin book without a copy.
    private (int Instrument, double Size, double Entry, double IsolatedMargin)[] _positions =
        new (int, double, double, double)[InitialPositions];

    private int _positionCount;

    // Duplicate-symbol check of a snapshot in O(n): an instrument is taken when its stamp equals the current one.
    private int[] _positionStamps = [];
    private int _stamp;

    /// <summary>
    /// The positions of the last decoded account snapshot, in the shape <c>MarginBook.ApplyAccount</c> takes;
    /// isolated margin NaN means cross. Valid until the next decode.
    /// </summary>
    public ReadOnlySpan<(int Instrument, double Size, double Entry, double IsolatedMargin)> AccountPositions => _positions.AsSpan(0, _positionCount);

    /// <summary>
    /// Topic <c>positions</c> (key = account): a full account snapshot (<c>"type":"account"</c>, positions in
    /// <see cref="AccountPositions"/>), one position change (<c>"position"</c>) or a balance change (<c>"balance"</c>).
    /// Every kind carries the account and its <c>seq</c>; whether the seq follows the account's last one is the
    /// engine's check (<see cref="AccountSequences"/>), not a decoding one. A new account is added to the
    /// <see cref="AccountTable"/> once the message has validated.
    /// </summary>
    public DecodeResult DecodePositions(ReadOnlySpan<byte> utf8, out PositionsMessage message)
    {
        message = default;
        _positionCount = 0;
        try
        {
            if (!Begin(utf8, out var reader))
            {
                return Refused(utf8);
            }

            var seen = Fields.None;
            scoped ReadOnlySpan<byte> account = default;
            scoped ReadOnlySpan<byte> symbol = default;
            var kind = PositionsMessageKind.Account;
            long sequence = 0, eventTime = 0;
            double balance = 0, size = 0, entry = 0, isolatedMargin = double.NaN;
            while (NextField(ref reader, out var field))
            {
                var ok = field switch
                {
                    Fields.Version => Claim(ref seen, field) && ReadVersion(ref reader),
                    Fields.Type => Claim(ref seen, field) && ReadPositionsKind(ref reader, out kind),
                    Fields.Account => Claim(ref seen, field) && ReadIdentifier(ref reader, field, _accountScratch, _options.MaxAccountBytes, out account),
                    Fields.Sequence => Claim(ref seen, field) && ReadInteger(ref reader, field, out sequence),
                    Fields.EventTime => Claim(ref seen, field) && ReadInteger(ref reader, field, out eventTime),
                    Fields.Balance => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.Any, out balance),
                    Fields.Positions => Claim(ref seen, field) && ReadAccountPositions(ref reader),
                    Fields.Symbol => Claim(ref seen, field) && ReadIdentifier(ref reader, field, _symbolScratch, _options.MaxSymbolBytes, out symbol),
                    Fields.Size => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.Any, out size),
                    Fields.Entry => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.NonNegative, out entry),
                    Fields.IsolatedMargin => Claim(ref seen, field) && ReadIsolatedMargin(ref reader, out isolatedMargin),
                    _ => SkipValue(ref reader),
                };
                if (!ok)
                {
                    return Refused(utf8);
                }
            }

            var common = Fields.Version | Fields.Type | Fields.Account | Fields.Sequence | Fields.EventTime;
            var required = kind switch
            {
                PositionsMessageKind.Account => common | Fields.Balance | Fields.Positions,
                PositionsMessageKind.Position => common | Fields.Symbol | Fields.Size | Fields.Entry,
                _ => common | Fields.Balance,
            };
            if (!Finish(ref reader) || !Require(seen, required))
            {
                return Refused(utf8);
            }

            var instrument = -1;
            if (kind == PositionsMessageKind.Position
                && (!CheckEntry(size, entry) || !CheckSize(Fields.Size, size) || !ResolveSymbol(symbol, out instrument) || !CheckPrice(Fields.Entry, entry, instrument)))
            {
                return Refused(utf8);
            }

            if (!ResolveAccount(account, out var slot))
            {
                return Refused(utf8);
            }

            if (kind != PositionsMessageKind.Account)
            {
                // Positions of a stray "positions" field in a position or balance change are not this message's.
                _positionCount = 0;
            }

            message = kind switch
            {
                PositionsMessageKind.Account => PositionsMessage.Of(new AccountSnapshotted(slot, sequence, eventTime, balance, _positionCount)),
                PositionsMessageKind.Position => PositionsMessage.Of(new PositionChanged(slot, sequence, eventTime, instrument, size, entry, isolatedMargin)),
                _ => PositionsMessage.Of(new BalanceChanged(slot, sequence, eventTime, balance)),
            };
            return DecodeResult.Valid;
        }
        catch (JsonException ex)
        {
            _positionCount = 0;
            return BadJson(ex);
        }
    }

    private bool ReadPositionsKind(ref Utf8JsonReader reader, out PositionsMessageKind kind)
    {
        kind = PositionsMessageKind.Account;
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return Fail(WireProblem.WrongType, Fields.Type, $"type must be a string, not {Describe(reader.TokenType)}");
        }

        if (reader.ValueTextEquals("position"u8))
        {
            kind = PositionsMessageKind.Position;
            return true;
        }

        if (reader.ValueTextEquals("balance"u8))
        {
            kind = PositionsMessageKind.Balance;
            return true;
        }

        return reader.ValueTextEquals("account"u8)
            || Fail(WireProblem.UnknownType, Fields.None, $"type \"{Printable(reader.ValueSpan)}\" is not a positions message (account, position, balance)");
    }

    /// <summary><c>isolatedMargin</c>: null (or absent) is a cross position, read as NaN; otherwise finite and not negative.</summary>
    private bool ReadIsolatedMargin(ref Utf8JsonReader reader, out double isolatedMargin)
    {
        isolatedMargin = double.NaN;
        return Advance(ref reader)
            && (reader.TokenType == JsonTokenType.Null || DoubleAtToken(ref reader, Fields.IsolatedMargin, Sign.NonNegative, out isolatedMargin));
    }

    /// <summary>An open position has a positive entry price; a closed one (size 0) may say 0.</summary>
    private bool CheckEntry(double size, double entry) =>
        size == 0 || entry > 0 || Fail(WireProblem.Zero, Fields.Entry, "entry must be greater than 0 for an open position");

    private bool ReadAccountPositions(ref Utf8JsonReader reader)
    {
        _positionCount = 0;
        if (!Advance(ref reader))
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return Fail(WireProblem.WrongType, Fields.Positions, $"positions must be an array, not {Describe(reader.TokenType)}");
        }

        NextStamp();
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

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail(WireProblem.WrongType, Fields.Positions, $"positions[{_positionCount}] must be an object, not {Describe(reader.TokenType)}");
            }

            if (_positionCount == _options.MaxPositions)
            {
                return Fail(WireProblem.TooMany, Fields.Positions, $"positions has more than {_options.MaxPositions} entries");
            }

            if (!ReadAccountPosition(ref reader))
            {
                if (_problem != WireProblem.BadJson)
                {
                    _detail = $"positions[{_positionCount}]: {_detail}";
                }

                return false;
            }
        }
    }

    /// <summary>One <c>{"symbol":..,"size":..,"entry":..,"isolatedMargin":..}</c> of an account snapshot.</summary>
    private bool ReadAccountPosition(ref Utf8JsonReader reader)
    {
        var seen = Fields.None;
        scoped ReadOnlySpan<byte> symbol = default;
        double size = 0, entry = 0, isolatedMargin = double.NaN;
        while (NextField(ref reader, out var field))
        {
            var ok = field switch
            {
                Fields.Symbol => Claim(ref seen, field) && ReadIdentifier(ref reader, field, _entrySymbolScratch, _options.MaxSymbolBytes, out symbol),
                Fields.Size => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.Any, out size),
                Fields.Entry => Claim(ref seen, field) && ReadDouble(ref reader, field, Sign.NonNegative, out entry),
                Fields.IsolatedMargin => Claim(ref seen, field) && ReadIsolatedMargin(ref reader, out isolatedMargin),
                _ => SkipValue(ref reader),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (!Require(seen, Fields.Symbol | Fields.Size | Fields.Entry) || !CheckEntry(size, entry) || !CheckSize(Fields.Size, size)
            || !ResolveSymbol(symbol, out var instrument) || !CheckPrice(Fields.Entry, entry, instrument))
        {
            return false;
        }

        if (_positionStamps.Length <= instrument)
        {
            Array.Resize(ref _positionStamps, Math.Max(_symbols.Count, instrument + 1));
        }

        if (_positionStamps[instrument] == _stamp)
        {
            return Fail(WireProblem.DuplicateSymbol, Fields.Positions, $"a second position on \"{_symbols.SymbolAt(instrument)}\" (one position per symbol, one-way mode)");
        }

        _positionStamps[instrument] = _stamp;
        if (_positionCount == _positions.Length)
        {
            Array.Resize(ref _positions, Math.Min(_positions.Length * 2, _options.MaxPositions));
        }

        _positions[_positionCount++] = (instrument, size, entry, isolatedMargin);
        return true;
    }

    private void NextStamp()
    {
        if (_stamp == int.MaxValue)
        {
            Array.Clear(_positionStamps);
            _stamp = 0;
        }

        _stamp++;
    }
}
