using System.Text.Json;
using System.Text.Json.Serialization;
using StreamRisk.Contracts.Documents;

namespace StreamRisk.Contracts.Alerts;

/// <summary>
/// Source-generated JSON (camelCase) for the alert wire types. Named floating-point literals are allowed on purpose:
/// a NaN or infinite metric must not make a critical alert unpublishable; it travels as the string "NaN".
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = false,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(AlertTransition))]
[JsonSerializable(typeof(SymbolPicture))]
public sealed partial class AlertJson : JsonSerializerContext
{
    /// <summary>Reads a transition from its wire JSON; anything malformed or incomplete is a <see cref="DocumentException"/>.</summary>
    public static AlertTransition ReadTransition(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize(utf8, Default.AlertTransition) ?? throw new DocumentException("alert", "expected an object, got null");
        }
        catch (JsonException ex)
        {
            throw new DocumentException("alert" + (ex.Path is { Length: > 1 } p ? p[1..] : string.Empty), ex.Message);
        }
    }

    public static string Write(AlertTransition transition) => JsonSerializer.Serialize(transition, Default.AlertTransition);

    public static string Write(SymbolPicture picture) => JsonSerializer.Serialize(picture, Default.SymbolPicture);
}
