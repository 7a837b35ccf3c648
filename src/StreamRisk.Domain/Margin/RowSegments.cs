namespace StreamRisk.Domain.Margin;

/// <summary>
/// Rows of <typeparamref name="T"/> in fixed segments of <see cref="SegmentRows"/>: a row index names a segment and a
/// place in it. Growing adds a segment and copies nothing, so a million-row store neither keeps a doubled array's
/// unused half (up to half the memory of the rows) nor stalls its single writer copying hundreds of megabytes when it
/// grows. The first segment starts small and grows by a quarter at a time up to full size, so a small book stays small.
/// </summary>
/// <remarks>A run of rows that must be read as one span is kept inside one segment by the caller (<see cref="SegmentRows"/>).</remarks>
internal sealed class RowSegments<T>
{
    public const int SegmentShift = 16;
    public const int SegmentRows = 1 << SegmentShift;
    private const int Mask = SegmentRows - 1;

    private T[][] _segments = [new T[16]];

    /// <summary>Rows there is room for.</summary>
    public int Capacity { get; private set; } = 16;

    public ref T this[int row] => ref _segments[row >> SegmentShift][row & Mask];

    /// <summary>Rows [row, row + length), which must lie in one segment.</summary>
    public Span<T> Span(int row, int length) => _segments[row >> SegmentShift].AsSpan(row & Mask, length);

    /// <summary>Makes room for rows [0, rows).</summary>
    public void EnsureCapacity(int rows)
    {
        while (Capacity < rows)
        {
            if (Capacity < SegmentRows)
            {
                // A quarter more at a time: at most a fifth of a small book's rows are unused.
                Array.Resize(ref _segments[0], Math.Min(Math.Max(rows, Capacity + (Capacity / 4)), SegmentRows));
                Capacity = _segments[0].Length;
                continue;
            }

            Array.Resize(ref _segments, _segments.Length + 1);
            _segments[^1] = new T[SegmentRows];
            Capacity += SegmentRows;
        }
    }
}
