using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Tests.Margin;

namespace StreamRisk.Domain.Tests.Cascades;

public sealed class AdlQueueTests
{
    /// <summary>A queue of shorts in the given order (each a separate account), ranked pro forma by PnL × leverage at mark 100.</summary>
    internal static AdlQueue QueueOfShorts((double Size, double Entry)[] shorts)
    {
        var catalog = new InstrumentCatalog();
        var book = new MarginBook(MarginProfile.Generic, catalog);
        var sym = book.ApplyInstrument(Fixtures.Linear("X", MarginTiers.Flat(0.01)));
        for (var i = 0; i < shorts.Length; i++)
        {
            // Higher balance for later accounts: lower leverage, lower rank — keeps the given order for equal PnL.
            book.ApplyAccount(new AccountId("s" + i), 1_000 * (i + 1), [(sym, -shorts[i].Size, shorts[i].Entry, double.NaN)]);
        }

        book.ApplyMark(sym, 100);
        return AdlQueue.Build(book, sym, longs: false, AdlRanking.ProRata);
    }

    [Fact]
    public void Build_PnlTimesLeverage_RanksTheMostProfitableMostLeveragedFirst()
    {
        var catalog = new InstrumentCatalog();
        var book = new MarginBook(MarginProfile.Generic, catalog);
        var sym = book.ApplyInstrument(Fixtures.Linear("X", MarginTiers.Flat(0.01)));
        book.ApplyAccount(new AccountId("modest"), 10_000, [(sym, -10, 105, double.NaN)]);   // +4.8%, low leverage
        book.ApplyAccount(new AccountId("levered"), 100, [(sym, -10, 105, double.NaN)]);     // +4.8%, high leverage
        book.ApplyAccount(new AccountId("losing"), 100, [(sym, -10, 90, double.NaN)]);       // −10%
        book.ApplyMark(sym, 100);

        var queue = AdlQueue.Build(book, sym, longs: false, AdlRanking.PnlTimesLeverage);

        Assert.Equal(3, queue.Count);
        Assert.Equal("levered", queue.AccountAt(0));
        Assert.Equal("modest", queue.AccountAt(1));
        Assert.Equal("losing", queue.AccountAt(2));
    }

    [Fact]
    public void Build_Hyperliquid_RanksByPriceRatioTimesNotionalOverAccountValue()
    {
        var catalog = new InstrumentCatalog();
        var book = new MarginBook(MarginProfile.Hyperliquid, catalog);
        var sym = book.ApplyInstrument(Fixtures.Linear("BTC", MarginTiers.Flat(0.01)));
        book.ApplyAccount(new AccountId("a"), 1_000, [(sym, 1, 50, double.NaN)]);   // ratio 2, notional 100 / value 1,050
        book.ApplyAccount(new AccountId("b"), 100, [(sym, 1, 90, double.NaN)]);     // ratio 1.11, notional 100 / value 110
        book.ApplyMark(sym, 100);

        var queue = AdlQueue.Build(book, sym, longs: true, AdlRanking.Hyperliquid);

        Assert.Equal("b", queue.AccountAt(0));
    }

    [Fact]
    public void Take_ProRata_HitsEveryProfitablePosition()
    {
        var queue = QueueOfShorts([(5, 100), (3, 95), (50, 80)]);

        var (covered, accounts) = queue.Take(4, 90);

        Assert.Equal(4, covered);
        Assert.Equal(2, accounts);
    }

    [Fact]
    public void Take_MoreThanAvailable_CoversWhatProfitablePositionsHold()
    {
        var queue = QueueOfShorts([(5, 100), (3, 95)]);

        Assert.Equal((8.0, 2), queue.Take(100, 90));
        Assert.Equal((0.0, 0), queue.Take(100, 120));
    }

    [Theory]
    [InlineData(1, 0, AdlRanking.PnlTimesLeverage)]
    [InlineData(2, 5, AdlRanking.PnlTimesLeverage)]
    [InlineData(3, 256, AdlRanking.PnlTimesLeverage)]
    [InlineData(4, 5_000, AdlRanking.PnlTimesLeverage)]
    [InlineData(5, 256, AdlRanking.Hyperliquid)]
    [InlineData(6, 5, AdlRanking.Hyperliquid)]
    public void Rank_Top_EqualsAFullSortCut(int seed, int top, AdlRanking ranking)
    {
        // The bounded heap against the plain reference: score every holder, sort, cut. Scores tie often (few distinct
        // sizes, entries and balances), so the ties-by-id order is exercised too.
        var rng = new Random(seed);
        var catalog = new InstrumentCatalog();
        var book = new MarginBook(MarginProfile.Binance, catalog);
        var sym = book.ApplyInstrument(Fixtures.Linear("X", MarginTiers.Flat(0.01)));
        var other = book.ApplyInstrument(Fixtures.Linear("Y", MarginTiers.Flat(0.01)));
        var third = book.ApplyInstrument(Fixtures.Linear("Z", MarginTiers.Flat(0.01)));
        for (var i = 0; i < 3_000; i++)
        {
            var size = rng.Next(1, 4) * (rng.Next(2) == 0 ? 1 : -1);
            var entry = 90 + (rng.Next(5) * 5);
            var isolated = rng.Next(3) == 0 ? 50.0 * rng.Next(1, 3) : double.NaN;
            // Every shape the ranking reads differently: a lone position, a second cross leg (shared cross equity), a
            // second leg isolated (a sole cross leg next to it), two cross legs next to an isolated one.
            (int, double, double, double)[] positions = rng.Next(4) switch
            {
                0 => [(sym, size, entry, isolated)],
                1 => [(sym, size, entry, isolated), (other, 1, 100, double.NaN)],
                2 => [(sym, size, entry, isolated), (other, -1, 100, 40)],
                _ => [(sym, size, entry, isolated), (other, 1, 100, double.NaN), (third, 2, 100, 30)],
            };
            book.ApplyAccount(new AccountId("a" + rng.Next(100_000)), 100 * rng.Next(1, 4), positions);
        }

        // Changes after the load that the ranking's per-holder terms must follow: balances move, second legs close (a
        // cross account becomes a lone position), second legs open, sizes and isolated margins change.
        var ids = book.Accounts.Select(a => a.Id).ToList();
        for (var i = 0; i < 1_000; i++)
        {
            var id = ids[rng.Next(ids.Count)];
            switch (rng.Next(4))
            {
                case 0:
                    book.ApplyBalance(id, 50 * rng.Next(1, 8));
                    break;
                case 1:
                    book.ApplyPosition(id, other, 0, 0, double.NaN);
                    break;
                case 2:
                    book.ApplyPosition(id, other, -2, 101, double.NaN);
                    break;
                default:
                    book.ApplyPosition(id, sym, rng.Next(1, 4) * (rng.Next(2) == 0 ? 1 : -1), 90 + (rng.Next(5) * 5), rng.Next(2) == 0 ? 60 : double.NaN);
                    break;
            }
        }

        book.ApplyMark(sym, 100.5);
        book.ApplyMark(other, 99.5);
        book.ApplyMark(third, 103);
        // Marks the lone positions skip: the ranking must see them (it scores them from their terms, not a refresh).
        book.ApplyMark(sym, 101);
        book.ApplyMark(other, 99);
        book.ApplyMark(third, 97);
        foreach (var longs in new[] { true, false })
        {
            // Reference: every holder scored from its figures brought up to date, a full sort, a cut.
            var reference = new List<AdlCandidate>();
            foreach (var account in book.Accounts)
            {
                for (var i = 0; i < account.PositionCount; i++)
                {
                    var p = account.Positions[i];
                    if (account.InstrumentIndexAt(i) != sym || (p.Size > 0) != longs)
                    {
                        continue;
                    }

                    var equity = p.IsIsolated ? p.IsolatedMargin + account.PositionMargins[i].UnrealizedPnl : account.Margin.CrossEquity;
                    reference.Add(new AdlCandidate(account.Id.Value, AdlQueue.Score(ranking, in p, 101, equity), Math.Abs(p.Size), p.Entry));
                }
            }

            reference.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Account, b.Account));
            var expected = reference.Take(top).ToList();

            var actual = AdlQueue.Rank(book, sym, longs, ranking, top);

            Assert.Equal(expected, actual);
            Assert.True(expected.Count == Math.Min(top, reference.Count));
        }
    }

    [Theory]
    [InlineData(11, true, 1)]
    [InlineData(12, true, 7)]
    [InlineData(13, true, 256)]
    [InlineData(14, true, int.MaxValue)]
    [InlineData(15, false, 1)]
    [InlineData(16, false, 7)]
    [InlineData(17, false, 256)]
    [InlineData(18, false, int.MaxValue)]
    public void RankBothInto_EqualsEveryHolderScoredSortedAndCut(int seed, bool inverse, int top)
    {
        // Generated books the ranking's shortcuts must not show in: linear and inverse contracts (with a multiplier),
        // holders that left (free places in the holder arrays, reused by later ones), accounts under water (leverage
        // at its cap), scores that tie, and the instrument before its first mark. Both sides of one RankBothInto call
        // against the reference: every holder scored with the per-position formula from its account's own figures,
        // sorted, cut.
        var rng = new Random(seed);
        var catalog = new InstrumentCatalog();
        var book = new MarginBook(MarginProfile.Binance, catalog);
        var tiers = MarginTiers.Flat(0.01);
        var sym = book.ApplyInstrument(inverse ? Fixtures.Inverse("X", tiers, multiplier: 10) : Fixtures.Linear("X", tiers));
        var other = book.ApplyInstrument(inverse ? Fixtures.Inverse("Y", tiers) : Fixtures.Linear("Y", tiers));
        var scale = inverse ? 0.001 : 100.0; // balances and isolated margins in the margin currency: coin for inverse
        var ids = new List<AccountId>();
        for (var i = 0; i < 1_500; i++)
        {
            var size = rng.Next(1, 4) * (rng.Next(2) == 0 ? 1 : -1);
            var entry = 90 + (rng.Next(5) * 5);
            var isolated = rng.Next(3) == 0 ? scale * rng.Next(1, 3) : double.NaN;
            (int, double, double, double)[] positions = rng.Next(3) switch
            {
                0 => [(sym, size, entry, isolated)],
                1 => [(other, 1, 100, double.NaN), (sym, size, entry, isolated)],
                _ => [(sym, size, entry, isolated), (other, -1, 100, rng.Next(2) == 0 ? double.NaN : scale)],
            };
            var id = new AccountId("h" + rng.Next(5_000));
            ids.Add(id);
            // A few balances too small for the position: equity below zero once the mark moves against it.
            book.ApplyAccount(id, scale * (rng.Next(8) == 0 ? 0.01 : rng.Next(1, 4)), positions);
        }

        foreach (var marked in new[] { false, true })
        {
            if (marked)
            {
                book.ApplyMark(other, 98);
                book.ApplyMark(sym, 103);
                book.ApplyMark(sym, 100); // a second mark the lone positions skip
            }

            for (var i = 0; i < 300; i++)
            {
                // Holders leave and come back: the holder arrays get free places and reuse them.
                var id = ids[rng.Next(ids.Count)];
                book.ApplyPosition(id, sym, rng.Next(3) == 0 ? 0 : rng.Next(1, 4) * (rng.Next(2) == 0 ? 1 : -1), 95, rng.Next(2) == 0 ? double.NaN : scale);
            }

            var mark = book.MarkOf(sym);
            List<AdlCandidate> longs = [], shorts = [];
            foreach (var ranking in new[] { AdlRanking.PnlTimesLeverage, AdlRanking.Hyperliquid })
            {
                var reference = new List<(AdlCandidate Candidate, bool Long)>();
                foreach (var account in book.Accounts)
                {
                    for (var i = 0; i < account.PositionCount; i++)
                    {
                        if (account.InstrumentIndexAt(i) != sym)
                        {
                            continue;
                        }

                        var p = account.Positions[i];
                        var equity = p.IsIsolated ? p.IsolatedMargin + account.PositionMargins[i].UnrealizedPnl : account.Margin.CrossEquity;
                        reference.Add((new AdlCandidate(account.Id.Value, AdlQueue.Score(ranking, in p, double.IsNaN(mark) ? p.Mark : mark, equity), Math.Abs(p.Size), p.Entry), p.Size > 0));
                    }
                }

                var sorted = reference.Select(r => r.Candidate).ToList();
                sorted.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Account, b.Account));
                var longAccounts = reference.Where(r => r.Long).Select(r => r.Candidate.Account).ToHashSet(StringComparer.Ordinal);
                var expectedLongs = sorted.Where(c => longAccounts.Contains(c.Account)).Take(top).ToList();
                var expectedShorts = sorted.Where(c => !longAccounts.Contains(c.Account)).Take(top).ToList();

                AdlQueue.RankBothInto(book, sym, ranking, top, longs, shorts);

                Assert.Equal(expectedLongs, longs);
                Assert.Equal(expectedShorts, shorts);
                if (marked && ranking == AdlRanking.PnlTimesLeverage)
                {
                    // The generator reaches losses (negative scores) and accounts under water (leverage at its cap).
                    Assert.Contains(sorted, c => c.Score < 0);
                    Assert.Contains(sorted, c => Math.Abs(c.Score) is > 1e300 or (> 0 and < 1e-300));
                }
            }
        }
    }

    [Fact]
    public void Rank_SmallProfitsAtTheCut_AreNotDroppedByTheNotInProfitShortcut()
    {
        // Longs a hair in profit, at break-even and in loss around the mark: a full heap drops only what cannot beat
        // its last. The uncut ranking (top = everyone: the heap never fills, nothing is dropped early) cut to the top
        // must be what the bounded ranking gives.
        var book = new MarginBook(MarginProfile.Binance, new InstrumentCatalog());
        var sym = book.ApplyInstrument(Fixtures.Linear("X", MarginTiers.Flat(0.01)));
        // (entry, size, balance): the hair-in-profit ones are the most leveraged, so they rank first.
        (double Entry, double Size, double Balance)[] accounts =
            [(100.5, 1, 50), (100.99, 10, 1), (101, 1, 50), (102, 1, 50), (100.9, 1, 40), (100.999, 20, 0.5), (101.001, 5, 2), (99, 1, 60), (100.95, 3, 5)];
        for (var i = 0; i < accounts.Length; i++)
        {
            book.ApplyAccount(new AccountId("a" + i), accounts[i].Balance, [(sym, accounts[i].Size, accounts[i].Entry, double.NaN)]);
        }

        book.ApplyMark(sym, 101);
        var everyone = AdlQueue.Rank(book, sym, longs: true, AdlRanking.PnlTimesLeverage, int.MaxValue);
        Assert.Equal("a1", everyone[0].Account); // 0.01 in profit at ~900× leverage
        for (var top = 1; top <= accounts.Length; top++)
        {
            Assert.Equal(everyone.Take(top), AdlQueue.Rank(book, sym, longs: true, AdlRanking.PnlTimesLeverage, top));
        }
    }
}
