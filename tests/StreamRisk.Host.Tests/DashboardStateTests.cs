using System.Net;
using System.Text.Json;
using StreamRisk.Domain.Alerts;
using StreamRisk.Host.Dashboard;
using StreamRisk.Host.Telemetry;
using StreamRisk.Redis;
using StreamRisk.Testing;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Tests;

public sealed class DashboardStateTests
{
    private const long T0 = 1_723_161_255_000;

    [Fact]
    public void Observe_HistoryKeepsOnePointPerSecondOfEventTime_BoundedOldestDropped()
    {
        var time = new ManualTime();
        using var state = new DashboardState(time, new DashboardOptions { HistoryPoints = 5 });

        for (var t = 0; t < 10_000; t += 100)
        {
            state.Observe(Risk("XUSDT", 100 + (t / 1000.0), T0 + t));
        }

        var view = state.Symbol("XUSDT")!;
        Assert.Equal([T0 + 5_000, T0 + 6_000, T0 + 7_000, T0 + 8_000, T0 + 9_000], view.History!.Select(p => p.EventTime));
        Assert.Equal(109.9, view.Mark, 9);
        Assert.Equal(T0 + 9_900, view.EventTime);
        Assert.Equal(2, view.History![0].Liquidatable.Count);
        Assert.Null(state.Symbols().Single().History); // the list carries no history
    }

    [Fact]
    public void Observe_LongHistoryKeepsWorstOfEachClosedStep_WindowsReachBackThroughIt()
    {
        const long Start = 1_723_161_250_000; // a multiple of the 10 s step
        using var state = new DashboardState(new ManualTime(), new DashboardOptions
        {
            HistoryPoints = 20,
            LongHistoryStep = TimeSpan.FromSeconds(10),
            LongHistoryPoints = 3,
            Windows = [10, 60],
        });

        // One projection a second for a minute; a spike of risk at 23 s (shock 1 %) and of thin depth at 27 s.
        for (var s = 0; s < 60; s++)
        {
            state.Observe(Risk("XUSDT", 100 + s, Start + (s * 1_000), criticalShockDown: s == 23 ? 0.01 : 0.05, depth: s == 27 ? 40 : 100));
        }

        var hour = state.Symbol("XUSDT", 60)!;
        var recent = state.Symbol("XUSDT", 10)!;

        // Steps 0–50 s closed; three kept (20, 30, 40 s), those older than the recent points (40–59 s) come first.
        Assert.Equal([20_000L, 30_000, .. Enumerable.Range(40, 20).Select(s => s * 1_000L)], hour.History!.Select(p => p.EventTime - Start));
        var step20 = hour.History![0];
        Assert.Equal((0.01, 40.0, 129.0), (step20.CriticalShockDown!.Value, step20.Depth, step20.Mark));
        Assert.Equal(0.05, hour.History[1].CriticalShockDown);
        Assert.Equal(Enumerable.Range(49, 11).Select(s => s * 1_000L), recent.History!.Select(p => p.EventTime - Start));
        // Where each window starts, for the change of depth: the short one in the recent points, the long one in the steps.
        Assert.Equal([new WindowStart(10, Start + 49_000, 100), new WindowStart(60, Start + 20_000, 40)], state.Symbols().Single().Windows);
        Assert.Equal("USDT", recent.Currency);
    }

    [Fact]
    public void Freshness_BookStaleOrNoUpdateForTooLong_Stale()
    {
        var time = new ManualTime();
        using var state = new DashboardState(time, new DashboardOptions { StaleAfter = TimeSpan.FromSeconds(5) });
        state.Observe(Risk("AUSDT", 1, T0, bookStale: true));
        state.Observe(Risk("BUSDT", 1, T0));

        Assert.Equal("book", state.Symbol("AUSDT")!.StaleReason);
        Assert.False(state.Symbol("BUSDT")!.Stale);

        time.Advance(TimeSpan.FromSeconds(5.5));
        var b = state.Symbol("BUSDT")!;

        Assert.True(b.Stale);
        Assert.Equal("no-update", b.StaleReason);
        Assert.Equal(5.5, b.AgeSeconds, 3);
        Assert.All(state.Freshness().Symbols, f => Assert.True(f.Stale));
    }

    [Fact]
    public void ObserveAlert_OpenUntilResolved_RecentBoundedNewestFirst_SeqCounts()
    {
        var time = new ManualTime();
        using var state = new DashboardState(time, new DashboardOptions { RecentAlerts = 3 });

        state.Observe(Alert("A", Wire.AlertState.Raised, Wire.AlertSeverity.Warning));
        state.Observe(Alert("B", Wire.AlertState.Raised, Wire.AlertSeverity.Critical));
        state.Observe(Alert("A", Wire.AlertState.Escalated, Wire.AlertSeverity.Critical));
        state.Observe(Alert("B", Wire.AlertState.Resolved, Wire.AlertSeverity.Critical));
        var alerts = state.Alerts();

        Assert.Equal(4, alerts.Seq);
        var open = Assert.Single(alerts.Open);
        Assert.Equal(("A", Wire.AlertState.Escalated), (open.Transition.Id, open.Transition.State));
        Assert.Equal([4L, 3, 2], alerts.Recent.Select(e => e.Seq));
    }

    [Fact]
    public async Task Subscribe_SlowClientLetGoAfterItsQueue_WriterNeverWaits_ResumesWhereItStopped()
    {
        var time = new ManualTime();
        using var state = new DashboardState(time, new DashboardOptions { ClientBuffer = 4, HeartbeatInterval = TimeSpan.FromHours(1) });
        using var gone = new CancellationTokenSource();
        var events = state.Subscribe(null, gone.Token).Events;

        // A client that reads nothing: ten writes complete at once; its queue keeps the first four and then it is let go.
        for (var i = 0; i < 10; i++)
        {
            state.Observe(Risk("XUSDT", 100 + i, T0 + (i * 100)));
        }

        var got = new List<DashboardEvent>();
        while (events.TryRead(out var item))
        {
            got.Add(item);
        }

        Assert.Equal([100.0, 101, 102, 103], got.Select(e => ((SymbolView)e.Payload).Mark));
        Assert.Equal([1L, 2, 3, 4], got.Select(e => e.Id));
        Assert.True(events.Completion.IsCompleted, "a client that fell behind is let go once its queue is read");
        Assert.Equal(0, state.ClientCount);

        // Its browser reconnects with the last id it got, and is sent exactly what it missed.
        var again = state.Subscribe(state.EventId(got[^1].Id), gone.Token);
        Assert.NotNull(again.Missed);
        Assert.Equal([104.0, 105, 106, 107, 108, 109], again.Missed.Select(e => ((SymbolView)e.Payload).Mark));
        Assert.Equal(1, state.ClientCount);
        await gone.CancelAsync();
        Assert.Equal(0, state.ClientCount);
        Assert.True(again.Events.Completion.IsCompleted);
    }

    [Fact]
    public void Subscribe_LastEventId_ResumesOnlyFromThisStreamsKeptEvents()
    {
        var time = new ManualTime();
        using var state = new DashboardState(time, new DashboardOptions { ResumeBuffer = 5, HeartbeatInterval = TimeSpan.FromHours(1) });
        for (var i = 0; i < 8; i++)
        {
            state.Observe(Alert($"A{i}", Wire.AlertState.Raised, Wire.AlertSeverity.Warning));
        }

        IReadOnlyList<DashboardEvent>? Missed(string? last) => state.Subscribe(last, CancellationToken.None).Missed;
        static IEnumerable<long> Seqs(IReadOnlyList<DashboardEvent>? events) => events!.Select(e => ((AlertEntry)e.Payload).Seq);

        // Events 4..8 are kept: from 3 on a client can resume; from 8 (the newest) it is up to date.
        Assert.Equal([4L, 5, 6, 7, 8], Seqs(Missed(state.EventId(3))));
        Assert.Equal([7L, 8], Seqs(Missed(state.EventId(6))));
        Assert.Empty(Missed(state.EventId(8))!);
        // Otherwise a snapshot: nothing, an id older than what is kept, one not reached yet, another process's stream,
        // and ids no browser was ever sent.
        Assert.Null(Missed(null));
        Assert.Null(Missed(state.EventId(2)));
        Assert.Null(Missed(state.EventId(9)));
        time.Advance(TimeSpan.FromSeconds(1));
        using var restarted = new DashboardState(time);
        Assert.NotEqual(state.StreamId, restarted.StreamId);
        Assert.Null(Missed(restarted.EventId(5)));
        string[] hostile = ["", "-", "5", state.StreamId, state.StreamId + "-", state.StreamId + "--5", state.StreamId + "-+5", state.StreamId + "- 5",
            state.StreamId + "-99999999999999999999999", state.StreamId + "-5\n", "x-" + state.StreamId + "-5", state.StreamId + "-" + new string('9', 10_000)];
        Assert.All(hostile, id => Assert.Null(Missed(id)));
    }

    [Fact]
    public async Task Endpoints_ApiJsonAndEventStream()
    {
        var time = new ManualTime();
        using var state = new DashboardState(time);
        await using var host = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, state);
        using var http = new HttpClient { BaseAddress = new Uri(host.Url) };
        state.Observe(Risk("XUSDT", 100, T0));
        state.Observe(Alert("A", Wire.AlertState.Raised, Wire.AlertSeverity.Critical));

        using var symbols = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/symbols", UriKind.Relative), TestContext.Current.CancellationToken));
        using var symbol = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/symbols/XUSDT", UriKind.Relative), TestContext.Current.CancellationToken));
        using var alerts = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/alerts", UriKind.Relative), TestContext.Current.CancellationToken));
        var missing = await http.GetAsync(new Uri("/api/symbols/NOPE", UriKind.Relative), TestContext.Current.CancellationToken);
        var page = await http.GetStringAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        var plotly = await http.GetAsync(new Uri("/lib/plotly.min.js", UriKind.Relative), TestContext.Current.CancellationToken);

        var x = symbols.RootElement.EnumerateArray().Single();
        Assert.Equal("XUSDT", x.GetProperty("symbol").GetString());
        Assert.Equal(0.012, x.GetProperty("criticalShockDown").GetDouble());
        Assert.Equal("down", x.GetProperty("worstDirection").GetString());
        Assert.Equal(2, x.GetProperty("heatmap").GetArrayLength());
        Assert.False(x.TryGetProperty("history", out _));
        Assert.Equal(1, symbol.RootElement.GetProperty("history").GetArrayLength());
        Assert.Equal([98.0, 97.0], symbol.RootElement.GetProperty("chainDown").GetProperty("roundPrices").EnumerateArray().Select(p => p.GetDouble()));
        Assert.Equal(1, alerts.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal("critical", alerts.RootElement.GetProperty("open")[0].GetProperty("transition").GetProperty("severity").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("/lib/plotly.min.js", page, StringComparison.Ordinal);
        Assert.True((await plotly.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length > 1_000_000, "plotly.js is embedded whole");

        // The stream: a snapshot first, then each change as one event.
        using var stream = new StreamReader(await http.GetStreamAsync(new Uri("/api/events", UriKind.Relative), TestContext.Current.CancellationToken));
        var snapshot = await NextEventAsync(stream);
        state.Observe(Alert("B", Wire.AlertState.Raised, Wire.AlertSeverity.Warning));
        var next = await NextEventAsync(stream);

        Assert.Equal("snapshot", snapshot.Name);
        Assert.Equal(1, JsonDocument.Parse(snapshot.Data).RootElement.GetProperty("alerts").GetProperty("seq").GetInt64());
        Assert.Equal("alert", next.Name);
        Assert.Equal(2, JsonDocument.Parse(next.Data).RootElement.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task EventStream_ReconnectWithLastEventId_SendsWhatWasMissed_NoSnapshot()
    {
        var time = new ManualTime();
        using var state = new DashboardState(time, new DashboardOptions { HeartbeatInterval = TimeSpan.FromHours(1) });
        await using var host = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, state);
        using var http = new HttpClient { BaseAddress = new Uri(host.Url) };
        state.Observe(Alert("A", Wire.AlertState.Raised, Wire.AlertSeverity.Critical));

        // A first connection: the snapshot (standing for event 1), then two alerts; then the connection drops.
        (string Name, string Data, string? Id) snapshot, second;
        using (var first = await http.GetAsync(new Uri("/api/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken))
        using (var stream = new StreamReader(await first.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken)))
        {
            Assert.Equal("text/event-stream", first.Content.Headers.ContentType?.MediaType);
            snapshot = await NextEventAsync(stream);
            state.Observe(Alert("B", Wire.AlertState.Raised, Wire.AlertSeverity.Warning));
            state.Observe(Alert("C", Wire.AlertState.Raised, Wire.AlertSeverity.Warning));
            _ = await NextEventAsync(stream);
            second = await NextEventAsync(stream);
        }

        // While it is away: two more transitions.
        state.Observe(Alert("B", Wire.AlertState.Resolved, Wire.AlertSeverity.Warning));
        state.Observe(Alert("D", Wire.AlertState.Raised, Wire.AlertSeverity.Critical));

        // The browser reconnects from the snapshot's id: everything after it, oldest first, and no snapshot.
        var resumed = await EventsAsync(http, snapshot.Id, 4);
        // From the last alert it read: the two it missed.
        var fromSecond = await EventsAsync(http, second.Id, 2);
        // From an id this process never sent (another run's, or forged): a snapshot, as on a first connection.
        var forged = await EventsAsync(http, "0-1", 1);

        Assert.Equal(("snapshot", state.EventId(1)), (snapshot.Name, snapshot.Id));
        Assert.Equal(state.EventId(3), second.Id);
        Assert.Equal([("alert", 2L), ("alert", 3), ("alert", 4), ("alert", 5)], resumed.Select(e => (e.Name, Seq(e.Data))));
        Assert.Equal([state.EventId(2), state.EventId(3), state.EventId(4), state.EventId(5)], resumed.Select(e => e.Id));
        Assert.Equal([4L, 5], fromSecond.Select(e => Seq(e.Data)));
        Assert.Equal("snapshot", Assert.Single(forged).Name);
        Assert.Equal(state.EventId(5), forged[0].Id);

        static long Seq(string data) => JsonDocument.Parse(data).RootElement.GetProperty("seq").GetInt64();
    }

    /// <summary>The first <paramref name="count"/> events (freshness aside) of a connection that sends <paramref name="lastEventId"/>.</summary>
    private static async Task<List<(string Name, string Data, string? Id)>> EventsAsync(HttpClient http, string? lastEventId, int count)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/events", UriKind.Relative));
        request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        var events = new List<(string Name, string Data, string? Id)>();
        while (events.Count < count)
        {
            events.Add(await NextEventAsync(stream));
        }

        return events;
    }

    [Fact]
    public async Task AckEndpoint_WithoutRedis_KeptInMemory_FirstStands_BadRequestsRefused()
    {
        using var state = new DashboardState(new ManualTime());
        await using var host = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, state);
        using var http = new HttpClient { BaseAddress = new Uri(host.Url) };
        state.Observe(Alert("CascadeRisk:XUSDT:down:1", Wire.AlertState.Raised, Wire.AlertSeverity.Critical));
        var reader = state.Subscribe(null, CancellationToken.None).Events;

        var first = await http.PostAsync(new Uri("/api/alerts/CascadeRisk:XUSDT:down:1/ack", UriKind.Relative), Json("{\"by\":\" alice\\u0007 \"}"), TestContext.Current.CancellationToken);
        var second = await http.PostAsync(new Uri("/api/alerts/CascadeRisk:XUSDT:down:1/ack", UriKind.Relative), Json("{\"by\":\"bob\"}"), TestContext.Current.CancellationToken);
        var unknown = await http.PostAsync(new Uri("/api/alerts/CascadeRisk:XUSDT:down:2/ack", UriKind.Relative), Json("{}"), TestContext.Current.CancellationToken);
        var hostile = await http.PostAsync(new Uri("/api/alerts/%7Bx%7D%20*/ack", UriKind.Relative), Json("{}"), TestContext.Current.CancellationToken);
        var form = await http.PostAsync(new Uri("/api/alerts/CascadeRisk:XUSDT:down:1/ack", UriKind.Relative), new StringContent("by=eve"), TestContext.Current.CancellationToken);
        using var acks = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/acks", UriKind.Relative), TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("alice", JsonDocument.Parse(await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("by").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, hostile.StatusCode);
        Assert.Contains("only letters", await hostile.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal("memory", acks.RootElement.GetProperty("store").GetString());
        var ack = Assert.Single(acks.RootElement.GetProperty("acks").EnumerateArray());
        Assert.Equal(("CascadeRisk:XUSDT:down:1", "alice"), (ack.GetProperty("alertId").GetString(), ack.GetProperty("by").GetString()));
        // Every page hears of it: one ack event per request that named a known alert (the first stands in both).
        var heard = new List<string>();
        while (reader.TryRead(out var item))
        {
            heard.Add(item.Name == "ack" ? ((Wire.AlertAck)item.Payload).By : item.Name);
        }

        Assert.Equal(["alice", "alice"], heard.Where(n => n != "freshness"));
    }

    [Fact]
    public async Task SharedAcks_RedisDownAtStart_StateStarts_AnnouncesAcksOnceRedisIsUp()
    {
        var port = FreePort.Next();
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=false,connectTimeout=500");
        var keys = new Wire.AlertKeys("down");
        using var state = new DashboardState(new ManualTime(), new DashboardOptions { HeartbeatInterval = TimeSpan.FromHours(1) }, new RedisAlertAcks(redis, keys));
        var events = state.Subscribe(null, CancellationToken.None).Events;

        using var server = LocalRedisServer.Start(new LocalRedisServerOptions { Port = port });
        Assert.True(await Eventually.TrueAsync(() => redis.IsConnected, TimeSpan.FromSeconds(30)), "the multiplexer never reconnected");
        // Another instance's acknowledgement, published until this one's subscription (restored on connect) hears it.
        await using var other = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var heard = await Eventually.TrueAsync(
            () =>
            {
                other.GetSubscriber().Publish(StackExchange.Redis.RedisChannel.Literal(keys.AckEvents), Wire.AlertAck.Write(new Wire.AlertAck("A", "bob", T0)));
                return events.TryRead(out var item) && item.Name == "ack" && ((Wire.AlertAck)item.Payload).By == "bob";
            },
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(200));

        Assert.True(heard, "no ack event after Redis came up");
        Assert.Equal("redis", state.Acks.Store);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Endpoints_WithToken_ApiAndPageNeedIt_ScriptsDoNot()
    {
        using var state = new DashboardState(new ManualTime());
        await using var host = await MonitorWebHost.StartAsync("http://127.0.0.1:0", "s3cret", CancellationToken.None, state);
        using var http = new HttpClient { BaseAddress = new Uri(host.Url) };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/symbols", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/events", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/symbols?token=s3cret", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/dashboard.js", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task StartAsync_NotAnHttpUrl_OneLineUsageError()
    {
        var error = await Assert.ThrowsAsync<UsageException>(() => MonitorWebHost.StartAsync("nonsense", string.Empty, CancellationToken.None));

        Assert.Equal("'nonsense' is not an http URL to serve the dashboard on (e.g. http://127.0.0.1:8080)", error.Message);
    }

    /// <summary>The next event but freshness: its name, its one data line and its id (null when it has none).</summary>
    private static async Task<(string Name, string Data, string? Id)> NextEventAsync(StreamReader stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? name = null, data = null, id = null;
        while (await stream.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                // The end of an event (field order within it is the writer's choice).
                if (name is not null && name != "freshness" && data is not null)
                {
                    return (name, data, id);
                }

                (name, data, id) = (null, null, null);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line["id: ".Length..];
            }
        }

        throw new EndOfStreamException();
    }

    private static SymbolRisk Risk(string symbol, double mark, long eventTime, bool bookStale = false, double criticalShockDown = 0.012, double depth = 0) => new()
    {
        Symbol = symbol,
        EventTime = eventTime,
        Mark = mark,
        CriticalShockDown = criticalShockDown,
        DepthNearMark = depth,
        ChainDown = new CascadeChain(0.012, 97, 2.5, [98, 97], 3, 1_000, ["a"]),
        Heatmap = [new LadderRing(-0.005, 0, 10, 20), new LadderRing(0, 0.005, 30, 40)],
        BookStale = bookStale,
    };

    private static Wire.AlertTransition Alert(string id, Wire.AlertState state, Wire.AlertSeverity severity) => new()
    {
        Id = id,
        TransitionId = id + ":" + state,
        Rule = "CascadeRisk",
        Symbol = "XUSDT",
        Severity = severity,
        State = state,
        EventTime = T0,
        Metrics = new Dictionary<string, double> { ["criticalShock"] = 0.012 },
        Explanation = "explained",
        SuggestedAction = "act",
    };

    /// <summary>Wall time the test sets; timers run on the real clock.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.FromUnixTimeMilliseconds(T0);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
