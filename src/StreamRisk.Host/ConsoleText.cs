using System.Globalization;
using System.Text;

namespace StreamRisk.Host;

/// <summary>
/// Text from the input (symbols, account ids, lines of a capture) made safe for a terminal or a log line: control
/// characters (ESC, CR, LF, DEL, C1) and the invisible characters that reorder or split a line (bidi controls, line
/// and paragraph separators) are written as <c>\u001b</c>, so a symbol can neither steer the terminal nor forge a
/// line of output. Text without any of them is returned as it is, without allocating.
/// </summary>
internal static class ConsoleText
{
    public static string Visible(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var first = 0;
        while (first < text.Length && !NeedsEscape(text[first]))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var visible = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (NeedsEscape(c))
            {
                visible.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                visible.Append(c);
            }
        }

        return visible.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c)
        || c is '\u200e' or '\u200f' or '\u2028' or '\u2029' or '\u061c'
        || c is >= '\u202a' and <= '\u202e'
        || c is >= '\u2066' and <= '\u2069';
}
