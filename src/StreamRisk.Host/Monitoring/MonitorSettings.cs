using Microsoft.Extensions.Configuration;
using StreamRisk.Contracts;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Margin;
using StreamRisk.Engine;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Host.Monitoring;

/// <summary>
/// Everything <c>streamrisk run</c> can be told, bound from the <c>StreamRisk</c> section of configuration:
/// <c>appsettings.json</c> (or <c>--config FILE</c>), then environment variables <c>STREAMRISK__SECTION__KEY</c>,
/// then command-line flags, later sources winning.
/// </summary>
public sealed class MonitorSettings
{
    public KafkaSettings Kafka { get; set; } = new();
    public RedisSettings Redis { get; set; } = new();
    public EngineSettings Engine { get; set; } = new();
    public AlertSettings Alerts { get; set; } = new();
    public DashboardSettings Dashboard { get; set; } = new();
    public HealthSettings Health { get; set; } = new();

    /// <summary>
    /// What this instance runs (see docs/scale-out.md): <c>all</c> — both stages in one process (default);
    /// <c>accounts</c> — the account stage for the positions partitions the group gives it, publishing partial ladders;
    /// <c>projector</c> — the projector stage: market + ladders topics → projections, alerts, dashboard.
    /// </summary>
    public string Role { get; set; } = Roles.All;

    public static MonitorSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new MonitorSettings();
        configuration.GetSection("StreamRisk").Bind(settings);
        return settings;
    }

    /// <summary>Checks what binding cannot; the message names the setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Kafka.BootstrapServers))
        {
            throw new UsageException("StreamRisk:Kafka:BootstrapServers is required (flag --bootstrap, env STREAMRISK__KAFKA__BOOTSTRAPSERVERS)");
        }

        ValidateEngine();
        if (Kafka.MaxMessageBytes is < 1024 or > 64 * 1024 * 1024)
        {
            throw new UsageException("StreamRisk:Kafka:MaxMessageBytes must be between 1024 and 67108864");
        }

        if (Kafka.FetchWaitMaxMs is < 0 or > 300_000)
        {
            throw new UsageException("StreamRisk:Kafka:FetchWaitMaxMs must be between 0 and 300000");
        }

        if (Kafka.ConnectTimeoutMs < 0)
        {
            throw new UsageException("StreamRisk:Kafka:ConnectTimeoutMs must not be negative (0: keep retrying)");
        }

        if (Kafka.OrderingIdleReleaseMs is < 1 or > 60_000)
        {
            throw new UsageException("StreamRisk:Kafka:OrderingIdleReleaseMs must be between 1 and 60000");
        }

        if (Kafka.OrderingStallReleaseMs is < 1_000 or > 3_600_000)
        {
            throw new UsageException("StreamRisk:Kafka:OrderingStallReleaseMs must be between 1000 and 3600000");
        }

        if (Role is not (Roles.All or Roles.Accounts or Roles.Projector))
        {
            throw new UsageException($"StreamRisk:Role '{Role}' is not one of {Roles.All}, {Roles.Accounts}, {Roles.Projector}");
        }

        if (Role == Roles.Projector && !Kafka.EventTimeOrdering)
        {
            // Without the ordering barrier the projector could not know when an account partition's updates are all in.
            throw new UsageException("StreamRisk:Role projector needs StreamRisk:Kafka:EventTimeOrdering true (flag --event-time-ordering true)");
        }

        if (Role != Roles.All && ToEngineOptions().LiquidationEngine == LiquidationEngineMode.Venue)
        {
            // The engine liquidates against both the margin state and the books: one process holds both.
            throw new UsageException($"StreamRisk:Engine:LiquidationEngine venue runs only with StreamRisk:Role {Roles.All}");
        }

        if (Redis.BufferCapacity < 1)
        {
            throw new UsageException("StreamRisk:Redis:BufferCapacity must be at least 1");
        }

        if (!string.IsNullOrWhiteSpace(Redis.Configuration))
        {
            _ = RedisConnection.Options(Redis.Configuration, Redis.PasswordFile);
        }

        if (!string.IsNullOrWhiteSpace(Dashboard.Urls))
        {
            Telemetry.MonitorWebHost.Validate(Dashboard.Urls, Dashboard.Token);
        }

        if (Health.MaxLag is < 0 or > HealthSettings.MaxLagLimit)
        {
            throw new UsageException("StreamRisk:Health:MaxLag must be between 0 and 1000000000 (messages)");
        }

        if (Health.StallTimeoutMs is < 1_000 or > 3_600_000)
        {
            throw new UsageException("StreamRisk:Health:StallTimeoutMs must be between 1000 and 3600000");
        }
    }

    /// <summary>Checks the engine settings (all that <c>replay</c> uses); the message names the setting.</summary>
    public void ValidateEngine()
    {
        if (!MarginProfile.TryGet(Engine.Profile, out _))
        {
            throw new UsageException($"StreamRisk:Engine:Profile '{Engine.Profile}' is not one of {string.Join(", ", MarginProfile.All.Select(p => p.Name))}");
        }

        if (Engine.ProjectionIntervalMs is < 1 or > 60_000)
        {
            throw new UsageException("StreamRisk:Engine:ProjectionIntervalMs must be between 1 and 60000");
        }

        if (Engine.MaxInstruments is < 1 or > 1_000_000)
        {
            throw new UsageException("StreamRisk:Engine:MaxInstruments must be between 1 and 1000000");
        }

        if (Engine.MaxEventTimeAheadMs is < 0 or > 86_400_000)
        {
            throw new UsageException("StreamRisk:Engine:MaxEventTimeAheadMs must be between 0 and 86400000");
        }

        if (Engine.MarkAtOnceIntervalMs is < 0 or > 3_600_000 || Engine.CrossRevaluationMs is < 0 or > 3_600_000)
        {
            throw new UsageException("StreamRisk:Engine:MarkAtOnceIntervalMs and CrossRevaluationMs must be between 0 and 3600000");
        }

        if (Engine.AdlRankingMs is < 0 or > 3_600_000)
        {
            throw new UsageException("StreamRisk:Engine:AdlRankingMs must be between 0 and 3600000");
        }

        if (!(Engine.CrossRevaluationMove >= 0 && Engine.CrossRevaluationMove < 1))
        {
            throw new UsageException("StreamRisk:Engine:CrossRevaluationMove must be in [0, 1)");
        }

        if (Engine.LiquidationEngine is not null && !LiquidationModes.TryParse(Engine.LiquidationEngine, out _))
        {
            throw new UsageException($"StreamRisk:Engine:LiquidationEngine '{Engine.LiquidationEngine}' is not one of {LiquidationModes.Off}, {LiquidationModes.Venue}");
        }

        if (Engine.LiquidationDepthRecoveryMs is < 0 or > 3_600_000)
        {
            throw new UsageException("StreamRisk:Engine:LiquidationDepthRecoveryMs must be between 0 and 3600000");
        }

        if (Engine.SystemIntervalMs is < 0 or > 3_600_000)
        {
            throw new UsageException("StreamRisk:Engine:SystemIntervalMs must be between 0 and 3600000 (0: no system view)");
        }

        if (!(Engine.ContagionMove > 0 && Engine.ContagionMove < 1))
        {
            throw new UsageException("StreamRisk:Engine:ContagionMove must be in (0, 1)");
        }

        if (Engine.BetaWindow is < 2 or > 100_000)
        {
            throw new UsageException("StreamRisk:Engine:BetaWindow must be 2-100000 (1-minute returns)");
        }

        if (Engine.BetaMinObservations < 2 || Engine.BetaMinObservations > Engine.BetaWindow)
        {
            throw new UsageException("StreamRisk:Engine:BetaMinObservations must be 2 to BetaWindow");
        }

        foreach (var (symbol, beta) in Engine.SystemBetas)
        {
            if (!double.IsFinite(beta) || beta < 0)
            {
                throw new UsageException($"StreamRisk:Engine:SystemBetas:{symbol} must be a finite number ≥ 0");
            }
        }
    }

    public KafkaMonitorOptions ToKafkaOptions() => new()
    {
        BootstrapServers = Kafka.BootstrapServers,
        GroupId = Kafka.GroupId,
        Topics = TopicNames.WithPrefix(Kafka.TopicPrefix),
        ClientSettings = Kafka.Settings,
        SessionTimeoutMs = Kafka.SessionTimeoutMs,
        HeartbeatIntervalMs = Kafka.HeartbeatIntervalMs,
        ConnectTimeout = TimeSpan.FromMilliseconds(Kafka.ConnectTimeoutMs),
        EventTimeOrdering = Kafka.EventTimeOrdering,
        MaxMessageBytes = Kafka.MaxMessageBytes,
        FetchWaitMaxMs = Kafka.FetchWaitMaxMs,
        OrderingIdleRelease = TimeSpan.FromMilliseconds(Kafka.OrderingIdleReleaseMs),
        OrderingStallRelease = TimeSpan.FromMilliseconds(Kafka.OrderingStallReleaseMs),
        Projector = Role == Roles.Projector,
    };

    public EngineOptions ToEngineOptions()
    {
        MarginProfile.TryGet(Engine.Profile, out var profile);
        return new EngineOptions
        {
            Profile = profile,
            ProjectionInterval = TimeSpan.FromMilliseconds(Engine.ProjectionIntervalMs),
            LargeMarkMove = Engine.LargeMarkMove,
            MarksProjectAtOnce = Engine.MarksProjectAtOnce,
            MarkAtOnceInterval = TimeSpan.FromMilliseconds(Engine.MarkAtOnceIntervalMs),
            CrossRevaluationInterval = TimeSpan.FromMilliseconds(Engine.CrossRevaluationMs),
            CrossRevaluationMove = Engine.CrossRevaluationMove,
            AdlRankingInterval = TimeSpan.FromMilliseconds(Engine.AdlRankingMs),
            DefaultInsuranceFund = Engine.InsuranceFund,
            InsuranceFunds = Engine.InsuranceFunds,
            LiquidationEngine = LiquidationModes.TryParse(Engine.LiquidationEngine, out var liquidations) ? liquidations : LiquidationEngineMode.Off,
            LiquidationDepthRecovery = TimeSpan.FromMilliseconds(Engine.LiquidationDepthRecoveryMs),
            DefaultThresholds = Alerts.Default,
            Thresholds = Alerts.Symbols,
            MaxInstruments = Engine.MaxInstruments,
            MaxEventTimeAhead = TimeSpan.FromMilliseconds(Engine.MaxEventTimeAheadMs),
            // The projector role asks the account partitions for the view's accounts (docs/scale-out.md, "The system view when scaled out").
            SystemInterval = TimeSpan.FromMilliseconds(Engine.SystemIntervalMs),
            BetaWindow = Engine.BetaWindow,
            BetaMinObservations = Engine.BetaMinObservations,
            SystemReference = string.IsNullOrWhiteSpace(Engine.SystemReference) ? null : Engine.SystemReference,
            SystemBetas = Engine.SystemBetas,
            ContagionMove = Engine.ContagionMove,
        };
    }
}

public sealed class KafkaSettings
{
    public string BootstrapServers { get; set; } = string.Empty;
    public string GroupId { get; set; } = "streamrisk";
    public string TopicPrefix { get; set; } = TopicNames.DefaultPrefix;
    public int SessionTimeoutMs { get; set; } = 10_000;
    public int HeartbeatIntervalMs { get; set; } = 3_000;

    /// <summary>How long start-up waits for an unreachable cluster (retrying with a logged, growing wait) before exit 1; 0 = until stopped.</summary>
    public int ConnectTimeoutMs { get; set; }

    /// <summary>Apply input in event-time order across topics (replays through Kafka); off = arrival order, lowest latency.</summary>
    public bool EventTimeOrdering { get; set; }

    public int OrderingIdleReleaseMs { get; set; } = 250;

    /// <summary>With event-time ordering on a replay's stream: how long held messages wait for the replay's next epoch
    /// (its end marker lost, its producer gone) before they go out (<see cref="KafkaMonitorOptions.OrderingStallRelease"/>).</summary>
    public int OrderingStallReleaseMs { get; set; } = 30_000;

    /// <summary>Longest wait of an empty fetch at the broker (see <c>KafkaMonitorOptions.FetchWaitMaxMs</c>); the demo uses the embedded cluster's 1 ms.</summary>
    public int FetchWaitMaxMs { get; set; } = 10;

    /// <summary>Largest input message accepted; larger ones are dead-lettered as <c>too-large</c> before any parsing.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Passed to librdkafka as is: security.protocol, sasl.mechanism, sasl.username, sasl.password, ssl.ca.location …</summary>
    public Dictionary<string, string> Settings { get; set; } = [];
}

public sealed class RedisSettings
{
    /// <summary>
    /// HOST:PORT or a StackExchange.Redis configuration string (host:port,ssl=true,user=…); empty = alerts to the console
    /// only. A <c>password=</c> is taken here (configuration file or environment) but refused on the command line.
    /// </summary>
    public string Configuration { get; set; } = string.Empty;

    /// <summary>File holding the password (one line), when <see cref="Configuration"/> has none; else <c>STREAMRISK_REDIS_PASSWORD</c>.</summary>
    public string? PasswordFile { get; set; }
    public string Prefix { get; set; } = "streamrisk";
    public int BufferCapacity { get; set; } = 100_000;
}

public sealed class EngineSettings
{
    public string Profile { get; set; } = MarginProfile.Binance.Name;
    public int ProjectionIntervalMs { get; set; } = 100;
    public double LargeMarkMove { get; set; } = 0.005;
    public bool MarksProjectAtOnce { get; set; } = true;
    public int MarkAtOnceIntervalMs { get; set; }
    public int CrossRevaluationMs { get; set; } = 1_000;
    public double CrossRevaluationMove { get; set; } = 0.001;
    public int AdlRankingMs { get; set; } = 1_000;
    public double InsuranceFund { get; set; } = 1_000_000;
    public Dictionary<string, double> InsuranceFunds { get; set; } = [];

    /// <summary>
    /// <c>off</c> or <c>venue</c> (docs/domain.md, "Venue liquidation engine"); unset: off, except that <c>replay</c> of a
    /// Binance capture with a population turns it on.
    /// </summary>
    public string? LiquidationEngine { get; set; }

    /// <summary>Event time over which depth consumed by a liquidation order comes back (linearly).</summary>
    public int LiquidationDepthRecoveryMs { get; set; } = 30_000;

    public int MaxInstruments { get; set; } = EngineOptions.DefaultMaxInstruments;
    public int MaxEventTimeAheadMs { get; set; } = 600_000;

    /// <summary>Event time between system views (docs/dashboard-and-api.md, "System view"); 0: none.</summary>
    public int SystemIntervalMs { get; set; } = 1_000;

    /// <summary>Reference instrument of the system view's factor scenarios; empty: the first instrument with a mark.</summary>
    public string? SystemReference { get; set; }

    /// <summary>β against the reference by symbol; unlisted instruments move by β = 1.</summary>
    public Dictionary<string, double> SystemBetas { get; set; } = [];

    /// <summary>Each instrument's move alone, both ways, in the contagion matrix.</summary>
    public double ContagionMove { get; set; } = 0.05;

    /// <summary>1-minute returns in the betas' rolling window (docs/beta-estimation.md).</summary>
    public int BetaWindow { get; set; } = Domain.Portfolio.BetaEstimator.DefaultWindow;

    /// <summary>Paired returns before an estimated β replaces 1.</summary>
    public int BetaMinObservations { get; set; } = Domain.Portfolio.BetaEstimator.DefaultMinObservations;
}

public sealed class AlertSettings
{
    public AlertThresholds Default { get; set; } = new();
    public Dictionary<string, AlertThresholds> Symbols { get; set; } = [];
}

public sealed class DashboardSettings
{
    /// <summary>Where the dashboard listens; loopback unless a token is set.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";
    public string Token { get; set; } = string.Empty;

    /// <summary>
    /// Names clients may use in the Host header besides the bound address's own (';'-separated), e.g. the name a reverse
    /// proxy forwards; any other Host is answered 421 (see docs/dashboard-security.md).
    /// </summary>
    public string AllowedHosts { get; set; } = string.Empty;
}

/// <summary>The bounds of <c>/healthz</c> and <c>/readyz</c> (docs/operations.md, "Health").</summary>
public sealed class HealthSettings
{
    public const long MaxLagLimit = 1_000_000_000;

    /// <summary>
    /// Consumer lag (messages behind the high watermarks, summed over every assigned partition, measured about once a
    /// second) above which <c>/readyz</c> says not ready.
    /// </summary>
    public long MaxLag { get; set; } = 10_000;

    /// <summary>How long the engine thread may go without coming round its consume loop before <c>/healthz</c> says it stalled.</summary>
    public int StallTimeoutMs { get; set; } = 30_000;
}

/// <summary>The values of <see cref="EngineSettings.LiquidationEngine"/> (and of <c>replay --liquidations</c>).</summary>
public static class LiquidationModes
{
    public const string Off = "off";
    public const string Venue = "venue";

    public static bool TryParse(string? text, out LiquidationEngineMode mode)
    {
        mode = LiquidationEngineMode.Off;
        if (string.Equals(text, Venue, StringComparison.OrdinalIgnoreCase))
        {
            mode = LiquidationEngineMode.Venue;
            return true;
        }

        return string.Equals(text, Off, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>The values of <see cref="MonitorSettings.Role"/>.</summary>
public static class Roles
{
    public const string All = "all";
    public const string Accounts = "accounts";
    public const string Projector = "projector";
}
