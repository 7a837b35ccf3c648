using System.Buffers.Binary;

namespace StreamRisk.Replay.Capture;

/// <summary>
/// The gzip member layout a capture uses (RFC 1952). Each member carries its compressed length in an extra header
/// subfield ('S','R', 4 bytes little-endian), the same idea as BGZF's block size. Any gzip tool still reads the file
/// (extra subfields are skipped by readers that do not know them, and concatenated members are one stream); the
/// capture reader uses the length to read whole members only: .NET's GZipStream ends silently at a truncated
/// member (checked: no exception, the partial data is returned), so without the length a reader could not tell a
/// member still being written from a complete one.
/// </summary>
internal static class GzipMember
{
    /// <summary>ID1 ID2 CM FLG(FEXTRA) MTIME(0: deterministic output) XFL OS(255 = unknown) XLEN.</summary>
    public const int FixedHeaderLength = 10;
    public const int ExtraLength = 8;
    public const int HeaderLength = FixedHeaderLength + 2 + ExtraLength;
    public const int TrailerLength = 8;
    public const byte FlagExtra = 0x04;
    public const byte SubfieldId1 = (byte)'S';
    public const byte SubfieldId2 = (byte)'R';

    public static void WriteHeader(Span<byte> header, int compressedLength)
    {
        header[0] = 0x1f;
        header[1] = 0x8b;
        header[2] = 8;
        header[3] = FlagExtra;
        header[4..8].Clear();
        header[8] = 0;
        header[9] = 255;
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], ExtraLength);
        header[12] = SubfieldId1;
        header[13] = SubfieldId2;
        BinaryPrimitives.WriteUInt16LittleEndian(header[14..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], compressedLength);
    }

    public static void WriteTrailer(Span<byte> trailer, uint crc, int uncompressedLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteInt32LittleEndian(trailer[4..], uncompressedLength);
    }

    /// <summary>The StreamRisk length subfield in a header's extra field, or -1 when there is none.</summary>
    public static long FindCompressedLength(ReadOnlySpan<byte> extra)
    {
        while (extra.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (extra.Length < 4 + length)
            {
                return -1;
            }

            if (extra[0] == SubfieldId1 && extra[1] == SubfieldId2 && length == 4)
            {
                return BinaryPrimitives.ReadUInt32LittleEndian(extra[4..]);
            }

            extra = extra[(4 + length)..];
        }

        return -1;
    }
}
