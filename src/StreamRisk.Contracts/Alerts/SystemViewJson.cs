using System.Text.Json;
using System.Text.Json.Serialization;
using StreamRisk.Domain.Alerts;

namespace StreamRisk.Contracts.Alerts;

/// <summary>
/// Source-generated JSON (camelCase, fields in declaration order) of the system view: the <c>"type":"system"</c> lines of
/// <c>projections.ndjson</c>, <c>GET /api/system</c> and the dashboard's <c>system</c> event. A NaN travels as "NaN"
/// rather than failing the engine thread.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = false,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SystemView))]
public sealed partial class SystemViewJson : JsonSerializerContext
{
    public static string Write(SystemView view) => JsonSerializer.Serialize(view, Default.SystemView);

    /// <summary>The view as one <c>projections.ndjson</c> line (no line end): <c>{"type":"system",</c> then the view's fields.</summary>
    public static string Line(SystemView view) => "{\"type\":\"system\"," + Write(view)[1..];
}
