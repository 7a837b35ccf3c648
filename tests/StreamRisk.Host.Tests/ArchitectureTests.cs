using System.Reflection;
using System.Text.Json;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// The dependency rule of the architecture: the core (domain, engine, wire contracts) never sees a transport client, the
/// web stack or a drawing library; those belong to the adapters and the host.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Names (and name prefixes before a dot) of assemblies, packages and shared frameworks kept out of the core.</summary>
    private static readonly string[] Forbidden =
    [
        "Confluent.Kafka", "librdkafka.redist", "StackExchange.Redis", // transport clients
        "Microsoft.AspNetCore", // the web stack: the dashboard, /metrics
        "SkiaSharp", "HarfBuzzSharp", "ScottPlot", // drawing: the report's charts
    ];

    [Theory]
    [InlineData("StreamRisk.Domain")]
    [InlineData("StreamRisk.Contracts")]
    [InlineData("StreamRisk.Engine")]
    public void CoreAssembly_ReferencesNoTransportWebOrDrawingAssembly(string assemblyName)
    {
        var references = Assembly.Load(assemblyName).GetReferencedAssemblies().Select(a => a.Name ?? string.Empty);

        AssertNoneForbidden(assemblyName, references);
    }

    /// <summary>
    /// The restore's view of the project (its <c>project.assets.json</c>): every package and project it depends on,
    /// directly or through another, and the shared frameworks they ask for. This catches a reference the compiled
    /// assembly does not show because no type of it is used yet.
    /// </summary>
    [Theory]
    [InlineData("StreamRisk.Domain")]
    [InlineData("StreamRisk.Contracts")]
    [InlineData("StreamRisk.Engine")]
    public void CoreProject_DependsOnNoTransportWebOrDrawingPackage(string projectName)
    {
        var dependencies = RestoredDependencies(projectName);

        Assert.NotEmpty(dependencies); // at least the shared framework: the file was read
        AssertNoneForbidden(projectName, dependencies);
    }

    [Fact]
    public void Domain_ReferencesOnlyTheFramework()
    {
        var references = Assembly.Load("StreamRisk.Domain").GetReferencedAssemblies()
            .Select(a => a.Name ?? string.Empty)
            .Where(n => !n.StartsWith("System", StringComparison.Ordinal) && n != "netstandard" && n != "mscorlib")
            .ToArray();

        Assert.Empty(references);
    }

    /// <summary>
    /// Every Kafka client the product builds routes librdkafka's log and error lines through the rate-limited
    /// <c>KafkaLog</c>: a client without it prints every failed connect of an unreachable cluster raw.
    /// </summary>
    [Fact]
    public void EveryKafkaClientInSrc_LogsThroughTheRateLimitedHandler()
    {
        var src = Path.Combine(SharedData.RepositoryRoot(), "src");
        var unrouted = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            foreach (var builder in (string[])["new ProducerBuilder<", "new ConsumerBuilder<"])
            {
                for (var at = text.IndexOf(builder, StringComparison.Ordinal); at >= 0; at = text.IndexOf(builder, at + 1, StringComparison.Ordinal))
                {
                    var end = text.IndexOf(".Build()", at, StringComparison.Ordinal);
                    var chain = end < 0 ? text[at..] : text[at..end];
                    if (!chain.Contains(".SetLogHandler(", StringComparison.Ordinal) || !chain.Contains(".SetErrorHandler(", StringComparison.Ordinal))
                    {
                        unrouted.Add($"{Path.GetRelativePath(src, file)}:{text[..at].Count(c => c == '\n') + 1}");
                    }
                }
            }
        }

        Assert.True(unrouted.Count == 0, "Kafka clients without SetLogHandler/SetErrorHandler: " + string.Join(", ", unrouted));
    }

    private static void AssertNoneForbidden(string dependent, IEnumerable<string> dependencies)
    {
        var found = dependencies.Where(IsForbidden).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        Assert.True(found.Length == 0, $"{dependent} depends on {string.Join(", ", found)}");
    }

    private static bool IsForbidden(string name) =>
        Forbidden.Any(f => name.Equals(f, StringComparison.OrdinalIgnoreCase) || name.StartsWith(f + ".", StringComparison.OrdinalIgnoreCase));

    /// <summary>Package and project names of every target, and the framework references of the project and its targets.</summary>
    private static string[] RestoredDependencies(string projectName)
    {
        var assets = Path.Combine(SharedData.RepositoryRoot(), "src", projectName, "obj", "project.assets.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(assets));
        var root = document.RootElement;
        var names = new List<string>();
        foreach (var target in root.GetProperty("targets").EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                names.Add(library.Name.Split('/')[0]);
                if (library.Value.TryGetProperty("frameworkReferences", out var frameworks))
                {
                    names.AddRange(frameworks.EnumerateArray().Select(f => f.GetString() ?? string.Empty));
                }
            }
        }

        foreach (var framework in root.GetProperty("project").GetProperty("frameworks").EnumerateObject())
        {
            if (framework.Value.TryGetProperty("frameworkReferences", out var references))
            {
                names.AddRange(references.EnumerateObject().Select(r => r.Name));
            }
        }

        return [.. names];
    }
}
