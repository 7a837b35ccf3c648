using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;
using StreamRisk.Simulation;

namespace StreamRisk.Host.Tests;

/// <summary>
/// Allocation per applied event in steady state (decode + margin + ladders + book): book deltas allocate nothing; marks,
/// position changes and liquidation fills only when a structure grows (a position opened on a new leg, an index
/// doubling), which must stay rare. The input records are made up front here, as the Kafka source makes them outside
/// the applier.
/// </summary>
[Collection(nameof(ApplyAllocationTests))]
public sealed class ApplyAllocationTests
{
    [Fact]
    public void SteadyStateApply_BookDeltasAllocateNothing_MarksAndPositionChangesOnlyWhenAStructureGrows()
    {
        var options = new SimulatorOptions { Seed = 4, Accounts = 500 };
        using var messages = new SimulationMessages(options);
        var events = new MarketSimulator(options).Run(1_704_067_200_000, TimeSpan.FromMinutes(10))
            .Select(messages.Encode)
            .Select((m, i) => IngestedMessage.Of(new WireRecord(m.Topic, m.Key, m.Value, 0, i)))
            .Take(60_000)
            .ToList();
        var engine = new RiskEngine(new EngineOptions());
        var deadLetters = 0;
        var applier = new EventApplier(engine, new EventClock(), (_, _, _) => deadLetters++);

        // Warm-up: every account, level and buffer comes into being, and the code reaches its optimized tier. Tier-0
        // code may allocate short-lived objects that .NET 10's optimizing JIT keeps on the stack, and tier-up happens
        // on a background thread after a method has been hot for a while, later under CPU contention — the likeliest
        // reading of this test's rare failures on a busy machine (not confirmed). So the warm-up pauses twice to let
        // the background compilation catch up before the window is measured.
        for (var i = 0; i < 40_000; i++)
        {
            applier.Apply(events[i]);
            if (i is 25_000 or 35_000)
            {
                Thread.Sleep(500);
            }
        }

        var measured = events.Skip(40_000).ToList();
        var kinds = measured.GroupBy(e => e.Record.Topic).ToDictionary(g => g.Key, g => g.Count());
        var byKind = new Dictionary<WireTopic, long>();
        var allocatingByKind = new Dictionary<WireTopic, int>();
        var largest = 0L;
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var message in measured)
        {
            var start = GC.GetAllocatedBytesForCurrentThread();
            applier.Apply(message);
            var used = GC.GetAllocatedBytesForCurrentThread() - start;
            if (used > 0)
            {
                byKind[message.Record.Topic] = byKind.GetValueOrDefault(message.Record.Topic) + used;
                allocatingByKind[message.Record.Topic] = allocatingByKind.GetValueOrDefault(message.Record.Topic) + 1;
                largest = Math.Max(largest, used);
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, deadLetters);
        Assert.True(kinds.GetValueOrDefault(WireTopic.Book) > 1_000 && kinds.GetValueOrDefault(WireTopic.Marks) > 1_000 && kinds.GetValueOrDefault(WireTopic.Positions) > 100,
            string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}")));
        var report = $"{allocated:N0} bytes for {measured.Count:N0} events: "
            + string.Join(", ", byKind.Select(k => $"{k.Key} {k.Value:N0} B in {allocatingByKind[k.Key]:N0} of {kinds[k.Key]:N0}")) + $"; largest {largest:N0} B";
        // Counted by events that allocated, not bytes: in CI on a loaded machine (never locally, tiering pinned or not) one
        // event now and then allocates ~8 KB on this thread — once a mark, once a book delta — the cause not found (the
        // runtime, not a structure of ours: the same event kinds allocate nothing before and after it). An allocation
        // per event would show in most of the ~10,000 book deltas and ~5,000 marks.
        Assert.True(allocatingByKind.GetValueOrDefault(WireTopic.Book) <= 1, report);
        // Marks: a structure growing now and then (a list reaching a new size) is allowed, an allocation per mark is not.
        Assert.True(allocatingByKind.GetValueOrDefault(WireTopic.Marks) <= Math.Max(5, kinds[WireTopic.Marks] / 500), report);
        Assert.True((double)byKind.GetValueOrDefault(WireTopic.Positions) / kinds[WireTopic.Positions] < 64, report);
        // The simulated venue's fills name their accounts and settle with the fund: again only a structure growing.
        Assert.True(kinds.GetValueOrDefault(WireTopic.Liquidations) > 20, report);
        Assert.True(allocatingByKind.GetValueOrDefault(WireTopic.Liquidations) <= Math.Max(5, kinds[WireTopic.Liquidations] / 10), report);
    }
}

/// <summary>
/// Runs the allocation test on its own, after the assembly's parallel tests. It failed once in CI (no message kept)
/// while the bench smoke test saturated both cores beside it; the likeliest cause is the background tier-up of the
/// apply path lagging even the warm-up's pauses, so it no longer shares the cores with the rest of the assembly.
/// </summary>
[CollectionDefinition(nameof(ApplyAllocationTests), DisableParallelization = true)]
public sealed class ApplyAllocationCollection;
