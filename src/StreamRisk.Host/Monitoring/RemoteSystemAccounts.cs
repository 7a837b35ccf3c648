using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Engine;

namespace StreamRisk.Host.Monitoring;

/// <summary>
/// A scaled-out projector's system accounts: each view is asked of the account partitions through the system exchange,
/// as of the input being applied when the view falls due (its stage: a partition answers once it has applied
/// everything up to it).
/// </summary>
internal sealed class RemoteSystemAccounts(IShareTransport transport, Func<long> inputStage) : ISystemAccounts
{
    /// <summary>
    /// Critical-shock steps per batch: each batch costs its rounds in exchanges, so the scan asks 25 steps (2.5%) of
    /// both directions at once rather than one.
    /// </summary>
    public const int ShockStepsPerBatch = 25;

    public IPortfolioBatches Open(long view, IReadOnlyList<Instrument> instruments, IReadOnlyList<double> marks, IReadOnlyList<SideDepth> bids,
        IReadOnlyList<SideDepth> asks, int largest) =>
        new RemotePortfolioBatches(transport, view, inputStage(), instruments, marks, bids, asks, largest, ShockStepsPerBatch);
}
