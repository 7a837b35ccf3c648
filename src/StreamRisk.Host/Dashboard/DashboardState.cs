using System.Collections.Immutable;
using System.Globalization;
using System.Threading.Channels;
using StreamRisk.Domain.Alerts;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.Host.Dashboard;

/// <summary>Limits of the dashboard's in-memory picture.</summary>
public sealed record DashboardOptions
{
    /// <summary>A symbol with no projection for this long (wall time) is shown stale.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Alert transitions kept for the page (newest first); open alerts are kept whatever their age.</summary>
    public int RecentAlerts { get; init; } = 200;

    /// <summary>Recent history points kept per symbol, one per second of event time at most: ten minutes.</summary>
    public int HistoryPoints { get; init; } = 600;

    /// <summary>
    /// One point of the long history stands for this much event time (the worst of it, see <see cref="HistoryPoint"/>).
    /// With <see cref="LongHistoryPoints"/>: six hours in 720 points, so 200 instruments keep about 1,300 points each
    /// (some 60 MB with 20 heatmap rings) however long the monitor runs.
    /// </summary>
    public TimeSpan LongHistoryStep { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Long history points kept per symbol: six hours at the default step.</summary>
    public int LongHistoryPoints { get; init; } = 720;

    /// <summary>The time windows the page offers (seconds of event time): the charts and the change of depth cover one.</summary>
    public IReadOnlyList<int> Windows { get; init; } = [600, 3_600, 21_600];

    /// <summary>
    /// Events queued per SSE client. A client that falls this far behind is disconnected once its queue is written
    /// out; its browser reconnects with the last event id it has and resumes from <see cref="ResumeBuffer"/>.
    /// </summary>
    public int ClientBuffer { get; init; } = 512;

    /// <summary>
    /// The most recent events kept for clients that reconnect with a <c>Last-Event-ID</c>: one that left at most this
    /// many events ago is sent what it missed; one that left earlier (or was served by another process) gets a snapshot.
    /// </summary>
    public int ResumeBuffer { get; init; } = 4_096;

    /// <summary>How often every client is told each symbol's freshness (the page's heartbeat).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>One server-sent event before serialization: <c>symbol</c> (a <see cref="SymbolView"/>), <c>alert</c> (an
/// <see cref="AlertEntry"/>), <c>system</c> (a <see cref="SystemDashboardView"/>), <c>ack</c> (an
/// <see cref="Wire.AlertAck"/>) or <c>freshness</c> (a <see cref="FreshnessView"/>).</summary>
/// <param name="Id">The event's place in this process's stream, from 1; 0 for freshness, which is never resent (the next
/// heartbeat supersedes it).</param>
public sealed record DashboardEvent(string Name, object Payload, long Id = 0);

/// <summary>
/// What a new SSE connection starts from: the events it missed (<see cref="Missed"/>, when it resumes), or a snapshot
/// to take after subscribing (<see cref="Missed"/> null); then <see cref="Events"/>.
/// </summary>
/// <param name="LatestId">The id of the newest event at subscription: a snapshot stands for the stream up to it.</param>
public sealed record DashboardSubscription(ChannelReader<DashboardEvent> Events, IReadOnlyList<DashboardEvent>? Missed, long LatestId);

/// <summary>
/// What the dashboard shows, kept apart from the engine. Ownership: the engine thread is the single writer
/// (<see cref="Observe(SymbolRisk)"/>, <see cref="Observe(Wire.AlertTransition)"/>); it publishes immutable snapshots
/// by a reference write, and request threads only read those. Nothing here waits on a client: every SSE client has a
/// bounded queue, and one that falls behind is let go and resumes by its Last-Event-ID. The writer numbers events under
/// a short lock shared only with clients subscribing.
/// </summary>
public sealed class DashboardState : IDisposable
{
    private const long HistoryStepMs = 1_000;

    private readonly TimeProvider _time;
    private readonly DashboardOptions _options;
    private readonly ITimer _heartbeat;

    // Published snapshots: replaced whole by the writer, read without locks.
    private ImmutableSortedDictionary<string, SymbolEntry> _symbols = ImmutableSortedDictionary.Create<string, SymbolEntry>(StringComparer.Ordinal);
    private AlertsView _alerts = new(0, [], []);
    private SystemDashboardView? _system;
    private SystemShockPoint[] _systemHistory = [];

    // The writer's own working state.
    private readonly Dictionary<string, AlertEntry> _open = new(StringComparer.Ordinal);
    private long _seq;

    // The stream's events and its clients. Every numbered event is numbered, kept and sent under the gate, and a client
    // subscribes under it, so a resumed client gets each event exactly once: from the kept ones or from its channel.
    // Held only for that (never across I/O); freshness, which is not numbered, reads the published client array.
    private readonly Lock _clientsGate = new();
    private Channel<DashboardEvent>[] _clients = [];
    private readonly DashboardEvent[] _kept;
    private long _lastId;
    private long _resumed;
    private long _letGo;

    /// <summary>
    /// Names this process's stream in event ids ("STREAM-N"): a Last-Event-ID from an earlier run of the monitor (whose
    /// numbers started over) is not mistaken for a place in this one.
    /// </summary>
    public string StreamId { get; }

    /// <param name="sharedAcks">Where operators' acknowledgements are shared with every other instance; null keeps them
    /// in this process.</param>
    public DashboardState(TimeProvider time, DashboardOptions? options = null, StreamRisk.Redis.RedisAlertAcks? sharedAcks = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _options = options ?? new DashboardOptions();
        if (_options.ClientBuffer < 1 || _options.ResumeBuffer < 1)
        {
            throw new ArgumentException("the SSE client and resume buffers hold at least one event", nameof(options));
        }

        _kept = new DashboardEvent[_options.ResumeBuffer];
        StreamId = time.GetUtcNow().ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture);
        Acks = new AlertAcknowledgements(sharedAcks, time, Acknowledged);
        _heartbeat = time.CreateTimer(_ => BroadcastFreshness(), null, _options.HeartbeatInterval, _options.HeartbeatInterval);
    }

    public DashboardOptions Options => _options;

    /// <summary>Operators' acknowledgements (request threads write them; not engine state).</summary>
    public AlertAcknowledgements Acks { get; }

    /// <summary>Engine thread: a new projection of one symbol.</summary>
    public void Observe(SymbolRisk risk)
    {
        ArgumentNullException.ThrowIfNull(risk);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var view = ToView(risk, now);
        var symbols = _symbols;
        var entry = symbols.TryGetValue(risk.Symbol, out var previous) ? previous : new SymbolEntry(view, [], [], [], CurrencyOf(risk.Symbol));
        HistoryPoint? point = null;
        var history = entry.History;
        if (history.Length == 0 || risk.EventTime >= history[^1].EventTime + HistoryStepMs)
        {
            var rings = new double[view.Heatmap.Count];
            for (var i = 0; i < rings.Length; i++)
            {
                rings[i] = view.Heatmap[i].Liquidatable;
            }

            point = new HistoryPoint(risk.EventTime, risk.Mark, risk.CriticalShockDown, risk.CriticalShockUp, risk.DepthNearMark, rings);
            var stepMs = (long)_options.LongHistoryStep.TotalMilliseconds;
            var longHistory = entry.LongHistory;
            if (history.Length > 0 && point.EventTime / stepMs != history[^1].EventTime / stepMs)
            {
                // The last step closed: it joins the long history as one point (its points are all still recent).
                longHistory = Append(longHistory, Worst(history, stepMs), _options.LongHistoryPoints);
            }

            entry = entry with { History = Append(history, point, _options.HistoryPoints), LongHistory = longHistory };
            entry = entry with { Windows = WindowStarts(entry) };
        }

        view = view with { Currency = entry.Currency, Windows = entry.Windows };
        Volatile.Write(ref _symbols, symbols.SetItem(risk.Symbol, entry with { View = view }));
        Broadcast("symbol", WithFreshness(view, now) with { Point = point });
    }

    /// <summary>Engine thread: an alert transition (in its wire form, as published to Redis).</summary>
    public void Observe(Wire.AlertTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var entry = new AlertEntry(++_seq, _time.GetUtcNow().ToUnixTimeMilliseconds(), transition);
        if (transition.State == Wire.AlertState.Resolved)
        {
            _open.Remove(transition.Id);
        }
        else
        {
            _open[transition.Id] = entry;
        }

        var open = _open.Values.ToArray();
        // Most severe first, then most recent: what ops should look at first.
        Array.Sort(open, (a, b) => b.Transition.Severity != a.Transition.Severity ? b.Transition.Severity.CompareTo(a.Transition.Severity) : b.Seq.CompareTo(a.Seq));
        var recent = _alerts.Recent;
        var kept = Math.Min(recent.Count, _options.RecentAlerts - 1);
        var next = new AlertEntry[kept + 1];
        next[0] = entry;
        for (var i = 0; i < kept; i++)
        {
            next[i + 1] = recent[i];
        }

        Volatile.Write(ref _alerts, new AlertsView(_seq, open, next));
        Broadcast("alert", entry);
    }

    /// <summary>Engine thread: a new system view.</summary>
    public void Observe(SystemView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var history = _systemHistory;
        SystemShockPoint? point = null;
        if (history.Length == 0 || view.EventTime >= history[^1].EventTime + HistoryStepMs)
        {
            point = new SystemShockPoint(view.EventTime, view.CriticalShockDown, view.CriticalShockUp);
            history = Append(history, point, _options.HistoryPoints);
        }

        var latest = new SystemDashboardView(_time.GetUtcNow().ToUnixTimeMilliseconds(), view);
        // Published together: a reader sees a view with the history it was added to.
        Volatile.Write(ref _systemHistory, history);
        Volatile.Write(ref _system, latest with { History = history });
        Broadcast("system", latest with { Point = point });
    }

    /// <summary>The latest system view with the system critical shock over time; null before the first view.</summary>
    public SystemDashboardView? System() => Volatile.Read(ref _system);

    /// <summary>Every symbol's latest view (without history), by symbol.</summary>
    public IReadOnlyList<SymbolView> Symbols()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return Volatile.Read(ref _symbols).Values.Select(e => WithFreshness(e.View, now)).ToList();
    }

    /// <summary>
    /// One symbol's latest view with its history over the last <paramref name="windowSeconds"/> of its event time (the
    /// recent points, and long-history points before them); null when the symbol has not been projected.
    /// </summary>
    public SymbolView? Symbol(string symbol, int windowSeconds = 600)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return Volatile.Read(ref _symbols).TryGetValue(symbol, out var entry)
            ? WithFreshness(entry.View, now) with { History = Window(entry, windowSeconds) }
            : null;
    }

    /// <summary>True when <paramref name="alertId"/> is open or among the recent transitions: the alerts an operator can acknowledge.</summary>
    public bool Knows(string alertId)
    {
        var alerts = Volatile.Read(ref _alerts);
        foreach (var entry in alerts.Open)
        {
            if (entry.Transition.Id == alertId)
            {
                return true;
            }
        }

        foreach (var entry in alerts.Recent)
        {
            if (entry.Transition.Id == alertId)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Any thread: tells every page about an acknowledgement (this instance's, or another's through Redis).</summary>
    public void Acknowledged(Wire.AlertAck ack) => Broadcast("ack", ack);

    public AlertsView Alerts() => Volatile.Read(ref _alerts);

    public FreshnessView Freshness()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var symbols = Volatile.Read(ref _symbols);
        var entries = new List<FreshnessEntry>(symbols.Count);
        foreach (var (symbol, entry) in symbols)
        {
            var view = WithFreshness(entry.View, now);
            entries.Add(new FreshnessEntry(symbol, view.AgeSeconds, view.Stale, view.StaleReason));
        }

        return new FreshnessView(now, Volatile.Read(ref _alerts).Seq, _options.StaleAfter.TotalSeconds, entries);
    }

    /// <summary>
    /// Everything but the symbols' histories: the first event of an SSE connection. Histories stay out on purpose: with
    /// hundreds of instruments they would make it tens of megabytes, and the page shows one instrument's at a time.
    /// </summary>
    public SnapshotView Snapshot() => new(Freshness(), Symbols(), Alerts()) { System = System() };

    /// <summary>
    /// A new SSE client. With a <paramref name="lastEventId"/> this stream still keeps, it resumes: the events after it
    /// come first (<see cref="DashboardSubscription.Missed"/>), then new ones. Otherwise (none, malformed, another
    /// process's, or older than <see cref="DashboardOptions.ResumeBuffer"/>) it gets new events only, and the caller
    /// takes a snapshot after this; the page skips alerts it already has by seq.
    /// </summary>
    public DashboardSubscription Subscribe(string? lastEventId, CancellationToken until)
    {
        var channel = Channel.CreateBounded<DashboardEvent>(new BoundedChannelOptions(_options.ClientBuffer)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        DashboardSubscription subscription;
        lock (_clientsGate)
        {
            subscription = new DashboardSubscription(channel.Reader, MissedSince(lastEventId), _lastId);
            _clients = [.. _clients, channel];
            if (subscription.Missed is not null)
            {
                Interlocked.Increment(ref _resumed);
            }
        }

        until.Register(() => Leave(channel));
        return subscription;
    }

    /// <summary>The numbered form of an event id: "STREAM-N".</summary>
    public string EventId(long id) => string.Create(CultureInfo.InvariantCulture, $"{StreamId}-{id}");

    /// <summary>Under the gate: the kept events after <paramref name="lastEventId"/>, or null when it is not a place in
    /// this stream that the kept events reach back to.</summary>
    private List<DashboardEvent>? MissedSince(string? lastEventId)
    {
        // Only "STREAM-N" of this stream, N no later than the newest event and no earlier than the one before the oldest kept.
        if (lastEventId is null || lastEventId.Length > 64)
        {
            return null;
        }

        var dash = lastEventId.LastIndexOf('-');
        if (dash <= 0 || !lastEventId.AsSpan(0, dash).SequenceEqual(StreamId)
            || !long.TryParse(lastEventId.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || last > _lastId)
        {
            return null;
        }

        var oldestKept = Math.Max(1, _lastId - _kept.Length + 1);
        if (last < oldestKept - 1)
        {
            return null;
        }

        var missed = new List<DashboardEvent>((int)(_lastId - last));
        for (var id = last + 1; id <= _lastId; id++)
        {
            missed.Add(_kept[id % _kept.Length]);
        }

        return missed;
    }

    private void Leave(Channel<DashboardEvent> channel)
    {
        lock (_clientsGate)
        {
            _clients = _clients.Where(c => c != channel).ToArray();
        }

        channel.Writer.TryComplete();
    }

    public int ClientCount => Volatile.Read(ref _clients).Length;

    /// <summary>Connections that resumed from a Last-Event-ID rather than starting from a snapshot.</summary>
    public long Resumed => Interlocked.Read(ref _resumed);

    /// <summary>Clients let go because their queue filled (each then reconnects, and resumes when it can).</summary>
    public long LetGo => Interlocked.Read(ref _letGo);

    public void Dispose()
    {
        _heartbeat.Dispose();
        Acks.Dispose();
        lock (_clientsGate)
        {
            foreach (var client in _clients)
            {
                client.Writer.TryComplete();
            }

            _clients = [];
        }
    }

    /// <summary>Numbers an event, keeps it for resuming clients and queues it for every client.</summary>
    private void Broadcast(string name, object payload)
    {
        List<Channel<DashboardEvent>>? behind = null;
        lock (_clientsGate)
        {
            var numbered = new DashboardEvent(name, payload, ++_lastId);
            _kept[numbered.Id % _kept.Length] = numbered;
            foreach (var client in _clients)
            {
                // Never waits: a client whose queue is full is let go (below), and resumes from the kept events.
                if (!client.Writer.TryWrite(numbered))
                {
                    (behind ??= []).Add(client);
                }
            }

            if (behind is not null)
            {
                _clients = _clients.Except(behind).ToArray();
                Interlocked.Add(ref _letGo, behind.Count);
            }
        }

        foreach (var client in behind ?? [])
        {
            // Its queue is still written out; then the stream ends and the browser reconnects with the last id it got.
            client.Writer.TryComplete();
        }
    }

    /// <summary>The heartbeat: not numbered or kept (the next one supersedes it); a client with a full queue skips it.</summary>
    private void BroadcastFreshness()
    {
        var freshness = new DashboardEvent("freshness", Freshness());
        foreach (var client in Volatile.Read(ref _clients))
        {
            client.Writer.TryWrite(freshness);
        }
    }

    private SymbolView WithFreshness(SymbolView view, long now)
    {
        var age = Math.Max(0, now - view.ReceivedAt) / 1000.0;
        var reason = view.BookStale ? "book" : age > _options.StaleAfter.TotalSeconds ? "no-update" : null;
        return view with { AgeSeconds = age, Stale = reason is not null, StaleReason = reason };
    }

    private static HistoryPoint[] Window(SymbolEntry entry, int windowSeconds)
    {
        var recent = entry.History;
        if (recent.Length == 0)
        {
            return [];
        }

        var from = recent[^1].EventTime - (windowSeconds * 1000L);
        var firstRecent = FirstAtOrAfter(recent, from);
        var older = entry.LongHistory;
        var firstOlder = FirstAtOrAfter(older, from);
        var olderEnd = FirstAtOrAfter(older, recent[0].EventTime);
        var olderCount = firstRecent == 0 ? Math.Max(0, olderEnd - firstOlder) : 0;
        var points = new HistoryPoint[olderCount + recent.Length - firstRecent];
        Array.Copy(older, firstOlder, points, 0, olderCount);
        Array.Copy(recent, firstRecent, points, olderCount, recent.Length - firstRecent);
        return points;
    }

    private WindowStart[] WindowStarts(SymbolEntry entry)
    {
        var windows = _options.Windows;
        var starts = new WindowStart[windows.Count];
        var recent = entry.History;
        var from0 = recent[^1].EventTime;
        for (var i = 0; i < starts.Length; i++)
        {
            var from = from0 - (windows[i] * 1000L);
            var older = entry.LongHistory;
            var k = FirstAtOrAfter(older, from);
            var start = recent[0].EventTime <= from || k >= older.Length || older[k].EventTime >= recent[0].EventTime
                ? FirstWithDepth(recent, FirstAtOrAfter(recent, from), [])
                : FirstWithDepth(older, k, recent);
            starts[i] = new WindowStart(windows[i], start.EventTime, start.Depth);
        }

        return starts;
    }

    /// <summary>
    /// The first point from <paramref name="points"/>[<paramref name="from"/>] on (then through <paramref name="then"/>)
    /// with a book: before the first book snapshot the depth is 0, and a change from 0 means nothing. The last point
    /// when none has one.
    /// </summary>
    private static HistoryPoint FirstWithDepth(HistoryPoint[] points, int from, HistoryPoint[] then)
    {
        for (var i = from; i < points.Length; i++)
        {
            if (points[i].Depth > 0)
            {
                return points[i];
            }
        }

        foreach (var point in then)
        {
            if (point.Depth > 0)
            {
                return point;
            }
        }

        return then.Length > 0 ? then[^1] : points[^1];
    }

    /// <summary>Index of the first point at or after <paramref name="time"/> (the length when there is none): points are in time order.</summary>
    private static int FirstAtOrAfter(HistoryPoint[] points, long time)
    {
        int lo = 0, hi = points.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (points[mid].EventTime < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The worst of the recent points in the step of the last one, as one point at the step's start.</summary>
    private static HistoryPoint Worst(HistoryPoint[] recent, long stepMs)
    {
        var last = recent[^1];
        var start = last.EventTime / stepMs * stepMs;
        double? down = null, up = null;
        var depth = double.PositiveInfinity;
        var rings = new double[last.Liquidatable.Count];
        for (var i = recent.Length - 1; i >= 0 && recent[i].EventTime >= start; i--)
        {
            var p = recent[i];
            down = Smaller(down, p.CriticalShockDown);
            up = Smaller(up, p.CriticalShockUp);
            depth = Math.Min(depth, p.Depth);
            for (var r = 0; r < rings.Length && r < p.Liquidatable.Count; r++)
            {
                rings[r] = Math.Max(rings[r], p.Liquidatable[r]);
            }
        }

        return new HistoryPoint(start, last.Mark, down, up, depth, rings);
    }

    // A null critical shock is none within the grid: any shock is smaller.
    private static double? Smaller(double? a, double? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    /// <summary>Quote currencies a symbol may end with, longest first (FDUSD before USD).</summary>
    private static readonly string[] QuoteCurrencies = ["FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "BTC", "ETH"];

    internal static string? CurrencyOf(string symbol)
    {
        foreach (var quote in QuoteCurrencies)
        {
            if (symbol.Length > quote.Length && symbol.EndsWith(quote, StringComparison.OrdinalIgnoreCase))
            {
                return quote;
            }
        }

        return null;
    }

    private static T[] Append<T>(T[] history, T point, int capacity)
    {
        var keep = Math.Min(history.Length, capacity - 1);
        var next = new T[keep + 1];
        Array.Copy(history, history.Length - keep, next, 0, keep);
        next[keep] = point;
        return next;
    }

    internal static SymbolView ToView(SymbolRisk risk, long receivedAt)
    {
        var bands = new BandView[risk.Bands.Count];
        for (var i = 0; i < bands.Length; i++)
        {
            var b = risk.Bands[i];
            bands[i] = new BandView(b.Band, b.LiquidatableDown, b.LiquidatableUp, b.BidDepth, b.AskDepth);
        }

        var rings = new RingView[risk.Heatmap.Count];
        for (var i = 0; i < rings.Length; i++)
        {
            var r = risk.Heatmap[i];
            rings[i] = new RingView(r.From, r.To, r.Liquidatable, r.Depth);
        }

        string? worst = (risk.CriticalShockDown, risk.CriticalShockUp) switch
        {
            ({ } down, { } up) => down <= up ? "down" : "up",
            ({ }, null) => "down",
            (null, { }) => "up",
            _ => null,
        };
        return new SymbolView
        {
            Symbol = risk.Symbol,
            EventTime = risk.EventTime,
            ReceivedAt = receivedAt,
            Mark = risk.Mark,
            CriticalShockDown = risk.CriticalShockDown,
            CriticalShockUp = risk.CriticalShockUp,
            WorstDirection = worst,
            ChainDown = ToView(risk.ChainDown),
            ChainUp = ToView(risk.ChainUp),
            InsuranceFund = risk.InsuranceFund,
            FundDrainShockDown = risk.FundDrainShockDown,
            FundDrainShockUp = risk.FundDrainShockUp,
            AdlNotionalDown = risk.AdlNotionalDown,
            AdlNotionalUp = risk.AdlNotionalUp,
            Bands = bands,
            Heatmap = rings,
            DepthNearMark = risk.DepthNearMark,
            DepthNearMarkPeak = risk.DepthNearMarkPeak,
            BookStale = risk.BookStale,
        };
    }

    private static ChainView? ToView(CascadeChain? chain) => chain is null
        ? null
        : new ChainView(chain.Shock, Finite(chain.FinalPrice), Finite(chain.Amplification), chain.RoundPrices, chain.Positions, chain.Notional, chain.TopAccounts);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>A symbol's latest view, its recent history (one point a second), its long history (one point a
    /// <see cref="DashboardOptions.LongHistoryStep"/>, only steps that closed) and where each window starts.</summary>
    private sealed record SymbolEntry(SymbolView View, HistoryPoint[] History, HistoryPoint[] LongHistory, WindowStart[] Windows, string? Currency);
}
