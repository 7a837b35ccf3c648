using CsCheck;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Tests.Margin;

/// <summary>
/// A mark leaves an account unrecomputed (and its listeners untold) only when none of its liquidation or bankruptcy
/// prices can move. Checked bit for bit: after every event, what the listener last heard for each position equals the
/// account's figures read now (which brings a skipped account up to date), under every venue profile.
/// </summary>
public sealed class SkippedMarkTests
{
    private static readonly double[] Reference = [60_000, 3_000, 150];

    public static TheoryData<string> Profiles => new(MarginProfile.All.Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ListenerView_AfterEveryEvent_EqualsTheAccountsCurrentPricesBitForBit(string profileName)
    {
        var profile = MarginProfile.All.Single(p => p.Name == profileName);
        var events = Gen.Select(Gen.Int[0, 9], Gen.Int[0, 7], Gen.Int[0, 2], Gen.Double[-1, 1], Gen.Double[0.7, 1.3], Gen.Double[0.02, 1], Gen.Bool);
        events.Array[1, 150].Sample(stream =>
        {
            var catalog = new InstrumentCatalog();
            catalog.Upsert(Fixtures.Linear("BTCUSDT", Fixtures.BinanceBtcUsdt));
            catalog.Upsert(Fixtures.Linear("ETHUSDT", MarginTiers.Create([(0, 0.005, null), (100_000, 0.0075, null), (1_000_000, 0.02, null)])));
            catalog.Upsert(Fixtures.Linear("SOLUSDT", MarginTiers.Flat(0.01)));
            var book = new MarginBook(profile, catalog);
            var heard = new Heard();
            book.Listener = heard;

            foreach (var (kind, account, instrument, a, b, c, isolated) in stream)
            {
                var id = new AccountId("a" + account);
                if (kind < 5)
                {
                    book.ApplyMark(instrument, Reference[instrument] * b);
                }
                else if (kind < 6)
                {
                    book.ApplyBalance(id, 50 + (c * 20_000));
                }
                else
                {
                    var size = Math.Abs(a) < 0.1 ? 0 : a * 300_000 / Reference[instrument];
                    var entry = Reference[instrument] * b;
                    book.ApplyPosition(id, instrument, size, entry, isolated ? Math.Abs(size) * entry * c * 0.3 : double.NaN);
                }

                foreach (var state in book.Accounts)
                {
                    for (var i = 0; i < state.PositionCount; i++)
                    {
                        var margin = state.PositionMargins[i];
                        var last = heard.Last[(state.Slot, state.InstrumentIndexAt(i))];
                        Assert.Equal(state.Positions[i].Size, last.Size);
                        Assert.Equal(margin.LiquidationPrice, last.Lp);
                        Assert.Equal(margin.BankruptcyPrice, last.Bp);
                    }
                }
            }
        }, iter: 150);
    }

    private sealed class Heard : IMarginListener
    {
        public Dictionary<(int Slot, int Instrument), (double Size, double Lp, double Bp)> Last { get; } = [];

        public void PositionUpdated(AccountState account, int position)
        {
            var margin = account.PositionMargins[position];
            Last[(account.Slot, account.InstrumentIndexAt(position))] = (account.Positions[position].Size, margin.LiquidationPrice, margin.BankruptcyPrice);
        }

        public void PositionClosed(AccountState account, int instrumentIndex) => Last.Remove((account.Slot, instrumentIndex));
    }
}
