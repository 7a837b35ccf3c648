using System.Globalization;
using System.Text;

namespace StreamRisk.Reporting.Export;

/// <summary>
/// RFC 4180 CSV: a header row, CRLF between records, a field quoted (its quotes doubled) when it holds a comma, a quote,
/// a CR or an LF, so any symbol or explanation reads back as it was. Numbers in invariant culture with round-trip
/// precision; absent values are empty fields (an empty text is <c>""</c>); times are ISO 8601 UTC with milliseconds. UTF-8 without a byte-order
/// mark, and nothing from the machine or the clock: the same rows give the same bytes.
/// </summary>
internal static class CsvTable
{
    private const string RecordEnd = "\r\n";

    public static long Write<TRow>(string path, IReadOnlyList<TableColumn<TRow>> columns, IEnumerable<TRow> rows)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        for (var c = 0; c < columns.Count; c++)
        {
            if (c > 0)
            {
                writer.Write(',');
            }

            WriteText(writer, columns[c].Name);
        }

        writer.Write(RecordEnd);
        var count = 0L;
        foreach (var row in rows)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                if (c > 0)
                {
                    writer.Write(',');
                }

                WriteCell(writer, columns[c], row);
            }

            writer.Write(RecordEnd);
            count++;
        }

        return count;
    }

    /// <summary>An event time as CSV shows it: <c>2024-08-08T23:54:15.123Z</c>.</summary>
    public static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteCell<TRow>(StreamWriter writer, TableColumn<TRow> column, TRow row)
    {
        switch (column.Kind)
        {
            case ColumnKind.Time:
                writer.Write(Time(column.Time!(row)));
                break;
            case ColumnKind.Text or ColumnKind.OptionalText:
                if (column.Text!(row) is { } text)
                {
                    WriteText(writer, text);
                }

                break;
            case ColumnKind.Number or ColumnKind.OptionalNumber:
                if (column.Number!(row) is { } number)
                {
                    writer.Write(number.ToString("R", CultureInfo.InvariantCulture));
                }

                break;
            case ColumnKind.Flag:
                writer.Write(column.Flag!(row) ? "true" : "false");
                break;
            default:
                throw new InvalidOperationException($"column kind {column.Kind}");
        }
    }

    /// <summary>
    /// Quoted when it must be, and also when empty (so an empty text differs from an absent one) or when it starts or
    /// ends with white space (which some readers trim from unquoted fields).
    /// </summary>
    private static void WriteText(StreamWriter writer, string text)
    {
        if (text.Length > 0 && text.AsSpan().IndexOfAny(",\"\r\n") < 0 && !char.IsWhiteSpace(text[0]) && !char.IsWhiteSpace(text[^1]))
        {
            writer.Write(text);
            return;
        }

        writer.Write('"');
        writer.Write(text.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }
}
