using System.Text;

namespace StreamRisk.Replay.Tests;

/// <summary>
/// A line longer than the reader's limit (a file without line ends, a corrupt or hostile capture) is passed over, not
/// held: the reader says so, counts it as one line, and the lines after it come out whole.
/// </summary>
public sealed class CaptureLineReaderTests
{
    private const int Limit = 1024;

    [Theory]
    [InlineData(Limit + 1)]
    [InlineData(3 << 20)] // several times the reader's first buffer: passed over across many reads
    public void TryReadLine_LineLongerThanTheLimit_PassedOverAndTheNextLinesWhole(int longLength)
    {
        var text = "first\n" + new string('x', longLength) + "\n" + new string('y', Limit) + "\nlast\r\n";
        using var reader = CaptureLineReader.Over(new MemoryStream(Encoding.ASCII.GetBytes(text)), Limit);

        var lines = ReadAll(reader);

        Assert.Equal(
            [(1L, "first", false), (2L, "", true), (3L, new string('y', Limit), false), (4L, "last", false)],
            lines.Select(l => (l.Number, l.Text, l.Overlong)));
    }

    [Fact]
    public void TryReadLine_OverlongLastLineWithoutLineEnd_ReportedUnterminatedAndOverlong()
    {
        var text = "first\n" + new string('z', 5 * Limit);
        using var reader = CaptureLineReader.Over(new MemoryStream(Encoding.ASCII.GetBytes(text)), Limit);

        Assert.True(reader.TryReadLine(out _));
        Assert.True(reader.TryReadLine(out var line));
        Assert.True(line.IsEmpty);
        Assert.True(reader.LastLineOverlong);
        Assert.False(reader.LastLineTerminated);
        Assert.Equal(2, reader.LineNumber);
        Assert.False(reader.TryReadLine(out _));
    }

    private static List<(long Number, string Text, bool Overlong)> ReadAll(CaptureLineReader reader)
    {
        var lines = new List<(long, string, bool)>();
        while (reader.TryReadLine(out var line))
        {
            lines.Add((reader.LineNumber, Encoding.ASCII.GetString(line), reader.LastLineOverlong));
        }

        return lines;
    }
}
