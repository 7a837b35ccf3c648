using CsCheck;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Ladders;
using StreamRisk.Reference;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Tests.Margin;

namespace StreamRisk.Domain.Tests.Cascades;

public sealed class SystemicAccountsTests
{
    [Fact]
    public void Rank_WhaleOverThinBids_DragsTheLeveragedLongsAndRanksFirst()
    {
        // Mark 100. Whale: long 50 with plenty of margin. Five 20x-ish longs with isolated margin 5% of entry notional
        // (LP = (100 − 5)/(1 − 0.005) ≈ 95.48). Bids: 99 × 20, 97 × 20, 95 × 10, 90 × 1,000.
        var (book, ladders, sym) = NewBook();
        book.ApplyAccount(new AccountId("whale"), 1_000_000, [(sym, 50, 100, double.NaN)]);
        for (var i = 0; i < 5; i++)
        {
            book.ApplyAccount(new AccountId("lev" + i), 0, [(sym, 2, 100, 10.0)]);
        }

        book.ApplyAccount(new AccountId("small"), 1_000_000, [(sym, 1, 100, double.NaN)]);
        book.ApplyMark(sym, 100);
        var (bids, asks) = Depth([(99, 20), (97, 20), (95, 10), (90, 1_000)], [(101, 1_000)]);

        var ranking = SystemicAccounts.Rank(book, ladders, sym, bids, asks, top: 3);

        var whale = ranking[0];
        Assert.Equal("whale", whale.Account.Value);
        // The whale's 50 takes 20 @ 99, 20 @ 97 and all 10 @ 95: impact 95, which crosses the five LPs at 95/0.995 ≈ 95.48;
        // their 10 more can only fill at 90.
        Assert.Equal(95, whale.ImpactPrice);
        Assert.Equal(5, whale.AdditionalAccounts);
        Assert.Equal(10, whale.AdditionalSize, 12);
        Assert.Equal(90, whale.FinalPrice);
        Assert.Equal(3, ranking.Count);
    }

    [Fact]
    public void Rank_FinalPriceEqualsReferenceCascadeStartingWithTheForcedOrder()
    {
        var scenarios = Gen.Select(Gen.Double[1, 200], Gen.Select(Gen.Double[0.5, 20], Gen.Double[0.02, 0.3]).Array[1, 40],
            Gen.Select(Gen.Double[0.01, 2], Gen.Double[0.5, 30]).Array[1, 40]);
        scenarios.Sample((whaleSize, legs, bookLegs) =>
        {
            var (book, ladders, sym) = NewBook();
            book.ApplyAccount(new AccountId("whale"), 1e9, [(sym, whaleSize, 100, double.NaN)]);
            for (var i = 0; i < legs.Length; i++)
            {
                var (size, marginFraction) = legs[i];
                book.ApplyAccount(new AccountId("a" + i), 0, [(sym, size, 100, size * 100 * marginFraction)]);
            }

            book.ApplyMark(sym, 100);
            var levels = new List<(double, double)>();
            var price = 100.0;
            foreach (var (step, quantity) in bookLegs)
            {
                price = Math.Round(price - step, 2);
                levels.Add((price, quantity));
            }

            var (bids, asks) = Depth(levels.ToArray(), [(101, 1)]);
            var whale = SystemicAccounts.Rank(book, ladders, sym, bids, asks, top: legs.Length + 1).Single(s => s.Account.Value == "whale");

            // Reference: the whale as a position crossed at any price, the cascade starting at the mark.
            var positions = new List<RefPosition> { new(-1, 1e12, whaleSize, 1e12) };
            foreach (var account in book.Accounts.Where(a => a.Id.Value != "whale"))
            {
                var m = account.PositionMargins[0];
                if (m.HasLiquidationPrice)
                {
                    positions.Add(new RefPosition(account.Slot, m.LiquidationPrice, Math.Abs(account.Positions[0].Size), m.BankruptcyPrice));
                }
            }

            var reference = ReferenceCascade.Project(100, CascadeDirection.Down, 0, positions, levels, 0);

            Assert.Equal(reference.Final, whale.FinalPrice);
            Assert.Equal(reference.Exhausted, whale.BookExhausted);
            Assert.Equal(reference.Accounts - 1, whale.AdditionalAccounts);
        }, iter: 500);
    }

    private static (MarginBook Book, LiquidationLadders Ladders, int Symbol) NewBook()
    {
        var book = new MarginBook(MarginProfile.Generic, new InstrumentCatalog());
        var ladders = LiquidationLadders.Follow(book);
        var sym = book.ApplyInstrument(Fixtures.Linear("X", MarginTiers.Flat(0.005)));
        return (book, ladders, sym);
    }

    private static (SideDepth Bids, SideDepth Asks) Depth((double, double)[] bids, (double, double)[] asks)
    {
        var b = new SideDepth();
        b.Load(bids);
        var a = new SideDepth();
        a.Load(asks);
        return (b, a);
    }
}
