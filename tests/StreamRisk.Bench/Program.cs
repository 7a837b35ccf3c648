using System.CommandLine;
using StreamRisk.Host;

namespace StreamRisk.Bench;

/// <summary>
/// The <c>streamrisk-bench</c> entry point, with the error contract of <c>streamrisk</c>: a usage error is one line on
/// stderr and exit code 2, a failure of the measurement one line and exit code 1, never a stack trace.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error, TimeProvider.System);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time)
    {
        var parse = BenchCommand.Create(output, error, time).Parse(args);
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync(OneLine("streamrisk-bench: " + parse.Errors[0].Message + " (see 'streamrisk-bench --help')")).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(5) };
            return await parse.InvokeAsync(config).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync(OneLine("streamrisk-bench: " + ex.Message)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await error.WriteLineAsync(OneLine("streamrisk-bench: " + ex.Message)).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
