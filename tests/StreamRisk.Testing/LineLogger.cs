using Microsoft.Extensions.Logging;

namespace StreamRisk.Testing;

/// <summary>A logger that hands every entry, as "Level: message", to <paramref name="line"/>: for tests of a library
/// that logs (the executable's own logging writes to a writer instead, StreamRisk.Host.Logging.RunLogging).</summary>
public sealed class LineLogger(Action<string> line, LogLevel minimum = LogLevel.Trace) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            line($"{logLevel}: {formatter(state, exception)}");
        }
    }
}
