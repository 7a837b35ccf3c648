using Microsoft.Extensions.Logging;

namespace StreamRisk.Host.Logging;

/// <summary>
/// A logger whose every message starts with <paramref name="prefix"/>: the account stage runs one set of Kafka clients
/// per positions partition, all under the Kafka category, and the prefix says which partition a line is about. The
/// entry's named values are passed on unchanged (the JSON format keeps them in <c>State</c>).
/// </summary>
internal sealed class PrefixedLogger(ILogger inner, string prefix) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        inner.Log(logLevel, eventId, state, exception, (s, e) => prefix + formatter(s, e));
}
