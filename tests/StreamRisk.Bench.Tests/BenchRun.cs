namespace StreamRisk.Bench.Tests;

/// <summary>Runs <c>streamrisk-bench</c> in-process and captures what it prints.</summary>
internal sealed record BenchRun(int ExitCode, string Output, string Error)
{
    public static async Task<BenchRun> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Program.RunAsync(args, output, error, TimeProvider.System);
        return new BenchRun(code, output.ToString(), error.ToString());
    }

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
