using CsCheck;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Tests.Margin;

/// <summary>
/// The margin book's columnar store (account rows, runs of position rows that move as an account grows, released runs
/// reused, fixed segments) against a plain model: per account a list of positions with the book's own order (a new
/// position last; a closed one's place taken by the last), computed from scratch by <see cref="MarginCalculator"/>.
/// Every figure must be the very bits the model gives, since sums follow the positions' order.
/// </summary>
public sealed class MarginBookStoreTests
{
    private const int Instruments = 12;

    [Fact]
    public void RandomGrowthAndCloses_EveryAccountEqualsItsModelBitForBit()
    {
        Gen.Select(Gen.Int[0, 19], Gen.Int[0, 39], Gen.Int[0, Instruments - 1], Gen.Double[-1, 1], Gen.Double[0.8, 1.2]).Array[1, 300].Sample(events =>
        {
            var (book, catalog) = NewBook();
            var model = new Dictionary<int, (double Balance, List<(int Instrument, double Size, double Entry, double Isolated)> Legs)>();
            var marks = new double[Instruments];
            for (var i = 0; i < Instruments; i++)
            {
                marks[i] = double.NaN;
            }

            foreach (var (kind, account, instrument, a, b) in events)
            {
                var id = new AccountId($"a{account}");
                if (!model.TryGetValue(account, out var m))
                {
                    m = (0, []);
                }

                var legs = m.Legs;
                switch (kind)
                {
                    case < 3:
                        marks[instrument] = 100 * (instrument + 1) * b;
                        book.ApplyMark(instrument, marks[instrument]);
                        continue;
                    case < 5:
                        m.Balance = 1_000 + (Math.Abs(a) * 50_000);
                        book.ApplyBalance(id, m.Balance);
                        break;
                    case < 18:
                        var size = Math.Abs(a) < 0.15 ? 0 : a * 1_000 / (instrument + 1);
                        var entry = 100 * (instrument + 1) * b;
                        var isolated = kind == 17 ? Math.Abs(size) * entry * 0.2 : double.NaN;
                        var at = legs.FindIndex(l => l.Instrument == instrument);
                        if (size == 0 && at >= 0)
                        {
                            legs[at] = legs[^1];
                            legs.RemoveAt(legs.Count - 1);
                        }
                        else if (size != 0 && at >= 0)
                        {
                            legs[at] = (instrument, size, entry, isolated);
                        }
                        else if (size != 0)
                        {
                            legs.Add((instrument, size, entry, isolated));
                        }

                        book.ApplyPosition(id, instrument, size, entry, isolated);
                        break;
                    default:
                        // A snapshot replaces everything: positions on the first `instrument + 1` instruments.
                        m.Balance = 2_000 + (Math.Abs(b) * 10_000);
                        legs.Clear();
                        for (var i = 0; i <= instrument; i++)
                        {
                            legs.Add((i, (a + 0.01) * 100 / (i + 1), 100 * (i + 1), double.NaN));
                        }

                        book.ApplyAccount(id, m.Balance, legs.ToArray());
                        break;
                }

                model[account] = m;
            }

            foreach (var (account, (balance, legs)) in model)
            {
                Assert.True(book.TryGetAccount(new AccountId($"a{account}"), out var state));
                AssertBitForBit(book, catalog, state, balance, legs, marks);
            }
        }, iter: 300);
    }

    [Fact]
    public void AccountsAcrossSegmentBoundaries_GrowingAndShrinking_KeepEveryFigure()
    {
        // More position rows than one segment holds, then growth: runs move into later segments and released runs are reused.
        var (book, catalog) = NewBook();
        var accounts = RowSegments<int>.SegmentRows + 5_000;
        var model = new List<(int Instrument, double Size, double Entry, double Isolated)>[accounts];
        for (var a = 0; a < accounts; a++)
        {
            var instrument = a % Instruments;
            model[a] = [(instrument, 1 + (a % 7), 100 * (instrument + 1), double.NaN)];
            book.ApplyBalance(new AccountId($"s{a}"), 500 + (a % 13));
            book.ApplyPosition(new AccountId($"s{a}"), instrument, 1 + (a % 7), 100 * (instrument + 1), double.NaN);
        }

        for (var a = 0; a < accounts; a += 97)
        {
            for (var extra = 1; extra <= a % 5; extra++)
            {
                var instrument = (a + extra) % Instruments;
                model[a].Add((instrument, -extra, 90 * (instrument + 1), double.NaN));
                book.ApplyPosition(new AccountId($"s{a}"), instrument, -extra, 90 * (instrument + 1), double.NaN);
            }

            if (a % 3 == 0 && model[a].Count > 1)
            {
                var closing = model[a][0].Instrument;
                model[a][0] = model[a][^1];
                model[a].RemoveAt(model[a].Count - 1);
                book.ApplyPosition(new AccountId($"s{a}"), closing, 0, 0, double.NaN);
            }
        }

        var marks = new double[Instruments];
        for (var i = 0; i < Instruments; i++)
        {
            marks[i] = 97 * (i + 1);
            book.ApplyMark(i, marks[i]);
        }

        for (var a = 0; a < accounts; a++)
        {
            Assert.True(book.TryGetAccount(new AccountId($"s{a}"), out var state));
            AssertBitForBit(book, catalog, state, 500 + (a % 13), model[a], marks);
        }
    }

    private static (MarginBook Book, InstrumentCatalog Catalog) NewBook()
    {
        var catalog = new InstrumentCatalog();
        for (var i = 0; i < Instruments; i++)
        {
            catalog.Upsert(Fixtures.Linear($"I{i}USDT", i % 2 == 0 ? Fixtures.BinanceBtcUsdt : MarginTiers.Flat(0.01)));
        }

        return (new MarginBook(MarginProfile.Binance, catalog), catalog);
    }

    private static void AssertBitForBit(MarginBook book, InstrumentCatalog catalog, AccountState state, double balance,
        List<(int Instrument, double Size, double Entry, double Isolated)> legs, double[] marks)
    {
        var terms = legs.Select(l => new PositionTerms(catalog[l.Instrument], l.Size, l.Entry, l.Isolated, double.IsNaN(marks[l.Instrument]) ? l.Entry : marks[l.Instrument])).ToArray();
        var expected = new PositionMargin[terms.Length];
        var totals = MarginCalculator.Compute(book.Profile, balance, terms, expected);
        Assert.Equal(balance, state.Balance);
        Assert.Equal(terms.Length, state.PositionCount);
        Assert.Equal(totals, state.Margin);
        for (var i = 0; i < terms.Length; i++)
        {
            Assert.Equal(legs[i].Instrument, state.InstrumentIndexAt(i));
            Assert.Equal(terms[i], state.Positions[i]);
            Assert.Equal(expected[i], state.PositionMargins[i]);
        }
    }
}
