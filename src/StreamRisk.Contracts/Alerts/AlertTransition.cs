using System.Text.Json.Serialization;

namespace StreamRisk.Contracts.Alerts;

/// <summary>
/// One step in an alert's life, as written to the alert stream and published to subscribers. Produced by the alert
/// rules (single writer: the engine thread), immutable afterwards, serialized with <see cref="AlertJson"/>.
/// </summary>
/// <remarks>
/// <see cref="Id"/> names the alert (rule, symbol, side, the event time it was raised at) and is the same for every
/// transition of that alert; <see cref="TransitionId"/> adds the transition's sequence number within the alert, so it
/// is unique per transition and is the key every consumer deduplicates on.
/// </remarks>
public sealed record AlertTransition
{
    /// <summary>Deterministic alert id, e.g. <c>CascadeRisk:BTCUSDT:down:1723161255000</c>.</summary>
    public required string Id { get; init; }

    /// <summary><see cref="Id"/> + <c>:</c> + the transition's sequence number within the alert (see <see cref="TransitionIdOf"/>).</summary>
    public required string TransitionId { get; init; }

    /// <summary>
    /// One of <see cref="AlertRuleNames"/>. A string rather than an enum on purpose: the set of rules grows, and a
    /// hook built before a rule existed must still read (and may filter out) alerts of that rule.
    /// </summary>
    public required string Rule { get; init; }

    public required string Symbol { get; init; }

    public required AlertSeverity Severity { get; init; }

    public required AlertState State { get; init; }

    /// <summary>Event time of the input that caused the transition, unix milliseconds (not the time it was published).</summary>
    public required long EventTime { get; init; }

    /// <summary>The numbers behind the transition, named by rule (e.g. <c>criticalShock</c>, <c>liquidatedNotional</c>; see docs/alerts-and-hooks.md).</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>One or two sentences for a person on the risk desk.</summary>
    public required string Explanation { get; init; }

    /// <summary>What ops (or a circuit-breaker hook) would do about it.</summary>
    public required string SuggestedAction { get; init; }

    /// <summary>W3C <c>traceparent</c> of the span that produced the transition, so a hook can continue the trace.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }

    /// <summary>The transition id of transition number <paramref name="sequence"/> of alert <paramref name="alertId"/>, counted from 0 (the raise).</summary>
    public static string TransitionIdOf(string alertId, int sequence) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{alertId}:{sequence}");
}

/// <summary>How urgent an alert is. The wire form is lower case (<see cref="AlertNames.Of(AlertSeverity)"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertSeverity>))]
public enum AlertSeverity
{
    [JsonStringEnumMemberName("info")]
    Info,

    [JsonStringEnumMemberName("warning")]
    Warning,

    [JsonStringEnumMemberName("critical")]
    Critical,
}

/// <summary>Lifecycle step of an alert. The wire form is lower case (<see cref="AlertNames.Of(AlertState)"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertState>))]
public enum AlertState
{
    [JsonStringEnumMemberName("raised")]
    Raised,

    /// <summary>Severity went up.</summary>
    [JsonStringEnumMemberName("escalated")]
    Escalated,

    /// <summary>Same severity, numbers moved enough to be worth telling.</summary>
    [JsonStringEnumMemberName("updated")]
    Updated,

    [JsonStringEnumMemberName("resolved")]
    Resolved,
}
