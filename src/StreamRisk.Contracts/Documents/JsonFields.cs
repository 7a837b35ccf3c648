using System.Text.Json;

namespace StreamRisk.Contracts.Documents;

/// <summary>Typed, path-aware reads of JSON fields for input documents (validation happens here, once).</summary>
internal static class JsonFields
{
    /// <summary>
    /// The largest magnitude of any number in an input document: beyond every real price, size, balance or notional, and
    /// far enough inside <see cref="double"/> that products and sums of them stay finite.
    /// </summary>
    public const double MaxMagnitude = 1e15;

    /// <summary>Parses an input document that must be one JSON object; anything else is a <see cref="DocumentException"/> at "$".</summary>
    public static JsonDocument ParseObject(ReadOnlySpan<byte> utf8)
    {
        var document = Parse(utf8);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new DocumentException("$", "expected a JSON object");
        }

        return document;
    }

    /// <summary>Parses an input document of any shape; invalid JSON is a <see cref="DocumentException"/> at "$".</summary>
    public static JsonDocument Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            throw new DocumentException("$", $"not valid JSON ({ex.Message.Split('.')[0]}, line {ex.LineNumber + 1})");
        }
    }

    public static JsonElement Object(JsonElement parent, string name, string path)
    {
        var value = Required(parent, name, path);
        return value.ValueKind == JsonValueKind.Object ? value : throw new DocumentException(Join(path, name), "expected an object");
    }

    public static JsonElement Array(JsonElement parent, string name, string path)
    {
        var value = Required(parent, name, path);
        return value.ValueKind == JsonValueKind.Array ? value : throw new DocumentException(Join(path, name), "expected an array");
    }

    public static string String(JsonElement parent, string name, string path)
    {
        var value = Required(parent, name, path);
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            throw new DocumentException(Join(path, name), "expected a non-empty string");
        }

        return value.GetString()!;
    }

    public static string? OptionalString(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new DocumentException(Join(path, name), "expected a string");
    }

    public static double Number(JsonElement parent, string name, string path, NumberRule rule = NumberRule.Finite)
    {
        var value = Required(parent, name, path);
        return Check(value, Join(path, name), rule);
    }

    public static double? OptionalNumber(JsonElement parent, string name, string path, NumberRule rule = NumberRule.Finite)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return Check(value, Join(path, name), rule);
    }

    /// <summary>A number given as a value (an array item, an object member read by enumeration) at <paramref name="path"/>.</summary>
    public static double NumberValue(JsonElement value, string path, NumberRule rule = NumberRule.Finite) => Check(value, path, rule);

    public static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    public static string Index(string path, int index) => $"{path}[{index}]";

    private static JsonElement Required(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new DocumentException(Join(path, name), "is required");
        }

        return value;
    }

    private static double Check(JsonElement value, string path, NumberRule rule)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            throw new DocumentException(path, "expected a number");
        }

        if (!double.IsFinite(number))
        {
            throw new DocumentException(path, "must be finite");
        }

        if (Math.Abs(number) > MaxMagnitude)
        {
            throw new DocumentException(path, "must be at most 1e15 in magnitude");
        }

        return rule switch
        {
            NumberRule.Positive when number <= 0 => throw new DocumentException(path, "must be greater than 0"),
            NumberRule.NonNegative when number < 0 => throw new DocumentException(path, "must not be negative"),
            _ => number,
        };
    }
}

internal enum NumberRule
{
    Finite,
    Positive,
    NonNegative,
}
