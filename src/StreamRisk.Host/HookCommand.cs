using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Redis;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk hook --redis HOST:PORT (--post URL | --exec COMMAND) [filters]</c>: a circuit-breaker hook without
/// writing code. Joins a consumer group on the alert stream and runs one action per matching transition, with the
/// <see cref="AlertHookConsumer"/> contract (ack after success, retries, reclaim, dedupe). Prints one line per action
/// attempt on stdout and the consumer's notices on stderr; runs until Ctrl+C.
/// </summary>
internal static class HookCommand
{
    public static Command Create(TextWriter output, TimeProvider time)
    {
        var redis = new Option<string?>("--redis")
        {
            Description = $"Redis to read alerts from: HOST:PORT or a StackExchange.Redis configuration string (no password: see {RedisConnection.PasswordFileName}).",
            HelpName = "HOST:PORT",
            Required = true,
            CustomParser = RedisConnection.ParseOption,
        };
        var passwordFile = RedisConnection.PasswordFileOption();
        var group = new Option<string>("--group") { HelpName = "NAME", Description = "Consumer group: each transition is acted on once per group.", DefaultValueFactory = _ => AlertHookOptions.DefaultGroup };
        var consumer = new Option<string>("--consumer")
        {
            Description = "This consumer's name in the group; a stable name resumes its own pending alerts at once after a restart. Default: machine name and pid.",
            HelpName = "NAME",
        };
        var prefix = new Option<string>("--prefix") { HelpName = "PREFIX", Description = "Prefix of the Redis keys.", DefaultValueFactory = _ => AlertKeys.DefaultPrefix };
        var rules = new Option<string[]>("--rule") { HelpName = "RULE", Description = "Act only on this rule (" + string.Join(", ", AlertRuleNames.All) + "); repeat for several. Default: all." };
        rules.AcceptOnlyFromAmong([.. AlertRuleNames.All]);
        var severities = new Option<string[]>("--severity") { HelpName = "SEVERITY", Description = "Act only on this severity (info, warning, critical); repeat for several." };
        severities.AcceptOnlyFromAmong([.. AlertNames.Severities]);
        var symbols = new Option<string[]>("--symbol") { HelpName = "SYMBOL", Description = "Act only on this symbol; repeat for several." };
        var from = new Option<string>("--from")
        {
            Description = "Where a new group starts: 'new' (alerts added from now on) or 'beginning' (everything in the stream).",
            HelpName = "new|beginning",
            DefaultValueFactory = _ => "new",
        };
        from.AcceptOnlyFromAmong("new", "beginning");
        var post = new Option<Uri?>("--post")
        {
            Description = "POST each alert's JSON to this http(s) URL (header Idempotency-Key: the transition id); a non-2xx answer is a failure.",
            HelpName = "URL",
            CustomParser = ParseUrl,
        };
        var exec = new Option<string?>("--exec") { HelpName = "COMMAND", Description = "Run this command with /bin/sh -c, the alert's JSON on stdin, in a process group of its own that is killed with the hook; a non-zero exit is a failure." };
        var timeout = new Option<TimeSpan?>("--timeout") { HelpName = "DURATION", Description = "Limit on one attempt of the action (default 30s).", CustomParser = Cli.ParsePositiveDuration };
        var attempts = new Option<int>("--max-attempts")
        {
            Description = "Attempts per alert before it is left pending for a later retry (1-100).",
            HelpName = "N",
            DefaultValueFactory = _ => 5,
            CustomParser = Cli.IntInRange(1, 100),
        };
        var reclaim = new Option<TimeSpan?>("--reclaim-idle")
        {
            Description = "Take over alerts left pending this long by a dead or failing consumer (default 60s; must exceed --timeout).",
            HelpName = "DURATION",
            CustomParser = Cli.ParsePositiveDuration,
        };

        var command = new Command("hook", "Act on alerts from Redis: POST them to a URL or pipe them to a command, once per alert per group.")
        {
            redis, passwordFile, group, consumer, prefix, rules, severities, symbols, from, post, exec, timeout, attempts, reclaim,
        };
        command.Validators.Add(result =>
        {
            var actions = (result.GetResult(post) is null ? 0 : 1) + (result.GetResult(exec) is null ? 0 : 1);
            if (actions != 1)
            {
                result.AddError("give exactly one action: --post URL or --exec COMMAND");
            }
            else if (result.GetResult(exec) is not null && string.IsNullOrWhiteSpace(result.GetValue(exec)))
            {
                result.AddError("--exec needs a command");
            }

            if (TryGet(result, reclaim, out var idle) && TryGet(result, timeout, out var attempt)
                && (idle ?? TimeSpan.FromSeconds(60)) <= (attempt ?? TimeSpan.FromSeconds(30)))
            {
                result.AddError("--reclaim-idle must be longer than --timeout, or a slow action would be taken over while it runs");
            }
        });

        command.SetAction(async (parse, cancel) =>
        {
            using var logging = Logging.RunLogging.Create(parse);
            var hookLog = logging.CreateLogger(Logging.LogCategories.Redis);
            var config = RedisConnection.Options(parse.GetValue(redis)!, parse.GetValue(passwordFile));
            config.ClientName = "streamrisk-hook";
            var limit = parse.GetValue(timeout) ?? TimeSpan.FromSeconds(30);
            var url = parse.GetValue(post);
            var shell = parse.GetValue(exec);
            var options = new AlertHookOptions
            {
                Prefix = parse.GetValue(prefix) ?? AlertKeys.DefaultPrefix,
                Group = parse.GetValue(group) ?? AlertHookOptions.DefaultGroup,
                Consumer = parse.GetValue(consumer) ?? $"{Environment.MachineName}-{Environment.ProcessId}",
                StartFrom = parse.GetValue(from) == "beginning" ? HookStart.Beginning : HookStart.NewOnly,
                Rules = (parse.GetValue(rules) ?? []).ToHashSet(StringComparer.Ordinal),
                Severities = (parse.GetValue(severities) ?? []).Select(s => AlertNames.TryParseSeverity(s, out var v) ? v : throw new UsageException($"unknown severity {s}")).ToHashSet(),
                Symbols = (parse.GetValue(symbols) ?? []).ToHashSet(StringComparer.Ordinal),
                MaxAttempts = parse.GetValue(attempts),
                ReclaimIdleTime = parse.GetValue(reclaim) ?? TimeSpan.FromSeconds(60),
                Log = line => hookLog.LogWarning("{Line}", line),
            };

            await using var connection = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
            using var http = url is null ? null : new HttpClient { Timeout = limit };
            Func<AlertTransition, CancellationToken, Task> act = http is not null
                ? (transition, token) => PostAsync(http, url!, transition, token)
                : (transition, token) => ExecAsync(shell!, transition, limit, time, token);

            await using var hook = new AlertHookConsumer(connection, options, async (transition, token) =>
            {
                try
                {
                    await act(transition, token).ConfigureAwait(false);
                    await output.WriteLineAsync(ActionLine(time, transition, "ok")).ConfigureAwait(false);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    await output.WriteLineAsync(ActionLine(time, transition, "failed: " + ex.Message.ReplaceLineEndings(" "))).ConfigureAwait(false);
                    throw;
                }
            }, time, Random.Shared);

            var what = url is not null ? "POST " + Shown(url) : "exec";
            await output.WriteLineAsync($"hook: consumer {options.Consumer} of group {options.Group} on {RedisConnection.Endpoints(config)}, {what}; press Ctrl+C to stop").ConfigureAwait(false);
            await output.FlushAsync(cancel).ConfigureAwait(false);
            hook.Start();
            try
            {
                // The loop handles its own errors and ends only on disposal; a fault here would be a bug, reported as exit 1.
                await hook.Completion.WaitAsync(cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // Ctrl+C: the normal way to stop a hook.
            }

            await hook.DisposeAsync().ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"hook stopped: acted {hook.Acted}, filtered {hook.Filtered}, duplicates {hook.Duplicates}, failed attempts {hook.FailedAttempts}, reclaimed {hook.Reclaimed}")).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string ActionLine(TimeProvider time, AlertTransition transition, string outcome) =>
        ConsoleText.Visible(string.Create(
            CultureInfo.InvariantCulture,
            $"{time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {transition.TransitionId} {transition.Rule} {transition.Symbol} {AlertNames.Of(transition.Severity)} {AlertNames.Of(transition.State)}: {outcome}"));

    private static async Task PostAsync(HttpClient http, Uri url, AlertTransition transition, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(AlertJson.Write(transition), Encoding.UTF8, "application/json"),
        };

        // The receiver's guard against the one double-delivery window the hook contract leaves open.
        request.Headers.Add("Idempotency-Key", transition.TransitionId);
        if (transition.TraceParent is { } traceParent)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        }

        using var response = await http.SendAsync(request, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"), null, response.StatusCode);
        }
    }

    /// <summary>
    /// Runs the action in a process group of its own (<c>setsid</c>) and dies with the hook: the wrapper's stdin is a
    /// pipe only the hook holds, and a watcher in the group kills the whole group (the command and everything it
    /// started) when that pipe reaches end of file — the hook exited, was killed with SIGKILL, or gave up on the action
    /// (timeout, Ctrl+C) and closed it. The alert reaches the command on its stdin from a file the wrapper unlinks once
    /// open (an explicit redirection: a background command's stdin is otherwise /dev/null).
    /// </summary>
    private const string ExecWrapper = """
        exec 3<&0 4<"$2"
        rm -f "$2"
        /bin/sh -c "$1" <&4 3<&- 4<&- &
        action=$!
        { read -r _ <&3; kill -KILL 0; } &
        watcher=$!
        exec 3<&- 4<&-
        wait "$action"
        code=$?
        kill "$watcher" 2>/dev/null
        exit "$code"
        """;

    private static async Task ExecAsync(string command, AlertTransition transition, TimeSpan limit, TimeProvider time, CancellationToken cancel)
    {
        var alert = Path.Combine(Path.GetTempPath(), $"streamrisk-hook-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var writer = new StreamWriter(alert, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), file))
        {
            await writer.WriteAsync(AlertJson.Write(transition).AsMemory(), cancel).ConfigureAwait(false);
        }

        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "/bin/sh", "-c", ExecWrapper, "streamrisk-hook", command, alert })
        {
            start.ArgumentList.Add(argument);
        }

        // The fields a script filters or logs on, without parsing JSON.
        start.Environment["STREAMRISK_ALERT_ID"] = transition.Id;
        start.Environment["STREAMRISK_TRANSITION_ID"] = transition.TransitionId;
        start.Environment["STREAMRISK_RULE"] = transition.Rule;
        start.Environment["STREAMRISK_SYMBOL"] = transition.Symbol;
        start.Environment["STREAMRISK_SEVERITY"] = AlertNames.Of(transition.Severity);
        start.Environment["STREAMRISK_STATE"] = AlertNames.Of(transition.State);
        start.Environment.Remove(RedisConnection.PasswordVariable);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("could not start setsid /bin/sh");
        }
        catch
        {
            File.Delete(alert);
            throw;
        }

        using var running = process;
        using var deadline = new CancellationTokenSource(limit, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, deadline.Token);
        try
        {
            await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // End of file on the wrapper's pipe: its watcher kills the whole group; the tree kill covers a wrapper not yet watching.
            process.StandardInput.Close();
            process.Kill(entireProcessTree: true);
            if (cancel.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"command still running after {limit.TotalSeconds:0.###} s; killed"));
        }
        finally
        {
            process.StandardInput.Close();
            File.Delete(alert);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"command exited with code {process.ExitCode}"));
        }
    }

    /// <summary>The option's value; false when it has an error of its own (reported already), so there is nothing to compare.</summary>
    private static bool TryGet(CommandResult result, Option<TimeSpan?> option, out TimeSpan? value)
    {
        try
        {
            value = result.GetValue(option);
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }

    /// <summary>The URL as printed: no user info or query string, which may carry credentials.</summary>
    private static string Shown(Uri url) => url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    private static Uri? ParseUrl(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url;
        }

        result.AddError($"'{text}' is not valid for --post: expected an http:// or https:// URL");
        return null;
    }
}
