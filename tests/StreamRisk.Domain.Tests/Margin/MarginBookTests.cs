using CsCheck;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Tests.Margin;

public sealed class MarginBookTests
{
    private const int AccountCount = 6;
    private const int InstrumentCount = 3;

    private static readonly double[] Reference = [60_000, 3_000, 150];

    private enum Kind
    {
        Mark,
        Balance,
        Position,
        Snapshot,
    }

    private readonly record struct Event(Kind Kind, int Account, int Instrument, double A, double B, double C, bool Isolated);

    private static readonly Gen<Event> Events = Gen.Select(
        Gen.Int[0, 9], Gen.Int[0, AccountCount - 1], Gen.Int[0, InstrumentCount - 1],
        Gen.Double[-1, 1], Gen.Double[0.8, 1.2], Gen.Double[0.01, 1], Gen.Bool,
        (k, account, instrument, a, b, c, isolated) => new Event(
            k switch { < 3 => Kind.Mark, < 5 => Kind.Balance, < 9 => Kind.Position, _ => Kind.Snapshot },
            account, instrument, a, b, c, isolated));

    [Fact]
    public void IncrementalState_AfterEveryEvent_EqualsFromScratchRecomputation()
    {
        Events.Array[1, 120].Sample(events =>
        {
            var catalog = new InstrumentCatalog();
            catalog.Upsert(Fixtures.Linear("BTCUSDT", Fixtures.BinanceBtcUsdt));
            catalog.Upsert(Fixtures.Linear("ETHUSDT", MarginTiers.Create([(0, 0.005, null), (100_000, 0.0075, null)])));
            catalog.Upsert(Fixtures.Linear("SOLUSDT", MarginTiers.Flat(0.01)));
            var book = new MarginBook(MarginProfile.Binance, catalog);
            var model = new Model();

            foreach (var e in events)
            {
                var versionsBefore = book.Accounts.ToDictionary(a => a.Id, a => a.Version);
                var touched = Apply(book, model, e);

                foreach (var account in book.Accounts)
                {
                    AssertMatchesScratch(book, model, account);
                    var expectChange = touched.Contains(account.Id) || !versionsBefore.ContainsKey(account.Id);
                    var changed = !versionsBefore.TryGetValue(account.Id, out var before) || before != account.Version;
                    Assert.True(expectChange == changed, $"account {account.Id}: touched={expectChange} but recomputed={changed} after {e}");
                }
            }
        }, iter: 400);
    }

    [Fact]
    public void ApplyMark_RecomputesOnlyHoldersOfThatSymbol()
    {
        var catalog = new InstrumentCatalog();
        var btc = catalog.Upsert(Fixtures.Linear("BTCUSDT", Fixtures.BinanceBtcUsdt));
        var eth = catalog.Upsert(Fixtures.Linear("ETHUSDT", MarginTiers.Flat(0.005)));
        var book = new MarginBook(MarginProfile.Binance, catalog);
        // Two cross positions: the BTC mark moves the ETH position's liquidation price too, so the holder is recomputed.
        book.ApplyPosition(new AccountId("holder"), btc, 1, 60_000, double.NaN);
        var holder = book.ApplyPosition(new AccountId("holder"), eth, 10, 3_000, double.NaN);
        book.ApplyPosition(new AccountId("other"), eth, 10, 3_000, double.NaN);
        // A lone cross position: no liquidation price of it moves with its mark, so the mark skips it (brought up to date when read).
        book.ApplyPosition(new AccountId("lone"), btc, 2, 61_000, double.NaN);
        // Observed through the listener and the counter, never through the accounts' getters (a read brings figures up to date).
        var listener = new RepricedListener();
        book.Listener = listener;
        var recomputationsBefore = book.MarkRecomputations;

        var recomputed = book.ApplyMark(btc, 59_000);

        Assert.Equal(1, recomputed);
        Assert.Equal(1, book.MarkRecomputations - recomputationsBefore);
        Assert.Equal(["holder"], listener.Repriced.Distinct());
        Assert.Empty(listener.Updated);
        Assert.Equal(-1_000, holder.PositionMargins[0].UnrealizedPnl, 9);
    }

    private sealed class RepricedListener : IMarginListener
    {
        public List<string> Repriced { get; } = [];

        public List<string> Updated { get; } = [];

        public void PositionUpdated(AccountState account, int position) => Updated.Add(account.Id.Value);

        public void PositionRepriced(AccountState account, int position) => Repriced.Add(account.Id.Value);

        public void PositionClosed(AccountState account, int instrumentIndex) => Updated.Add(account.Id.Value);
    }

    [Fact]
    public void ApplyPosition_SizeZero_ClosesThePositionAndStopsMarkUpdatesForIt()
    {
        var catalog = new InstrumentCatalog();
        var btc = catalog.Upsert(Fixtures.Linear("BTCUSDT", Fixtures.BinanceBtcUsdt));
        var book = new MarginBook(MarginProfile.Binance, catalog);
        var account = book.ApplyPosition(new AccountId("a"), btc, 1, 60_000, double.NaN);

        book.ApplyPosition(new AccountId("a"), btc, 0, 0, double.NaN);

        Assert.Equal(0, account.PositionCount);
        Assert.Equal(0, book.ApplyMark(btc, 10_000));
        Assert.False(account.Margin.Liquidatable);
    }

    [Fact]
    public void ApplyInstrument_NewTiers_RecomputesHolders()
    {
        var catalog = new InstrumentCatalog();
        var book = new MarginBook(MarginProfile.Generic, catalog);
        var sol = book.ApplyInstrument(Fixtures.Linear("SOLUSDT", MarginTiers.Flat(0.01)));
        var account = book.ApplyPosition(new AccountId("a"), sol, 100, 150, double.NaN);

        book.ApplyInstrument(Fixtures.Linear("SOLUSDT", MarginTiers.Flat(0.02)));

        Assert.Equal(300, account.Margin.MaintenanceMargin, 9);
    }

    private static HashSet<AccountId> Apply(MarginBook book, Model model, Event e)
    {
        var id = new AccountId("acct-" + e.Account);
        switch (e.Kind)
        {
            case Kind.Mark:
                var mark = Reference[e.Instrument] * e.B;
                model.Marks[e.Instrument] = mark;
                book.ApplyMark(e.Instrument, mark);
                return model.Accounts.Where(kv => kv.Value.Positions.ContainsKey(e.Instrument)).Select(kv => kv.Key).ToHashSet();
            case Kind.Balance:
                var balance = 100 + (Math.Abs(e.A) * 100_000);
                model.Get(id).Balance = balance;
                book.ApplyBalance(id, balance);
                return [id];
            case Kind.Position:
                var (size, entry, isolated) = PositionFrom(e);
                if (size == 0)
                {
                    model.Get(id).Positions.Remove(e.Instrument);
                }
                else
                {
                    model.Get(id).Positions[e.Instrument] = (size, entry, isolated);
                }

                book.ApplyPosition(id, e.Instrument, size, entry, isolated);
                return [id];
            default:
                var snapshotBalance = 1_000 + (e.C * 50_000);
                var legs = new List<(int, double, double, double)>();
                for (var i = 0; i <= e.Instrument; i++)
                {
                    var (s, en, iso) = PositionFrom(e with { Instrument = i, A = e.A * (i + 1) / 3 });
                    if (s != 0)
                    {
                        legs.Add((i, s, en, iso));
                    }
                }

                var account = model.Get(id);
                account.Balance = snapshotBalance;
                account.Positions.Clear();
                foreach (var (i, s, en, iso) in legs)
                {
                    account.Positions[i] = (s, en, iso);
                }

                book.ApplyAccount(id, snapshotBalance, legs.ToArray());
                return [id];
        }
    }

    private static (double Size, double Entry, double Isolated) PositionFrom(Event e)
    {
        // About one change in ten closes the position.
        var size = Math.Abs(e.A) < 0.1 ? 0 : e.A * 200_000 / Reference[e.Instrument];
        var entry = Reference[e.Instrument] * e.B;
        var isolated = e.Isolated ? Math.Abs(size) * entry * e.C * 0.5 : double.NaN;
        return (size, entry, isolated);
    }

    private static void AssertMatchesScratch(MarginBook book, Model model, AccountState account)
    {
        var expected = model.Accounts[account.Id];
        Assert.Equal(expected.Positions.Count, account.PositionCount);
        var terms = expected.Positions.OrderBy(kv => kv.Key)
            .Select(kv => new PositionTerms(book.Catalog[kv.Key], kv.Value.Size, kv.Value.Entry, kv.Value.Isolated,
                model.Marks.TryGetValue(kv.Key, out var m) ? m : kv.Value.Entry))
            .ToArray();
        var results = new PositionMargin[terms.Length];
        var totals = MarginCalculator.Compute(book.Profile, expected.Balance, terms, results);

        AssertClose(totals.Equity, account.Margin.Equity);
        AssertClose(totals.MaintenanceMargin, account.Margin.MaintenanceMargin);
        AssertClose(totals.CrossEquity, account.Margin.CrossEquity);
        Assert.Equal(totals.Liquidatable, account.Margin.Liquidatable);
        var byInstrument = expected.Positions.Keys.Order().ToArray();
        for (var i = 0; i < account.PositionCount; i++)
        {
            var at = Array.IndexOf(byInstrument, account.InstrumentIndexAt(i));
            // Cross totals are summed in a different order: equal up to rounding, not bit for bit.
            AssertClose(results[at].LiquidationPrice, account.PositionMargins[i].LiquidationPrice);
            AssertClose(results[at].BankruptcyPrice, account.PositionMargins[i].BankruptcyPrice);
            AssertClose(results[at].MaintenanceMargin, account.PositionMargins[i].MaintenanceMargin);
        }
    }

    private static void AssertClose(double expected, double actual)
    {
        if (double.IsNaN(expected))
        {
            Assert.True(double.IsNaN(actual), $"expected no price, got {actual}");
            return;
        }

        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");
    }

    private sealed class Model
    {
        public Dictionary<AccountId, AccountModel> Accounts { get; } = [];
        public Dictionary<int, double> Marks { get; } = [];

        public AccountModel Get(AccountId id)
        {
            if (!Accounts.TryGetValue(id, out var account))
            {
                account = new AccountModel();
                Accounts.Add(id, account);
            }

            return account;
        }
    }

    private sealed class AccountModel
    {
        public double Balance { get; set; }
        public Dictionary<int, (double Size, double Entry, double Isolated)> Positions { get; } = [];
    }
}
