using System.CommandLine;
using System.Diagnostics;
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
    [InlineData("hook", "--redis", "127.0.0.1:6379,ssl=maybe", "--exec", "true")]
    [InlineData("hook", "--redis", "ssl=true", "--exec", "true")]
    [InlineData("hook", "--redis", "127.0.0.1:6379,password=S3CRET-pw", "--exec", "true")]
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
        await HookRun.PublishAsync(redis, critical, Transition(2, AlertSeverity.Warning));
        var file = Path.Combine(server.Directory, "acted.ndjson");

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = HookRun.RunAsync(
            ["hook", "--redis", $"127.0.0.1:{server.Port}", "--group", "ops", "--from", "beginning", "--severity", "critical", "--exec", $"cat >> '{file}'; echo >> '{file}'"],
            TimeProvider.System, output, error, stop.Token);

        // Complete once the command's trailing newline is there, not merely once the JSON is.
        Assert.True(await Eventually.TrueAsync(() => File.Exists(file) && File.ReadAllText(file).EndsWith('\n') && File.ReadAllLines(file).Length == 1, Deadline), error.ToString());
        // And once the hook has seen the command exit: cancelling earlier would kill a command that has written its line.
        Assert.True(await Eventually.TrueAsync(() => output.ToString().Contains(": ok", StringComparison.Ordinal), Deadline), output.ToString());
        // And once the group has taken the warning too (filtered, so acknowledged with nothing printed): the stream's
        // last entry delivered and nothing pending.
        var last = (await redis.GetDatabase().StreamRangeAsync("streamrisk:alerts", messageOrder: Order.Descending, count: 1)).Single().Id;
        Assert.True(await Eventually.TrueAsync(() => redis.GetDatabase().StreamGroupInfo("streamrisk:alerts").Single(g => g.Name == "ops") is { PendingMessageCount: 0 } g
            && g.LastDeliveredId == last, Deadline), output.ToString());
        await stop.CancelAsync();
        var code = await run.WaitAsync(Deadline, TestContext.Current.CancellationToken);

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
        await HookRun.PublishAsync(redis, transition);
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
        }, TestContext.Current.CancellationToken);

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = HookRun.RunAsync(["hook", "--redis", $"127.0.0.1:{server.Port}", "--from", "beginning", "--post", $"http://127.0.0.1:{port}/breaker/?token=secret"], TimeProvider.System, output, error, stop.Token);

        await endpoint.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        Assert.True(await Eventually.TrueAsync(() => output.ToString().Contains(": ok", StringComparison.Ordinal), Deadline));
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Deadline, TestContext.Current.CancellationToken));

        Assert.All(requests, r => Assert.Equal(AlertJson.Write(transition), r.Body));
        Assert.All(requests, r => Assert.Equal(transition.TransitionId, r.Key));
        var text = output.ToString();
        Assert.Contains(": failed: HTTP 503", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_PasswordOnTheCommandLine_RefusedWithoutRepeatingIt()
    {
        var run = await CliRun.InvokeAsync("hook", "--redis", "127.0.0.1:6379,password=S3CRET-pw", "--exec", "true");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--redis-password-file", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("S3CRET", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_ConfigurationStringAndPasswordFile_ActsOnAlertsOfAServerThatRequiresThePassword()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var critical = Transition(1, AlertSeverity.Critical);
        await HookRun.PublishAsync(redis, critical);
        await redis.GetServer(redis.GetEndPoints()[0]).ExecuteAsync("CONFIG", "SET", "requirepass", "hook-S3CRET-pw");
        var passwordFile = Path.Combine(server.Directory, "redis-password");
        await File.WriteAllTextAsync(passwordFile, "hook-S3CRET-pw\n", TestContext.Current.CancellationToken);
        var file = Path.Combine(server.Directory, "acted.ndjson");

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = HookRun.RunAsync(
            ["hook", "--redis", $"127.0.0.1:{server.Port},connectTimeout=2000,name=ops-hook", "--redis-password-file", passwordFile, "--from", "beginning", "--exec", $"cat >> '{file}'"],
            TimeProvider.System, output, error, stop.Token);

        Assert.True(await Eventually.TrueAsync(() => File.Exists(file) && File.ReadAllText(file).Length > 0, Deadline), output + "\n" + error);
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal(AlertJson.Write(critical), File.ReadAllText(file));
        Assert.Contains($"on 127.0.0.1:{server.Port},", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("S3CRET", output.ToString() + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_KilledDuringAnAction_TheActionAndWhatItStartedDieWithIt()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        await HookRun.PublishAsync(redis, Transition(1, AlertSeverity.Critical));
        var pids = Path.Combine(server.Directory, "pids");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "streamrisk"))
        {
            // The action's shell and a child of it, both still running when the hook is killed.
            ArgumentList = { "hook", "--redis", $"127.0.0.1:{server.Port}", "--from", "beginning", "--timeout", "5m", "--reclaim-idle", "10m", "--exec", $"sleep 300 & echo $$ $! > '{pids}.tmp'; mv '{pids}.tmp' '{pids}'; wait" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var hook = Process.Start(start)!;
        hook.OutputDataReceived += (_, _) => { };
        hook.ErrorDataReceived += (_, _) => { };
        hook.BeginOutputReadLine();
        hook.BeginErrorReadLine();
        int[] action;
        try
        {
            Assert.True(await Eventually.TrueAsync(() => File.Exists(pids), Deadline), "the action never started");
            action = File.ReadAllText(pids).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
            Assert.Equal(2, action.Length);
            Assert.All(action, pid => Assert.True(Alive(pid), $"{pid} is not running"));
        }
        finally
        {
            hook.Kill(); // SIGKILL to the hook alone: no handler of its own runs
            await hook.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Assert.True(await Eventually.TrueAsync(() => !action.Any(Alive), Deadline), $"still running: {string.Join(",", action.Where(Alive))}");
    }

    /// <summary>Running, or stopped but not yet reaped (a zombie has ended).</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
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
