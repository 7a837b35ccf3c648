using System.Text;
using StreamRisk.Engine;
using StreamRisk.Replay.Binance;
using StreamRisk.Replay.Capture;
using StreamRisk.Replay.InProcess;
using StreamRisk.Testing;

namespace StreamRisk.Replay.Tests.Binance;

/// <summary>
/// The BTCUSDT capture replayed with the venue liquidation engine on: after every mark no position is left past its
/// liquidation price, every fill settles the fund exactly, and the run is the same every time.
/// </summary>
public sealed class VenueLiquidationReplayTests(ITestOutputHelper output)
{
    private static readonly EngineOptions Options = new() { LiquidationEngine = LiquidationEngineMode.Venue, SystemInterval = TimeSpan.Zero };

    // Marks of the capture run from 61,800.25 down to 61,590.35 and up to 61,839.85. Isolated longs with thin margin
    // have their LP inside that range; "late-long" (opened at 64,000) is past its LP and its bankruptcy price (63,700)
    // from the first mark after it arrives, so its fill costs more than the fund (0) holds and ADL takes the profitable
    // short over at 63,700; the cross whale sells 30 BTC into the book.
    private const string Population = """
        {"accounts":[
          {"id":"thin-long-1","balance":0,"positions":[{"symbol":"BTCUSDT","size":2,"entry":61800,"isolatedMargin":741.6}]},
          {"id":"thin-long-2","balance":0,"positions":[{"symbol":"BTCUSDT","size":1,"entry":61750,"isolatedMargin":350}]},
          {"id":"late-long","balance":0,"positions":[{"symbol":"BTCUSDT","size":1,"entry":64000,"isolatedMargin":300}]},
          {"id":"cross-whale","balance":15000,"positions":[{"symbol":"BTCUSDT","size":30,"entry":61800}]},
          {"id":"profitable-short","balance":1000000,"positions":[{"symbol":"BTCUSDT","size":-50,"entry":65000}]}
        ]}
        """;

    [Fact]
    public void BtcusdtCapture_SyntheticSeed1_NoPositionStaysPastItsLiquidationPrice()
    {
        var (replay, marks) = Replay(new BinanceSourceOptions { Files = [Capture], PopulationSeed = 1 }, Options);

        Assert.Equal(481, marks);
        output.WriteLine($"synthetic:seed=1: {replay.Liquidations!.Fills.Count} fills, {replay.Liquidations.LiquidatedNotional:N0} notional");
    }

    [Fact]
    public void BtcusdtCapture_PositionsCrossedByThePath_LiquidatedSettledExactlyAndAdlCoversTheDeficit()
    {
        var source = new BinanceSourceOptions { Files = [Capture], PositionsFile = Encoding.UTF8.GetBytes(Population) };
        var options = Options with { DefaultInsuranceFund = 0 };

        var (replay, _) = Replay(source, options);

        var venue = replay.Liquidations!;
        foreach (var fill in venue.Fills)
        {
            output.WriteLine(fill.ToString());
        }

        Assert.Equal(["cross-whale", "late-long", "thin-long-1", "thin-long-2"], venue.Fills.Select(f => f.Account).Distinct().Order(StringComparer.Ordinal));
        for (var i = 0; i < venue.Fills.Count; i++)
        {
            var fill = venue.Fills[i];
            // Exact: the fund moves by the fill's settlement, and by ADL's cover only when it went negative.
            Assert.Equal(i == 0 ? 0 : venue.Fills[i - 1].FundAfter, fill.FundBefore);
            if (fill.AdlSize == 0)
            {
                Assert.Equal(fill.FundBefore + fill.ToFund, fill.FundAfter);
            }
            else
            {
                Assert.True(fill.FundBefore + fill.ToFund < 0 && fill.FundAfter >= -1e-6, fill.ToString());
            }
        }

        Assert.Contains(venue.Fills, f => f.AdlSize > 0);
        Assert.True(replay.Engine.Margins.TryGetAccount(new Domain.AccountId("profitable-short"), out var adl));
        Assert.True(adl.Positions[0].Size > -50, "ADL reduced the profitable short");
        Assert.Equal(replay.Engine.InsuranceFundOf(0), venue.Fills[^1].FundAfter);

        // The same replay again: the same fills, bit for bit.
        var (again, _) = Replay(new BinanceSourceOptions { Files = [Capture], PositionsFile = Encoding.UTF8.GetBytes(Population) }, options);
        Assert.Equal(venue.Fills, again.Liquidations!.Fills);
    }

    private static string Capture => SharedData.Path("binance-usdm", "btcusdt_20240808.gz");

    /// <summary>Replays in process and checks after every mark that no position of the margin state, nor of the ladders, is past the mark.</summary>
    private static (InProcessReplay Replay, int Marks) Replay(BinanceSourceOptions source, EngineOptions options)
    {
        using var outputs = new ReplayOutputs(null);
        var replay = new InProcessReplay(options, outputs, new ReplayPacer(0, TimeProvider.System));
        var marks = 0;
        new BinanceReplaySource(new BinanceCaptureSource(source)).Play(record =>
        {
            replay.Apply(record);
            if (record.Topic == CaptureTopics.Marks)
            {
                marks++;
                AssertNothingPastItsLiquidationPrice(replay.Engine);
            }
        }, CancellationToken.None);
        replay.Dispose();
        return (replay, marks);
    }

    private static void AssertNothingPastItsLiquidationPrice(RiskEngine engine)
    {
        var mark = engine.Projector.MarkOf(0);
        foreach (var account in engine.Margins.Accounts)
        {
            for (var i = 0; i < account.PositionCount; i++)
            {
                var lp = account.PositionMargins[i].LiquidationPrice;
                var past = account.Positions[i].Size > 0 ? lp >= mark : lp <= mark;
                Assert.False(past, $"{account.Id.Value} at mark {mark}: LP {lp}, size {account.Positions[i].Size}");
            }
        }

        // The ladders file an LP on its bucket rounded toward liquidation (at most one bucket early): nothing may be
        // filed a bucket or more beyond the mark.
        var bucket = engine.Accounts.Ladders.TickOf(0);
        if (bucket > 0)
        {
            Assert.Equal(0, engine.Accounts.Ladders.View(0, longSide: true)!.Crossed(mark + bucket).Count);
            Assert.Equal(0, engine.Accounts.Ladders.View(0, longSide: false)!.Crossed(mark - bucket).Count);
        }
    }
}
