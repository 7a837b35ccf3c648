using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Testing;

namespace StreamRisk.Kafka.Tests;

/// <summary>
/// What the source tells the health checks: no assignment while the group has not given one, then each positions
/// partition "catching up" until read to the high watermark it had when assigned, then none — read from another
/// thread while the consume thread is held inside an event.
/// </summary>
public sealed class SourceStatusTests
{
    private const long T0 = 1_723_161_255_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Progress_GroupNotYetAssigned_ThenPositionsCatchingUp_ThenRebuilt()
    {
        var topics = new TopicNames();
        // The group's first join waits 3 s: a window in which the source has started and holds no partition.
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1, InitialRebalanceDelay = TimeSpan.FromSeconds(3) });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        var symbol = new Symbol("XUSDT");
        using (var producer = new WireProducer(cluster.BootstrapServers, topics))
        {
            producer.Instrument(new Instrument(symbol, ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)), T0);
            producer.BookSnapshot(symbol, T0, 1, [new PriceLevel(9_990, 100)], [new PriceLevel(10_010, 100)]);
            for (var i = 0; i < 200; i++)
            {
                producer.Account(new AccountId($"acct-{i:000}"), 1, T0, 1_000, [(symbol, 1, 100, double.NaN)]);
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var status = new SourceStatus();
        using var hold = new ManualResetEventSlim(false);
        using var held = new ManualResetEventSlim(false);
        var options = new KafkaMonitorOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "status", SessionTimeoutMs = 3000, HeartbeatIntervalMs = 1000, FetchWaitMaxMs = EmbeddedKafkaCluster.FetchWaitMaxMs };
        var stopped = new TaskCompletionSource();
        var subscription = KafkaSource.Create(options, stopped: () => stopped.TrySetResult(), status: status).Subscribe(message =>
        {
            if (message.Kind == IngestKind.Message && message.Record.Topic == WireTopic.Positions && !held.IsSet)
            {
                // The engine thread stuck in its first positions message: the partition cannot be read on.
                held.Set();
                hold.Wait(Deadline);
            }
        });
        try
        {
            Assert.True(await Eventually.TrueAsync(() => status.Progress.Step is null, Deadline), $"start-up did not end: {status.Progress}");
            var beforeJoin = status.Progress;
            Assert.False(beforeJoin.GroupAssigned, "assigned before the group's first join could complete");
            Assert.Empty(beforeJoin.Positions);

            Assert.True(held.Wait(Deadline, TestContext.Current.CancellationToken), "no positions message arrived");
            var rebuilding = status.Progress;
            Assert.True(rebuilding.GroupAssigned);
            Assert.Equal(12, rebuilding.Positions.Count);
            Assert.Contains(rebuilding.CatchingUp, p => p.Kind == WireTopic.Positions);
            var turnsWhileHeld = status.Turns;
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.Equal(turnsWhileHeld, status.Turns); // a held thread turns no more: what the stall check sees

            hold.Set();
            Assert.True(await Eventually.TrueAsync(() => status.Progress.CatchingUp.Count == 0, Deadline), $"still catching up: {string.Join(", ", status.Progress.CatchingUp)}");
            Assert.True(status.Turns > turnsWhileHeld, "the loop did not turn on once released");
            Assert.True(await Eventually.TrueAsync(() => status.Lag is { Total: 0 }, Deadline), $"lag {status.Lag}");
        }
        finally
        {
            hold.Set();
            subscription.Dispose();
            await stopped.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        }
    }
}
