using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;

namespace StreamRisk.Domain.Tests.Cascades;

public sealed class SideDepthTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void NotionalWithin_EqualsTheBooksDepthWithin_BitForBit_WhenTheBandStartsAtTheBest(int seed)
    {
        // The projector reads band and heatmap depth from the frozen side instead of summing the book per band: the
        // sums must be the very doubles OrderBook.DepthWithin gives, on random books, marks and bands — edges
        // included (bands that end exactly on a level's price).
        var random = new Random(seed);
        var tick = TickSize.FromDecimal(0.1m);
        for (var trial = 0; trial < 300; trial++)
        {
            var book = new OrderBook(new Symbol("BTCUSDT"), tick);
            var mid = 600_000L + random.Next(-500, 500);
            var bids = Enumerable.Range(1, random.Next(0, 150)).Select(k => new PriceLevel(mid - (k * random.Next(1, 4)), Math.Round(random.NextDouble() * 3, 3) + 0.001))
                .DistinctBy(l => l.PriceTicks).ToArray();
            var asks = Enumerable.Range(1, random.Next(0, 150)).Select(k => new PriceLevel(mid + (k * random.Next(1, 4)), Math.Round(random.NextDouble() * 3, 3) + 0.001))
                .DistinctBy(l => l.PriceTicks).ToArray();
            book.ApplySnapshot(1, bids, asks);
            var bidSide = new SideDepth();
            var askSide = new SideDepth();
            bidSide.Load(book, BookSide.Bid);
            askSide.Load(book, BookSide.Ask);
            for (var query = 0; query < 20; query++)
            {
                var mark = tick.ToPrice(mid + random.Next(-3, 4));
                var band = random.Next(3) == 0 ? random.Next(0, 60) * 0.0005 : random.NextDouble() * 0.03;
                if (!(bidSide.Levels == 0 || bidSide.BestPrice <= mark * (1 + band)) || !(askSide.Levels == 0 || askSide.BestPrice >= mark * (1 - band)))
                {
                    continue; // a level beyond the far edge: the projector asks the book itself
                }

                Assert.Equal(book.DepthWithin(BookSide.Bid, mark, band).Notional, bidSide.NotionalWithin(mark * (1 - band), bids: true));
                Assert.Equal(book.DepthWithin(BookSide.Ask, mark, band).Notional, askSide.NotionalWithin(mark * (1 + band), bids: false));
            }
        }
    }
}
