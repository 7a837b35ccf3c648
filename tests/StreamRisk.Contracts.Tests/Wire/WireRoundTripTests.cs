using CsCheck;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Tests.Wire;

public sealed class WireRoundTripTests
{
    [Fact]
    public void Mark_EncodeThenDecode_SameEvent()
    {
        using var f = new WireFixture();
        var mark = new MarkUpdated(f.Btc, 1_760_130_900_123, 61_800.25);

        var result = f.Decoder.DecodeMark(f.Encode((e, o) => e.WriteMark(o, mark)), out var decoded);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(mark, decoded);
    }

    [Fact]
    public void Insurance_SymbolFund_DecodedAsThatInstrumentsOwn()
    {
        using var f = new WireFixture();

        var result = f.Decoder.DecodeInsurance(f.Encode((e, o) => e.WriteInsurance(o, "BTCUSDT", 1_760_130_900_000, 1_234_567.5)), out var decoded);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(new InsuranceUpdated(f.Btc, null, 1_760_130_900_000, 1_234_567.5), decoded);
    }

    [Fact]
    public void Insurance_OtherName_DecodedAsTheVenueWideFundWithOneStringPerName()
    {
        using var f = new WireFixture();

        f.Decoder.DecodeInsurance(f.Encode((e, o) => e.WriteInsurance(o, "binance-usdm", 1, 10)), out var first);
        var result = f.Decoder.DecodeInsurance(f.Encode((e, o) => e.WriteInsurance(o, "binance-usdm", 2, 0)), out var second);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal((-1, "binance-usdm", 0.0), (second.InstrumentIndex, second.Fund, second.Balance));
        Assert.True(second.IsVenueWide);
        Assert.Same(first.Fund, second.Fund);
    }

    [Theory]
    [InlineData(0.75, 60_000.5, double.NaN)]
    [InlineData(-12.5, 3_001.37, 1_250.0)]
    [InlineData(0, 0, double.NaN)]
    public void PositionChange_EncodeThenDecode_SameEvent(double size, double entry, double isolatedMargin)
    {
        using var f = new WireFixture();
        var change = new PositionChanged(f.Bob, 42, 1_760_130_900_000, f.Eth, size, entry, isolatedMargin);

        var result = f.Decoder.DecodePositions(f.Encode((e, o) => e.WritePosition(o, change)), out var message);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(PositionsMessageKind.Position, message.Kind);
        Assert.Equal(change, message.Position);
        Assert.Equal(change.IsIsolated, message.Position.IsIsolated);
        Assert.Equal(42, message.Sequence);
        Assert.Equal(f.Bob, message.AccountSlot);
    }

    [Fact]
    public void BalanceChange_EncodeThenDecode_SameEvent()
    {
        using var f = new WireFixture();
        var change = new BalanceChanged(f.Alice, 7, 1_760_130_900_000, -15.125);

        var result = f.Decoder.DecodePositions(f.Encode((e, o) => e.WriteBalance(o, change)), out var message);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(PositionsMessageKind.Balance, message.Kind);
        Assert.Equal(change, message.Balance);
    }

    [Fact]
    public void AccountSnapshot_EncodeThenDecode_SameBalanceAndPositions()
    {
        using var f = new WireFixture();
        (int, double, double, double)[] positions = [(f.Btc, 0.5, 61_000, double.NaN), (f.Eth, -3, 3_000.01, 450), (f.Xbt, 0, 0, double.NaN)];
        var snapshot = new AccountSnapshotted(f.Alice, 1, 1_760_130_900_000, 10_000.5, positions.Length);

        var result = f.Decoder.DecodePositions(f.Encode((e, o) => e.WriteAccount(o, snapshot, positions)), out var message);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(snapshot, message.Account);
        Assert.Equal(positions, f.Decoder.AccountPositions.ToArray());
    }

    [Fact]
    public void AccountSnapshot_NewAccount_IsAddedOnceItValidates()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"v":1,"type":"account","account":"carol","seq":1,"eventTime":5,"balance":100,"positions":[]}""");

        var first = f.Decoder.DecodePositions(json, out var message);
        var again = f.Decoder.DecodePositions(json, out var repeat);

        Assert.True(first.IsValid && again.IsValid);
        Assert.Equal(3, f.Accounts.Count);
        Assert.Equal(message.AccountSlot, repeat.AccountSlot);
        Assert.Equal(new AccountId("carol"), f.Accounts.IdAt(message.AccountSlot));
        Assert.Equal(0, message.Account.PositionCount);
    }

    [Theory]
    [InlineData(PositionSide.Long, true)]
    [InlineData(PositionSide.Short, false)]
    public void Liquidation_EncodeThenDecode_SameEvent(PositionSide side, bool withAccount)
    {
        using var f = new WireFixture();
        var fill = new LiquidationFilled(f.Xbt, 1_760_130_900_000, side, 112_000.5, 2_500, withAccount ? f.Bob : -1);

        var result = f.Decoder.DecodeLiquidation(f.Encode((e, o) => e.WriteLiquidation(o, fill)), out var decoded);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(fill, decoded);
        Assert.Equal(withAccount, decoded.HasAccount);
    }

    [Fact]
    public void BookSnapshot_EncodeThenDecode_SameLevelsAndLastIdOnly()
    {
        using var f = new WireFixture();
        PriceLevel[] bids = [new(618_002, 1.5), new(618_001, 0.001), new(600_000, 12)];
        PriceLevel[] asks = [new(618_003, 0.25)];

        var json = f.Encode((e, o) => e.WriteBook(o, BookUpdated.Snapshot(f.Btc, 1_760_130_900_000, 9_001, bids, asks)));
        var result = f.Decoder.DecodeBook(json, out var book);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(BookUpdateKind.Snapshot, book.Kind);
        Assert.Equal((f.Btc, 1_760_130_900_000L, 0L, 9_001L, 0L), (book.InstrumentIndex, book.EventTime, book.FirstId, book.LastId, book.PreviousId));
        Assert.Equal(bids, book.Bids.ToArray());
        Assert.Equal(asks, book.Asks.ToArray());
        Assert.DoesNotContain("firstId", System.Text.Encoding.UTF8.GetString(json), StringComparison.Ordinal);
    }

    [Fact]
    public void BookDelta_EncodeThenDecode_SameIdsAndLevelsIncludingDeletes()
    {
        using var f = new WireFixture();
        PriceLevel[] bids = [new(200, 0)];
        PriceLevel[] asks = [new(201, 3), new(205, 0)];

        var result = f.Decoder.DecodeBook(f.Encode((e, o) => e.WriteBook(o, BookUpdated.Delta(f.Xbt, 5, 101, 110, 100, bids, asks))), out var book);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(BookUpdateKind.Delta, book.Kind);
        Assert.Equal((101L, 110L, 100L), (book.FirstId, book.LastId, book.PreviousId));
        Assert.Equal(bids, book.Bids.ToArray());
        Assert.Equal(asks, book.Asks.ToArray());
    }

    [Fact]
    public void BookSnapshotThenDelta_AppliedToOrderBook_BookFollows()
    {
        using var f = new WireFixture();
        var orderBook = new OrderBook(f.Symbols.SymbolAt(f.Btc), f.Symbols.TickSizeAt(f.Btc));
        var snapshot = WireFixture.Utf8("""{"v":1,"type":"snapshot","symbol":"BTCUSDT","eventTime":1,"lastId":10,"bids":[["61800.1","2"],[61800,"1"]],"asks":[[61800.2,0.5]]}""");
        var delta = WireFixture.Utf8("""{"v":1,"type":"delta","symbol":"BTCUSDT","eventTime":2,"firstId":9,"lastId":12,"prevId":8,"bids":[["61800.1",0]],"asks":[]}""");

        Assert.True(f.Decoder.DecodeBook(snapshot, out var s).IsValid);
        orderBook.ApplySnapshot(s.LastId, s.Bids, s.Asks);
        Assert.True(f.Decoder.DecodeBook(delta, out var d).IsValid);
        var outcome = orderBook.ApplyDiff(d.ToDepthUpdated());

        Assert.Equal(DiffOutcome.Applied, outcome);
        Assert.True(orderBook.TryGetBest(BookSide.Bid, out var best));
        Assert.Equal(new PriceLevel(618_000, 1), best);
    }

    [Fact]
    public void Instrument_EncodeThenDecode_SameSpecAndExactTick()
    {
        using var f = new WireFixture();
        var tiers = MarginTiers.Create([(0.0, 0.004, (double?)null), (50_000.0, 0.005, null), (250_000.0, 0.01, null)]);
        var spec = new InstrumentDefined(new Instrument(new Symbol("SOLUSDT"), ContractKind.Inverse, 0.001, 0.01, tiers, 10), TickSize.FromDecimal(0.001m));

        var result = f.Decoder.DecodeInstrument(f.Encode((e, o) => e.WriteInstrument(o, spec)), out var decoded);

        Assert.True(result.IsValid, result.ToString());
        Assert.NotNull(decoded);
        Assert.Equal(spec.TickSize, decoded.TickSize);
        var i = decoded.Instrument;
        Assert.Equal((spec.Instrument.Symbol, ContractKind.Inverse, 0.001, 0.01, 10.0), (i.Symbol, i.Contract, i.TickSize, i.LotSize, i.Multiplier));
        Assert.Equal(tiers.Count, i.Tiers.Count);
        for (var t = 0; t < tiers.Count; t++)
        {
            Assert.Equal(tiers[t], i.Tiers[t]);
        }
    }

    [Fact]
    public void Instrument_DocumentFieldsWithDefaults_ReadLikeTheInstrumentDocument()
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("""{"v":1,"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004},{"floor":50000,"mmr":0.005,"deduction":null}],"contract":"LINEAR"}""");

        var result = f.Decoder.DecodeInstrument(json, out var decoded);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(TickSize.FromDecimal(0.01m), decoded!.TickSize);
        Assert.Equal(ContractKind.Linear, decoded.Instrument.Contract);
        Assert.Equal(0.001, decoded.Instrument.LotSize);
        Assert.Equal(50, decoded.Instrument.Tiers[1].Deduction, 9);
    }

    [Fact]
    public void Instrument_BookDepthLimit_RoundTripsAndDefaultsToAFullDepthFeed()
    {
        using var f = new WireFixture();
        var tiers = MarginTiers.Create([(0.0, 0.004, (double?)null)]);
        var spec = new InstrumentDefined(new Instrument(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, tiers, BookDepthLimit: 1000), TickSize.FromDecimal(0.1m));
        var plain = WireFixture.Utf8("""{"v":1,"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}],"bookDepthLimit":null}""");

        var limited = f.Decoder.DecodeInstrument(f.Encode((e, o) => e.WriteInstrument(o, spec)), out var decoded);
        var full = f.Decoder.DecodeInstrument(plain, out var decodedPlain);

        Assert.True(limited.IsValid, limited.ToString());
        Assert.Equal(1000, decoded!.Instrument.BookDepthLimit);
        Assert.True(full.IsValid, full.ToString());
        Assert.Equal(0, decodedPlain!.Instrument.BookDepthLimit);
    }

    [Theory]
    [InlineData("0", "out-of-range")]
    [InlineData("-5", "out-of-range")]
    [InlineData("2.5", "out-of-range")]
    [InlineData("1000001", "out-of-range")]
    [InlineData("\"1000\"", "wrong-type")]
    public void Instrument_BadBookDepthLimit_RefusedWithTheField(string value, string problem)
    {
        using var f = new WireFixture();
        var json = WireFixture.Utf8("{\"v\":1,\"symbol\":\"BTCUSDT\",\"tiers\":[{\"floor\":0,\"mmr\":0.004}],\"bookDepthLimit\":" + value + "}");

        var result = f.Decoder.DecodeInstrument(json, out var decoded);

        Assert.False(result.IsValid);
        Assert.Null(decoded);
        Assert.Contains($"{problem}:bookDepthLimit", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMessage_StartsWithVersionOne()
    {
        using var f = new WireFixture();
        byte[][] messages =
        [
            f.Encode((e, o) => e.WriteMark(o, new MarkUpdated(f.Btc, 1, 1))),
            f.Encode((e, o) => e.WriteBalance(o, new BalanceChanged(f.Alice, 1, 1, 1))),
            f.Encode((e, o) => e.WriteLiquidation(o, new LiquidationFilled(f.Btc, 1, PositionSide.Long, 1, 1, -1))),
            f.Encode((e, o) => e.WriteBook(o, BookUpdated.Snapshot(f.Btc, 1, 1, [], []))),
        ];

        Assert.All(messages, m => Assert.StartsWith("{\"v\":1,", System.Text.Encoding.UTF8.GetString(m), StringComparison.Ordinal));
    }

    [Fact]
    public void RandomMarksPositionsAndBooks_EncodeThenDecode_RoundTripExactly()
    {
        using var f = new WireFixture();
        var anyPositive = Gen.Long.Select(bits => BitConverter.Int64BitsToDouble(bits & long.MaxValue))
            .Select(d => double.IsFinite(d) && d > 0 ? d : 1.0);
        var anyFinite = Gen.Select(anyPositive, Gen.Bool, (d, negative) => negative ? -d : d);

        // Prices within every fixture instrument's range (1000PEPEUSDT's tick of 10^-7 holds 9×10^8), sizes within the
        // monitor's (9×10^10); the bit patterns below stay as varied as anyPositive's.
        var anyPrice = anyPositive.Select(d => d <= 9e8 ? d : 1 + (d % 9e8));
        var anySize = anyFinite.Select(d => Math.Abs(d) <= 9e10 ? d : d % 9e10);
        var time = Gen.Long[0, long.MaxValue];
        var instrument = Gen.Int[0, f.Symbols.Count - 1];
        var level = Gen.Select(Gen.Long[1, 1_000_000_000_000], Gen.Double[0, 1e9], (ticks, qty) => new PriceLevel(ticks, qty));

        Gen.Select(instrument, time, anyPrice).Sample((index, eventTime, price) =>
        {
            var mark = new MarkUpdated(index, eventTime, price);
            Assert.True(f.Decoder.DecodeMark(f.Encode((e, o) => e.WriteMark(o, mark)), out var decoded).IsValid);
            Assert.Equal(mark, decoded);
        }, iter: 2_000, threads: 1);

        Gen.Select(Gen.Select(instrument, time, Gen.Long[0, long.MaxValue], anySize), Gen.Select(anyPrice, anyPositive, Gen.Bool)).Sample((a, b) =>
        {
            var change = new PositionChanged(f.Alice, a.Item3, a.Item2, a.Item1, a.Item4, b.Item1, b.Item3 ? b.Item2 : double.NaN);
            Assert.True(f.Decoder.DecodePositions(f.Encode((e, o) => e.WritePosition(o, change)), out var decoded).IsValid);
            Assert.Equal(change, decoded.Position);
        }, iter: 2_000, threads: 1);

        Gen.Select(instrument, level.Array[0, 50], level.Array[0, 50], Gen.Long[0, long.MaxValue - 1]).Sample((index, bids, asks, firstId) =>
        {
            var json = f.Encode((e, o) => e.WriteBook(o, BookUpdated.Delta(index, 1, firstId + 1, firstId + 1, firstId, bids, asks)));
            Assert.True(f.Decoder.DecodeBook(json, out var book).IsValid);
            Assert.Equal(bids, book.Bids.ToArray());
            Assert.Equal(asks, book.Asks.ToArray());
        }, iter: 1_000, threads: 1);
    }
}
