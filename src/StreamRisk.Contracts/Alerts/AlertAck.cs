using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamRisk.Contracts.Alerts;

/// <summary>
/// An operator's acknowledgement of an alert: the value of field <see cref="AlertId"/> in the hash
/// <see cref="AlertKeys.Acks"/>, and the message on <see cref="AlertKeys.AckEvents"/> that tells every dashboard.
/// </summary>
/// <param name="AlertId">The alert's <see cref="AlertTransition.Id"/> (every transition of the alert shares it).</param>
/// <param name="By">Who acknowledged it, as they typed it (shown, never interpreted).</param>
/// <param name="At">Wall time of the acknowledgement, unix ms.</param>
public sealed record AlertAck(string AlertId, string By, long At)
{
    /// <summary>Longest alert id accepted (ids are <c>rule:symbol:qualifier:time</c>, far shorter).</summary>
    public const int MaxIdLength = 200;

    /// <summary>Longest operator name kept.</summary>
    public const int MaxByLength = 64;

    /// <summary>
    /// Null when <paramref name="id"/> can be an alert id, else why not. Ids are used only as hash fields and message
    /// payloads, never in key names, but a bound on length and alphabet keeps a hostile request from storing junk.
    /// </summary>
    public static string? WhyNotAnId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "the alert id is empty";
        }

        if (id.Length > MaxIdLength)
        {
            return $"the alert id is longer than {MaxIdLength} characters";
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not (':' or '.' or '_' or '-' or '+'))
            {
                return "the alert id may hold only letters, digits and : . _ - +";
            }
        }

        return null;
    }

    public static string Write(AlertAck ack) => JsonSerializer.Serialize(ack, AlertAckJson.Default.AlertAck);

    /// <summary>Reads a stored acknowledgement; null when it is not one (a stray write to the hash is skipped, not fatal).</summary>
    public static AlertAck? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, AlertAckJson.Default.AlertAck);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Source-generated JSON (camelCase) for <see cref="AlertAck"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(AlertAck))]
public sealed partial class AlertAckJson : JsonSerializerContext;
