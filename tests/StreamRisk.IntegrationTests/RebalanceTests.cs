using StreamRisk.Contracts;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Contracts.Wire;
using StreamRisk.Engine;
using StreamRisk.Engine.Ingest;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>Accounts split across instances by positions partition; a rebalance drops revoked accounts and rebuilds assigned ones.</summary>
public sealed class RebalanceTests
{
    private const long T0 = 1_723_161_255_000;
    private const int Accounts = 240;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SecondInstanceJoins_AccountsEndUpSplitWithEveryAccountOwnedExactlyOnce()
    {
        var topics = new TopicNames();
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        foreach (var (name, partitions) in topics.WithDefaultPartitions())
        {
            cluster.CreateTopic(name, partitions);
        }

        var symbol = new Symbol("XUSDT");
        using (var producer = new WireProducer(cluster.BootstrapServers, topics))
        {
            producer.Instrument(new Instrument(symbol, ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)), T0);
            producer.BookSnapshot(symbol, T0, 1, [new PriceLevel(9_990, 100)], [new PriceLevel(10_010, 100)]);
            producer.Mark(symbol, T0, 100);
            for (var i = 0; i < Accounts; i++)
            {
                producer.Account(new AccountId($"acct-{i:000}"), 1, T0, 1_000, [(symbol, 1 + (i % 7), 100, double.NaN)]);
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var options = new KafkaMonitorOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "split", SessionTimeoutMs = 3000, HeartbeatIntervalMs = 500 };
        var first = new Instance(options);
        Assert.True(await Eventually.TrueAsync(() => first.Applied >= Accounts + 3, Deadline), $"first instance applied {first.Applied}");

        var second = new Instance(options);
        Assert.True(await Eventually.TrueAsync(() => second.Applied > 3, Deadline), "the second instance got no positions partition");
        // Let the group settle: no new applies for a while on either side.
        long last = -1;
        await Eventually.TrueAsync(() =>
        {
            var now = first.Applied + second.Applied;
            var settled = now == last;
            last = now;
            return settled;
        }, Deadline, TimeSpan.FromSeconds(3));

        // Read what each instance owns while both still run (stopping one would hand its partitions to the other).
        var a = first.Owned;
        var b = second.Owned;
        first.Dispose();
        second.Dispose();

        Assert.NotEmpty(a);
        Assert.NotEmpty(b);
        Assert.Empty(a.Intersect(b));
        Assert.Equal(Accounts, a.Union(b).Count());
    }

    /// <summary>One monitor instance without outputs: Kafka source → applier → engine.</summary>
    private sealed class Instance : IDisposable
    {
        private readonly RiskEngine _engine = new(new EngineOptions());
        private readonly EventApplier _applier;
        private readonly IDisposable _subscription;
        private readonly ManualResetEventSlim _stopped = new();
        private HashSet<string> _owned = [];

        public Instance(KafkaMonitorOptions options)
        {
            _applier = new EventApplier(_engine, new EventClock(), (_, reason, detail) => throw new InvalidOperationException($"dead letter {reason}: {detail}"));
            _subscription = KafkaSource.Create(options, stopped: _stopped.Set).Subscribe(m =>
            {
                _applier.Apply(m);
                if (m.Kind != IngestKind.Message || m.Record.Topic == WireTopic.Positions)
                {
                    // Published from the engine thread, the state's only writer; the test thread reads the copy.
                    Volatile.Write(ref _owned, AccountsWithPositions());
                }
            }, _ => { }, () => { });
        }

        public HashSet<string> Owned => Volatile.Read(ref _owned);

        public long Applied => _applier.Counters.TotalApplied;

        private HashSet<string> AccountsWithPositions() =>
            _engine.Margins.Accounts.Where(x => x.PositionCount > 0).Select(x => x.Id.Value).ToHashSet(StringComparer.Ordinal);

        public void Dispose()
        {
            _subscription.Dispose();
            _stopped.Wait(TimeSpan.FromSeconds(30)); // the consume thread has left the group: the engine is ours to read
            _stopped.Dispose();
        }
    }
}
