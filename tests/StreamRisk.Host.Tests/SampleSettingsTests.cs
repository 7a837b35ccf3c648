using System.Collections;
using System.Reflection;
using System.Text.Json;
using StreamRisk.Host.Monitoring;
using StreamRisk.Host.Replaying;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// <c>src/StreamRisk.Host/appsettings.sample.json</c> is every setting with its default: bound through the code
/// <c>run</c> (and <c>replay --config</c>) uses, it validates and equals a default-constructed <see cref="MonitorSettings"/>;
/// every settable property of the settings classes is in it and nothing else is; and docs/configuration.md names each.
/// An option added to the settings without its line in the sample and the docs fails here. In the "environment"
/// collection: <c>run</c>'s binding reads <c>STREAMRISK__</c> variables, which other tests there set.
/// </summary>
[Collection("environment")]
public sealed class SampleSettingsTests
{
    private static readonly string Root = SharedData.RepositoryRoot();
    private static readonly string Sample = Path.Combine(Root, "src", "StreamRisk.Host", "appsettings.sample.json");

    [Fact]
    public void Sample_BoundAsRunBindsIt_Validates()
    {
        // The brokers are the one setting without a default (the sample leaves them empty): given as run's flag.
        var settings = RunCommand.LoadSettings(Sample, new Dictionary<string, string?> { ["StreamRisk:Kafka:BootstrapServers"] = "kafka:9092" });

        settings.Validate();
        Assert.Equal("kafka:9092", settings.Kafka.BootstrapServers);
        // replay, stress and backtest read the engine and alert sections of the same file.
        ReplaySettings.Load(Sample);
    }

    [Fact]
    public void Sample_EveryValue_IsTheDefault()
    {
        var defaults = Json(new MonitorSettings());

        Assert.Equal(defaults, Json(RunCommand.LoadSettings(Sample, new Dictionary<string, string?>())));
        Assert.Equal(defaults, Json(ReplaySettings.Load(Sample)));
    }

    [Fact]
    public void Sample_HoldsEverySetting_AndNothingElse()
    {
        var settings = Settings(typeof(MonitorSettings), "StreamRisk").ToList();
        var keys = Keys(JsonDocument.Parse(File.ReadAllText(Sample)).RootElement, prefix: null).ToList();

        Assert.NotEmpty(settings);
        Assert.Empty(settings.Except(keys, StringComparer.Ordinal));
        Assert.Empty(keys.Except(settings, StringComparer.Ordinal));
    }

    [Fact]
    public void ConfigurationDocs_NameEverySetting()
    {
        var docs = File.ReadAllText(Path.Combine(Root, "docs", "configuration.md"));
        var missing = Settings(typeof(MonitorSettings), "StreamRisk")
            .Select(key => key["StreamRisk:".Length..])
            // The thresholds have their own table, by name (Alerts:Default:{threshold}, Alerts:Symbols:{symbol}:{threshold}).
            .Select(key => key.StartsWith("Alerts:Default:", StringComparison.Ordinal) ? key["Alerts:Default:".Length..] : key)
            .Where(key => !docs.Contains($"`{key}`", StringComparison.Ordinal) && !docs.Contains($"`{key}:", StringComparison.Ordinal))
            .ToList();

        Assert.Empty(missing);
    }

    private static string Json(MonitorSettings settings) => JsonSerializer.Serialize(settings);

    /// <summary>
    /// The configuration key of every setting under <paramref name="type"/>: a public settable property is a setting,
    /// one of a settings class is a section (walked), a dictionary is a setting whose keys the user chooses.
    /// </summary>
    private static IEnumerable<string> Settings(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = prefix + ":" + property.Name;
            var section = property.PropertyType is { IsClass: true } t && t != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(t);
            foreach (var setting in section ? Settings(property.PropertyType, key) : [key])
            {
                yield return setting;
            }
        }
    }

    /// <summary>The key of every value in the document; an object with no members (an empty dictionary) is a value.</summary>
    private static IEnumerable<string> Keys(JsonElement element, string? prefix)
    {
        if (element.ValueKind != JsonValueKind.Object || (prefix is not null && !element.EnumerateObject().Any()))
        {
            yield return prefix ?? string.Empty;
            yield break;
        }

        foreach (var member in element.EnumerateObject())
        {
            foreach (var key in Keys(member.Value, prefix is null ? member.Name : prefix + ":" + member.Name))
            {
                yield return key;
            }
        }
    }
}
