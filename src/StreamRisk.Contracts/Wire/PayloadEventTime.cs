using System.Text.Json;

namespace StreamRisk.Contracts.Wire;

/// <summary>Finds a wire message's top-level <c>eventTime</c> without decoding the message (the recorder keeps bytes as they are).</summary>
public static class PayloadEventTime
{
    /// <summary>
    /// The top-level integer <c>eventTime</c> of a JSON object; false when there is none (instruments), it is not a
    /// non-negative integer, or the payload is not JSON. Nested <c>eventTime</c> fields are not looked at.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out long eventTime)
    {
        eventTime = 0;
        var reader = new Utf8JsonReader(payload);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isEventTime = reader.ValueTextEquals("eventTime"u8);
                reader.Read();
                if (isEventTime)
                {
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var time) && time >= 0)
                    {
                        eventTime = time;
                        return true;
                    }

                    return false;
                }

                // Skips a nested value whole; a primitive is already consumed.
                reader.Skip();
            }

            return false;
        }
        catch (JsonException)
        {
            eventTime = 0;
            return false;
        }
    }
}
