using System.Collections.Concurrent;
using System.CommandLine;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Host.Routing;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// <c>hook --template slack|pagerduty</c>, <c>--cooldown</c> and runbook links: the message bodies, the settings'
/// errors, and the routes end to end against a real redis-server and a local HTTP receiver standing in for Slack and
/// PagerDuty.
/// </summary>
public sealed class HookRoutingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private const string RoutingKey = "R0UTING-KEY-0123456789abcdef0123";
    private const string CascadeRunbook = "https://runbooks.example/streamrisk/cascade-risk";
    private const string WallRunbook = "https://runbooks.example/streamrisk/liquidation-wall";

    [Theory]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--exec", "true", "--template", "slack")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--post", "http://127.0.0.1:9/", "--template", "teams")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--post", "http://127.0.0.1:9/", "--template", "slack", "--routing-key-file", "/dev/null")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--post", "http://127.0.0.1:9/", "--template", "pagerduty", "--routing-key", RoutingKey)]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--post", "http://127.0.0.1:9/", "--cooldown", "0")]
    [InlineData("hook", "--redis", "127.0.0.1:6379", "--post", "http://127.0.0.1:9/", "--cooldown", "soon")]
    public async Task Hook_BadRoutingOptions_OneLineErrorAndExitCodeTwo(params string[] args)
    {
        var run = await CliRun.InvokeAsync(args).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith("streamrisk: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(RoutingKey, run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_RoutingKeyOnTheCommandLine_RefusedWithoutRepeatingIt()
    {
        var run = await CliRun.InvokeAsync("hook", "--redis", "127.0.0.1:9", "--post", "http://127.0.0.1:9/", "--template", "pagerduty", "--routing-key", RoutingKey).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("put it in a file given to --routing-key-file", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(RoutingKey, run.Output + run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"StreamRisk":{"Alerts":{"Runbooks":{"CascadeRisk":"ftp://runbooks.example/x?token=S3CRET"}}}}""", "StreamRisk:Alerts:Runbooks:CascadeRisk: expected an absolute http:// or https:// URL")]
    [InlineData("""{"StreamRisk":{"Alerts":{"Runbooks":{"CascadeRisk":"runbooks/cascade-risk.md"}}}}""", "StreamRisk:Alerts:Runbooks:CascadeRisk: expected an absolute http:// or https:// URL")]
    [InlineData("""{"StreamRisk":{"Alerts":{"Runbooks":{"MoonRisk":"https://runbooks.example/moon"}}}}""", "StreamRisk:Alerts:Runbooks:MoonRisk: no such rule")]
    [InlineData("{\"StreamRisk\":{\"Alerts\":{\"Runbooks\":{\"CascadeRisk\":\"", "configuration: ")]
    public async Task Hook_BadRunbookSetting_OneLineNamingTheKeyAndExitCodeTwo(string settings, string expected)
    {
        var file = Path.Combine(Path.GetTempPath(), $"streamrisk-hook-settings-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, settings, TestContext.Current.CancellationToken);
        try
        {
            // Port 9 (discard) has no Redis: the settings are checked before connecting. Were they not, the hook would
            // wait for Redis until the deadline.
            var run = await CliRun.InvokeAsync("hook", "--redis", "127.0.0.1:9", "--post", "http://127.0.0.1:9/", "--template", "slack", "--config", file).WaitAsync(Deadline, TestContext.Current.CancellationToken);

            Assert.Equal(ExitCodes.Usage, run.ExitCode);
            Assert.Single(run.ErrorLines);
            Assert.StartsWith("streamrisk: " + expected, run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("S3CRET", run.Output + run.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("", "--template pagerduty needs a routing key")]
    [InlineData("\n", ": the routing key is empty")]
    [InlineData("R0UTING KEY\n", ": the routing key contains white space")]
    public async Task Hook_PagerDutyWithoutAUsableRoutingKey_OneLineAndExitCodeTwo(string keyFileText, string expected)
    {
        var file = Path.Combine(Path.GetTempPath(), $"streamrisk-routing-key-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, keyFileText, TestContext.Current.CancellationToken);
        var settings = file + ".json";
        await File.WriteAllTextAsync(settings, "{}", TestContext.Current.CancellationToken);
        try
        {
            string[] args = ["hook", "--redis", "127.0.0.1:9", "--post", "http://127.0.0.1:9/", "--template", "pagerduty", "--config", settings];
            var run = await CliRun.InvokeAsync(keyFileText.Length == 0 ? args : [.. args, "--routing-key-file", file]).WaitAsync(Deadline, TestContext.Current.CancellationToken);

            Assert.Equal(ExitCodes.Usage, run.ExitCode);
            Assert.Single(run.ErrorLines);
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("R0UTING", run.Output + run.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
            File.Delete(settings);
        }
    }

    [Fact]
    public void ReadRunbooks_EnvironmentWinsPerRuleAndIsNamedAsTheVariable()
    {
        var file = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StreamRisk:Alerts:Runbooks:CascadeRisk"] = "https://file.example/cascade",
            ["StreamRisk:Alerts:Runbooks:LiquidationWall"] = "https://file.example/wall",
        }).Build();
        var environment = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ALERTS:RUNBOOKS:CASCADERISK"] = "https://env.example/cascade",
        }).Build();

        var runbooks = AlertRouting.ReadRunbooks([(file.GetSection("StreamRisk:Alerts"), "StreamRisk:Alerts"), (environment.GetSection("Alerts"), "STREAMRISK__ALERTS")]);

        Assert.Equal(new Uri("https://env.example/cascade"), runbooks[AlertRuleNames.CascadeRisk]);
        Assert.Equal(new Uri("https://file.example/wall"), runbooks[AlertRuleNames.LiquidationWall]);
        Assert.Equal(2, runbooks.Count);

        environment["ALERTS:RUNBOOKS:LIQUIDATIONWALL"] = "mailto:ops@example.com";
        var error = Assert.Throws<UsageException>(() => AlertRouting.ReadRunbooks([(environment.GetSection("Alerts"), "STREAMRISK__ALERTS")]));
        Assert.Equal("STREAMRISK__ALERTS__RUNBOOKS__LIQUIDATIONWALL: expected an absolute http:// or https:// URL", error.Message);
    }

    [Fact]
    public void SlackMessage_Write_FieldsExplanationAndRunbook_AlertTextEscaped()
    {
        var transition = Transition(AlertRuleNames.CascadeRisk, AlertSeverity.Critical, AlertState.Escalated, 1) with
        {
            Explanation = "A 2.4% drop would liquidate <!channel> longs & shorts.",
        };

        using var body = JsonDocument.Parse(SlackMessage.Write(transition, new Uri(CascadeRunbook + "?a=1|2")));

        var root = body.RootElement;
        Assert.Equal("[critical] CascadeRisk BTCUSDT escalated: A 2.4% drop would liquidate &lt;!channel&gt; longs &amp; shorts.", root.GetProperty("text").GetString());
        var blocks = root.GetProperty("blocks").EnumerateArray().ToArray();
        Assert.Equal(["header", "section", "section", "section", "context"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("Escalated: CascadeRisk BTCUSDT", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal(
            ["*Severity*\ncritical", "*Rule*\nCascadeRisk", "*Symbol*\nBTCUSDT", "*State*\nescalated"],
            blocks[1].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()));
        Assert.Equal("A 2.4% drop would liquidate &lt;!channel&gt; longs &amp; shorts.", blocks[2].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal("*Suggested action*\nWiden price bands.", blocks[3].GetProperty("text").GetProperty("text").GetString());
        var context = blocks[4].GetProperty("elements")[0].GetProperty("text").GetString();
        Assert.StartsWith($"<{CascadeRunbook}?a=1%7C2|Runbook: CascadeRisk>", context, StringComparison.Ordinal);
        Assert.Contains($"alert `{transition.Id}`", context, StringComparison.Ordinal);
    }

    [Fact]
    public void SlackMessage_Write_LongExplanationCutToSlacksLimitWithoutSplittingAnEscape()
    {
        var transition = Transition(AlertRuleNames.CascadeRisk, AlertSeverity.Warning, AlertState.Raised, 0) with { Explanation = new string('x', 2997) + "<<<<<" };

        using var body = JsonDocument.Parse(SlackMessage.Write(transition, runbook: null));

        var section = body.RootElement.GetProperty("blocks")[2].GetProperty("text").GetProperty("text").GetString()!;
        Assert.True(section.Length <= 3000, $"{section.Length} characters");
        Assert.EndsWith("x…", section, StringComparison.Ordinal);
        Assert.DoesNotContain("Runbook", body.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AlertState.Raised, AlertSeverity.Warning, "trigger", "warning")]
    [InlineData(AlertState.Escalated, AlertSeverity.Critical, "trigger", "critical")]
    [InlineData(AlertState.Updated, AlertSeverity.Info, "trigger", "info")]
    public void PagerDutyEvent_Write_TriggerCarriesPayloadAndRunbookLink(AlertState state, AlertSeverity severity, string action, string pagerDutySeverity)
    {
        var transition = Transition(AlertRuleNames.CascadeRisk, severity, state, 1) with
        {
            Metrics = new Dictionary<string, double> { ["criticalShock"] = 0.024, ["amplification"] = double.PositiveInfinity },
        };

        using var body = JsonDocument.Parse(PagerDutyEvent.Write(transition, new Uri(CascadeRunbook), RoutingKey, "streamrisk-prod"));

        var root = body.RootElement;
        Assert.Equal(RoutingKey, root.GetProperty("routing_key").GetString());
        Assert.Equal(action, root.GetProperty("event_action").GetString());
        Assert.Equal(transition.Id, root.GetProperty("dedup_key").GetString());
        var payload = root.GetProperty("payload");
        Assert.Equal($"[{AlertNames.Of(severity)}] CascadeRisk BTCUSDT: {transition.Explanation}", payload.GetProperty("summary").GetString());
        Assert.Equal("streamrisk-prod", payload.GetProperty("source").GetString());
        Assert.Equal(pagerDutySeverity, payload.GetProperty("severity").GetString());
        Assert.Equal("2024-08-09T00:14:15.001Z", payload.GetProperty("timestamp").GetString());
        Assert.Equal("BTCUSDT", payload.GetProperty("component").GetString());
        Assert.Equal("CascadeRisk", payload.GetProperty("class").GetString());
        var details = payload.GetProperty("custom_details");
        Assert.Equal(transition.TransitionId, details.GetProperty("transition_id").GetString());
        Assert.Equal(AlertNames.Of(state), details.GetProperty("state").GetString());
        Assert.Equal(0.024, details.GetProperty("metrics").GetProperty("criticalShock").GetDouble());
        Assert.Equal("Infinity", details.GetProperty("metrics").GetProperty("amplification").GetString());
        var link = Assert.Single(root.GetProperty("links").EnumerateArray());
        Assert.Equal(CascadeRunbook, link.GetProperty("href").GetString());
    }

    [Fact]
    public void PagerDutyEvent_Write_ResolveIsTheKeyAndTheActionOnly()
    {
        var transition = Transition(AlertRuleNames.CascadeRisk, AlertSeverity.Warning, AlertState.Resolved, 3);

        using var body = JsonDocument.Parse(PagerDutyEvent.Write(transition, new Uri(CascadeRunbook), RoutingKey, "streamrisk"));

        Assert.Equal(["routing_key", "event_action", "dedup_key"], body.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("resolve", body.RootElement.GetProperty("event_action").GetString());
        Assert.Equal(transition.Id, body.RootElement.GetProperty("dedup_key").GetString());
    }

    [Fact]
    public void PagerDutyEvent_DedupKeyOf_AnIdTooLongForPagerDutyIsHashedTheSameEveryTime()
    {
        var shortId = "LargeAccountNearLiquidation:BTCUSDT:acct-17:1723161255000";
        var longId = "LargeAccountNearLiquidation:BTCUSDT:" + new string('a', 300) + ":1723161255000";

        Assert.Equal(shortId, PagerDutyEvent.DedupKeyOf(shortId));
        var key = PagerDutyEvent.DedupKeyOf(longId);
        Assert.True(key.Length <= PagerDutyEvent.DedupKeyLimit);
        Assert.StartsWith("sha256:", key, StringComparison.Ordinal);
        Assert.Equal(key, PagerDutyEvent.DedupKeyOf(longId));
        Assert.NotEqual(key, PagerDutyEvent.DedupKeyOf(longId + "1"));
    }

    [Theory]
    [InlineData(AlertState.Updated, 59, true)]
    [InlineData(AlertState.Updated, 60, false)]
    [InlineData(AlertState.Escalated, 1, false)]
    [InlineData(AlertState.Resolved, 1, false)]
    [InlineData(AlertState.Raised, 1, false)]
    public void AlertCooldown_HoldsBack_OnlyAnUpdateWithinThePeriod(AlertState state, int secondsSinceLastAction, bool heldBack)
    {
        var now = new DateTimeOffset(2024, 8, 9, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(heldBack, AlertCooldown.HoldsBack(state, now.AddSeconds(-secondsSinceLastAction), now, TimeSpan.FromMinutes(1)));
        Assert.False(AlertCooldown.HoldsBack(state, lastActed: null, now, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Hook_Slack_PostsAWebhookMessageWithTheRunbookOfEachRule()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var settings = Path.Combine(server.Directory, "hook-settings.json");
        await File.WriteAllTextAsync(settings, RunbookSettings((AlertRuleNames.CascadeRisk, CascadeRunbook), (AlertRuleNames.LiquidationWall, WallRunbook)), TestContext.Current.CancellationToken);
        var cascade = Transition(AlertRuleNames.CascadeRisk, AlertSeverity.Critical, AlertState.Raised, 0);
        var wall = Transition(AlertRuleNames.LiquidationWall, AlertSeverity.Warning, AlertState.Raised, 0);
        var news = Transition(AlertRuleNames.CascadeInProgress, AlertSeverity.Info, AlertState.Raised, 0);
        await HookRun.PublishAsync(redis, cascade, wall, news);
        using var receiver = Receiver.Start(_ => HttpStatusCode.OK);

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = HookRun.RunAsync(
            ["hook", "--redis", $"127.0.0.1:{server.Port}", "--from", "beginning", "--post", receiver.Url, "--template", "slack", "--config", settings],
            TimeProvider.System, output, error, stop.Token);

        Assert.True(await Eventually.TrueAsync(() => receiver.Accepted.Count == 3, Deadline), output + "\n" + error);
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Deadline, TestContext.Current.CancellationToken));

        var bodies = receiver.Accepted.Select(b => JsonDocument.Parse(b).RootElement).ToArray();
        Assert.All(bodies, b => Assert.Equal("header", b.GetProperty("blocks")[0].GetProperty("type").GetString()));
        Assert.Equal(
            [$"[critical] CascadeRisk BTCUSDT raised: {cascade.Explanation}", $"[warning] LiquidationWall BTCUSDT raised: {wall.Explanation}", $"[info] CascadeInProgress BTCUSDT raised: {news.Explanation}"],
            bodies.Select(b => b.GetProperty("text").GetString()));
        var contexts = bodies.Select(b => b.GetProperty("blocks").EnumerateArray().Last().GetProperty("elements")[0].GetProperty("text").GetString()!).ToArray();
        Assert.StartsWith($"<{CascadeRunbook}|Runbook: CascadeRisk>", contexts[0], StringComparison.Ordinal);
        Assert.StartsWith($"<{WallRunbook}|Runbook: LiquidationWall>", contexts[1], StringComparison.Ordinal);
        Assert.StartsWith("alert `CascadeInProgress:", contexts[2], StringComparison.Ordinal);
        Assert.Contains("(slack)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_PagerDuty_TriggersAndResolvesOnTheAlertId_CooldownHoldsBackQuickUpdatesButNotTheResolve_KeyNeverPrinted()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var settings = Path.Combine(server.Directory, "hook-settings.json");
        await File.WriteAllTextAsync(settings, RunbookSettings((AlertRuleNames.CascadeRisk, CascadeRunbook)), TestContext.Current.CancellationToken);
        var keyFile = Path.Combine(server.Directory, "pagerduty-routing-key");
        await File.WriteAllTextAsync(keyFile, RoutingKey + "\n", TestContext.Current.CancellationToken);
        // The first request is refused (PagerDuty's 500): the retry carries the same event.
        using var receiver = Receiver.Start(n => n == 0 ? HttpStatusCode.InternalServerError : HttpStatusCode.Accepted);
        var clock = new ShiftedClock();

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = HookRun.RunAsync(
            ["hook", "--redis", $"127.0.0.1:{server.Port}", "--group", "paging", "--post", receiver.Url, "--template", "pagerduty", "--routing-key-file", keyFile,
             "--config", settings, "--cooldown", "5m"],
            clock, output, error, stop.Token);
        Assert.True(await Eventually.TrueAsync(() => output.ToString().StartsWith("hook: consumer", StringComparison.Ordinal), Deadline), error.ToString());
        // The group is created on start, at new alerts only: wait for it before publishing.
        Assert.True(await Eventually.TrueAsync(() => GroupExists(redis, "paging"), Deadline), error.ToString());

        var raise = Transition(AlertRuleNames.CascadeRisk, AlertSeverity.Warning, AlertState.Raised, 0);
        await PublishAndWaitAsync(redis, raise, output, ": ok");
        await PublishAndWaitAsync(redis, raise with { TransitionId = AlertTransition.TransitionIdOf(raise.Id, 1), State = AlertState.Updated }, output, ": held back (cooldown)");
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await PublishAndWaitAsync(redis, raise with { TransitionId = AlertTransition.TransitionIdOf(raise.Id, 2), State = AlertState.Updated }, output, ": ok");
        await PublishAndWaitAsync(redis, raise with { TransitionId = AlertTransition.TransitionIdOf(raise.Id, 3), State = AlertState.Updated }, output, ": held back (cooldown)");
        await PublishAndWaitAsync(redis, raise with { TransitionId = AlertTransition.TransitionIdOf(raise.Id, 4), State = AlertState.Resolved }, output, ": ok");
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Deadline, TestContext.Current.CancellationToken));

        var events = receiver.Accepted.Select(b => JsonDocument.Parse(b).RootElement).ToArray();
        Assert.Equal(["trigger", "trigger", "resolve"], events.Select(e => e.GetProperty("event_action").GetString()));
        Assert.All(events, e => Assert.Equal(raise.Id, e.GetProperty("dedup_key").GetString()));
        Assert.All(events, e => Assert.Equal(RoutingKey, e.GetProperty("routing_key").GetString()));
        Assert.Equal(
            [raise.TransitionId, AlertTransition.TransitionIdOf(raise.Id, 2)],
            events.Take(2).Select(e => e.GetProperty("payload").GetProperty("custom_details").GetProperty("transition_id").GetString()));
        Assert.Equal(CascadeRunbook, events[0].GetProperty("links")[0].GetProperty("href").GetString());
        Assert.Equal(4, receiver.Received);
        Assert.Contains(": failed: HTTP 500", output.ToString(), StringComparison.Ordinal);
        Assert.EndsWith(", held back 2", output.ToString().TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain(RoutingKey, output.ToString() + error, StringComparison.Ordinal);
        Assert.Equal(0, (await redis.GetDatabase().StreamPendingAsync("streamrisk:alerts", "paging")).PendingMessageCount);
        // The resolve forgets the alert.
        Assert.Equal(0, await redis.GetDatabase().SortedSetLengthAsync("streamrisk:hooks:paging:posted"));
    }

    [Fact]
    public async Task Hook_PagerDutyWithASeverityFilter_TheResolveAtALowerSeverityStillClosesTheIncident()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var keyFile = Path.Combine(server.Directory, "pagerduty-routing-key");
        await File.WriteAllTextAsync(keyFile, RoutingKey, TestContext.Current.CancellationToken);
        var raise = Transition(AlertRuleNames.CascadeRisk, AlertSeverity.Critical, AlertState.Raised, 0);
        await HookRun.PublishAsync(
            redis,
            raise,
            raise with { TransitionId = AlertTransition.TransitionIdOf(raise.Id, 1), State = AlertState.Updated, Severity = AlertSeverity.Warning },
            raise with { TransitionId = AlertTransition.TransitionIdOf(raise.Id, 2), State = AlertState.Resolved, Severity = AlertSeverity.Warning });
        using var receiver = Receiver.Start(_ => HttpStatusCode.Accepted);

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = HookRun.RunAsync(
            ["hook", "--redis", $"127.0.0.1:{server.Port}", "--from", "beginning", "--severity", "critical", "--post", receiver.Url, "--template", "pagerduty",
             "--routing-key-file", keyFile],
            TimeProvider.System, output, error, stop.Token);

        Assert.True(await Eventually.TrueAsync(() => receiver.Accepted.Count == 2, Deadline), output + "\n" + error);
        Assert.True(await Eventually.TrueAsync(() => output.ToString().Contains("resolved: ok", StringComparison.Ordinal), Deadline), output.ToString());
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Deadline, TestContext.Current.CancellationToken));

        var events = receiver.Accepted.Select(b => JsonDocument.Parse(b).RootElement).ToArray();
        Assert.Equal(["trigger", "resolve"], events.Select(e => e.GetProperty("event_action").GetString()));
        Assert.All(events, e => Assert.Equal(raise.Id, e.GetProperty("dedup_key").GetString()));
        Assert.Contains("hook stopped: acted 2, filtered 1,", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_Exec_RunbookOfTheRuleInTheEnvironment_AlertJsonUnchanged()
    {
        using var server = LocalRedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var settings = Path.Combine(server.Directory, "hook-settings.json");
        await File.WriteAllTextAsync(settings, RunbookSettings((AlertRuleNames.CascadeRisk, CascadeRunbook)), TestContext.Current.CancellationToken);
        var cascade = Transition(AlertRuleNames.CascadeRisk, AlertSeverity.Critical, AlertState.Raised, 0);
        await HookRun.PublishAsync(redis, cascade);
        var file = Path.Combine(server.Directory, "acted");

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = HookRun.RunAsync(
            ["hook", "--redis", $"127.0.0.1:{server.Port}", "--from", "beginning", "--config", settings, "--exec", $"{{ echo \"$STREAMRISK_RUNBOOK\"; cat; }} > '{file}.tmp'; mv '{file}.tmp' '{file}'"],
            TimeProvider.System, output, error, stop.Token);

        Assert.True(await Eventually.TrueAsync(() => File.Exists(file), Deadline), output + "\n" + error);
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal([CascadeRunbook, AlertJson.Write(cascade)], File.ReadAllLines(file));
    }

    private static async Task PublishAndWaitAsync(IConnectionMultiplexer redis, AlertTransition transition, StringWriter output, string outcome)
    {
        await HookRun.PublishAsync(redis, transition);
        var line = $"{transition.TransitionId} {transition.Rule} {transition.Symbol} {AlertNames.Of(transition.Severity)} {AlertNames.Of(transition.State)}{outcome}";
        Assert.True(await Eventually.TrueAsync(() => output.ToString().Contains(line, StringComparison.Ordinal), Deadline), $"no '{line}' in:\n{output}");
    }

    private static string RunbookSettings(params (string Rule, string Url)[] runbooks) =>
        "{\"StreamRisk\":{\"Alerts\":{\"Runbooks\":{" + string.Join(",", runbooks.Select(r => $"\"{r.Rule}\":\"{r.Url}\"")) + "}}}}";

    private static bool GroupExists(ConnectionMultiplexer redis, string group)
    {
        try
        {
            return redis.GetDatabase().StreamGroupInfo("streamrisk:alerts").Any(g => g.Name == group);
        }
        catch (RedisServerException)
        {
            return false; // no stream yet
        }
    }

    private static AlertTransition Transition(string rule, AlertSeverity severity, AlertState state, int sequence)
    {
        var id = $"{rule}:BTCUSDT:down:1723162455001";
        return new AlertTransition
        {
            Id = id,
            TransitionId = AlertTransition.TransitionIdOf(id, sequence),
            Rule = rule,
            Symbol = "BTCUSDT",
            Severity = severity,
            State = state,
            EventTime = 1723162455001,
            Metrics = new Dictionary<string, double> { ["criticalShock"] = 0.024 },
            Explanation = $"{rule}: a 2.4% drop would liquidate 15M USDT of longs.",
            SuggestedAction = "Widen price bands.",
        };
    }

    /// <summary>The system clock moved forward on demand; timers and delays stay real, so the hook's polling runs as in production.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        private long _offsetTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    }

    /// <summary>A local HTTP endpoint standing in for Slack or PagerDuty: answers request n with <c>status(n)</c> and keeps the accepted bodies in order.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Func<int, HttpStatusCode> _status;
        private readonly ConcurrentQueue<string> _accepted = new();
        private int _received;

        private Receiver(Func<int, HttpStatusCode> status, int port)
        {
            _status = status;
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
        }

        public string Url { get; }

        public int Received => Volatile.Read(ref _received);

        public IReadOnlyList<string> Accepted => [.. _accepted];

        public static Receiver Start(Func<int, HttpStatusCode> status)
        {
            var receiver = new Receiver(status, FreePort.Next());
            receiver._listener.Start();
            _ = Task.Run(receiver.ServeAsync);
            return receiver;
        }

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            try
            {
                while (true)
                {
                    var context = await _listener.GetContextAsync();
                    using var reader = new StreamReader(context.Request.InputStream);
                    var body = await reader.ReadToEndAsync();
                    var status = _status(Interlocked.Increment(ref _received) - 1);
                    if ((int)status < 300)
                    {
                        _accepted.Enqueue(body);
                    }

                    context.Response.StatusCode = (int)status;
                    context.Response.Close();
                }
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // Closed at the end of the test.
            }
        }
    }
}
