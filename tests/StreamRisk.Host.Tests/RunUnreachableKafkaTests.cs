using System.Collections.Concurrent;
using System.Diagnostics;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary><c>streamrisk run</c> started while no broker answers: it waits for the cluster, and says so in a few lines.</summary>
public sealed class RunUnreachableKafkaTests
{
    [Fact]
    public async Task Run_NoBrokerAnswers_KeepsRetryingWithBackoffInAFewLines()
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "streamrisk"))
        {
            ArgumentList = { "run", "--bootstrap", $"127.0.0.1:{FreePort.Next()}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["STREAMRISK__DASHBOARD__URLS"] = string.Empty;
        var lines = new ConcurrentQueue<string>();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Three announced retries take more than ten seconds (each metadata request waits up to 5 s, the waits between grow).
            var retried = await Eventually.TrueAsync(() => Retries() >= 3 || process.HasExited, TimeSpan.FromSeconds(90));

            var log = string.Join("\n", lines);
            Assert.True(retried && !process.HasExited, log);
            Assert.Matches(@"retrying in 1 s[\s\S]*retrying in 2 s[\s\S]*retrying in 4 s", log);
            // The client's own connect failures, rate-limited: before, about 16 lines a second.
            Assert.True(lines.Count <= 30, $"{lines.Count} lines:\n{log}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        int Retries() => lines.Count(l => l.Contains("not reachable", StringComparison.Ordinal));

        void Add(string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
            }
        }
    }
}
