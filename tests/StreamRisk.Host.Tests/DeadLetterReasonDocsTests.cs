using System.Reflection;
using StreamRisk.Contracts.Wire;
using StreamRisk.Engine.Ingest;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>Consumers of the dead-letter topic match on its reason codes: every code the monitor can write is documented.</summary>
public sealed class DeadLetterReasonDocsTests
{
    [Fact]
    public void WireContractsPage_ListsEveryReasonCode()
    {
        var page = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot(), "docs", "wire-contracts.md"));
        var codes = typeof(WireReasons).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Append(EventApplier.OutOfOrderBook)
            .ToList();

        // A field-level code is documented with its field placeholder, e.g. `missing:<field>`.
        var undocumented = codes.Where(c => !page.Contains($"`{c}`", StringComparison.Ordinal) && !page.Contains($"`{c}:", StringComparison.Ordinal));

        Assert.Empty(undocumented);
        Assert.True(codes.Count >= 22, $"only {codes.Count} reason codes found");
    }
}
