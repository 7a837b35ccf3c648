using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine.Tests;

public sealed class LargePositionsTests
{
    [Fact]
    public void On_AfterEveryEvent_EqualsAScanOfEveryPositionAtTheCurrentMark()
    {
        // The by-size index must name exactly the positions a scan of the book finds at or above the threshold.
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var catalog = new InstrumentCatalog();
            catalog.Upsert(new Instrument(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004)));
            catalog.Upsert(new Instrument(new Symbol("BTCUSD"), ContractKind.Inverse, 0.1, 1, MarginTiers.Flat(0.004), 100));
            double[] reference = [60_000, 60_000];
            double[] minimum = [250_000, 4];
            var book = new MarginBook(MarginProfile.Binance, catalog);
            var large = new LargePositions(i => minimum[i], book);
            book.Listener = large;

            for (var step = 0; step < 300; step++)
            {
                var instrument = random.Next(2);
                var id = new AccountId("a" + random.Next(30));
                switch (random.Next(10))
                {
                    case < 3:
                        book.ApplyMark(instrument, reference[instrument] * (0.6 + (random.NextDouble() * 0.8)));
                        break;
                    case < 4:
                        // Far moves (0.1× to 10×): past the size floor's reach both ways, so it is set again.
                        book.ApplyMark(instrument, reference[instrument] * Math.Pow(10, (random.NextDouble() * 2) - 1));
                        break;
                    case < 5:
                        book.ApplyBalance(id, 1_000 + (random.NextDouble() * 50_000));
                        break;
                    default:
                        var size = random.Next(8) == 0 ? 0 : (random.NextDouble() - 0.5) * (instrument == 0 ? 12 : 7_000);
                        var entry = reference[instrument] * (0.9 + (random.NextDouble() * 0.2));
                        book.ApplyPosition(id, instrument, size, entry, random.Next(2) == 0 ? double.NaN : Math.Abs(size) * 50);
                        break;
                }

                for (var i = 0; i < 2; i++)
                {
                    var scan = new List<string>();
                    foreach (var account in book.Accounts)
                    {
                        for (var p = 0; p < account.PositionCount; p++)
                        {
                            if (account.InstrumentIndexAt(p) == i && account.PositionMargins[p].Notional >= minimum[i])
                            {
                                scan.Add(account.Id.Value);
                            }
                        }
                    }

                    var found = large.On(i).Select(x => x.Account.Id.Value).ToList();
                    scan.Sort(StringComparer.Ordinal);
                    found.Sort(StringComparer.Ordinal);
                    Assert.Equal(scan, found);
                }
            }
        }
    }
}
