namespace StreamRisk.Redis;

/// <summary>Log text for a failed Redis call or hook action.</summary>
internal static class RedisErrors
{
    private const int MaxLength = 240;

    /// <summary>
    /// Type and the start of the message: StackExchange.Redis appends a long connection-state dump that would flood
    /// a log during an outage (it names endpoints and the client name, never a password).
    /// </summary>
    public static string Describe(Exception ex)
    {
        var message = ex.Message.ReplaceLineEndings(" ");
        var dump = message.IndexOf(" - Last Connection Exception", StringComparison.Ordinal);
        if (dump > 0)
        {
            message = message[..dump];
        }

        if (message.Length > MaxLength)
        {
            message = message[..MaxLength] + "...";
        }

        return ex.GetType().Name + ": " + message;
    }
}
