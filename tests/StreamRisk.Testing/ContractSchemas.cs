using System.Text;
using System.Text.Json;
using Json.Schema;

namespace StreamRisk.Testing;

/// <summary>What a schema said of one message: valid, or the failed keywords one a line.</summary>
public readonly record struct SchemaVerdict(bool IsValid, string Errors)
{
    public override string ToString() => IsValid ? "valid" : Errors;
}

/// <summary>
/// The published JSON Schemas (<c>docs/schemas/*.schema.json</c>, read where the repository holds them, so a test checks
/// the files users get). All are built into one registry of their own, the shared definitions first, so the relative
/// <c>$ref</c>s between them resolve without fetching anything.
/// </summary>
public static class ContractSchemas
{
    private const string Suffix = ".schema.json";
    private const string Common = "wire-common";

    private static readonly Lazy<IReadOnlyDictionary<string, JsonSchema>> Loaded = new(Load);

    public static string Folder => Path.Combine(SharedData.RepositoryRoot(), "docs", "schemas");

    /// <summary>Every schema by name (the file name without <c>.schema.json</c>, e.g. <c>alert</c>).</summary>
    public static IReadOnlyDictionary<string, JsonSchema> All => Loaded.Value;

    public static SchemaVerdict Validate(string name, string json)
    {
        using var document = JsonDocument.Parse(json);
        return Validate(name, document.RootElement);
    }

    public static SchemaVerdict Validate(string name, ReadOnlySpan<byte> utf8) => Validate(name, Encoding.UTF8.GetString(utf8));

    public static SchemaVerdict Validate(string name, JsonElement instance)
    {
        var schema = All.TryGetValue(name, out var found) ? found : throw new ArgumentOutOfRangeException(nameof(name), name, "no such schema in docs/schemas");
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return new SchemaVerdict(true, string.Empty);
        }

        var errors = new StringBuilder();
        foreach (var detail in result.Details ?? [])
        {
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                errors.Append(detail.InstanceLocation).Append(' ').Append(keyword).Append(": ").AppendLine(message);
            }
        }

        return new SchemaVerdict(false, errors.ToString());
    }

    private static Dictionary<string, JsonSchema> Load()
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var files = Directory.GetFiles(Folder, "*" + Suffix)
            .OrderBy(f => Path.GetFileName(f) == Common + Suffix ? 0 : 1)
            .ThenBy(f => f, StringComparer.Ordinal);
        var schemas = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            schemas[Path.GetFileName(file)[..^Suffix.Length]] = JsonSchema.FromFile(file, options);
        }

        return schemas;
    }
}
