using System.Text.Json;

namespace StreamRisk.Replay.Capture;

/// <summary>
/// Reads a capture written by <see cref="CaptureWriter"/> as a stream of records, one line at a time (never the
/// whole file), and reports every line it skips instead of failing: malformed JSON, a missing or duplicate field, an
/// unknown topic kind, an event time earlier than the previous record's (out of order), a last line without its line
/// end, and a truncated or corrupt gzip member (reading stops there; everything before it is read). A file still
/// being written reads up to its last completed member. Plain uncompressed text is read too.
/// One pass, one thread.
/// </summary>
public sealed class CaptureReader : IDisposable
{
    /// <summary>Problems kept in <see cref="Problems"/>; beyond this they are only counted (a garbage file could have millions).</summary>
    public const int MaxProblemsKept = 1000;

    private static readonly JsonReaderOptions LineOptions = new() { MaxDepth = 256 };
    private readonly Stream _source;
    private readonly CaptureLineReader _lines;
    private readonly CaptureMemberStream? _members;
    private readonly Action<CaptureProblem>? _onProblem;
    private readonly List<CaptureProblem> _problems = [];
    private readonly string? _sourceName;
    private bool _started;

    private CaptureReader(Stream stream, Action<CaptureProblem>? onProblem, string? sourceName = null)
    {
        _onProblem = onProblem;
        _sourceName = sourceName;
        _source = stream;
        Span<byte> magic = stackalloc byte[2];
        var isGzip = false;
        if (stream.CanSeek)
        {
            isGzip = stream.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            stream.Position = 0;
        }
        else
        {
            // Only the writer's format is expected here; a non-seekable plain text stream is not supported.
            isGzip = true;
        }

        if (isGzip)
        {
            _members = new CaptureMemberStream(stream);
            _lines = CaptureLineReader.Over(_members);
        }
        else
        {
            _lines = CaptureLineReader.Over(stream);
        }
    }

    /// <summary>Problems so far (the first <see cref="MaxProblemsKept"/>).</summary>
    public IReadOnlyList<CaptureProblem> Problems => _problems;

    public long ProblemCount { get; private set; }

    /// <summary>
    /// How far into its input (file bytes, compressed) the reader is, read-ahead included; 0 for a stream that cannot
    /// tell. For progress: the only measure of a gzip capture known before its end.
    /// </summary>
    public long BytesRead => _source.CanSeek ? _source.Position : 0;

    /// <summary>Opens a capture file, also while another process is still writing it.</summary>
    public static CaptureReader Open(string path, Action<CaptureProblem>? onProblem = null)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        try
        {
            return new CaptureReader(file, onProblem, Path.GetFileName(path));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads <paramref name="stream"/> (owned: disposed with the reader) from its start.</summary>
    public static CaptureReader Over(Stream stream, Action<CaptureProblem>? onProblem = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new CaptureReader(stream, onProblem);
    }

    /// <summary>Every record of a capture file, opening and closing it as the sequence is enumerated.</summary>
    public static IEnumerable<CaptureRecord> ReadFile(string path, Action<CaptureProblem>? onProblem = null)
    {
        using var reader = Open(path, onProblem);
        foreach (var record in reader.ReadRecords())
        {
            yield return record;
        }
    }

    /// <summary>The records in file order, skipping (and reporting) bad lines. Can be enumerated once.</summary>
    public IEnumerable<CaptureRecord> ReadRecords()
    {
        if (_started)
        {
            throw new InvalidOperationException("a capture reader reads its input once");
        }

        _started = true;
        return Records();
    }

    public void Dispose() => _lines.Dispose();

    private IEnumerable<CaptureRecord> Records()
    {
        var previousEventTime = long.MinValue;
        while (_lines.TryReadLine(out var line))
        {
            var number = _lines.LineNumber;
            if (_lines.LastLineOverlong)
            {
                Report(number, $"line longer than {_lines.MaxLineBytes:N0} bytes (skipped)");
                continue;
            }

            if (!_lines.LastLineTerminated)
            {
                Report(number, "truncated line: the capture ends without its line end");
                break;
            }

            var record = Parse(line, number, out var reason);
            if (record is null)
            {
                Report(number, reason!);
                continue;
            }

            if (record.EventTime < previousEventTime)
            {
                Report(number, $"out-of-order eventTime {record.EventTime}: earlier than the previous record's {previousEventTime}");
                continue;
            }

            previousEventTime = record.EventTime;
            yield return record;
        }

        if (_members?.StopReason is { } stop)
        {
            Report(_lines.LineNumber + 1, stop);
        }
    }

    private void Report(long line, string reason)
    {
        ProblemCount++;
        var problem = new CaptureProblem(line, reason, _sourceName);
        if (_problems.Count < MaxProblemsKept)
        {
            _problems.Add(problem);
        }

        _onProblem?.Invoke(problem);
    }

    private static CaptureRecord? Parse(ReadOnlySpan<byte> line, long number, out string? reason)
    {
        string? topic = null;
        string? unknownTopic = null;
        byte[]? key = null;
        long? eventTime = null;
        byte[]? payload = null;
        var reader = new Utf8JsonReader(line, LineOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                reason = "malformed: a record is one JSON object";
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("topic"u8))
                {
                    if (topic is not null || unknownTopic is not null)
                    {
                        return Refuse("duplicate field: topic", out reason);
                    }

                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return Refuse("malformed: topic is not a string", out reason);
                    }

                    var name = reader.GetString();
                    if (CaptureTopics.TryGet(name, out var kind))
                    {
                        topic = kind;
                    }
                    else
                    {
                        unknownTopic = name;
                    }
                }
                else if (reader.ValueTextEquals("key"u8) || reader.ValueTextEquals("keyBase64"u8))
                {
                    var base64 = reader.ValueTextEquals("keyBase64"u8);
                    if (key is not null)
                    {
                        return Refuse("duplicate field: key", out reason);
                    }

                    reader.Read();
                    key = ReadBytes(ref reader, base64);
                    if (key is null)
                    {
                        return Refuse(base64 ? "malformed: keyBase64 is not base64" : "malformed: key is not a string", out reason);
                    }
                }
                else if (reader.ValueTextEquals("eventTime"u8))
                {
                    if (eventTime is not null)
                    {
                        return Refuse("duplicate field: eventTime", out reason);
                    }

                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var time) || time < 0)
                    {
                        return Refuse("malformed: eventTime is not a non-negative integer", out reason);
                    }

                    eventTime = time;
                }
                else if (reader.ValueTextEquals("payload"u8))
                {
                    if (payload is not null)
                    {
                        return Refuse("duplicate field: payload", out reason);
                    }

                    reader.Read();
                    // The value's own bytes, exactly as the writer embedded them.
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    payload = line[start..(int)reader.BytesConsumed].ToArray();
                }
                else if (reader.ValueTextEquals("payloadBase64"u8))
                {
                    if (payload is not null)
                    {
                        return Refuse("duplicate field: payload", out reason);
                    }

                    reader.Read();
                    payload = ReadBytes(ref reader, base64: true);
                    if (payload is null)
                    {
                        return Refuse("malformed: payloadBase64 is not base64", out reason);
                    }
                }
                else
                {
                    // Fields added later are skipped, as the wire contracts do.
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                return Refuse("malformed: text after the record", out reason);
            }
        }
        catch (JsonException ex)
        {
            return Refuse($"malformed JSON at byte {ex.BytePositionInLine ?? reader.BytesConsumed}", out reason);
        }

        if (topic is null && unknownTopic is null)
        {
            return Refuse("missing field: topic", out reason);
        }

        if (key is null)
        {
            return Refuse("missing field: key", out reason);
        }

        if (eventTime is null)
        {
            return Refuse("missing field: eventTime", out reason);
        }

        if (payload is null)
        {
            return Refuse("missing field: payload", out reason);
        }

        if (topic is null)
        {
            return Refuse($"unknown topic: {unknownTopic}", out reason);
        }

        reason = null;
        return new CaptureRecord(number, topic, key, eventTime.Value, payload);
    }

    private static byte[]? ReadBytes(ref Utf8JsonReader reader, bool base64)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        if (base64)
        {
            return reader.TryGetBytesFromBase64(out var bytes) ? bytes : null;
        }

        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan.ToArray();
        }

        // Unescaped UTF-8 is never longer than its escaped form.
        var buffer = new byte[reader.ValueSpan.Length];
        var written = reader.CopyString(buffer);
        return buffer.AsSpan(0, written).ToArray();
    }

    private static CaptureRecord? Refuse(string why, out string? reason)
    {
        reason = why;
        return null;
    }
}
