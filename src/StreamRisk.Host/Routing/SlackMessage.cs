using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Routing;

/// <summary>
/// An alert transition as a Slack incoming-webhook message: <c>text</c> (the notification and fallback line) and
/// Block Kit <c>blocks</c> — a header, the severity / rule / symbol / state fields, the explanation, the suggested
/// action, and the runbook link with the alert id.
/// </summary>
internal static class SlackMessage
{
    // Slack's limits: a header's plain text, a section's text (longer text is refused with HTTP 400, which retrying
    // cannot fix, so it is cut here).
    private const int HeaderLimit = 150;
    private const int SectionLimit = 3000;

    public static string Write(AlertTransition transition, Uri? runbook)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var severity = AlertNames.Of(transition.Severity);
        var state = AlertNames.Of(transition.State);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("text", Mrkdwn($"[{severity}] {transition.Rule} {transition.Symbol} {state}: {transition.Explanation}", SectionLimit));
            json.WriteStartArray("blocks");

            json.WriteStartObject();
            json.WriteString("type", "header");
            PlainText(json, Cut($"{Title(transition.State)}: {transition.Rule} {transition.Symbol}", HeaderLimit));
            json.WriteEndObject();

            json.WriteStartObject();
            json.WriteString("type", "section");
            json.WriteStartArray("fields");
            Field(json, "Severity", severity);
            Field(json, "Rule", transition.Rule);
            Field(json, "Symbol", transition.Symbol);
            Field(json, "State", state);
            json.WriteEndArray();
            json.WriteEndObject();

            if (transition.Explanation.Length > 0)
            {
                Section(json, Mrkdwn(transition.Explanation, SectionLimit));
            }

            if (transition.SuggestedAction.Length > 0)
            {
                Section(json, "*Suggested action*\n" + Mrkdwn(transition.SuggestedAction, SectionLimit - 30));
            }

            json.WriteStartObject();
            json.WriteString("type", "context");
            json.WriteStartArray("elements");
            var context = new StringBuilder();
            if (runbook is not null)
            {
                context.Append('<').Append(LinkTarget(runbook)).Append("|Runbook: ").Append(Escape(transition.Rule)).Append(">  ·  ");
            }

            context.Append("alert `").Append(Escape(transition.Id)).Append("` at ")
                .Append(DateTimeOffset.FromUnixTimeMilliseconds(transition.EventTime).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append(" UTC (event time)");
            json.WriteStartObject();
            json.WriteString("type", "mrkdwn");
            json.WriteString("text", context.ToString());
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// Slack reads <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> in message text as markup (<c>&lt;!channel&gt;</c> notifies a
    /// whole channel), so text from the alert is escaped before it goes in.
    /// </summary>
    public static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Title(AlertState state) => state switch
    {
        AlertState.Raised => "Raised",
        AlertState.Escalated => "Escalated",
        AlertState.Updated => "Updated",
        AlertState.Resolved => "Resolved",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown state"),
    };

    /// <summary>The URL inside <c>&lt;url|label&gt;</c>: escaped as text, and a <c>|</c> (which would end it) percent-encoded.</summary>
    private static string LinkTarget(Uri url) => Escape(url.AbsoluteUri).Replace("|", "%7C", StringComparison.Ordinal);

    private static string Cut(string text, int limit) => text.Length <= limit ? text : string.Concat(text.AsSpan(0, limit - 1), "…");

    /// <summary>Escaped, then cut to <paramref name="limit"/> characters without splitting an entity.</summary>
    private static string Mrkdwn(string text, int limit)
    {
        var escaped = Escape(text);
        if (escaped.Length <= limit)
        {
            return escaped;
        }

        var end = limit - 1;
        var entity = escaped.LastIndexOf('&', end - 1, Math.Min(4, end));
        if (entity >= 0 && escaped.IndexOf(';', entity) >= end)
        {
            end = entity;
        }

        return string.Concat(escaped.AsSpan(0, end), "…");
    }

    private static void PlainText(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject("text");
        json.WriteString("type", "plain_text");
        json.WriteString("text", text);
        json.WriteEndObject();
    }

    private static void Field(Utf8JsonWriter json, string name, string value)
    {
        json.WriteStartObject();
        json.WriteString("type", "mrkdwn");
        json.WriteString("text", $"*{name}*\n{Escape(value)}");
        json.WriteEndObject();
    }

    private static void Section(Utf8JsonWriter json, string mrkdwn)
    {
        json.WriteStartObject();
        json.WriteString("type", "section");
        json.WriteStartObject("text");
        json.WriteString("type", "mrkdwn");
        json.WriteString("text", mrkdwn);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
