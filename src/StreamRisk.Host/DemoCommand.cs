using System.CommandLine;
using StreamRisk.Contracts;
using StreamRisk.Kafka.Embedded;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk demo</c>: everything on one machine with no services installed. Today it starts the
/// embedded Kafka cluster with the StreamRisk topics and reports what the full demo runs on it; the
/// monitor, simulator and dashboard join this same command as they land (the command does not change).
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output, TimeProvider time)
    {
        var brokers = new Option<int>("--brokers")
        {
            Description = "Brokers in the embedded Kafka cluster (1-9).",
            DefaultValueFactory = _ => 3,
            CustomParser = Cli.IntInRange(1, 9),
        };
        var duration = new Option<TimeSpan?>("--duration")
        {
            Description = "Stop after this long (e.g. 30s, 5m). Default: run until Ctrl+C.",
            CustomParser = Cli.ParseDuration,
        };
        var prefix = new Option<string>("--topic-prefix") { Description = "Prefix of the Kafka topic names.", DefaultValueFactory = _ => TopicNames.DefaultPrefix };

        var command = new Command("demo", "Run the monitor on its embedded default: embedded Kafka, simulated market, dashboard.")
        {
            brokers, duration, prefix,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var topics = TopicNames.WithPrefix(parse.GetValue(prefix) ?? TopicNames.DefaultPrefix);
            using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = parse.GetValue(brokers) });
            foreach (var (name, partitions) in topics.WithDefaultPartitions())
            {
                cluster.CreateTopic(name, partitions);
            }

            await output.WriteLineAsync($"embedded Kafka: {cluster.BrokerCount} brokers at {cluster.BootstrapServers}").ConfigureAwait(false);
            foreach (var (name, partitions) in topics.WithDefaultPartitions())
            {
                await output.WriteLineAsync($"  topic {name} ({partitions} partitions)").ConfigureAwait(false);
            }

            await output.WriteLineAsync("monitor: consumers -> margin state -> cascade projections -> alerts run here once they land; connect any Kafka client to the address above meanwhile.").ConfigureAwait(false);
            var limit = parse.GetValue(duration);
            await output.WriteLineAsync(limit is { } d ? $"running for {d.TotalSeconds:0.###} s" : "running; press Ctrl+C to stop").ConfigureAwait(false);
            await output.FlushAsync(cancel).ConfigureAwait(false);
            try
            {
                await Task.Delay(limit ?? Timeout.InfiniteTimeSpan, time, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: a normal way to stop the demo.
            }

            await output.WriteLineAsync("demo stopped").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
