using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Domain.Tests.Portfolio;

/// <summary>One projector loaded again and again: what an earlier load or projection left behind must not leak.</summary>
public sealed class PortfolioProjectorReuseTests
{
    [Fact]
    public void Project_AfterReloadingMoreUnits_CountsEveryLiquidatedAccount()
    {
        // A projector's first load (one account) and projection stamp account 0 as liquidated in that scenario. A second
        // load with more units than the first grows the per-unit buffers; the next projection must still count account 0
        // when it is liquidated again (found by the generated comparison with the reference: 10 accounts against 11).
        var tiers = MarginTiers.Flat(0.01);
        var instrument = new Instrument(new Symbol("X"), ContractKind.Linear, 0.01, 0.001, tiers);
        (double, double)[] bids = [(99, 1_000)];
        (double, double)[] asks = [(101, 1_000)];
        RefAccount Underwater() => new(0, [new RefLeg(0, 1, 100, 1)]); // margin 1 against MM 0.99 at 99: liquidated by a 1% drop
        var projector = new PortfolioProjector(MarginProfile.Binance);
        var outcome = new PortfolioOutcome();
        var small = new PortfolioCase(MarginProfile.Binance, [new RefInstrument(instrument, 100, bids, asks)], [Underwater()], [-0.01], 0, -1);
        small.Load(projector);
        small.Project(projector, outcome);
        Assert.Equal(1, outcome.LiquidatedAccounts);

        var large = small with { Accounts = [.. Enumerable.Range(0, 40).Select(_ => Underwater())] };
        large.Load(projector);
        large.Project(projector, outcome);

        Assert.Equal(40, outcome.LiquidatedUnits);
        Assert.Equal(40, outcome.LiquidatedAccounts);
        Assert.Equal(40, large.Reference().LiquidatedAccounts);
    }
}
