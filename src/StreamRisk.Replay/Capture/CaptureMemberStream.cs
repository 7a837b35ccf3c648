using System.Buffers.Binary;
using System.IO.Compression;

namespace StreamRisk.Replay.Capture;

/// <summary>
/// The decompressed text of a capture's gzip members, one whole member at a time: a member is read only when all of
/// its bytes are there and its CRC and size check out, so a member still being written (or cut off by a crash) ends
/// the text cleanly at the previous member and is reported in <see cref="StopReason"/>. Members without the length
/// subfield (the file went through another gzip tool) are handed to <see cref="GZipStream"/> for the rest of the
/// stream, which reads them but cannot detect a truncated last member. One reader, one thread.
/// </summary>
internal sealed class CaptureMemberStream(Stream source) : Stream
{
    /// <summary>A member larger than this is treated as corrupt rather than allocated.</summary>
    private const int MaxMemberBytes = 1 << 30;

    private readonly byte[] _header = new byte[GzipMember.FixedHeaderLength];
    private byte[] _compressed = new byte[1 << 16];
    private byte[] _text = new byte[1 << 18];
    private int _textLength;
    private int _textPosition;
    private long _sourceOffset;
    private GZipStream? _foreign;
    private bool _ended;

    /// <summary>Why the text ended before the end of the file (truncated or corrupt member), or null.</summary>
    public string? StopReason { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (_foreign is not null)
            {
                return _foreign.Read(buffer);
            }

            if (_textPosition < _textLength)
            {
                var n = Math.Min(buffer.Length, _textLength - _textPosition);
                _text.AsSpan(_textPosition, n).CopyTo(buffer);
                _textPosition += n;
                return n;
            }

            if (_ended || !NextMember())
            {
                _ended = true;
                return 0;
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _foreign?.Dispose();
            source.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool NextMember()
    {
        var start = _sourceOffset;
        var got = ReadFully(_header);
        if (got == 0)
        {
            return false;
        }

        if (got < _header.Length)
        {
            return Stop($"truncated gzip member at byte {start}: the file ends inside its header");
        }

        if (_header[0] != 0x1f || _header[1] != 0x8b || _header[2] != 8)
        {
            return Stop($"not a gzip member at byte {start}");
        }

        var length = -1L;
        if (_header[3] == GzipMember.FlagExtra)
        {
            Span<byte> xlen = stackalloc byte[2];
            if (ReadFully(xlen) < 2)
            {
                return Stop($"truncated gzip member at byte {start}: the file ends inside its header");
            }

            var extra = new byte[BinaryPrimitives.ReadUInt16LittleEndian(xlen)];
            if (ReadFully(extra) < extra.Length)
            {
                return Stop($"truncated gzip member at byte {start}: the file ends inside its header");
            }

            length = GzipMember.FindCompressedLength(extra);
        }

        if (length < 0)
        {
            return ReadForeign(start);
        }

        if (length > MaxMemberBytes)
        {
            return Stop($"corrupt gzip member at byte {start}: implausible length {length}");
        }

        var need = (int)length + GzipMember.TrailerLength;
        if (_compressed.Length < need)
        {
            _compressed = new byte[Math.Max(need, _compressed.Length * 2)];
        }

        var have = ReadFully(_compressed.AsSpan(0, need));
        if (have < need)
        {
            return Stop($"truncated gzip member at byte {start}: {have} of its {need} data bytes are in the file");
        }

        var crc = BinaryPrimitives.ReadUInt32LittleEndian(_compressed.AsSpan((int)length));
        var size = BinaryPrimitives.ReadUInt32LittleEndian(_compressed.AsSpan((int)length + 4));
        if (size > MaxMemberBytes)
        {
            return Stop($"corrupt gzip member at byte {start}: implausible size {size}");
        }

        if (_text.Length < size + 1)
        {
            _text = new byte[Math.Max(size + 1, (long)_text.Length * 2)];
        }

        int inflated;
        try
        {
            using var deflate = new DeflateStream(new MemoryStream(_compressed, 0, (int)length, writable: false), CompressionMode.Decompress);
            // One byte of room beyond the stated size, so a member that inflates to more is caught.
            inflated = ReadAll(deflate, _text.AsSpan(0, (int)size + 1));
        }
        catch (InvalidDataException)
        {
            return Stop($"corrupt gzip member at byte {start}: bad compressed data");
        }

        if (inflated != size || System.IO.Hashing.Crc32.HashToUInt32(_text.AsSpan(0, inflated)) != crc)
        {
            return Stop($"corrupt gzip member at byte {start}: size or CRC does not match its trailer");
        }

        _textLength = inflated;
        _textPosition = 0;
        return true;
    }

    private bool ReadForeign(long start)
    {
        if (!source.CanSeek)
        {
            return Stop($"gzip member at byte {start} has no StreamRisk length field and the input cannot seek back to it");
        }

        source.Seek(start - _sourceOffset, SeekOrigin.Current);
        _foreign = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
        return true;
    }

    private bool Stop(string reason)
    {
        StopReason = reason;
        return false;
    }

    private int ReadFully(Span<byte> buffer)
    {
        var n = ReadAll(source, buffer);
        _sourceOffset += n;
        return n;
    }

    private static int ReadAll(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
