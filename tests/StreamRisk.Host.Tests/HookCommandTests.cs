using System.CommandLine;
using System.Net;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary><c>streamrisk hook</c>: option errors, and the exec/post actions against a real redis-server.</summary>
public sealed class HookCommandTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("hook", "--exec", "true")]
    [InlineData("hook", "--redis", "127.0.0.1:6379")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--post", "http://127.0.0.1:9/")]
    [InlineData("hook", "--redis", "127.0.0.1", "--exec", "true")]
    [InlineData("hook", "--redis", "127.0.0.1:99999", "--exec", "true")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--severity", "urgent")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--rule", "MoonRisk")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--post", "ftp://example.invalid/hook")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--post", "not a url")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--from", "yesterday")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--timeout", "2m", "--reclaim-idle", "1m")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--max-attempts", "0")]
    public async Task Hook_BadOptions_OneLineErrorAndExitCodeTwo(params string[] args)
    {
        var run = await CliRun.InvokeAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith("streamrisk: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_Exec_PipesEachMatchingAlertToTheCommandOnceAndStopsOnCancellation()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var critical = Transition(1, AlertSeverity.Critical);
        await PublishAsync(redis, critical, Transition(2, AlertSeverity.Warning));
        var file = Path.Combine(server.Directory, "acted.ndjson");

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = RunAsync(
            ["hook", "--redis", $"127.0.0.1:{server.Port}", "--group", "ops", "--from", "beginning", "--severity", "critical", "--exec", $"cat >> '{file}'; echo >> '{file}'"],
            output, error, stop.Token);

        // Complete once the command's trailing newline is there, not merely once the JSON is.
        Assert.True(await Eventually.TrueAsync(() => File.Exists(file) && File.ReadAllText(file).EndsWith('\n') && File.ReadAllLines(file).Length == 1, Deadline), error.ToString());
        await stop.CancelAsync();
        var code = await run.WaitAsync(Deadline);

        Assert.Equal(ExitCodes.Ok, code);
        var line = File.ReadAllLines(file).Single();
        Assert.Equal(AlertJson.Write(critical), line);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("hook: consumer ", lines[0], StringComparison.Ordinal);
        Assert.Single(lines, l => l.Contains($"{critical.TransitionId} CascadeRisk BTCUSDT critical raised: ok", StringComparison.Ordinal));
        Assert.StartsWith("hook stopped: acted 1, filtered 1,", lines[^1], StringComparison.Ordinal);
        Assert.Equal(0, (await redis.GetDatabase().StreamPendingAsync("streamrisk:alerts", "ops")).PendingMessageCount);
    }

    [Fact]
    public async Task Hook_Post_Non2xxIsAFailureRetriedUntilTheEndpointAccepts()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var transition = Transition(1, AlertSeverity.Critical);
        await PublishAsync(redis, transition);
        var port = FreePort.Next();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/breaker/");
        listener.Start();
        var requests = new List<(string Body, string? Key)>();
        var endpoint = Task.Run(async () =>
        {
            // Refuses the first request with 503, accepts the second.
            for (var i = 0; i < 2; i++)
            {
                var context = await listener.GetContextAsync();
                using var reader = new StreamReader(context.Request.InputStream);
                requests.Add((await reader.ReadToEndAsync(), context.Request.Headers["Idempotency-Key"]));
                context.Response.StatusCode = i == 0 ? 503 : 204;
                context.Response.Close();
            }
        });

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = RunAsync(["hook", "--redis", $"127.0.0.1:{server.Port}", "--from", "beginning", "--post", $"http://127.0.0.1:{port}/breaker/?token=secret"], output, error, stop.Token);

        await endpoint.WaitAsync(Deadline);
        Assert.True(await Eventually.TrueAsync(() => output.ToString().Contains(": ok", StringComparison.Ordinal), Deadline));
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Deadline));

        Assert.All(requests, r => Assert.Equal(AlertJson.Write(transition), r.Body));
        Assert.All(requests, r => Assert.Equal(transition.TransitionId, r.Key));
        var text = output.ToString();
        Assert.Contains(": failed: HTTP 503", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text + error, StringComparison.Ordinal);
    }

    /// <summary>Invokes the verb as Program does, but with a cancellation token standing in for Ctrl+C.</summary>
    private static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var parse = Cli.Build(output, TimeProvider.System).Parse(args);
        Assert.Empty(parse.Errors);
        return parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, stop);
    }

    private static async Task PublishAsync(IConnectionMultiplexer redis, params AlertTransition[] transitions)
    {
        await using var publisher = new RedisAlertPublisher(redis, TimeProvider.System, new Random(1));
        foreach (var transition in transitions)
        {
            await publisher.PublishAsync(transition);
        }

        await publisher.FlushAsync().WaitAsync(Deadline);
    }

    private static AlertTransition Transition(int n, AlertSeverity severity)
    {
        var id = $"CascadeRisk:BTCUSDT:down:{1723161255000 + n}";
        return new AlertTransition
        {
            Id = id,
            TransitionId = AlertTransition.TransitionIdOf(id, 1),
            Rule = AlertRuleNames.CascadeRisk,
            Symbol = "BTCUSDT",
            Severity = severity,
            State = AlertState.Raised,
            EventTime = 1723161255000 + n,
            Metrics = new Dictionary<string, double> { ["criticalShockPct"] = 2.4 },
            Explanation = "A 2.4% drop would liquidate 15M USDT of longs.",
            SuggestedAction = "Widen price bands.",
        };
    }
}
