using System.Globalization;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace StreamRisk.Testing;

/// <summary>
/// Reads a replay's exported tables back independently of the code that wrote them (an RFC 4180 parser of its own,
/// Parquet.Net's reader) and states what each row must hold from the ndjson files (parsed with <see cref="JsonDocument"/>,
/// not with the exporter's reader). Values are normalised to: unix ms (<see cref="long"/>) for times, <see cref="string"/>,
/// <see cref="double"/>, <see cref="bool"/>, and null for an absent value.
/// </summary>
public static class ExportedTables
{
    /// <summary>A table read back: its column names and its rows, in file order.</summary>
    public sealed record Table(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<object?>> Rows);

    /// <summary>The rows the projections table must hold: one per symbol line of projections.ndjson, keyed by column name.</summary>
    public static List<Dictionary<string, object?>> ExpectedProjections(string projectionsNdjson)
    {
        var rows = new List<Dictionary<string, object?>>();
        foreach (var line in File.ReadLines(projectionsNdjson, Encoding.UTF8).Where(l => l.Length > 0))
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.TryGetProperty("type", out _))
            {
                continue; // a system view
            }

            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var field in json.RootElement.EnumerateObject())
            {
                if (field.Name == "liquidatable")
                {
                    foreach (var band in field.Value.EnumerateObject())
                    {
                        // down1 → liquidatable_down_1pct
                        row[$"liquidatable_{band.Name[..^1]}_{band.Name[^1]}pct"] = Value(band.Value);
                    }

                    continue;
                }

                row[ProjectionColumn(field.Name)] = field.Name == "eventTime" ? field.Value.GetInt64() : Value(field.Value);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The rows the alerts table must hold: one per line of alerts.ndjson; a metric a rule lacks is null.</summary>
    public static List<Dictionary<string, object?>> ExpectedAlerts(string alertsNdjson)
    {
        var rows = new List<Dictionary<string, object?>>();
        foreach (var line in File.ReadLines(alertsNdjson, Encoding.UTF8).Where(l => l.Length > 0))
        {
            using var json = JsonDocument.Parse(line);
            var row = new Dictionary<string, object?>(StringComparer.Ordinal) { ["trace_parent"] = null };
            foreach (var field in json.RootElement.EnumerateObject())
            {
                if (field.Name == "metrics")
                {
                    foreach (var metric in field.Value.EnumerateObject())
                    {
                        row["metric_" + metric.Name] = Number(metric.Value);
                    }

                    continue;
                }

                row[AlertColumn(field.Name)] = field.Name == "eventTime" ? field.Value.GetInt64() : Value(field.Value);
            }

            rows.Add(row);
        }

        // Every row has every metric column: null where its rule has no such metric.
        var metrics = rows.SelectMany(r => r.Keys).Where(k => k.StartsWith("metric_", StringComparison.Ordinal)).Distinct().ToList();
        foreach (var row in rows)
        {
            foreach (var metric in metrics)
            {
                row.TryAdd(metric, null);
            }
        }

        return rows;
    }

    /// <summary>
    /// Differences between a table and the rows it must hold, one line each (empty when equal): the column set must be
    /// exactly the expected keys, and every value equal (numbers as doubles, which round-trip precision makes exact; NaN equal to NaN).
    /// </summary>
    public static List<string> Mismatches(Table table, List<Dictionary<string, object?>> expected)
    {
        var problems = new List<string>();
        var keys = expected.SelectMany(r => r.Keys).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(keys.Except(table.Columns).Select(k => $"no column for ndjson field {k}"));
        problems.AddRange(table.Columns.Except(keys).Where(_ => expected.Count > 0).Select(c => $"column {c} holds nothing of the ndjson"));
        if (table.Rows.Count != expected.Count)
        {
            problems.Add($"{table.Rows.Count} rows, expected {expected.Count}");
        }

        for (var i = 0; i < Math.Min(table.Rows.Count, expected.Count); i++)
        {
            for (var c = 0; c < table.Columns.Count; c++)
            {
                if (!expected[i].TryGetValue(table.Columns[c], out var want))
                {
                    continue;
                }

                var got = table.Rows[i][c];
                if (!Equals(Normalise(got, want), want))
                {
                    problems.Add($"row {i + 1}, {table.Columns[c]}: '{got}' ≠ '{want}'");
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// An RFC 4180 file: records end with CRLF, a quoted field may hold commas, quotes (doubled) and line breaks. An
    /// unquoted empty field reads as null, a quoted empty one as "". Anything else (a bare LF between records, a quote
    /// inside an unquoted field) is an error rather than guessed at.
    /// </summary>
    public static Table ReadCsv(string path)
    {
        var text = File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        var records = new List<List<string?>>();
        var record = new List<string?>();
        var i = 0;
        while (i < text.Length)
        {
            string? field;
            if (text[i] == '"')
            {
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new InvalidDataException("unterminated quoted field");
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            value.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    value.Append(text[i++]);
                }

                field = value.ToString();
            }
            else
            {
                var start = i;
                while (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                {
                    if (text[i] == '"')
                    {
                        throw new InvalidDataException($"quote inside an unquoted field at {i}");
                    }

                    i++;
                }

                field = i == start ? null : text[start..i];
            }

            record.Add(field);
            if (i < text.Length && text[i] == ',')
            {
                i++;
                continue;
            }

            if (i + 1 < text.Length && text[i] == '\r' && text[i + 1] == '\n')
            {
                i += 2;
            }
            else if (i < text.Length)
            {
                throw new InvalidDataException($"record not ended by CRLF at {i}");
            }

            records.Add(record);
            record = [];
        }

        if (records.Count == 0)
        {
            throw new InvalidDataException("no header");
        }

        var columns = records[0].Select(c => c ?? string.Empty).ToList();
        foreach (var row in records.Skip(1).Where(r => r.Count != columns.Count))
        {
            throw new InvalidDataException($"a record of {row.Count} fields under a header of {columns.Count}");
        }

        return new Table(columns, [.. records.Skip(1).Select(r => (IReadOnlyList<object?>)[.. r])]);
    }

    /// <summary>A Parquet file read back with Parquet.Net, every row group in order; times must be UTC timestamps.</summary>
    public static async Task<Table> ReadParquetAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        var rows = new List<object?[]>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var columns = new object?[fields.Length][];
            for (var c = 0; c < fields.Length; c++)
            {
                columns[c] = await ReadColumnAsync(group, fields[c], count);
            }

            for (var r = 0; r < count; r++)
            {
                rows.Add([.. columns.Select(column => column[r])]);
            }
        }

        return new Table([.. fields.Select(f => f.Name)], rows);
    }

    private static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader group, DataField field, int count)
    {
        if (field.ClrType == typeof(DateTime))
        {
            if (field is not DateTimeDataField { DateTimeFormat: DateTimeFormat.Timestamp, IsAdjustedToUTC: true })
            {
                throw new InvalidDataException($"{field.Name} is not a UTC timestamp");
            }

            var times = new DateTime[count];
            await group.ReadAsync<DateTime>(field, times);
            return [.. times.Select(t => (object?)new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeMilliseconds())];
        }

        // Parquet.Net reads UTF-8 columns as ReadOnlyMemory<char> unless told to prefer strings; ReadAsync gives strings either way.
        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var texts = new string?[count];
            await group.ReadAsync(field, texts.AsMemory());
            return [.. texts];
        }

        if (field.ClrType == typeof(double))
        {
            return await ReadValuesAsync<double>(group, field, count);
        }

        if (field.ClrType == typeof(bool))
        {
            return await ReadValuesAsync<bool>(group, field, count);
        }

        throw new InvalidDataException($"{field.Name}: unexpected type {field.ClrType}");
    }

    private static async Task<object?[]> ReadValuesAsync<T>(ParquetRowGroupReader group, DataField field, int count)
        where T : struct
    {
        if (field.IsNullable)
        {
            var optional = new T?[count];
            await group.ReadAsync<T>(field, optional.AsMemory());
            return [.. optional.Select(v => (object?)v)];
        }

        var values = new T[count];
        await group.ReadAsync<T>(field, values.AsMemory());
        return [.. values.Select(v => (object?)v)];
    }

    /// <summary>A value as read (CSV text, or a Parquet value) turned into the type the expected value has.</summary>
    private static object? Normalise(object? got, object? want) => (got, want) switch
    {
        (string text, long) => DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds(),
        (string text, double) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        (string text, bool) => text switch { "true" => true, "false" => false, _ => text },
        _ => got,
    };

    private static object? Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.GetDouble(),
        _ => throw new InvalidDataException($"unexpected {value.ValueKind}"),
    };

    /// <summary>A metric: a number, or a named literal ("NaN", "Infinity") the alert JSON allows.</summary>
    private static double Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? double.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetDouble();

    /// <summary>camelCase ndjson names to the tables' snake_case; depth1 is the ±1% depth.</summary>
    private static string ProjectionColumn(string name) => name switch
    {
        "depth1" => "depth_1pct",
        _ => Snake(name),
    };

    private static string AlertColumn(string name) => name switch
    {
        "id" => "alert_id",
        "state" => "transition",
        _ => Snake(name),
    };

    private static string Snake(string name)
    {
        var snake = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c))
            {
                snake.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                snake.Append(c);
            }
        }

        return snake.ToString();
    }
}
