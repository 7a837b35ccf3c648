using System.Text;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Engine.Ingest;

namespace StreamRisk.Engine.Tests.Ingest;

/// <summary>
/// The applier's verdicts: what it refuses goes to the dead-letter callback with its reason and changes neither the
/// engine's state nor event time.
/// </summary>
public sealed class EventApplierTests
{
    private const long Start = 1_760_130_900_000; // 2025-10-10T21:15:00Z

    private readonly RiskEngine _engine = new(new EngineOptions { MaxInstruments = 3 });
    private readonly EventClock _clock = new();
    private readonly List<string> _reasons = [];
    private long _offset;

    private EventApplier NewApplier(TimeProvider? wallClock = null)
    {
        var applier = new EventApplier(_engine, _clock, (_, reason, _) => _reasons.Add(reason), wallClock: wallClock);
        Apply(applier, WireTopic.Instruments, """{"v":1,"symbol":"BTCUSDT","tickSize":"0.1","tiers":[{"floor":0,"mmr":0.004}]}""");
        return applier;
    }

    [Fact]
    public void Insurance_SymbolAndVenueWideFunds_SetTheBalanceTheProjectionsRead()
    {
        var applier = NewApplier();
        Assert.Equal(1_000_000, _engine.InsuranceFundOf(0));

        Apply(applier, WireTopic.Insurance, $$"""{"v":1,"fund":"binance-usdm","eventTime":{{Start}},"balance":"250000000"}""");
        Assert.Equal(250_000_000, _engine.InsuranceFundOf(0));
        Assert.Equal("binance-usdm", _engine.Projector.Funds.FundNameOf(0));

        Apply(applier, WireTopic.Insurance, $$"""{"v":1,"fund":"BTCUSDT","eventTime":{{Start + 1}},"balance":7500000}""");
        Assert.Equal(7_500_000, _engine.InsuranceFundOf(0));
        Assert.Equal("BTCUSDT", _engine.Projector.Funds.FundNameOf(0));
        Assert.Equal(2, applier.Counters.Applied(WireTopic.Insurance));
        Assert.Empty(_reasons);
    }

    [Fact]
    public void Liquidation_NamingAHeldAccount_SettlesTheFillWithTheFund_UntilTheVenueSaysOtherwise()
    {
        var applier = NewApplier();
        Apply(applier, WireTopic.Marks, Mark(Start, 58_500));
        // Long 2 BTC at 60,000 on 6,000 of isolated margin: bankrupt at 57,000.
        Apply(applier, WireTopic.Positions, $$"""{"v":1,"type":"account","account":"whale","seq":1,"eventTime":{{Start}},"balance":0,"positions":[{"symbol":"BTCUSDT","size":2,"entry":60000,"isolatedMargin":6000}]}""");

        // 1 BTC filled at 58,000, above bankruptcy: half the margin (3,000) less the loss (2,000) goes to the fund.
        Apply(applier, WireTopic.Liquidations, $$"""{"v":1,"symbol":"BTCUSDT","eventTime":{{Start + 1_000}},"side":"long","price":58000,"size":1,"account":"whale"}""");
        Assert.Equal(1_001_000d, _engine.InsuranceFundOf(0));

        // The venue's balance replaces the monitor's as of its event time.
        Apply(applier, WireTopic.Insurance, $$"""{"v":1,"fund":"BTCUSDT","eventTime":{{Start + 2_000}},"balance":2000000}""");
        Assert.Equal(2_000_000d, _engine.InsuranceFundOf(0));

        // The other 1 BTC at 56,500, past bankruptcy: 3,000 − 3,500, the fund pays 500 (the position is closed by the
        // positions feed, not by the fill, so the account still holds 2 here).
        Apply(applier, WireTopic.Liquidations, $$"""{"v":1,"symbol":"BTCUSDT","eventTime":{{Start + 3_000}},"side":"long","price":56500,"size":1,"account":"whale"}""");
        Assert.Equal(1_999_500d, _engine.InsuranceFundOf(0));

        // A fill older than the venue's balance is already in it; a fill naming no account (public feeds), or an account
        // the monitor does not hold, has nothing to settle from. None of them moves the fund.
        Apply(applier, WireTopic.Liquidations, $$"""{"v":1,"symbol":"BTCUSDT","eventTime":{{Start + 1_500}},"side":"long","price":58000,"size":1,"account":"whale"}""");
        Apply(applier, WireTopic.Liquidations, $$"""{"v":1,"symbol":"BTCUSDT","eventTime":{{Start + 4_000}},"side":"long","price":50000,"size":1}""");
        Apply(applier, WireTopic.Liquidations, $$"""{"v":1,"symbol":"BTCUSDT","eventTime":{{Start + 4_000}},"side":"long","price":50000,"size":1,"account":"stranger"}""");
        Assert.Equal(1_999_500d, _engine.InsuranceFundOf(0));

        // A rejected fill changes nothing either.
        Apply(applier, WireTopic.Liquidations, $$"""{"v":1,"symbol":"BTCUSDT","eventTime":{{Start + 5_000}},"side":"long","price":-1,"size":1,"account":"whale"}""");
        Assert.Equal(1_999_500d, _engine.InsuranceFundOf(0));
        Assert.Equal(["negative:price"], _reasons);

        // Read in arrival order, a balance can come after a later fill: it replaces the fund as of its own time, and the
        // fill after that time stays on top of it. A balance older than the last one is stale.
        Apply(applier, WireTopic.Insurance, $$"""{"v":1,"fund":"BTCUSDT","eventTime":{{Start + 2_500}},"balance":3000000}""");
        Assert.Equal(2_999_500d, _engine.InsuranceFundOf(0));
        Apply(applier, WireTopic.Insurance, $$"""{"v":1,"fund":"BTCUSDT","eventTime":{{Start + 2_400}},"balance":5000000}""");
        Assert.Equal(2_999_500d, _engine.InsuranceFundOf(0));
        Apply(applier, WireTopic.Insurance, $$"""{"v":1,"fund":"BTCUSDT","eventTime":{{Start + 3_000}},"balance":4000000}""");
        Assert.Equal(4_000_000d, _engine.InsuranceFundOf(0));
    }

    [Fact]
    public void Liquidation_OfACrossPosition_SettlesItsShareOfTheWalletByNotional()
    {
        var applier = NewApplier();
        Apply(applier, WireTopic.Instruments, """{"v":1,"symbol":"ETHUSDT","tickSize":"0.01","tiers":[{"floor":0,"mmr":0.005}]}""");
        Apply(applier, WireTopic.Marks, Mark(Start, 60_000));
        Apply(applier, WireTopic.Marks, $$"""{"v":1,"symbol":"ETHUSDT","eventTime":{{Start}},"price":3000}""");
        // Cross: 1 BTC (60,000 of notional) and 10 ETH (30,000) on a 9,000 wallet: BTC's share is 6,000.
        Apply(applier, WireTopic.Positions, $$"""{"v":1,"type":"account","account":"cross","seq":1,"eventTime":{{Start}},"balance":9000,"positions":[{"symbol":"BTCUSDT","size":1,"entry":61000},{"symbol":"ETHUSDT","size":10,"entry":3000}]}""");

        // Half the BTC at 59,000: 3,000 of collateral, a 1,000 loss on the half closed.
        Apply(applier, WireTopic.Liquidations, $$"""{"v":1,"symbol":"BTCUSDT","eventTime":{{Start + 1_000}},"side":"long","price":59000,"size":0.5,"account":"cross"}""");
        Assert.Equal(1_002_000d, _engine.InsuranceFundOf(0));
        Assert.Equal(1_000_000d, _engine.InsuranceFundOf(1));
        Assert.Empty(_reasons);
    }

    [Fact]
    public void Insurance_Malformed_DeadLetteredAndFundAndClockUnchanged()
    {
        var applier = NewApplier();
        Apply(applier, WireTopic.Marks, Mark(Start, 61_800));

        Apply(applier, WireTopic.Insurance, $$"""{"v":1,"fund":"BTCUSDT","eventTime":{{Start + 1_000}},"balance":-1}""");
        Apply(applier, WireTopic.Insurance, $$"""{"v":1,"fund":"BTCUSDT","eventTime":{{Start + 2_000}}}""");
        Apply(applier, WireTopic.Insurance, """{"v":1,"fund":"BTCUSDT","eventTime":9000000000000000,"balance":5}""");

        Assert.Equal(["negative:balance", "missing:balance", "out-of-range:eventTime"], _reasons);
        Assert.Equal(1_000_000, _engine.InsuranceFundOf(0));
        Assert.Equal(Start, _clock.Now);
        Assert.Equal(0, applier.Counters.Applied(WireTopic.Insurance));
        Assert.Equal(3, applier.Counters.DeadLettered);
    }

    [Fact]
    public void Mark_EventTimeBeyondLatest_DeadLetteredAndClockUnchanged()
    {
        var applier = NewApplier();
        Apply(applier, WireTopic.Marks, Mark(Start, 61_800));

        Apply(applier, WireTopic.Marks, Mark(9_000_000_000_000_000, 61_900));

        Assert.Equal(["out-of-range:eventTime"], _reasons);
        Assert.Equal(Start, _clock.Now);
        Apply(applier, WireTopic.Marks, Mark(Start + 1_000, 62_000));
        Assert.Equal(Start + 1_000, _clock.Now);
        Assert.Equal(2, applier.Counters.Applied(WireTopic.Marks));
    }

    [Fact]
    public void Mark_EventTimeFarAheadOfWallClock_DeadLettered_WithinMaxAheadApplied()
    {
        var applier = NewApplier(new FixedTime(DateTimeOffset.FromUnixTimeMilliseconds(Start)));

        Apply(applier, WireTopic.Marks, Mark(Start + (long)TimeSpan.FromHours(1).TotalMilliseconds, 61_800));
        Apply(applier, WireTopic.Marks, Mark(Start + 5_000, 61_800));

        Assert.Equal(["out-of-range:eventTime"], _reasons);
        Assert.Equal(Start + 5_000, _clock.Now);
    }

    [Fact]
    public void Mark_PriceBeyondTickRange_DeadLetteredAndClockUnchanged()
    {
        var applier = NewApplier();
        Apply(applier, WireTopic.Marks, Mark(Start, 61_800));

        Apply(applier, WireTopic.Marks, Encoding.UTF8.GetBytes($"{{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":{Start + 60_000},\"price\":1e308}}"));

        Assert.Equal(["out-of-range:price"], _reasons);
        Assert.Equal(Start, _clock.Now);
    }

    [Fact]
    public void BookDelta_OutdatedAndDatedAhead_DeadLetteredAndClockAndBookUnchanged()
    {
        var applier = NewApplier();
        Apply(applier, WireTopic.Book, $$"""{"v":1,"type":"snapshot","symbol":"BTCUSDT","eventTime":{{Start}},"lastId":10,"bids":[[61800,1]],"asks":[[61801,1]]}""");
        Apply(applier, WireTopic.Book, $$"""{"v":1,"type":"delta","symbol":"BTCUSDT","eventTime":{{Start + 100}},"firstId":11,"lastId":12,"prevId":10,"bids":[[61800,2]],"asks":[]}""");
        var version = _engine.BookOf(0)!.Version;

        // A replayed duplicate of an older delta, dated an hour ahead.
        Apply(applier, WireTopic.Book, $$"""{"v":1,"type":"delta","symbol":"BTCUSDT","eventTime":{{Start + 3_600_000}},"firstId":9,"lastId":10,"prevId":8,"bids":[[61000,5]],"asks":[]}""");

        Assert.Equal([EventApplier.OutOfOrderBook], _reasons);
        Assert.Equal(Start + 100, _clock.Now);
        Assert.Equal(version, _engine.BookOf(0)!.Version);
        Assert.Equal(12, _engine.BookOf(0)!.LastUpdateId);
    }

    [Fact]
    public void Position_EventTimeRefused_SequenceNotTaken()
    {
        var applier = NewApplier();
        Apply(applier, WireTopic.Positions, Position(seq: 5, 9_000_000_000_000_000));
        Apply(applier, WireTopic.Positions, Position(seq: 5, Start));

        Assert.Equal(["out-of-range:eventTime"], _reasons);
        Assert.Equal(1, applier.Counters.Applied(WireTopic.Positions));
        Assert.Equal(Start, _clock.Now);
    }

    [Fact]
    public void Instrument_NewBeyondMaxInstruments_DeadLettered_KnownOneStillRedefined()
    {
        var applier = NewApplier();
        foreach (var symbol in new[] { "ETHUSDT", "SOLUSDT", "XRPUSDT" })
        {
            Apply(applier, WireTopic.Instruments, $$"""{"v":1,"symbol":"{{symbol}}","tiers":[{"floor":0,"mmr":0.005}]}""");
        }

        Apply(applier, WireTopic.Instruments, """{"v":1,"symbol":"ETHUSDT","tickSize":"0.05","tiers":[{"floor":0,"mmr":0.006}]}""");

        Assert.Equal(["too-many:instruments"], _reasons);
        Assert.Equal(3, _engine.Catalog.Count);
        Assert.Equal(4, applier.Counters.Applied(WireTopic.Instruments));
        Assert.Equal(0.05, _engine.Catalog[1].TickSize);
    }

    private static byte[] Mark(long eventTime, double price) =>
        Encoding.UTF8.GetBytes(FormattableString.Invariant($"{{\"v\":1,\"symbol\":\"BTCUSDT\",\"eventTime\":{eventTime},\"price\":{price}}}"));

    private static byte[] Position(long seq, long eventTime) =>
        Encoding.UTF8.GetBytes($$"""{"v":1,"type":"position","account":"alice","seq":{{seq}},"eventTime":{{eventTime}},"symbol":"BTCUSDT","size":1,"entry":61800}""");

    [Fact]
    public void Accounts_AreFoundByTheDecodersKey_InTheOneIdTable_NumberedByTheBookInTheOrderTheyFirstChange()
    {
        var applier = NewApplier();
        // A fill names an account the book does not hold: the decoder keys it (key 0), the book does not take it in.
        Apply(applier, WireTopic.Liquidations, $$"""{"v":1,"symbol":"BTCUSDT","eventTime":{{Start}},"side":"long","price":50000,"size":1,"account":"stranger"}""");
        Apply(applier, WireTopic.Positions, $$"""{"v":1,"type":"account","account":"alice","seq":1,"eventTime":{{Start}},"balance":1000,"positions":[{"symbol":"BTCUSDT","size":1,"entry":60000}]}""");
        Apply(applier, WireTopic.Positions, $$"""{"v":1,"type":"balance","account":"bob","seq":1,"eventTime":{{Start}},"balance":500}""");
        Apply(applier, WireTopic.Positions, $$"""{"v":1,"type":"balance","account":"alice","seq":2,"eventTime":{{Start}},"balance":2000}""");

        var margins = _engine.Accounts.Margins;
        Assert.Empty(_reasons);
        Assert.Equal(3, margins.Ids.Count); // one table: the decoder's keys are the book's
        Assert.Equal(2, margins.AccountCount); // no hole for the stranger
        Assert.False(margins.TryGetAccount(new AccountKey(0), out _));
        Assert.True(margins.TryGetAccount(new AccountKey(1), out var alice));
        Assert.Equal(("alice", 0, 2000d), (alice.Id.Value, alice.Slot, alice.Balance));
        Assert.True(margins.TryGetAccount(new AccountId("bob"), out var bob));
        Assert.Equal((1, 500d), (bob.Slot, bob.Balance));
    }

    private void Apply(EventApplier applier, WireTopic topic, string json) => Apply(applier, topic, Encoding.UTF8.GetBytes(json));

    private void Apply(EventApplier applier, WireTopic topic, byte[] value) =>
        applier.Apply(IngestedMessage.Of(new WireRecord(topic, "BTCUSDT"u8.ToArray(), value, 0, _offset++)));

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
