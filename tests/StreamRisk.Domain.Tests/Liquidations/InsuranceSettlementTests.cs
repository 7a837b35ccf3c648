using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Liquidations;

namespace StreamRisk.Domain.Tests.Liquidations;

/// <summary>The fund settled exactly per fill: collateral left at the fill price goes to (or comes from) the fund.</summary>
public sealed class InsuranceSettlementTests
{
    private static readonly Instrument Btc = new(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004));

    // Long 2 BTC at 60,000 with 6,000 isolated margin: bankruptcy price 60,000 − 6,000 / 2 = 57,000.

    [Fact]
    public void ToFund_LongFilledAboveBankruptcy_SurplusFeedsTheFund()
    {
        // Filled at 57,400: 6,000 + 2 × (57,400 − 60,000) = 6,000 − 5,200 = 800.
        var toFund = InsuranceSettlement.ToFund(6_000, Btc.UnrealizedPnl(2, 60_000, 57_400));

        Assert.Equal(800, toFund);
        Assert.Equal((1_000_800.0, 0.0), InsuranceSettlement.Settle(1_000_000, toFund));
    }

    [Fact]
    public void ToFund_LongFilledBelowBankruptcy_TheFundPays()
    {
        // Filled at 56,500: 6,000 + 2 × (56,500 − 60,000) = 6,000 − 7,000 = −1,000.
        var toFund = InsuranceSettlement.ToFund(6_000, Btc.UnrealizedPnl(2, 60_000, 56_500));

        Assert.Equal(-1_000, toFund);
        Assert.Equal((999_000.0, 0.0), InsuranceSettlement.Settle(1_000_000, toFund));
    }

    [Fact]
    public void ToFund_ShortFilledBelowBankruptcy_SurplusFeedsTheFund()
    {
        // Short 2 at 60,000 with 6,000: BP 63,000; bought back at 62,000: 6,000 + (−2) × (62,000 − 60,000) = 2,000.
        var toFund = InsuranceSettlement.ToFund(6_000, Btc.UnrealizedPnl(-2, 60_000, 62_000));

        Assert.Equal(2_000, toFund);
    }

    [Fact]
    public void Settle_FundCannotCover_EmptiedAndTheRestIsAdlDeficit()
    {
        // A fund of 300 pays 300 of a 1,000 loss; ADL covers 700.
        Assert.Equal((0.0, 700.0), InsuranceSettlement.Settle(300, -1_000));
    }

    [Fact]
    public void Settle_FundAlreadyNegative_TheWholeLossIsAdlDeficit()
    {
        Assert.Equal((-50.0, 1_000.0), InsuranceSettlement.Settle(-50, -1_000));
    }

    [Fact]
    public void AdlSize_DeficitOverLossPerUnit_CappedAtTheFilledSize()
    {
        // Filled at 56,500 against BP 57,000: each unit taken over at the BP covers 500; 700 needs 1.4 of the 2.
        Assert.Equal(1.4, InsuranceSettlement.AdlSize(700, 2, 56_500, 57_000), 12);
        Assert.Equal(2, InsuranceSettlement.AdlSize(5_000, 2, 56_500, 57_000));
        Assert.Equal(0, InsuranceSettlement.AdlSize(0, 2, 56_500, 57_000));
        Assert.Equal(2, InsuranceSettlement.AdlSize(700, 2, 56_500, double.NaN));
    }
}
