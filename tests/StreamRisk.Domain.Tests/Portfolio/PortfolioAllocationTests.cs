using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Margin;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Reference;

namespace StreamRisk.Domain.Tests.Portfolio;

/// <summary>
/// A projection allocates nothing once its buffers have grown: the engine asks for dozens every second, on its one
/// thread, and garbage there is latency for every other event.
/// </summary>
public sealed class PortfolioAllocationTests
{
    [Fact]
    public void Projections_SteadyState_AllocateNothing()
    {
        var scenario = PortfolioScenario.Generate(3_000, instruments: 5, seed: 3);
        var projector = new PortfolioProjector(MarginProfile.Binance);
        scenario.LoadInto(projector);
        var system = new SystemRisk(projector);
        var outcome = new PortfolioOutcome();
        double[] betas = [1, 1.2, 1.3, 1.4, 1.5];
        var top = new CriticalAccount[5];
        double[] crash = [-0.1, 0, 0, 0, 0];
        var sizes = new long[6];

        void All()
        {
            var at = GC.GetAllocatedBytesForCurrentThread();
            for (var k = 0; k < CascadeShocks.DefaultGrid.Count; k++)
            {
                system.ProjectFactor(0, -CascadeShocks.DefaultGrid[k], betas, 1_000_000, outcome);
                system.ProjectFactor(0, CascadeShocks.DefaultGrid[k], betas, 1_000_000, outcome);
            }

            sizes[0] = GC.GetAllocatedBytesForCurrentThread() - at;
            system.Contagion(0.05, 1_000_000);
            sizes[1] = GC.GetAllocatedBytesForCurrentThread() - at;
            system.CriticalShock(0, betas, CascadeDirection.Down, 1_000_000);
            sizes[2] = GC.GetAllocatedBytesForCurrentThread() - at;
            system.CriticalAccounts(1_000_000, 16, top);
            sizes[3] = GC.GetAllocatedBytesForCurrentThread() - at;
            projector.Project(crash, -1_000_000, outcome, forcedAccount: 7); // a negative fund: ADL and deficits
            sizes[4] = GC.GetAllocatedBytesForCurrentThread() - at;
        }

        All(); // grows every buffer
        Assert.True(outcome.RoundCount > 0, "the scenario liquidates nothing: the test would prove little");

        var before = GC.GetAllocatedBytesForCurrentThread();
        All();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated == 0, $"allocated {allocated} B; cumulative after grid, contagion, critical shock, critical accounts, forced: {string.Join(", ", sizes)}");
    }
}
