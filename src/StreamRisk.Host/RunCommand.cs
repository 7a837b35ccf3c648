using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using StreamRisk.Host.Monitoring;
using StreamRisk.Replay.InProcess;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk run</c>: the monitor against a real Kafka cluster and Redis. Configuration from appsettings.json
/// (or <c>--config FILE</c>), then <c>STREAMRISK__…</c> environment variables, then flags — later wins.
/// </summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TimeProvider time)
    {
        var config = new Option<string?>("--config") { Description = "JSON settings file (default: appsettings.json in the working directory, if present)." };
        var bootstrap = new Option<string?>("--bootstrap") { Description = "Kafka bootstrap servers (StreamRisk:Kafka:BootstrapServers)." };
        var group = new Option<string?>("--group") { Description = "Consumer group id shared by all instances (StreamRisk:Kafka:GroupId)." };
        var prefix = new Option<string?>("--topic-prefix") { Description = "Prefix of the topic names (StreamRisk:Kafka:TopicPrefix)." };
        var redis = new Option<string?>("--redis")
        {
            Description = $"HOST:PORT or a StackExchange.Redis configuration string, no password (StreamRisk:Redis:Configuration).",
            HelpName = "HOST:PORT",
            CustomParser = RedisConnection.ParseOption,
        };
        var passwordFile = RedisConnection.PasswordFileOption();
        passwordFile.Description += " (StreamRisk:Redis:PasswordFile)";
        var profile = new Option<string?>("--profile") { Description = "Venue margin profile (StreamRisk:Engine:Profile)." };
        var ordering = new Option<string?>("--event-time-ordering") { Description = "true: apply input in event-time order across topics, as a replay through Kafka needs (StreamRisk:Kafka:EventTimeOrdering)." };
        var role = new Option<string?>("--role") { Description = "all (default), accounts or projector: the stages of a scaled-out deployment (StreamRisk:Role)." };
        var outDir = new Option<string?>("--out") { Description = "Also write alerts.ndjson and projections.ndjson here, as replay --out does." };
        var command = new Command("run", "Run the monitor against Kafka and Redis (configuration: appsettings.json, STREAMRISK__ env, flags).")
        {
            config, bootstrap, group, prefix, redis, passwordFile, profile, ordering, role, outDir,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
            void Flag(Option<string?> option, string key)
            {
                if (parse.GetValue(option) is { } value)
                {
                    flags["StreamRisk:" + key] = value;
                }
            }

            Flag(bootstrap, "Kafka:BootstrapServers");
            Flag(group, "Kafka:GroupId");
            Flag(prefix, "Kafka:TopicPrefix");
            Flag(redis, "Redis:Configuration");
            Flag(passwordFile, "Redis:PasswordFile");
            Flag(profile, "Engine:Profile");
            Flag(ordering, "Kafka:EventTimeOrdering");
            Flag(role, "Role");
            var settings = LoadSettings(parse.GetValue(config), flags);
            settings.Validate();
            using var logging = Logging.RunLogging.Create(parse);
            await output.WriteLineAsync($"streamrisk run: Kafka {settings.Kafka.BootstrapServers} (group {settings.Kafka.GroupId}), " +
                $"Redis {(string.IsNullOrEmpty(settings.Redis.Configuration) ? "off (alerts to this console)" : "on")}, profile {settings.Engine.Profile}").ConfigureAwait(false);
            if (settings.Role == Roles.Accounts)
            {
                // No web host here: the account stage exports its spans itself (when an OTLP endpoint is set).
                using var telemetry = new Telemetry.StreamRiskTelemetry();
                using var traces = Telemetry.TraceExport.StartFromEnvironment("streamrisk-accounts");
                var accounts = new AccountPartitionsRunner(settings, logging) { Activities = telemetry.Activities };
                var applied = await accounts.RunAsync(cancel).ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"summary: {applied:N0} events applied by the account stage")).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            using var outputs = parse.GetValue(outDir) is { } dir ? new ReplayOutputs(dir) : null;
            var runner = new MonitorRunner(settings, output, logging, time) { Outputs = outputs };
            var summary = await runner.RunAsync(cancel).ConfigureAwait(false);
            await output.WriteLineAsync(Summary(summary)).ConfigureAwait(false);
            return summary.Failure is null ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>
    /// The settings <c>run</c> works with: <paramref name="file"/> (else <c>appsettings.json</c> in the working directory,
    /// if present), then <c>STREAMRISK__</c> environment variables, then <paramref name="flags"/> (keys such as
    /// <c>StreamRisk:Kafka:BootstrapServers</c>), later sources winning. Not yet validated.
    /// </summary>
    public static MonitorSettings LoadSettings(string? file, IReadOnlyDictionary<string, string?> flags)
    {
        if (file is not null && !File.Exists(file))
        {
            throw new UsageException($"{file}: no such file");
        }

        var builder = new ConfigurationBuilder();
        builder.AddJsonFile(Path.GetFullPath(file ?? "appsettings.json"), optional: file is null);
        builder.AddEnvironmentVariables(prefix: "STREAMRISK__");
        builder.AddInMemoryCollection(flags);
        try
        {
            // Environment variables come without the section name (STREAMRISK__KAFKA__...): nest them under it.
            var raw = builder.Build();
            var merged = new ConfigurationBuilder().AddConfiguration(raw)
                .AddInMemoryCollection(raw.AsEnumerable().Where(kv => !kv.Key.StartsWith("StreamRisk", StringComparison.OrdinalIgnoreCase) && kv.Value is not null)
                    .Select(kv => new KeyValuePair<string, string?>("StreamRisk:" + kv.Key, kv.Value)))
                .AddInMemoryCollection(flags)
                .Build();
            return MonitorSettings.From(merged);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            // A file that is not JSON, or a value of the wrong type; the inner message says where.
            throw new UsageException("configuration: " + (ex.InnerException?.Message ?? ex.Message));
        }
    }

    /// <summary>"CascadeRisk 2, LiquidationWall 1" — alerts raised by rule, in rule order; "none" when empty.</summary>
    public static string RuleCounts(IReadOnlyDictionary<string, int> byRule) =>
        byRule.Count == 0 ? "none" : string.Join(", ", byRule.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}"));

    public static string Summary(MonitorSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var rules = RuleCounts(summary.AlertsByRule);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"summary: {summary.EventsApplied:N0} events applied, {summary.DeadLettered:N0} dead-lettered, {summary.AlertTransitions:N0} alert transitions; alerts raised by rule: {rules}");
        return summary.Failure is null ? line : line + "; stopped: " + summary.Failure;
    }
}
