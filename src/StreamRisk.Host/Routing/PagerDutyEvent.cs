using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Routing;

/// <summary>
/// An alert transition as a PagerDuty Events API v2 event (<c>POST https://events.pagerduty.com/v2/enqueue</c>). The
/// dedup key is the alert id, the same for every transition of one alert: the raise opens a PagerDuty alert, later
/// triggers land in that alert's log, and the resolve closes it.
/// </summary>
internal static class PagerDutyEvent
{
    /// <summary>PagerDuty's limit on <c>dedup_key</c>.</summary>
    public const int DedupKeyLimit = 255;

    /// <summary>PagerDuty's limit on <c>payload.summary</c>.</summary>
    private const int SummaryLimit = 1024;

    /// <summary>
    /// <c>trigger</c> for a raise, an escalation and an update, <c>resolve</c> for a resolve. An update is a trigger on
    /// purpose: PagerDuty folds a trigger with the dedup key of an open alert into that alert (no second incident), so
    /// the incident's log carries the current numbers.
    /// </summary>
    public static string ActionOf(AlertState state) => state == AlertState.Resolved ? "resolve" : "trigger";

    /// <summary>PagerDuty's severities are critical, error, warning and info; StreamRisk's three map to their namesakes and <c>error</c> is not used.</summary>
    public static string SeverityOf(AlertSeverity severity) => AlertNames.Of(severity);

    /// <summary>
    /// The alert id, or — for an id longer than PagerDuty accepts (an account qualifier can make it long) — <c>sha256:</c>
    /// and the hex SHA-256 of the id: still the same for every transition of the alert, so trigger and resolve match.
    /// </summary>
    public static string DedupKeyOf(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        return alertId.Length <= DedupKeyLimit
            ? alertId
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(alertId)));
    }

    /// <param name="routingKey">The integration key: a secret, written into the body and nowhere else.</param>
    /// <param name="source">PagerDuty's <c>payload.source</c>: the deployment (the hook's key prefix).</param>
    public static string Write(AlertTransition transition, Uri? runbook, string routingKey, string source)
    {
        ArgumentNullException.ThrowIfNull(transition);
        ArgumentException.ThrowIfNullOrEmpty(routingKey);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("routing_key", routingKey);
            json.WriteString("event_action", ActionOf(transition.State));
            json.WriteString("dedup_key", DedupKeyOf(transition.Id));
            if (transition.State != AlertState.Resolved)
            {
                // A resolve needs only the key and the action; PagerDuty ignores a payload on it.
                Payload(json, transition, source);
                json.WriteString("client", "StreamRisk");
                if (runbook is not null)
                {
                    json.WriteStartArray("links");
                    json.WriteStartObject();
                    json.WriteString("href", runbook.AbsoluteUri);
                    json.WriteString("text", "Runbook: " + transition.Rule);
                    json.WriteEndObject();
                    json.WriteEndArray();
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Payload(Utf8JsonWriter json, AlertTransition transition, string source)
    {
        json.WriteStartObject("payload");
        var summary = $"[{AlertNames.Of(transition.Severity)}] {transition.Rule} {transition.Symbol}: {transition.Explanation}";
        json.WriteString("summary", summary.Length <= SummaryLimit ? summary : string.Concat(summary.AsSpan(0, SummaryLimit - 1), "…"));
        json.WriteString("source", source);
        json.WriteString("severity", SeverityOf(transition.Severity));
        json.WriteString("timestamp", DateTimeOffset.FromUnixTimeMilliseconds(transition.EventTime).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        json.WriteString("component", transition.Symbol);
        json.WriteString("class", transition.Rule);
        json.WriteStartObject("custom_details");
        json.WriteString("alert_id", transition.Id);
        json.WriteString("transition_id", transition.TransitionId);
        json.WriteString("state", AlertNames.Of(transition.State));
        json.WriteString("explanation", transition.Explanation);
        json.WriteString("suggested_action", transition.SuggestedAction);
        json.WriteStartObject("metrics");
        foreach (var (name, value) in transition.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (double.IsFinite(value))
            {
                json.WriteNumber(name, value);
            }
            else
            {
                // JSON has no NaN or infinity; written as the alert JSON writes them.
                json.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
            }
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
