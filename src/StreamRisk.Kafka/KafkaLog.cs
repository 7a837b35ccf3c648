using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace StreamRisk.Kafka;

/// <summary>
/// Where librdkafka's log and error callbacks go, rate-limited, at the level librdkafka gave them. With the brokers
/// unreachable each client reports every failed connect (about 16 lines a second over the monitor's clients); here at
/// most <see cref="LinesPerInterval"/> lines of one kind (the log facility, or the error code) pass per
/// <see cref="Interval"/>, and the next line of that kind to pass says how many were held back. Every line has the
/// client's secret settings (passwords, secrets, private keys) blanked out before it is written, so a debug log that
/// echoes configuration does not carry them. Called from librdkafka's threads.
/// </summary>
public sealed class KafkaLog
{
    /// <summary>The category librdkafka's lines are logged under.</summary>
    public const string Category = "StreamRisk.Kafka";

    /// <summary>What a secret value is replaced with.</summary>
    public const string Redacted = "[redacted]";

    private readonly ILogger? _log;
    private readonly string[] _secrets;
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <param name="log">Where lines go; none: they are dropped.</param>
    /// <param name="settings">The client's configuration: the values of its secret keys (<see cref="IsSecret"/>) never
    /// appear in a line.</param>
    /// <remarks>The rate limit runs on the monotonic <see cref="Stopwatch"/> clock: it spaces lines for a reader, and no
    /// result depends on it.</remarks>
    public KafkaLog(ILogger? log, IEnumerable<KeyValuePair<string, string>>? settings = null)
    {
        _log = log;
        // Longest first: a secret that contains another is blanked whole.
        _secrets = settings is null ? [] : [.. settings.Where(s => IsSecret(s.Key) && !string.IsNullOrEmpty(s.Value)).Select(s => s.Value).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];
    }

    public int LinesPerInterval { get; init; } = 2;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Lines held back so far, over every kind.</summary>
    public long Suppressed { get; private set; }

    /// <summary>Whether a librdkafka setting holds a secret: <c>sasl.password</c>, <c>ssl.key.password</c>,
    /// <c>sasl.oauthbearer.client.secret</c>, <c>ssl.key.pem</c>, <c>sasl.oauthbearer.config</c> and the like.</summary>
    public static bool IsSecret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
            || key.EndsWith(".key.pem", StringComparison.OrdinalIgnoreCase) || key.Equals("sasl.oauthbearer.config", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>librdkafka's syslog level as a log level: debug lines are Debug, info and notice Information, warning
    /// Warning, error Error, and critical, alert and emergency Critical.</summary>
    public static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        SyslogLevel.Debug => LogLevel.Debug,
        SyslogLevel.Info or SyslogLevel.Notice => LogLevel.Information,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Error => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    /// <summary>For <c>SetLogHandler</c> of a client builder.</summary>
    public void OnLog(IClient client, LogMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Write(message.Facility, LevelOf(message.Level), $"{message.Name}: {message.Facility}: {message.Message}");
    }

    /// <summary>For <c>SetErrorHandler</c> of a client builder.</summary>
    /// <remarks>librdkafka retries what it reports here (an unreachable broker, a lost connection): a warning, unless
    /// the error is fatal to the client.</remarks>
    public void OnError(IClient client, Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Write("error " + error.Code.ToString(), error.IsFatal ? LogLevel.Error : LogLevel.Warning, $"{error.Code}: {error.Reason}");
    }

    /// <summary>Writes <paramref name="line"/> unless <paramref name="kind"/> has had its lines this interval.</summary>
    public void Write(string kind, LogLevel level, string line)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(line);
        if (_log is null || !_log.IsEnabled(level))
        {
            // Not counted against the limit: a debug flood that nobody reads holds back no warning.
            return;
        }

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
            _log.Log(level, "{Line}", Redact(text.ReplaceLineEndings(" ")));
        }
    }

    /// <summary><paramref name="line"/> with every secret value of the client's settings replaced by <see cref="Redacted"/>.</summary>
    public string Redact(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        foreach (var secret in _secrets)
        {
            line = line.Replace(secret, Redacted, StringComparison.Ordinal);
        }

        return line;
    }

    private sealed class Window(long started)
    {
        public long Started { get; } = started;

        public int Passed { get; set; }

        public long Held { get; set; }
    }
}
