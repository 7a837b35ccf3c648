namespace StreamRisk.Reporting.Export;

/// <summary>What a column holds; decides its CSV text and its Parquet type.</summary>
internal enum ColumnKind
{
    /// <summary>An event time, unix ms: ISO 8601 UTC in CSV, a UTC timestamp in milliseconds in Parquet.</summary>
    Time,

    Text,

    /// <summary>Text that may be absent: an empty CSV field, a Parquet null.</summary>
    OptionalText,

    Number,

    /// <summary>A number that may be absent (no critical shock, a complete side): an empty CSV field, a Parquet null.</summary>
    OptionalNumber,

    Flag,
}

/// <summary>
/// One column of an exported table: its name, kind and how to read it from a row. The CSV and Parquet writers share
/// these, so the two formats cannot disagree about which columns a table has or what is in them.
/// </summary>
internal sealed class TableColumn<TRow>
{
    private TableColumn(string name, ColumnKind kind) => (Name, Kind) = (name, kind);

    public string Name { get; }

    public ColumnKind Kind { get; }

    public Func<TRow, long>? Time { get; private init; }

    public Func<TRow, string?>? Text { get; private init; }

    public Func<TRow, double?>? Number { get; private init; }

    public Func<TRow, bool>? Flag { get; private init; }

    public static TableColumn<TRow> OfTime(string name, Func<TRow, long> value) => new(name, ColumnKind.Time) { Time = value };

    public static TableColumn<TRow> OfText(string name, Func<TRow, string> value) => new(name, ColumnKind.Text) { Text = value };

    public static TableColumn<TRow> OfOptionalText(string name, Func<TRow, string?> value) => new(name, ColumnKind.OptionalText) { Text = value };

    public static TableColumn<TRow> OfNumber(string name, Func<TRow, double> value) => new(name, ColumnKind.Number) { Number = row => value(row) };

    public static TableColumn<TRow> OfOptionalNumber(string name, Func<TRow, double?> value) => new(name, ColumnKind.OptionalNumber) { Number = value };

    public static TableColumn<TRow> OfFlag(string name, Func<TRow, bool> value) => new(name, ColumnKind.Flag) { Flag = value };
}
