using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Unicode;

namespace StreamRisk.Replay.Capture;

/// <summary>
/// Appends records to a capture: gzip-compressed text, one JSON object per line
/// (<c>{"topic":"marks","key":"BTCUSDT","eventTime":1723161255123,"payload":{..the message, verbatim..}}</c>).
/// </summary>
/// <remarks>
/// <para>Readable while written: records are compressed in independent gzip members, and a member is written to the
/// file in one write once it holds <see cref="CaptureWriterOptions.MaxRecordsPerMember"/> records or is
/// <see cref="CaptureWriterOptions.MaxMemberAge"/> old (checked on <see cref="Append"/> and <see cref="FlushIfDue"/>),
/// or on <see cref="Flush"/>. A reader opening the file meanwhile sees every completed member.</para>
/// <para>Event-time order: records are held in a priority queue until event time (the largest seen) has moved
/// <see cref="CaptureWriterOptions.ReorderWindow"/> past them, so partitions that interleave out of order by less than
/// the window come out sorted (ties keep arrival order). A record older than one already written is late: it is
/// written at once, unsorted, and counted in <see cref="Late"/>; the reader reports and skips it.</para>
/// <para>Nothing is lost: a payload that is not one valid single-line JSON value with no surrounding whitespace is
/// stored as <c>payloadBase64</c>, a key that is not UTF-8 as <c>keyBase64</c>. A null key is stored as "".</para>
/// Owned by one thread.
/// </remarks>
public sealed class CaptureWriter : IDisposable
{
    private readonly Stream _output;
    private readonly CaptureWriterOptions _options;
    private readonly TimeProvider _time;
    private readonly long _windowMs;
    private readonly PriorityQueue<byte[], (long EventTime, long Arrival)> _held = new();
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;
    private readonly ArrayBufferWriter<byte> _member = new(1 << 20);
    private readonly MemoryStream _compressed = new(1 << 18);
    private long _arrivals;
    private long _latestEventTime = long.MinValue;
    private long _lastWrittenEventTime = long.MinValue;
    private int _memberRecords;
    private long _memberStarted;
    private bool _disposed;

    /// <summary>Writes to <paramref name="output"/> (owned: disposed with the writer), from its current position.</summary>
    /// <param name="options">Null for the defaults.</param>
    /// <param name="time">Clock of the members' age (arrival time, not event time).</param>
    public CaptureWriter(Stream output, CaptureWriterOptions? options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(time);
        _options = options ?? new CaptureWriterOptions();
        _options.Validate();
        _output = output;
        _time = time;
        _windowMs = (long)_options.ReorderWindow.TotalMilliseconds;
        _json = new Utf8JsonWriter(_line);
    }

    /// <summary>Records appended.</summary>
    public long Appended { get; private set; }

    /// <summary>Records written to completed members.</summary>
    public long Written { get; private set; }

    /// <summary>Records that arrived after a later record had already been written (beyond the reorder window).</summary>
    public long Late { get; private set; }

    /// <summary>Records held in the reorder window, not yet in a member.</summary>
    public int Held => _held.Count;

    public long Members { get; private set; }

    /// <summary>
    /// A new capture file. It must not exist (a capture is one ordered recording; appending another session would
    /// break the order). Other processes may open it for reading meanwhile.
    /// </summary>
    public static CaptureWriter Create(string path, CaptureWriterOptions? options, TimeProvider time)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        try
        {
            return new CaptureWriter(file, options, time);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <param name="topic">A <see cref="CaptureTopics"/> kind.</param>
    /// <param name="eventTime">Unix ms the capture is ordered by.</param>
    public void Append(string topic, ReadOnlySpan<byte> key, long eventTime, ReadOnlySpan<byte> payload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!CaptureTopics.TryGet(topic, out var kind))
        {
            throw new ArgumentException($"'{topic}' is not a capture topic kind ({string.Join(", ", CaptureTopics.All)})", nameof(topic));
        }

        var line = Encode(kind, key, eventTime, payload);
        Appended++;
        if (eventTime < _lastWrittenEventTime)
        {
            Late++;
            WriteLine(line, eventTime);
        }
        else
        {
            _held.Enqueue(line, (eventTime, _arrivals++));
            _latestEventTime = Math.Max(_latestEventTime, eventTime);
            Release(_latestEventTime - _windowMs);
        }

        FlushIfDue();
    }

    /// <summary>Completes the current member when it is full or old enough; true if it did. Call it when the feed is idle.</summary>
    public bool FlushIfDue()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_memberRecords == 0
            || (_memberRecords < _options.MaxRecordsPerMember && _time.GetElapsedTime(_memberStarted) < _options.MaxMemberAge))
        {
            return false;
        }

        CompleteMember();
        return true;
    }

    /// <summary>
    /// Completes a member with every record that has left the reorder window. Records still held stay held (writing
    /// them now could put them before a later-arriving earlier record); <see cref="Dispose"/> writes them.
    /// </summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CompleteMember();
    }

    /// <summary>Writes every held record in event-time order, completes the last member and closes the output.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            Release(long.MaxValue);
            CompleteMember();
        }
        finally
        {
            _disposed = true;
            _json.Dispose();
            _compressed.Dispose();
            _output.Dispose();
        }
    }

    private byte[] Encode(string kind, ReadOnlySpan<byte> key, long eventTime, ReadOnlySpan<byte> payload)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();
        _json.WriteString("topic"u8, kind);
        if (Utf8.IsValid(key))
        {
            _json.WriteString("key"u8, key);
        }
        else
        {
            _json.WriteBase64String("keyBase64"u8, key);
        }

        _json.WriteNumber("eventTime"u8, eventTime);
        if (CanEmbed(payload))
        {
            _json.WritePropertyName("payload"u8);
            _json.WriteRawValue(payload, skipInputValidation: true);
        }
        else
        {
            _json.WriteBase64String("payloadBase64"u8, payload);
        }

        _json.WriteEndObject();
        _json.Flush();
        return _line.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Embedded verbatim only if the bytes read back identical: exactly one JSON value, valid UTF-8, no whitespace
    /// around it (the reader takes the value's own span) and no line break (a record is one line).
    /// </summary>
    private static bool CanEmbed(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || IsWhitespace(payload[0]) || IsWhitespace(payload[^1])
            || payload.IndexOfAny((byte)'\n', (byte)'\r') >= 0 || !Utf8.IsValid(payload))
        {
            return false;
        }

        var reader = new Utf8JsonReader(payload);
        try
        {
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private void Release(long upTo)
    {
        while (_held.TryPeek(out var line, out var priority) && priority.EventTime <= upTo)
        {
            _held.Dequeue();
            WriteLine(line, priority.EventTime);
        }
    }

    private void WriteLine(byte[] line, long eventTime)
    {
        if (_memberRecords == 0)
        {
            _memberStarted = _time.GetTimestamp();
        }

        _member.Write(line);
        _member.Write("\n"u8);
        _memberRecords++;
        _lastWrittenEventTime = Math.Max(_lastWrittenEventTime, eventTime);
    }

    /// <summary>Compresses the member in memory and writes header, data and trailer in one write, so a reader rarely sees half of one.</summary>
    private void CompleteMember()
    {
        if (_memberRecords == 0)
        {
            return;
        }

        var text = _member.WrittenSpan;
        _compressed.SetLength(0);
        // Room for the header; it is filled in once the compressed length is known.
        Span<byte> placeholder = stackalloc byte[GzipMember.HeaderLength];
        _compressed.Write(placeholder);
        using (var deflate = new DeflateStream(_compressed, _options.Compression, leaveOpen: true))
        {
            deflate.Write(text);
        }

        var compressedLength = checked((int)_compressed.Length - GzipMember.HeaderLength);
        Span<byte> trailer = stackalloc byte[GzipMember.TrailerLength];
        GzipMember.WriteTrailer(trailer, System.IO.Hashing.Crc32.HashToUInt32(text), text.Length);
        _compressed.Write(trailer);
        var bytes = _compressed.GetBuffer();
        GzipMember.WriteHeader(bytes, compressedLength);
        _output.Write(bytes, 0, (int)_compressed.Length);
        _output.Flush();

        Written += _memberRecords;
        Members++;
        _memberRecords = 0;
        _member.ResetWrittenCount();
    }
}
