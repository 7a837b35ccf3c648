namespace StreamRisk.Replay;

/// <summary>
/// A capture file is not what its format promises (bad line, malformed JSON, a price off the tick grid). The message
/// names the file and line so the user can look; callers report it as bad input, never as a crash.
/// </summary>
public sealed class CaptureFormatException : Exception
{
    public CaptureFormatException(string source, long line, string detail, Exception? inner = null)
        : base($"{source}:{line}: {detail}", inner)
    {
        Source = source;
        Line = line;
        Detail = detail;
    }

    /// <summary>The file (or stream name) the bad line came from.</summary>
    public new string Source { get; }

    /// <summary>1-based line number.</summary>
    public long Line { get; }

    public string Detail { get; }
}
