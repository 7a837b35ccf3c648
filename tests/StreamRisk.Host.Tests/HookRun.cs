using System.CommandLine;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Redis;

namespace StreamRisk.Host.Tests;

/// <summary>What the hook tests share: the verb run as Program runs it, and alerts published to the stream it reads.</summary>
internal static class HookRun
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Invokes the verb as Program does, on <paramref name="clock"/>, with a cancellation token standing in for Ctrl+C.</summary>
    public static Task<int> RunAsync(string[] args, TimeProvider clock, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var parse = Cli.Build(output, clock).Parse(args);
        Assert.Empty(parse.Errors);
        return parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, stop);
    }

    /// <summary>Publishes <paramref name="transitions"/> through the monitor's own publisher and waits until Redis has them.</summary>
    public static async Task PublishAsync(IConnectionMultiplexer redis, params AlertTransition[] transitions)
    {
        await using var publisher = new RedisAlertPublisher(redis, TimeProvider.System, new Random(1));
        foreach (var transition in transitions)
        {
            await publisher.PublishAsync(transition);
        }

        await publisher.FlushAsync().WaitAsync(Deadline);
    }
}
