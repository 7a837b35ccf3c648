using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace StreamRisk.Host.Logging;

/// <summary>
/// Writes log entries, formatted by one of the console logger's own formatters (JSON or single-line text), to a
/// <see cref="TextWriter"/>: stderr in the process, the writer a caller gives when the CLI runs inside another process
/// (the tests). The console logger itself writes only to the process's console. As in the console logger, a thread
/// that logs (the engine's, librdkafka's) only formats and queues; one task owns the writer.
/// </summary>
/// <remarks>The queue holds <see cref="Capacity"/> entries. When the writer falls that far behind (a stalled pipe),
/// further entries are dropped, counted, and the count is written once the writer catches up: the engine never waits
/// on stderr.</remarks>
internal sealed class WriterLoggerProvider : ILoggerProvider
{
    public const int Capacity = 4096;

    private readonly ConsoleFormatter _formatter;
    private readonly TextWriter _writer;
    private readonly Channel<string> _entries;
    private readonly Task _writing;
    private long _dropped;

    public WriterLoggerProvider(ConsoleFormatter formatter, TextWriter writer)
    {
        _formatter = formatter;
        _writer = writer;
        _entries = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _writing = Task.Run(WriteAsync);
    }

    public ILogger CreateLogger(string categoryName) => new WriterLogger(this, categoryName);

    /// <summary>Writes what is queued and stops the writer task (at most 5 s: a stalled writer does not hold the exit).</summary>
    public void Dispose()
    {
        _entries.Writer.TryComplete();
        _writing.Wait(TimeSpan.FromSeconds(5));
    }

    private string Format<TState>(LogLevel level, string category, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        _formatter.Write(new LogEntry<TState>(level, category, eventId, state, exception, formatter), null, text);
        return text.ToString();
    }

    private async Task WriteAsync()
    {
        var reader = _entries.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var entry))
            {
                await _writer.WriteAsync(entry).ConfigureAwait(false);
            }

            if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
            {
                var note = string.Create(CultureInfo.InvariantCulture, $"{dropped} log entries dropped: the log writer fell {Capacity} entries behind");
                await _writer.WriteAsync(Format(LogLevel.Warning, typeof(WriterLoggerProvider).FullName!, default, note, null, (s, _) => s)).ConfigureAwait(false);
            }

            await _writer.FlushAsync().ConfigureAwait(false);
        }
    }

    private sealed class WriterLogger(WriterLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => NullScope.Instance;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider._entries.Writer.TryWrite(provider.Format(logLevel, category, eventId, state, exception, formatter));
            }
        }
    }

    private sealed class NullScope : IDisposable
    {
        public static readonly NullScope Instance = new();

        public void Dispose()
        {
        }
    }
}
