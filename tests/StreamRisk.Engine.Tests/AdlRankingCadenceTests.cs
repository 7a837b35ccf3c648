using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Engine.Tests;

/// <summary>ADL candidates are ranked at a mark cadence of event time (EngineOptions.AdlRankingInterval).</summary>
public sealed class AdlRankingCadenceTests
{
    private static readonly Instrument Btc = new(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004));

    [Theory]
    [InlineData(null, 10)] // the default: a second
    [InlineData(1_000, 10)]
    [InlineData(0, 50)] // every mark
    [InlineData(2_500, 4)]
    public void Marks_EveryFifthOfASecondForTenSeconds_RankedAtTheInterval(int? intervalMs, long rankings)
    {
        var options = intervalMs is { } ms ? new EngineOptions { AdlRankingInterval = TimeSpan.FromMilliseconds(ms) } : new EngineOptions();
        var engine = new RiskEngine(options);
        var btc = engine.ApplyInstrument(Btc);
        engine.ApplyAccount(new AccountId("long"), 10_000, [(btc, 1.0, 60_000.0, 0.0)], 0);

        for (var time = 0L; time < 10_000; time += 200)
        {
            engine.ApplyMark(btc, 60_000 + time / 100.0, time);
        }

        Assert.Equal(rankings, engine.Accounts.AdlRankings.Count);
    }
}
