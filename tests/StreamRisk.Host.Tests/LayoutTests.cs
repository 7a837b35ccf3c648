using System.Reflection;

namespace StreamRisk.Host.Tests;

/// <summary>
/// The executable is the composition root: the libraries it composes point only down, to Contracts and Domain (Replay
/// also to the engine it drives), and what serves measurement and testing (the bench harness, the reference model) is
/// not shipped with it.
/// </summary>
public sealed class LayoutTests
{
    private static readonly string[] Adapters = ["StreamRisk.Host", "streamrisk", "StreamRisk.Kafka", "StreamRisk.Redis", "Confluent.Kafka", "StackExchange.Redis"];

    [Fact]
    public void ShippedExecutable_CarriesNeitherTheBenchNorTheReferenceModel()
    {
        var references = Names(typeof(Cli).Assembly);

        Assert.DoesNotContain("StreamRisk.Reference", references);
        Assert.DoesNotContain("streamrisk-bench", references);
        Assert.DoesNotContain(typeof(Cli).Assembly.GetTypes(), t => t.Namespace?.Contains("Bench", StringComparison.Ordinal) == true);
    }

    /// <remarks>
    /// Replay may use the engine: the in-process replayer drives it through the live input path, so a replay gives what
    /// the live monitor gives. The engine knows nothing of replay, so the reference points down. Simulation and
    /// Reporting have no use for the engine.
    /// </remarks>
    [Theory]
    [InlineData("StreamRisk.Replay", new[] { "StreamRisk.Contracts", "StreamRisk.Domain", "StreamRisk.Engine", "StreamRisk.Simulation" })]
    [InlineData("StreamRisk.Simulation", new[] { "StreamRisk.Contracts", "StreamRisk.Domain" })]
    [InlineData("StreamRisk.Reporting", new[] { "StreamRisk.Contracts", "StreamRisk.Domain" })]
    public void Library_PointsOnlyDown(string assemblyName, string[] allowed)
    {
        var references = Names(Assembly.Load(assemblyName));

        Assert.All(references.Where(r => r.StartsWith("StreamRisk", StringComparison.Ordinal)), r => Assert.Contains(r, allowed));
        Assert.DoesNotContain(references, r => Adapters.Contains(r));
    }

    private static string[] Names(Assembly assembly) => assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty).ToArray();
}
