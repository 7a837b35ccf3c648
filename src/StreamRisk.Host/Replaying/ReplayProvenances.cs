using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using StreamRisk.Host.Monitoring;
using StreamRisk.Replay;
using StreamRisk.Reporting;

namespace StreamRisk.Host.Replaying;

/// <summary>
/// Builds a replay's <see cref="ReplayProvenance"/> once the replay has run: the inputs and settings file hashed, the
/// population from <c>--positions</c>/<c>--accounts</c>, the settings sections in force, the market span it applied.
/// </summary>
internal static class ReplayProvenances
{
    /// <summary>The executable's informational version (version, and the commit when built from git).</summary>
    public static string ToolVersion { get; } =
        typeof(ReplayProvenances).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static ReplayProvenance Of(
        string format, IReadOnlyList<string> inputs, string? configFile, MonitorSettings settings, ProvenancePopulation population, MarketSpan span) => new()
    {
        ToolVersion = ToolVersion,
        Format = format,
        Inputs = [.. inputs.Select(ReplayProvenance.Describe)],
        Population = population,
        Profile = settings.Engine.Profile,
        Liquidations = settings.Engine.LiquidationEngine ?? LiquidationModes.Off,
        Config = configFile is null ? null : ReplayProvenance.Describe(configFile),
        Thresholds = Section(settings.Alerts),
        Engine = Section(settings.Engine),
        Span = span,
    };

    /// <summary>
    /// The population a replay places: a StreamRisk capture's own accounts, or for a Binance capture the synthetic,
    /// estimated or file population <c>--positions</c> names (<paramref name="positions"/> already checked).
    /// </summary>
    public static ProvenancePopulation Population(string format, string positions, int accounts)
    {
        if (format == ReplayFormats.Capture)
        {
            return new ProvenancePopulation { Kind = "capture", Description = "the accounts recorded in the capture" };
        }

        if (ReplayCommand.EstimatedOf(positions, accounts) is { } estimated)
        {
            return new ProvenancePopulation { Kind = "estimated", Spec = positions, Seed = estimated.Seed, Accounts = estimated.Accounts, Description = estimated.Describe() };
        }

        if (ReplayCommand.FileOf(positions) is { } file)
        {
            return new ProvenancePopulation { Kind = "file", Spec = positions, File = ReplayProvenance.Describe(file), Description = "positions file " + Path.GetFileName(file) };
        }

        var seed = ReplayCommand.SeedOf(positions);
        return new ProvenancePopulation
        {
            Kind = "synthetic",
            Spec = positions,
            Seed = seed,
            Accounts = accounts,
            Description = string.Create(CultureInfo.InvariantCulture, $"synthetic (seed {seed}, {accounts:N0} accounts)"),
        };
    }

    /// <summary>A settings section as written to settings.json (same names and values), as a JSON object.</summary>
    private static JsonObject Section<T>(T section) => JsonSerializer.SerializeToNode(section)?.AsObject() ?? [];
}
