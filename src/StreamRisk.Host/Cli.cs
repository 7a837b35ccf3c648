using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;

namespace StreamRisk.Host;

/// <summary>
/// The <c>streamrisk</c> command line. Every verb is a small class with a <c>Create</c> method; this type
/// only assembles them and owns the error contract: a usage error or bad input is one line on stderr
/// and exit code 2, a failure of the work is one line and exit code 1, never a stack trace.
/// </summary>
public static class Cli
{
    public static RootCommand Build(TextWriter output, TimeProvider time, TextWriter? error = null)
    {
        var root = new RootCommand("StreamRisk: real-time liquidation-cascade monitor for crypto derivatives venues.");
        foreach (var option in Logging.RunLogging.Options())
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(DemoCommand.Create(output, time));
        root.Subcommands.Add(RunCommand.Create(output, time));
        root.Subcommands.Add(LiqPriceCommand.Create(output));
        root.Subcommands.Add(ProjectCommand.Create(output));
        root.Subcommands.Add(StressCommand.Create(output, error ?? Console.Error));
        root.Subcommands.Add(ReplayCommand.Create(output, error ?? Console.Error, time));
        root.Subcommands.Add(BookCommand.Create(output));
        root.Subcommands.Add(HookCommand.Create(output, time));
        root.Subcommands.Add(RecordCommand.Create(output, time));
        root.Subcommands.Add(SimulateCommand.Create(output, time));
        root.Subcommands.Add(BacktestCommand.Create(output, error ?? Console.Error, time));
        // System.CommandLine's own action prints the entry assembly's version, which is not this one when the CLI runs
        // inside another process (the tests).
        root.Options.OfType<VersionOption>().Single().Action = new PrintVersion(output);
        return root;
    }

    /// <summary>What <c>streamrisk --version</c> prints: the version with the commit built, e.g. <c>0.1.0+b8dffc8…</c>.</summary>
    public static string Version { get; } =
        typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private sealed class PrintVersion(TextWriter output) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            output.WriteLine(Version);
            return ExitCodes.Ok;
        }
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        var root = Build(output, time, error);
        // A bare `streamrisk` prints help rather than a "required command" error.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            // "Unrecognized command 'x'" says more than the "Required command was not provided" that comes with it.
            var first = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            await error.WriteLineAsync(OneLine("streamrisk: " + first.Message + " (see 'streamrisk --help')")).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            // Ctrl+C and SIGTERM cancel the action's token (System.CommandLine 2.0.0 leaves this off unless a timeout is
            // set); an action that has not finished 5 s later is abandoned and the process exits.
            var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(5) };
            return await parse.InvokeAsync(config).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync(OneLine("streamrisk: " + ex.Message)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await error.WriteLineAsync(OneLine("streamrisk: " + ex.Message)).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    /// <summary>The longest duration any option takes: a month of running, and within what a timer can be set to.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(30);

    /// <summary>Parses durations such as <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c> or plain seconds, from 0 to <see cref="MaxDuration"/>.</summary>
    public static TimeSpan? ParseDuration(ArgumentResult result) => ParseDuration(result, TimeSpan.Zero);

    /// <summary>As <see cref="ParseDuration(ArgumentResult)"/>, but at least 1 ms: for limits and periods, where 0 means nothing useful.</summary>
    public static TimeSpan? ParsePositiveDuration(ArgumentResult result) => ParseDuration(result, TimeSpan.FromMilliseconds(1));

    private static TimeSpan? ParseDuration(ArgumentResult result, TimeSpan min)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (TryParseDuration(text, out var duration) && duration >= min)
        {
            return duration;
        }

        var range = min > TimeSpan.Zero ? "from 1ms to 720h" : "up to 720h";
        result.AddError($"'{text}' is not a duration for {result.Argument.Name} ({range}; examples: 500ms, 30s, 5m, 1h).");
        return null;
    }

    /// <summary>A parser for an integer option that must lie in [min, max].</summary>
    public static Func<ArgumentResult, int> IntInRange(int min, int max) => result =>
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"'{text}' is not valid for {result.Argument.Name}: expected a whole number from {min} to {max}.");
        return min;
    };

    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1e-3),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        // Compared before conversion: TimeSpan.FromSeconds throws past its range, and timers take at most ~49 days.
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0
            || value * scale > MaxDuration.TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }

    private static string OneLine(string message) => ConsoleText.Visible(message.ReplaceLineEndings(" "));
}
