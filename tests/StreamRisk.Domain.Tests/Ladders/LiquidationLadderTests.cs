using CsCheck;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Tests.Margin;

namespace StreamRisk.Domain.Tests.Ladders;

public sealed class LiquidationLadderTests
{
    [Fact]
    public void Crossed_Longs_SumsPositionsWithLpAtOrAboveThePrice()
    {
        var ladder = new LiquidationLadder(longSide: true);
        ladder.Upsert(0, 95, 1, 90);
        ladder.Upsert(1, 90, 2, 85);
        ladder.Upsert(2, 80, 4, 75);

        var crossed = ladder.Crossed(90);

        Assert.Equal(2, crossed.Count);
        Assert.Equal(3, crossed.Size);
        Assert.Equal(95 + 180, crossed.Notional);
        Assert.Equal(90 + 170, crossed.BankruptcyValue);
        Assert.Equal(0, ladder.Crossed(96).Count);
        Assert.Equal(3, ladder.Crossed(1).Count);
    }

    [Fact]
    public void Crossed_Shorts_SumsPositionsWithLpAtOrBelowThePrice()
    {
        var ladder = new LiquidationLadder(longSide: false);
        ladder.Upsert(7, 105, -1, 110);
        ladder.Upsert(8, 110, -2, 115);

        Assert.Equal(1, ladder.Crossed(105).Count);
        Assert.Equal(3, ladder.Crossed(200).Size);
        Assert.Equal(0, ladder.Crossed(104.99).Count);
    }

    [Fact]
    public void Upsert_SameIdTwice_MovesThePositionInsteadOfAddingIt()
    {
        var ladder = new LiquidationLadder(longSide: true);
        ladder.Upsert(3, 90, 1, 85);

        ladder.Upsert(3, 70, 5, 65);

        Assert.Equal(1, ladder.Count);
        Assert.Equal(0, ladder.Crossed(80).Count);
        Assert.Equal(5, ladder.Crossed(70).Size);
    }

    [Fact]
    public void Property_AfterEveryUpdate_QueriesEqualAFullRescan()
    {
        var ops = Gen.Select(Gen.Int[0, 63], Gen.Double[50, 150], Gen.Double[0.001, 10], Gen.Int[0, 4]).Array[1, 200];
        Gen.Select(Gen.Bool, ops, Gen.Double[40, 160].Array[5]).Sample((isLong, updates, probes) =>
        {
            var ladder = new LiquidationLadder(isLong, capacity: 4);
            var model = new Dictionary<int, (double Lp, double Size, double Bp)>();
            foreach (var (id, lp, size, kind) in updates)
            {
                if (kind == 0)
                {
                    Assert.Equal(model.Remove(id), ladder.Remove(id));
                }
                else
                {
                    var bp = isLong ? lp * 0.97 : lp * 1.03;
                    ladder.Upsert(id, lp, size, bp);
                    model[id] = (lp, size, bp);
                }

                Assert.Equal(model.Count, ladder.Count);
                foreach (var price in probes)
                {
                    AssertTotals(Rescan(model, p => isLong ? p.Lp >= price : p.Lp <= price), ladder.Crossed(price), ladder.Total);
                }
            }

            Span<LadderTotals> buckets = stackalloc LadderTotals[8];
            ladder.Heatmap(60, 140, buckets);
            for (var i = 0; i < buckets.Length; i++)
            {
                var from = 60 + (i * 10.0);
                var to = from + 10;
                AssertTotals(Rescan(model, p => p.Lp >= from && p.Lp < to), buckets[i], ladder.Total);
            }
        }, iter: 300);
    }

    [Fact]
    public void LaddersFollowingAMarginBook_EqualARescanOfTheBook_AfterEveryEvent()
    {
        var events = Gen.Select(Gen.Int[0, 9], Gen.Int[0, 19], Gen.Double[-1, 1], Gen.Double[0.85, 1.15], Gen.Bool).Array[1, 150];
        events.Sample(stream =>
        {
            var catalog = new InstrumentCatalog();
            var btc = catalog.Upsert(Fixtures.Linear("BTCUSDT", Fixtures.BinanceBtcUsdt));
            var eth = catalog.Upsert(Fixtures.Linear("ETHUSDT", MarginTiers.Flat(0.005)));
            double[] reference = [60_000, 3_000];
            var book = new MarginBook(MarginProfile.Binance, catalog);
            var ladders = LiquidationLadders.Follow(book);

            foreach (var (kind, account, a, b, isolated) in stream)
            {
                var id = new AccountId("a" + account);
                var instrument = account % 2 == 0 ? btc : eth;
                switch (kind)
                {
                    case < 3:
                        book.ApplyMark(instrument, reference[instrument] * b);
                        break;
                    case < 5:
                        book.ApplyBalance(id, 100 + (Math.Abs(a) * 20_000));
                        break;
                    default:
                        var size = Math.Abs(a) < 0.1 ? 0 : a * 100_000 / reference[instrument];
                        var entry = reference[instrument] * b;
                        book.ApplyPosition(id, instrument, size, entry, isolated ? Math.Abs(size) * entry * 0.1 : double.NaN);
                        break;
                }

                foreach (var i in new[] { btc, eth })
                {
                    foreach (var isLong in new[] { true, false })
                    {
                        foreach (var factor in new[] { 0.7, 0.9, 1.0, 1.1, 1.3 })
                        {
                            var price = reference[i] * factor;
                            AssertTotals(RescanBook(book, i, isLong, price), ladders.Side(i, isLong).Crossed(price), ladders.Side(i, isLong).Total);
                        }
                    }
                }
            }
        }, iter: 200);
    }

    private static LadderTotals Rescan(Dictionary<int, (double Lp, double Size, double Bp)> model, Func<(double Lp, double Size, double Bp), bool> crossed)
    {
        var totals = default(LadderTotals);
        foreach (var p in model.Values.Where(crossed))
        {
            totals += new LadderTotals(1, Math.Abs(p.Size), Math.Abs(p.Size) * p.Lp, Math.Abs(p.Size) * p.Bp);
        }

        return totals;
    }

    private static LadderTotals RescanBook(MarginBook book, int instrument, bool isLong, double price)
    {
        var totals = default(LadderTotals);
        foreach (var account in book.Accounts)
        {
            for (var i = 0; i < account.PositionCount; i++)
            {
                var terms = account.Positions[i];
                var margin = account.PositionMargins[i];
                if (account.InstrumentIndexAt(i) != instrument || (terms.Size > 0) != isLong || !margin.HasLiquidationPrice)
                {
                    continue;
                }

                var crossed = isLong ? margin.LiquidationPrice >= price : margin.LiquidationPrice <= price;
                if (crossed)
                {
                    var size = Math.Abs(terms.Size);
                    totals += new LadderTotals(1, size, size * margin.LiquidationPrice, size * margin.BankruptcyPrice);
                }
            }
        }

        return totals;
    }

    /// <summary>Sums are added in another order (and heatmap buckets are differences of sums): equal up to rounding relative to the whole ladder.</summary>
    private static void AssertTotals(LadderTotals expected, LadderTotals actual, LadderTotals whole)
    {
        Assert.Equal(expected.Count, actual.Count);
        AssertClose(expected.Size, actual.Size, whole.Size);
        AssertClose(expected.Notional, actual.Notional, whole.Notional);
        AssertClose(expected.BankruptcyValue, actual.BankruptcyValue, whole.BankruptcyValue);
    }

    private static void AssertClose(double expected, double actual, double scale) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(scale)), $"expected {expected}, got {actual} (scale {scale})");
}
