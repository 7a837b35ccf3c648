namespace StreamRisk.Contracts.Alerts;

/// <summary>
/// Redis key and channel names of the alert outputs, all under one prefix so several deployments can share a Redis.
/// Plain strings: Contracts does not reference a Redis client. For Redis Cluster put the prefix in a hash tag
/// (<c>{streamrisk}</c>) so the stream and its dedupe set share a slot, as the publisher writes them in one script.
/// </summary>
public sealed record AlertKeys(string Prefix)
{
    public const string DefaultPrefix = "streamrisk";

    public static AlertKeys Default { get; } = new(DefaultPrefix);

    /// <summary>The durable alert stream (XADD, consumer groups).</summary>
    public string Stream => Prefix + ":alerts";

    /// <summary>Transition ids already in <see cref="Stream"/>: the publisher's idempotency record.</summary>
    public string Written => Prefix + ":alerts:written";

    /// <summary>Live fan-out channel of one severity and symbol; subscribe to a pattern such as <c>streamrisk:alerts:critical:*</c>.</summary>
    public string Channel(AlertSeverity severity, string symbol) => Prefix + ":alerts:" + AlertNames.Of(severity) + ":" + symbol;

    /// <summary>Hash with the latest <see cref="SymbolPicture"/> of a symbol.</summary>
    public string State(string symbol) => Prefix + ":state:" + symbol;

    /// <summary>Transition ids a hook consumer group has acted on (checked before acting, written after success).</summary>
    public string HookDone(string group) => Prefix + ":hooks:" + group + ":done";

    /// <summary>When a hook group last acted on each alert (alert id scored by unix milliseconds): the per-alert cooldown's record.</summary>
    public string HookPosted(string group) => Prefix + ":hooks:" + group + ":posted";

    /// <summary>Hash of operators' acknowledgements: field alert id, value an <see cref="AlertAck"/> (JSON).</summary>
    public string Acks => Prefix + ":acks";

    /// <summary>Channel on which every new <see cref="AlertAck"/> is published, so every dashboard shows it at once.</summary>
    public string AckEvents => Prefix + ":acks:events";
}
