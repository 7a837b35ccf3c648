using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine.Tests;

public sealed class EngineOwnershipTests
{
    [Fact]
    public void ApplyMark_FromASecondThread_RefusedInDebugBuilds()
    {
        var engine = new RiskEngine(new EngineOptions());
        var symbol = engine.ApplyInstrument(new Instrument(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004))); // this thread owns it now

        Exception? error = null;
        var other = new Thread(() => error = Record.Exception(() => engine.ApplyMark(symbol, 60_000, 1_000)));
        other.Start();
        other.Join();

#if DEBUG
        Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("owned by thread", error.Message, StringComparison.Ordinal);
#else
        Assert.Null(error); // the check is compiled out of release builds
#endif
        engine.ApplyMark(symbol, 60_000, 1_000); // the owner still may
    }
}
