using StreamRisk.Contracts.Wire;
using StreamRisk.Domain.Books;

namespace StreamRisk.Contracts.Tests.Wire;

/// <summary>Steady-state decoding of known symbols and accounts allocates nothing (the hot path of every consume loop).</summary>
public sealed class DecodeAllocationTests
{
    private const int Messages = 10_000;

    [Fact]
    public void Decode_MarksAndPositionChangesForKnownSymbolsAndAccounts_AllocatesNothing()
    {
        using var f = new WireFixture();
        var marks = new byte[64][];
        var changes = new byte[64][];
        for (var i = 0; i < marks.Length; i++)
        {
            var instrument = i % f.Symbols.Count;
            marks[i] = f.Encode((e, o) => e.WriteMark(o, new MarkUpdated(instrument, 1_760_130_900_000 + i, 61_800.1 + i)));
            var account = i % 2 == 0 ? f.Alice : f.Bob;
            changes[i] = f.Encode((e, o) => e.WritePosition(o, new PositionChanged(account, i, 1_760_130_900_000 + i, instrument, i - 32.5, 100 + i, i % 3 == 0 ? 50 : double.NaN)));
        }

        // Decimal strings and escapes take other branches; they must not allocate either.
        marks[0] = WireFixture.Utf8("""{"v":1,"symbol":"BTCUSDT","eventTime":1,"price":"61800.10"}""");
        changes[0] = WireFixture.Utf8("""{"v":1,"type":"position","account":"b\u006Fb","seq":1,"eventTime":1,"symbol":"ETH\u0055SDT","size":"-1.5","entry":"3000.5","isolatedMargin":null}""");

        var checksum = DecodeAll(f.Decoder, marks, changes, Messages);
        var before = GC.GetAllocatedBytesForCurrentThread();
        checksum += DecodeAll(f.Decoder, marks, changes, Messages);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
    }

    [Fact]
    public void Decode_BookDeltasAndAccountSnapshots_AllocateNothingOnceBuffersHaveGrown()
    {
        using var f = new WireFixture();
        var levels = new PriceLevel[400];
        for (var i = 0; i < levels.Length; i++)
        {
            levels[i] = new PriceLevel(618_000 - i, 0.001 * (i + 1));
        }

        var delta = f.Encode((e, o) => e.WriteBook(o, BookUpdated.Delta(f.Btc, 1, 11, 12, 10, levels, levels.AsSpan(0, 3))));
        var snapshot = f.Encode((e, o) => e.WriteBook(o, BookUpdated.Snapshot(f.Btc, 1, 10, levels, levels)));
        var account = f.Encode((e, o) => e.WriteAccount(o, new AccountSnapshotted(f.Alice, 1, 1, 1_000, 3),
            [(f.Btc, 1, 61_000, double.NaN), (f.Eth, -2, 3_000, 10), (f.Xbt, 100, 100_000, double.NaN)]));

        long Run()
        {
            long sum = 0;
            for (var i = 0; i < 1_000; i++)
            {
                Assert.True(f.Decoder.DecodeBook(i % 10 == 0 ? snapshot : delta, out var book).IsValid);
                sum += book.Bids.Length + book.Asks.Length;
                Assert.True(f.Decoder.DecodePositions(account, out var message).IsValid);
                sum += message.Account.PositionCount + f.Decoder.AccountPositions.Length;
            }

            return sum;
        }

        var checksum = Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        checksum += Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
    }

    private static double DecodeAll(WireDecoder decoder, byte[][] marks, byte[][] changes, int count)
    {
        double sum = 0;
        for (var i = 0; i < count; i++)
        {
            if (decoder.DecodeMark(marks[i % marks.Length], out var mark).IsValid)
            {
                sum += mark.Price;
            }

            if (decoder.DecodePositions(changes[i % changes.Length], out var message).IsValid)
            {
                sum += message.Position.Entry;
            }
        }

        return sum;
    }
}
