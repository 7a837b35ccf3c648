using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace StreamRisk.Host.Logging;

/// <summary>
/// The diagnostics of one run: an <see cref="ILoggerFactory"/> whose entries go to the error writer (stderr) as text
/// or JSON lines, and to an OTLP collector when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Alert lines and a verb's
/// results are not log entries: they stay on the output writer (stdout). Disposing writes what is still queued and
/// flushes the OTLP exporter.
/// </summary>
public sealed class RunLogging : ILoggerFactory
{
    /// <summary>The global option that picks the format of stderr: <c>text</c> (one line an entry) or <c>json</c>.</summary>
    public const string FormatOption = "--log-format";

    /// <summary>The global option that sets the lowest level written (and exported).</summary>
    public const string LevelOption = "--log-level";

    private static readonly string[] Formats = ["text", "json"];
    private static readonly string[] Levels = ["trace", "debug", "information", "warning", "error", "critical", "none"];

    private readonly ServiceProvider _formatters;
    private readonly WriterLoggerProvider _writer;
    private readonly ILoggerFactory _factory;

    private RunLogging(TextWriter diagnostics, bool json, LogLevel minimum)
    {
        // The console logger's formatters, taken from a container of their own: the console logger provider that
        // comes with them is never resolved (it would write to the process's console, not to the writer given).
        _formatters = new ServiceCollection().AddLogging(logging =>
        {
            if (json)
            {
                logging.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.IncludeScopes = false;
                });
            }
            else
            {
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    o.ColorBehavior = LoggerColorBehavior.Disabled;
                    o.IncludeScopes = false;
                });
            }
        }).BuildServiceProvider();
        var name = json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
        _writer = new WriterLoggerProvider(_formatters.GetServices<ConsoleFormatter>().Single(f => f.Name == name), diagnostics);
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        _factory = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(minimum);
            // The Redis client narrates every connection handshake (some 30 lines) as Information: those show from
            // debug on; its warnings and errors (an endpoint failing, a reconnect) always do.
            var redisClient = minimum <= LogLevel.Debug ? minimum : LogLevel.Warning;
            logging.AddFilter("StackExchange.Redis", level => level >= redisClient);
            logging.AddProvider(_writer);
            if (otlp)
            {
                // Same service name as the metrics and traces (MonitorWebHost), so a backend joins them.
                logging.AddOpenTelemetry(o =>
                {
                    o.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "streamrisk"));
                    o.IncludeFormattedMessage = true;
                    o.AddOtlpExporter();
                });
            }
        });
    }

    /// <summary>Logging to <paramref name="diagnostics"/> in <paramref name="format"/> (<c>text</c> or <c>json</c>), from
    /// <paramref name="minimum"/> up.</summary>
    public static RunLogging Create(TextWriter diagnostics, string format = "text", LogLevel minimum = LogLevel.Information)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        return new RunLogging(diagnostics, format == "json", minimum);
    }

    /// <summary>Logging as the command line asks (<see cref="FormatOption"/>, <see cref="LevelOption"/>), to the
    /// invocation's error writer.</summary>
    public static RunLogging Create(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return Create(parse.InvocationConfiguration.Error, parse.GetValue<string>(FormatOption) ?? "text",
            LevelOf(parse.GetValue<string>(LevelOption) ?? "information"));
    }

    /// <summary>The two global options, recursive: they go before or after the verb.</summary>
    public static IEnumerable<Option> Options()
    {
        var format = new Option<string>(FormatOption)
        {
            Description = "Format of the diagnostics on stderr: text (one line an entry) or json (one object a line). Alert lines stay on stdout.",
            DefaultValueFactory = _ => "text",
            CustomParser = result => OneOf(result, Formats, "a log format"),
            Recursive = true,
            HelpName = "text|json",
        };
        format.CompletionSources.Add(Formats);
        var level = new Option<string>(LevelOption)
        {
            Description = "Lowest level of diagnostics written: trace, debug, information (default), warning, error, critical or none.",
            DefaultValueFactory = _ => "information",
            CustomParser = result => OneOf(result, Levels, "a log level"),
            Recursive = true,
            HelpName = "LEVEL",
        };
        level.CompletionSources.Add(Levels);
        return [format, level];
    }

    private static string OneOf(ArgumentResult result, string[] allowed, string what)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (allowed.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }

        result.AddError($"'{text}' is not {what} for {result.Argument.Name}: expected {string.Join(", ", allowed)}.");
        return allowed[0];
    }

    private static LogLevel LevelOf(string level) => level switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" => LogLevel.None,
        _ => LogLevel.Information,
    };

    public ILogger CreateLogger(string categoryName) => _factory.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => _factory.AddProvider(provider);

    public void Dispose()
    {
        // The factory first (the OTLP exporter flushes), then the writer (the queue drains), then the formatters.
        _factory.Dispose();
        _writer.Dispose();
        _formatters.Dispose();
    }
}
