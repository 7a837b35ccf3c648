using System.IO.Compression;

namespace StreamRisk.Replay;

/// <summary>
/// Reads a capture file line by line as UTF-8 bytes, gzip or plain text (told apart by the gzip magic bytes). Lines
/// are handed out as spans into one reused buffer, valid until the next read: no string per line. One reader per
/// file, used by one thread. A line longer than <see cref="MaxLineBytes"/> (a hostile or corrupt file without line
/// ends) is not held: its bytes are passed over up to its line end and it is handed out empty with
/// <see cref="LastLineOverlong"/> set, so memory stays bounded whatever the file holds.
/// </summary>
internal sealed class CaptureLineReader : IDisposable
{
    /// <summary>The longest line held: a Binance depth snapshot of a deep book is a few MiB, a capture record at most the
    /// largest Kafka message (64 MiB).</summary>
    public const int DefaultMaxLineBytes = 64 << 20;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _scanned;
    private int _end;
    private bool _endOfStream;

    private CaptureLineReader(Stream stream, int maxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
    }

    public int MaxLineBytes => _maxLineBytes;

    public long LineNumber { get; private set; }

    /// <summary>Whether the line last returned ended with a line feed; false for a last line cut off mid-write.</summary>
    public bool LastLineTerminated { get; private set; }

    /// <summary>Whether the line last returned was longer than <see cref="MaxLineBytes"/>: handed out empty, its bytes passed over.</summary>
    public bool LastLineOverlong { get; private set; }

    public static CaptureLineReader Open(string path, int maxLineBytes = DefaultMaxLineBytes)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var isGzip = file.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            file.Position = 0;
            return new CaptureLineReader(isGzip ? new GZipStream(file, CompressionMode.Decompress) : file, maxLineBytes);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public static CaptureLineReader Over(Stream stream, int maxLineBytes = DefaultMaxLineBytes) => new(stream, maxLineBytes);

    /// <summary>The next line without its line ending; false at the end of the file.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        var overlong = false;
        while (true)
        {
            var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = _scanned - _start + newline;
                line = overlong || length > _maxLineBytes ? default : TrimCarriageReturn(_buffer.AsSpan(_start, length));
                _start += length + 1;
                _scanned = _start;
                LineNumber++;
                LastLineTerminated = true;
                LastLineOverlong = overlong || length > _maxLineBytes;
                return true;
            }

            _scanned = _end;
            if (overlong || _end - _start > _maxLineBytes)
            {
                // Past the limit with no line end yet: drop what is held and keep looking for the line end.
                overlong = true;
                _start = _scanned = _end = 0;
            }

            if (_endOfStream)
            {
                if (_start < _end || overlong)
                {
                    line = overlong ? default : TrimCarriageReturn(_buffer.AsSpan(_start, _end - _start));
                    _start = _scanned = _end;
                    LineNumber++;
                    LastLineTerminated = false;
                    LastLineOverlong = overlong;
                    return true;
                }

                line = default;
                return false;
            }

            Fill();
        }
    }

    public void Dispose() => _stream.Dispose();

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _scanned -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // A line longer than the buffer (a deep snapshot): grow, rarely.
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfStream = true;
        }
        else
        {
            _end += read;
        }
    }
}
