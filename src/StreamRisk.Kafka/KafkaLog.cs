using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

namespace StreamRisk.Kafka;

/// <summary>
/// Where librdkafka's log and error callbacks go, rate-limited. With the brokers unreachable each client reports every
/// failed connect (about 16 lines a second over the monitor's clients); here at most <see cref="LinesPerInterval"/>
/// lines of one kind (the log facility, or the error code) pass per <see cref="Interval"/>, and the next line of that
/// kind to pass says how many were held back. Called from librdkafka's threads.
/// </summary>
public sealed class KafkaLog
{
    private readonly Action<string>? _log;
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <remarks>The rate limit runs on the monotonic <see cref="Stopwatch"/> clock: it spaces lines for a reader, and no
    /// result depends on it.</remarks>
    public KafkaLog(Action<string>? log) => _log = log;

    public int LinesPerInterval { get; init; } = 2;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Lines held back so far, over every kind.</summary>
    public long Suppressed { get; private set; }

    /// <summary>For <c>SetLogHandler</c> of a client builder.</summary>
    public void OnLog(IClient client, LogMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Write(message.Facility, $"{message.Name}: {message.Facility}: {message.Message}");
    }

    /// <summary>For <c>SetErrorHandler</c> of a client builder.</summary>
    public void OnError(IClient client, Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Write("error " + error.Code.ToString(), $"{error.Code}: {error.Reason}");
    }

    /// <summary>Writes <paramref name="line"/> unless <paramref name="kind"/> has had its lines this interval.</summary>
    public void Write(string kind, string line)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var now = Stopwatch.GetTimestamp();
        string? text = null;
        lock (_gate)
        {
            if (!_windows.TryGetValue(kind, out var window) || Stopwatch.GetElapsedTime(window.Started, now) >= Interval)
            {
                var held = window?.Held ?? 0;
                window = new Window(now);
                _windows[kind] = window;
                if (held > 0)
                {
                    line += string.Create(CultureInfo.InvariantCulture, $" ({held} more like it held back)");
                }
            }

            if (window.Passed < LinesPerInterval)
            {
                window.Passed++;
                text = line;
            }
            else
            {
                window.Held++;
                Suppressed++;
            }
        }

        if (text is not null)
        {
            _log?.Invoke("kafka: " + text.ReplaceLineEndings(" "));
        }
    }

    private sealed class Window(long started)
    {
        public long Started { get; } = started;

        public int Passed { get; set; }

        public long Held { get; set; }
    }
}
