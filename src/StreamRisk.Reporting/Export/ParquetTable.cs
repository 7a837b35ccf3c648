using Parquet;
using Parquet.Schema;

namespace StreamRisk.Reporting.Export;

/// <summary>
/// A table as a Parquet file (Parquet.Net, Snappy): one typed column per <see cref="TableColumn{TRow}"/>, event times as
/// UTC timestamps in milliseconds, absent values as nulls. Rows are buffered a row group at a time, so a day of
/// projections is written in steps of <see cref="RowGroupSize"/> rows rather than held whole.
/// </summary>
internal static class ParquetTable
{
    /// <summary>Rows per row group: about 16 MB of buffers for the widest table, and few groups for a day's file.</summary>
    public const int RowGroupSize = 100_000;

    public static async Task<long> WriteAsync<TRow>(string path, IReadOnlyList<TableColumn<TRow>> columns, IEnumerable<TRow> rows, int rowGroupSize, CancellationToken cancel)
    {
        var fields = columns.Select(Field).ToArray();
        var buffers = columns.Select(c => new ColumnBuffer(c.Kind, rowGroupSize)).ToArray();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, cancellationToken: cancel).ConfigureAwait(false);
        var count = 0L;
        var buffered = 0;
        foreach (var row in rows)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                buffers[c].Set(buffered, columns[c], row);
            }

            count++;
            if (++buffered == rowGroupSize)
            {
                await FlushAsync(writer, fields, buffers, buffered, cancel).ConfigureAwait(false);
                buffered = 0;
            }
        }

        // An empty table still gets one (empty) row group, so readers see the schema and zero rows rather than no data.
        if (buffered > 0 || count == 0)
        {
            await FlushAsync(writer, fields, buffers, buffered, cancel).ConfigureAwait(false);
        }

        return count;
    }

    private static DataField Field<TRow>(TableColumn<TRow> column) => column.Kind switch
    {
        ColumnKind.Time => new DateTimeDataField(column.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: false),
        ColumnKind.Text => new DataField<string>(column.Name, nullable: false),
        ColumnKind.OptionalText => new DataField<string>(column.Name, nullable: true),
        ColumnKind.Number => new DataField<double>(column.Name, nullable: false),
        ColumnKind.OptionalNumber => new DataField<double>(column.Name, nullable: true),
        ColumnKind.Flag => new DataField<bool>(column.Name, nullable: false),
        _ => throw new InvalidOperationException($"column kind {column.Kind}"),
    };

    private static async Task FlushAsync(ParquetWriter writer, DataField[] fields, ColumnBuffer[] buffers, int rows, CancellationToken cancel)
    {
        using var group = writer.CreateRowGroup();
        for (var c = 0; c < fields.Length; c++)
        {
            await buffers[c].WriteAsync(group, fields[c], rows, cancel).ConfigureAwait(false);
        }

        group.CompleteValidate();
    }

    /// <summary>One column's values for the row group being filled, in the array type its kind needs.</summary>
    private sealed class ColumnBuffer(ColumnKind kind, int size)
    {
        private readonly DateTime[]? _times = kind == ColumnKind.Time ? new DateTime[size] : null;
        private readonly string?[]? _texts = kind is ColumnKind.Text or ColumnKind.OptionalText ? new string?[size] : null;
        private readonly double[]? _numbers = kind == ColumnKind.Number ? new double[size] : null;
        private readonly double?[]? _optionalNumbers = kind == ColumnKind.OptionalNumber ? new double?[size] : null;
        private readonly bool[]? _flags = kind == ColumnKind.Flag ? new bool[size] : null;

        public void Set<TRow>(int index, TableColumn<TRow> column, TRow row)
        {
            switch (kind)
            {
                case ColumnKind.Time:
                    _times![index] = DateTimeOffset.FromUnixTimeMilliseconds(column.Time!(row)).UtcDateTime;
                    break;
                case ColumnKind.Text or ColumnKind.OptionalText:
                    _texts![index] = column.Text!(row);
                    break;
                case ColumnKind.Number:
                    _numbers![index] = column.Number!(row) ?? double.NaN;
                    break;
                case ColumnKind.OptionalNumber:
                    _optionalNumbers![index] = column.Number!(row);
                    break;
                case ColumnKind.Flag:
                    _flags![index] = column.Flag!(row);
                    break;
                default:
                    throw new InvalidOperationException($"column kind {kind}");
            }
        }

        public Task WriteAsync(ParquetRowGroupWriter group, DataField field, int rows, CancellationToken cancel) => kind switch
        {
            ColumnKind.Time => group.WriteAsync<DateTime>(field, _times.AsMemory(0, rows), cancellationToken: cancel),
            ColumnKind.Text or ColumnKind.OptionalText => group.WriteAsync(field, new ArraySegment<string?>(_texts!, 0, rows)!),
            ColumnKind.Number => group.WriteAsync<double>(field, _numbers.AsMemory(0, rows), cancellationToken: cancel),
            ColumnKind.OptionalNumber => group.WriteAsync<double>(field, _optionalNumbers.AsMemory(0, rows), cancellationToken: cancel),
            ColumnKind.Flag => group.WriteAsync<bool>(field, _flags.AsMemory(0, rows), cancellationToken: cancel),
            _ => throw new InvalidOperationException($"column kind {kind}"),
        };
    }
}
