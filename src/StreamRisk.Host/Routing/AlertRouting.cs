using Microsoft.Extensions.Configuration;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Routing;

/// <summary>What <c>hook --post</c> sends: the alert JSON itself, or a Slack or PagerDuty message.</summary>
internal enum AlertTemplate
{
    /// <summary>The alert JSON as written to the stream (the wire contract, unchanged).</summary>
    Raw,

    /// <summary>A Slack incoming-webhook message (<see cref="SlackMessage"/>).</summary>
    Slack,

    /// <summary>A PagerDuty Events API v2 event (<see cref="PagerDutyEvent"/>).</summary>
    PagerDuty,
}

/// <summary>
/// The hook's routing settings: the template, a runbook URL per rule and the PagerDuty routing key, read from the
/// <c>StreamRisk:Alerts</c> section of the configuration file (<c>--config FILE</c>, else <c>appsettings.json</c> in
/// the working directory if present) and <c>STREAMRISK__ALERTS__…</c> environment variables, which win. Validated here,
/// once: bad input is a <see cref="UsageException"/> naming the setting.
/// </summary>
/// <remarks>A class, not a record: a record's generated <c>ToString</c> would print the routing key.</remarks>
internal sealed class AlertRouting
{
    public const string Section = "StreamRisk:Alerts";
    public const string RoutingKeySetting = Section + ":PagerDuty:RoutingKey";
    public const string RoutingKeyFileName = "--routing-key-file";
    public const string EnvironmentPrefix = "STREAMRISK__";

    public static IReadOnlyList<string> TemplateNames { get; } = ["raw", "slack", "pagerduty"];

    private readonly string? _routingKey;
    private readonly string _source;

    public AlertRouting(AlertTemplate template, IReadOnlyDictionary<string, Uri> runbooks, string? routingKey, string source)
    {
        if (template == AlertTemplate.PagerDuty && string.IsNullOrEmpty(routingKey))
        {
            throw new ArgumentException("The PagerDuty template needs a routing key.", nameof(routingKey));
        }

        Template = template;
        Runbooks = runbooks;
        _routingKey = routingKey;
        _source = source;
    }

    public AlertTemplate Template { get; }

    /// <summary>Runbook URL by rule name (<see cref="AlertRuleNames"/>), absolute http(s).</summary>
    public IReadOnlyDictionary<string, Uri> Runbooks { get; }

    public Uri? RunbookOf(string rule) => Runbooks.TryGetValue(rule, out var url) ? url : null;

    /// <summary>The request body for one transition.</summary>
    public string Body(AlertTransition transition) => Template switch
    {
        AlertTemplate.Raw => AlertJson.Write(transition),
        AlertTemplate.Slack => SlackMessage.Write(transition, RunbookOf(transition.Rule)),
        AlertTemplate.PagerDuty => PagerDutyEvent.Write(transition, RunbookOf(transition.Rule), _routingKey!, _source),
        _ => throw new InvalidOperationException("unknown template"),
    };

    public static AlertTemplate ParseTemplate(string? name) => name switch
    {
        "raw" or null => AlertTemplate.Raw,
        "slack" => AlertTemplate.Slack,
        "pagerduty" => AlertTemplate.PagerDuty,
        _ => throw new UsageException($"unknown template {name}"),
    };

    public static string NameOf(AlertTemplate template) => TemplateNames[(int)template];

    /// <summary>Reads and validates the routing settings.</summary>
    /// <param name="configFile"><c>--config</c>; null: <c>appsettings.json</c> in the working directory, if present.</param>
    /// <param name="routingKeyFile"><c>--routing-key-file</c>: wins over the configuration.</param>
    /// <param name="source">PagerDuty's <c>payload.source</c>.</param>
    public static AlertRouting Load(AlertTemplate template, string? configFile, string? routingKeyFile, string source)
    {
        if (configFile is not null && !File.Exists(configFile))
        {
            throw new UsageException($"{configFile}: no such file");
        }

        IConfiguration file, environment;
        try
        {
            file = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(configFile ?? "appsettings.json"), optional: configFile is null).Build();
            environment = new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            // A file that is not JSON; the inner message says where.
            throw new UsageException("configuration: " + (ex.InnerException?.Message ?? ex.Message));
        }

        // Later sources win, as in `run`: the file, then the environment.
        (IConfiguration Alerts, string Name)[] sources =
        [
            (file.GetSection(Section), Section),
            (environment.GetSection("Alerts"), EnvironmentPrefix + "ALERTS"),
        ];
        var runbooks = ReadRunbooks(sources);
        string? routingKey = null;
        if (template == AlertTemplate.PagerDuty)
        {
            routingKey = routingKeyFile is not null ? ReadRoutingKeyFile(routingKeyFile) : RoutingKey(sources);
        }

        return new AlertRouting(template, runbooks, routingKey, source);
    }

    /// <summary>
    /// <c>Runbooks:{rule}</c> of each source, later sources winning per rule. A rule name matches case-insensitively
    /// (environment variables are upper case); one that names no rule is refused, since a misspelt rule would
    /// otherwise lose its runbook without a word.
    /// </summary>
    public static Dictionary<string, Uri> ReadRunbooks(IReadOnlyList<(IConfiguration Alerts, string Name)> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var runbooks = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var (alerts, name) in sources)
        {
            var separator = name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) ? "__" : ":";
            foreach (var entry in alerts.GetSection("Runbooks").GetChildren())
            {
                var key = name + separator + (separator == "__" ? "RUNBOOKS__" : "Runbooks:") + entry.Key;
                var rule = AlertRuleNames.All.FirstOrDefault(r => string.Equals(r, entry.Key, StringComparison.OrdinalIgnoreCase))
                    ?? throw new UsageException($"{key}: no such rule (rules: {string.Join(", ", AlertRuleNames.All)})");
                if (!Uri.TryCreate(entry.Value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                {
                    // The value is not repeated: a runbook link may carry an access token.
                    throw new UsageException($"{key}: expected an absolute http:// or https:// URL");
                }

                runbooks[rule] = url;
            }
        }

        return runbooks;
    }

    private static string RoutingKey((IConfiguration Alerts, string Name)[] sources)
    {
        for (var i = sources.Length - 1; i >= 0; i--)
        {
            if (sources[i].Alerts["PagerDuty:RoutingKey"] is { } key)
            {
                var name = sources[i].Name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) ? sources[i].Name + "__PAGERDUTY__ROUTINGKEY" : RoutingKeySetting;
                return Checked(key.Trim(), name);
            }
        }

        throw new UsageException($"--template pagerduty needs a routing key: {RoutingKeyFileName} FILE, {RoutingKeySetting} or {EnvironmentPrefix}ALERTS__PAGERDUTY__ROUTINGKEY");
    }

    private static string ReadRoutingKeyFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{RoutingKeyFileName} {path}: no such file");
        }

        return Checked(File.ReadAllText(path).TrimEnd('\r', '\n'), $"{RoutingKeyFileName} {path}");
    }

    /// <summary>The key itself is never part of a message.</summary>
    private static string Checked(string key, string name)
    {
        if (key.Length == 0)
        {
            throw new UsageException($"{name}: the routing key is empty");
        }

        if (key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new UsageException($"{name}: the routing key contains white space or control characters");
        }

        return key;
    }
}
