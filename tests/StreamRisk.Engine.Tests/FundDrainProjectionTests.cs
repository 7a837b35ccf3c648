using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine.Tests;

/// <summary>The shock grid against the insurance fund: a move drains the fund only by what its own chain costs it.</summary>
public sealed class FundDrainProjectionTests
{
    private static readonly Instrument Btc = new(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004));

    // An emptied fund is left a rounding hair under zero by the settlement that emptied it (fund − deficit + ADL cover).
    [Theory]
    [InlineData(0.0)]
    [InlineData(-3.6e-12)]
    public void Project_EmptyFundAndNoPositionNearItsBankruptcy_NoMoveDrainsIt(double fund)
    {
        var engine = new RiskEngine(new EngineOptions { DefaultInsuranceFund = fund });
        var btc = engine.ApplyInstrument(Btc);
        engine.ApplyBookSnapshot(btc, 1, [new PriceLevel(599_000, 1_000), new PriceLevel(500_000, 1_000)], [new PriceLevel(601_000, 1_000), new PriceLevel(700_000, 1_000)], 0);
        engine.ApplyMark(btc, 60_000, 0);

        // 2x long and short: bankrupt only about 50 % away, far beyond the grid's 10 %.
        engine.ApplyAccount(new AccountId("long"), 0, [(btc, 1.0, 60_000.0, 30_000.0)], 0);
        engine.ApplyAccount(new AccountId("short"), 0, [(btc, -1.0, 60_000.0, 30_000.0)], 0);

        var risk = engine.Project(btc, 1_000)!;

        Assert.Null(risk.FundDrainShockDown);
        Assert.Null(risk.FundDrainShockUp);
    }

    [Fact]
    public void Project_EmptyFundAndALongBankruptWithinTheGrid_TheMoveThatLiquidatesItPastBankruptcyDrainsIt()
    {
        var engine = new RiskEngine(new EngineOptions { DefaultInsuranceFund = -3.6e-12 });
        var btc = engine.ApplyInstrument(Btc);
        engine.ApplyBookSnapshot(btc, 1, [new PriceLevel(500_000, 1_000)], [new PriceLevel(601_000, 1_000)], 0);
        engine.ApplyMark(btc, 60_000, 0);

        // 20x isolated long: LP ≈ 57,229, BP 57,000; the only bid is 50,000, past its bankruptcy.
        engine.ApplyAccount(new AccountId("long"), 0, [(btc, 1.0, 60_000.0, 3_000.0)], 0);

        var risk = engine.Project(btc, 1_000)!;

        Assert.NotNull(risk.FundDrainShockDown);
        Assert.InRange(risk.FundDrainShockDown!.Value, 0.04, 0.06);
        Assert.Null(risk.FundDrainShockUp);
    }
}
