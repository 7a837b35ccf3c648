using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text;
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
    /// <summary>Read from the environment, never from the command line (which other users of the machine can see).</summary>
    public const string PasswordVariable = "STREAMRISK_REDIS_PASSWORD";

    public static Command Create(TextWriter output, TimeProvider time)
    {
        var redis = new Option<RedisAddress>("--redis")
        {
            Description = $"Redis to read alerts from. A password, if any, comes from ${PasswordVariable}.",
            HelpName = "HOST:PORT",
            Required = true,
            CustomParser = ParseAddress,
        };
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
        var exec = new Option<string?>("--exec") { HelpName = "COMMAND", Description = "Run this command with /bin/sh -c, the alert's JSON on stdin; a non-zero exit is a failure." };
        var timeout = new Option<TimeSpan?>("--timeout") { HelpName = "DURATION", Description = "Limit on one attempt of the action (default 30s).", CustomParser = Cli.ParseDuration };
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
            CustomParser = Cli.ParseDuration,
        };

        var command = new Command("hook", "Act on alerts from Redis: POST them to a URL or pipe them to a command, once per alert per group.")
        {
            redis, group, consumer, prefix, rules, severities, symbols, from, post, exec, timeout, attempts, reclaim,
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

            if ((result.GetValue(reclaim) ?? TimeSpan.FromSeconds(60)) <= (result.GetValue(timeout) ?? TimeSpan.FromSeconds(30)))
            {
                result.AddError("--reclaim-idle must be longer than --timeout, or a slow action would be taken over while it runs");
            }
        });

        command.SetAction(async (parse, cancel) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var address = parse.GetValue(redis);
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
                Log = line => error.WriteLine("streamrisk: " + line),
            };

            var config = new ConfigurationOptions
            {
                EndPoints = { { address.Host, address.Port } },
                AbortOnConnectFail = false,
                ClientName = "streamrisk-hook",
                Password = Environment.GetEnvironmentVariable(PasswordVariable),
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
            await output.WriteLineAsync($"hook: consumer {options.Consumer} of group {options.Group} on {address}, {what}; press Ctrl+C to stop").ConfigureAwait(false);
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

    private static async Task ExecAsync(string command, AlertTransition transition, TimeSpan limit, TimeProvider time, CancellationToken cancel)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);

        // The fields a script filters or logs on, without parsing JSON.
        start.Environment["STREAMRISK_ALERT_ID"] = transition.Id;
        start.Environment["STREAMRISK_TRANSITION_ID"] = transition.TransitionId;
        start.Environment["STREAMRISK_RULE"] = transition.Rule;
        start.Environment["STREAMRISK_SYMBOL"] = transition.Symbol;
        start.Environment["STREAMRISK_SEVERITY"] = AlertNames.Of(transition.Severity);
        start.Environment["STREAMRISK_STATE"] = AlertNames.Of(transition.State);
        start.Environment.Remove(PasswordVariable);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh");
        using var deadline = new CancellationTokenSource(limit, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, deadline.Token);
        try
        {
            try
            {
                await process.StandardInput.WriteAsync(AlertJson.Write(transition).AsMemory(), stop.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command exited or closed stdin without reading it all: its exit code decides.
            }

            await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancel.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"command still running after {limit.TotalSeconds:0.###} s; killed"));
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"command exited with code {process.ExitCode}"));
        }
    }

    /// <summary>The URL as printed: no user info or query string, which may carry credentials.</summary>
    private static string Shown(Uri url) => url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    private static RedisAddress ParseAddress(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        var colon = text.LastIndexOf(':');
        if (colon > 0
            && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535)
        {
            var host = text[..colon];
            if (host.StartsWith('[') && host.EndsWith(']'))
            {
                host = host[1..^1];
            }

            if (host.Length > 0 && !host.Contains(',', StringComparison.Ordinal))
            {
                return new RedisAddress(host, port);
            }
        }

        result.AddError($"'{text}' is not valid for --redis: expected HOST:PORT, e.g. 127.0.0.1:6379");
        return default;
    }

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

    internal readonly record struct RedisAddress(string Host, int Port)
    {
        public override string ToString() => Host.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
    }
}
