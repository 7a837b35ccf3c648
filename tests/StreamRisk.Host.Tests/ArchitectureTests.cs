using System.Reflection;

namespace StreamRisk.Host.Tests;

/// <summary>The dependency rule (docs/architecture.md, "Layout"): the pure core never sees a transport.</summary>
public sealed class ArchitectureTests
{
    private static readonly string[] Transports = ["Confluent.Kafka", "StackExchange.Redis"];

    [Theory]
    [InlineData("StreamRisk.Domain")]
    [InlineData("StreamRisk.Contracts")]
    [InlineData("StreamRisk.Engine")]
    public void CoreAssembly_ReferencesNoKafkaOrRedisClient(string assemblyName)
    {
        var references = Assembly.Load(assemblyName).GetReferencedAssemblies().Select(a => a.Name).ToArray();

        Assert.DoesNotContain(references, r => Transports.Contains(r));
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
}
