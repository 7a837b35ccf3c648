namespace StreamRisk.Replay.Capture;

/// <summary>
/// One message of a capture: its logical topic kind (<see cref="CaptureTopics"/>), the Kafka key and value bytes as
/// they were consumed, and the event time (Unix ms) the capture is ordered by. <see cref="LineNumber"/> is 1-based in
/// the decompressed text, for pointing at it.
/// </summary>
public sealed record CaptureRecord(long LineNumber, string Topic, byte[] Key, long EventTime, byte[] Payload);

/// <summary>
/// A line the reader skipped (or where it stopped), and why. The line number is 1-based in the decompressed text of
/// <see cref="Source"/> (a file name; null when the reader was not told one).
/// </summary>
public sealed record CaptureProblem(long LineNumber, string Reason, string? Source = null);
