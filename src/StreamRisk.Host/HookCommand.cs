using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Host.Routing;
using StreamRisk.Redis;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk hook --redis HOST:PORT (--post URL [--template raw|slack|pagerduty] | --exec COMMAND) [filters]</c>:
/// a circuit-breaker or paging hook without writing code. Joins a consumer group on the alert stream and runs one
/// action per matching transition, with the <see cref="AlertHookConsumer"/> contract (ack after success, retries,
/// reclaim, dedupe), optionally holding back an alert's updates for a cooldown (<see cref="AlertCooldown"/>). Prints
/// one line per action attempt on stdout and the consumer's notices on stderr; runs until Ctrl+C.
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
        var template = new Option<string>("--template")
        {
            Description = "Body of --post: 'raw' (the alert JSON), 'slack' (an incoming-webhook message) or 'pagerduty' (an Events API v2 event; dedup key = alert id).",
            HelpName = "raw|slack|pagerduty",
            DefaultValueFactory = _ => "raw",
        };
        template.AcceptOnlyFromAmong([.. AlertRouting.TemplateNames]);
        var routingKeyFile = new Option<string?>(AlertRouting.RoutingKeyFileName)
        {
            Description = $"File holding the PagerDuty routing key (one line). Default: {AlertRouting.RoutingKeySetting} in the configuration or ${AlertRouting.EnvironmentPrefix}ALERTS__PAGERDUTY__ROUTINGKEY.",
            HelpName = "FILE",
        };
        var routingKey = new Option<string?>("--routing-key")
        {
            // Refused, and hidden: present only so that the key is not echoed back as an unrecognised argument.
            Hidden = true,
            CustomParser = result =>
            {
                result.AddError($"--routing-key: a routing key does not belong on the command line (other users can read it); put it in a file given to {AlertRouting.RoutingKeyFileName}, or in ${AlertRouting.EnvironmentPrefix}ALERTS__PAGERDUTY__ROUTINGKEY");
                return null;
            },
        };
        var settingsFile = new Option<string?>("--config")
        {
            Description = "JSON settings file with runbook links per rule (StreamRisk:Alerts:Runbooks:RULE) and the PagerDuty routing key (default: appsettings.json in the working directory, if present).",
            HelpName = "FILE",
        };
        var cooldown = new Option<TimeSpan?>("--cooldown")
        {
            Description = "After acting on an alert, hold back its updates for this long (acknowledged, not acted on); raises, escalations and resolves always go through. Default: off.",
            HelpName = "DURATION",
            CustomParser = Cli.ParsePositiveDuration,
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
            redis, passwordFile, group, consumer, prefix, rules, severities, symbols, from, post, template, routingKeyFile, routingKey, settingsFile, cooldown, exec,
            timeout, attempts, reclaim,
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
            else if (result.GetResult(exec) is not null && result.GetResult(template) is { Implicit: false })
            {
                result.AddError("--template applies to --post only; --exec always gets the alert JSON");
            }

            if (result.GetResult(routingKeyFile) is not null && result.GetValue(template) != "pagerduty")
            {
                result.AddError($"{AlertRouting.RoutingKeyFileName} is only for --template pagerduty");
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
            config.LoggerFactory = logging;
            config.ClientName = "streamrisk-hook";
            var limit = parse.GetValue(timeout) ?? TimeSpan.FromSeconds(30);
            var url = parse.GetValue(post);
            var shell = parse.GetValue(exec);
            var keyPrefix = parse.GetValue(prefix) ?? AlertKeys.DefaultPrefix;
            // Before connecting: bad settings are exit code 2 whether or not Redis is up.
            var routing = AlertRouting.Load(AlertRouting.ParseTemplate(parse.GetValue(template)), parse.GetValue(settingsFile), parse.GetValue(routingKeyFile), keyPrefix);
            var period = parse.GetValue(cooldown);
            var wanted = (parse.GetValue(severities) ?? []).Select(s => AlertNames.TryParseSeverity(s, out var v) ? v : throw new UsageException($"unknown severity {s}")).ToHashSet();
            // An alert resolves at whatever severity it has then, often below the one that opened the PagerDuty
            // incident; a severity filter on the resolve would leave the incident open. So with PagerDuty the filter
            // is applied here, to triggers only; a resolve for an alert never triggered is dropped by PagerDuty.
            var triggersOnly = routing.Template == AlertTemplate.PagerDuty && wanted.Count > 0;
            var options = new AlertHookOptions
            {
                Prefix = keyPrefix,
                Group = parse.GetValue(group) ?? AlertHookOptions.DefaultGroup,
                Consumer = parse.GetValue(consumer) ?? $"{Environment.MachineName}-{Environment.ProcessId}",
                StartFrom = parse.GetValue(from) == "beginning" ? HookStart.Beginning : HookStart.NewOnly,
                Rules = (parse.GetValue(rules) ?? []).ToHashSet(StringComparer.Ordinal),
                Severities = triggersOnly ? new HashSet<AlertSeverity>() : wanted,
                Symbols = (parse.GetValue(symbols) ?? []).ToHashSet(StringComparer.Ordinal),
                MaxAttempts = parse.GetValue(attempts),
                ReclaimIdleTime = parse.GetValue(reclaim) ?? TimeSpan.FromSeconds(60),
                Log = line => hookLog.LogWarning("{Line}", line),
            };

            await using var connection = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
            using var http = url is null ? null : new HttpClient { Timeout = limit };
            Func<AlertTransition, CancellationToken, Task> act = http is not null
                ? (transition, token) => PostAsync(http, url!, routing.Body(transition), transition, token)
                : (transition, token) => ExecAsync(shell!, transition, routing.RunbookOf(transition.Rule), limit, time, token);
            var cooling = period is { } p ? new AlertCooldown(connection, options.Prefix, options.Group, p, time) : null;
            long heldBack = 0;
            long filteredHere = 0;

            await using var hook = new AlertHookConsumer(connection, options, async (transition, token) =>
            {
                if (triggersOnly && transition.State != AlertState.Resolved && !wanted.Contains(transition.Severity))
                {
                    Interlocked.Increment(ref filteredHere);
                    return;
                }

                try
                {
                    // Held back = acted on, for the group: the entry is acknowledged and recorded as done like any other.
                    if (cooling is not null && await cooling.HoldsBackAsync(transition).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref heldBack);
                        await output.WriteLineAsync(ActionLine(time, transition, "held back (cooldown)")).ConfigureAwait(false);
                        return;
                    }

                    await act(transition, token).ConfigureAwait(false);
                    await output.WriteLineAsync(ActionLine(time, transition, "ok")).ConfigureAwait(false);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    await output.WriteLineAsync(ActionLine(time, transition, "failed: " + ex.Message.ReplaceLineEndings(" "))).ConfigureAwait(false);
                    throw;
                }

                if (cooling is not null)
                {
                    try
                    {
                        await cooling.RecordActedAsync(transition).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is RedisException or TimeoutException)
                    {
                        // The action happened: failing it now would repeat it. The cost is an update not held back.
                        options.Log?.Invoke($"hook {options.Consumer}: acted on {transition.TransitionId} but could not start its cooldown ({ex.GetType().Name})");
                    }
                }
            }, time, Random.Shared);

            var what = (url is not null ? "POST " + Shown(url) + " (" + AlertRouting.NameOf(routing.Template) + ")" : "exec")
                + (period is { } shown ? string.Create(CultureInfo.InvariantCulture, $", cooldown {shown.TotalSeconds:0.###} s") : string.Empty)
                + (routing.Runbooks.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", runbooks for {routing.Runbooks.Count} rules") : string.Empty);
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
                $"hook stopped: acted {hook.Acted - Interlocked.Read(ref filteredHere)}, filtered {hook.Filtered + Interlocked.Read(ref filteredHere)}, duplicates {hook.Duplicates}, failed attempts {hook.FailedAttempts}, reclaimed {hook.Reclaimed}")
                + (cooling is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", held back {Interlocked.Read(ref heldBack)}"))).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string ActionLine(TimeProvider time, AlertTransition transition, string outcome) =>
        ConsoleText.Visible(string.Create(
            CultureInfo.InvariantCulture,
            $"{time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {transition.TransitionId} {transition.Rule} {transition.Symbol} {AlertNames.Of(transition.Severity)} {AlertNames.Of(transition.State)}: {outcome}"));

    private static async Task PostAsync(HttpClient http, Uri url, string body, AlertTransition transition, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
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

    private static async Task ExecAsync(string command, AlertTransition transition, Uri? runbook, TimeSpan limit, TimeProvider time, CancellationToken cancel)
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
        if (runbook is not null)
        {
            start.Environment["STREAMRISK_RUNBOOK"] = runbook.AbsoluteUri;
        }

        start.Environment.Remove(RedisConnection.PasswordVariable);
        start.Environment.Remove(AlertRouting.EnvironmentPrefix + "ALERTS__PAGERDUTY__ROUTINGKEY");

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
