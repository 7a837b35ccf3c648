using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamRisk.Contracts;
using StreamRisk.Host.Monitoring;
using StreamRisk.Kafka;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Redis;
using StreamRisk.Simulation;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk demo</c>: everything on one machine with no services installed — an embedded Kafka cluster, a market
/// simulator producing instruments, books, marks, a leveraged population and shocks, the monitor consuming it, and
/// alerts to Redis (the given one, else a redis-server started on a free port when installed, else the console).
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output, TimeProvider time)
    {
        var brokers = new Option<int>("--brokers") { Description = "Brokers in the embedded Kafka cluster (1-9).", DefaultValueFactory = _ => 3, CustomParser = Cli.IntInRange(1, 9) };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Stop after this long (e.g. 60, 30s, 5m). Default: run until Ctrl+C.", CustomParser = Cli.ParsePositiveDuration };
        var prefix = new Option<string>("--topic-prefix") { Description = "Prefix of the Kafka topic names.", DefaultValueFactory = _ => TopicNames.DefaultPrefix };
        var redisOption = new Option<string?>("--redis")
        {
            Description = $"Redis to publish alerts to: HOST:PORT or a StackExchange.Redis configuration string (no password: see {RedisConnection.PasswordFileName}). Default: start redis-server on a free port if installed.",
            HelpName = "HOST:PORT",
            CustomParser = RedisConnection.ParseOption,
        };
        var passwordFile = RedisConnection.PasswordFileOption();
        var seed = new Option<int>("--seed") { Description = "Simulator seed: the same seed plays the same market.", DefaultValueFactory = _ => 1 };
        var dashboard = new Option<string>("--dashboard")
        {
            Description = "Where the dashboard, /metrics and /api listen (default: a free loopback port; anything else needs a token in STREAMRISK__DASHBOARD__TOKEN).",
            DefaultValueFactory = _ => "http://127.0.0.1:0",
        };
        var accounts = new Option<int>("--accounts") { Description = "Simulated accounts (100-1000000).", DefaultValueFactory = _ => 20_000, CustomParser = Cli.IntInRange(100, 1_000_000) };
        var reportEvery = new Option<TimeSpan?>("--report-every") { Description = "Print a health line (memory, lag, events/s, latencies) this often, e.g. 30s: a soak run.", CustomParser = Cli.ParsePositiveDuration };

        var command = new Command("demo", "Run the monitor on its embedded default: embedded Kafka, simulated market, alerts to Redis.")
        {
            brokers, duration, prefix, redisOption, passwordFile, seed, accounts, dashboard, reportEvery,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var dashboardUrls = parse.GetValue(dashboard) ?? "http://127.0.0.1:0";
            var dashboardToken = Environment.GetEnvironmentVariable("STREAMRISK__DASHBOARD__TOKEN") ?? string.Empty;
            // Before anything starts: a bad address is a command-line error, not a failure halfway through.
            Telemetry.MonitorWebHost.Validate(dashboardUrls, dashboardToken);
            var topics = TopicNames.WithPrefix(parse.GetValue(prefix) ?? TopicNames.DefaultPrefix);
            using var logging = Logging.RunLogging.Create(parse);
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

            var given = parse.GetValue(redisOption);
            var givenPasswordFile = parse.GetValue(passwordFile);
            // Checked (and the password file read) before anything starts; the options themselves are made by the runner.
            var givenEndpoints = given is null ? null : RedisConnection.Endpoints(RedisConnection.Options(given, givenPasswordFile));
            using var localRedis = StartRedis(given, givenEndpoints, out var redisConfiguration, out var redisNote);
            await output.WriteLineAsync("redis: " + redisNote).ConfigureAwait(false);
            if (redisConfiguration is not null)
            {
                // A command that works when pasted: the same --redis (which holds no password) and password file; a password
                // from the environment reaches the hook the same way.
                var hook = "streamrisk hook --redis " + RedisConnection.ShellQuoted(redisConfiguration)
                    + (given is not null && givenPasswordFile is not null ? $" {RedisConnection.PasswordFileName} {RedisConnection.ShellQuoted(givenPasswordFile)}" : string.Empty)
                    + " --exec cat";
                await output.WriteLineAsync("  alerts stream   XRANGE streamrisk:alerts - +").ConfigureAwait(false);
                await output.WriteLineAsync("  act on alerts   " + hook).ConfigureAwait(false);
                await output.WriteLineAsync("  live channels   PSUBSCRIBE streamrisk:alerts:*   (streamrisk:alerts:{severity}:{symbol})").ConfigureAwait(false);
                await output.WriteLineAsync("  per symbol      HGETALL streamrisk:state:BTCUSDT").ConfigureAwait(false);
            }

            var limit = parse.GetValue(duration);
            var settings = new MonitorSettings
            {
                Kafka = new KafkaSettings { BootstrapServers = cluster.BootstrapServers, TopicPrefix = topics.Instruments[..^"instruments".Length], SessionTimeoutMs = 6000, HeartbeatIntervalMs = 2000,
                    FetchWaitMaxMs = EmbeddedKafkaCluster.FetchWaitMaxMs },
                Redis = new RedisSettings { Configuration = redisConfiguration ?? string.Empty, PasswordFile = given is null ? null : givenPasswordFile },
                Dashboard = new DashboardSettings { Urls = dashboardUrls, Token = dashboardToken },
            };
            await output.WriteLineAsync(limit is { } d ? $"running for {d.TotalSeconds:0.###} s" : "running; press Ctrl+C to stop").ConfigureAwait(false);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            if (limit is { } l)
            {
                stop.CancelAfter(l);
            }

            using var producer = new WireProducer(cluster.BootstrapServers, topics, log: logging.CreateLogger(Logging.LogCategories.Kafka));
            var feed = new SimulationFeed(message => producer.Send(message), new SimulatorOptions { Seed = parse.GetValue(seed), Accounts = parse.GetValue(accounts) }, time);
            var feeding = Task.Run(async () =>
            {
                try
                {
                    await feed.RunAsync(limit ?? TimeSpan.FromDays(3650), stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The demo is stopping.
                }
            }, CancellationToken.None);

            using var telemetry = new Telemetry.StreamRiskTelemetry();
            using var health = parse.GetValue(reportEvery) is null ? null : new Telemetry.HealthSampler(telemetry, output, time);
            var sampling = health?.RunAsync(parse.GetValue(reportEvery)!.Value, stop.Token) ?? Task.CompletedTask;
            var runner = new MonitorRunner(settings, output, logging, time) { Telemetry = telemetry };
            var summary = await runner.RunAsync(stop.Token).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false); // the run may have ended on its own (an engine failure): the feed stops too
            await feeding.ConfigureAwait(false);
            await sampling.ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"demo stopped: {feed.Produced:N0} simulated events produced")).ConfigureAwait(false);
            await output.WriteLineAsync(RunCommand.Summary(summary)).ConfigureAwait(false);
            return summary.Failure is null ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static LocalRedisServer? StartRedis(string? given, string? endpoints, out string? configuration, out string note)
    {
        if (given is not null)
        {
            configuration = given;
            note = $"publishing alerts to {endpoints}";
            return null;
        }

        if (LocalRedisServer.FindExecutable() is null)
        {
            configuration = null;
            note = "redis-server is not installed (apt-get install redis-server, or pass --redis HOST:PORT); alerts go to this console only";
            return null;
        }

        var server = LocalRedisServer.Start();
        configuration = $"127.0.0.1:{server.Port}";
        if (Environment.GetEnvironmentVariable(RedisConnection.PasswordVariable) is { Length: > 0 } password)
        {
            // The monitor and a hook started from the printed hint both authenticate with it: the server asks for it too
            // (set over the connection, not on redis-server's command line, which any user can read).
            using var admin = ConnectionMultiplexer.Connect(server.ConnectionString + ",allowAdmin=true");
            admin.GetServer(admin.GetEndPoints()[0]).Execute("CONFIG", "SET", "requirepass", password);
        }

        note = $"started redis-server on 127.0.0.1:{server.Port} (stopped when the demo ends)";
        return server;
    }
}
