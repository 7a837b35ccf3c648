using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using StreamRisk.Host;
using StreamRisk.Kafka.Embedded;

namespace StreamRisk.Bench;

/// <summary>
/// <c>streamrisk-bench [--quick] [--json FILE] [--replay-events N] [--only PARTS]</c>: the monitor's performance figures,
/// each measured in one run next to its baseline, printed as a table with its target and written as one flat JSON object. The figures
/// are reported, never asserted: the machine is shared and noisy, and a target not met is a finding, not a failure.
/// The bench fails (exit 1) only when something is wrong — the projector disagrees with the reference, generated input
/// is dead-lettered, a service does not answer.
/// </summary>
internal static class BenchCommand
{
    /// <summary>The JSON keys, in the order the table shows them.</summary>
    public static readonly string[] Keys =
    [
        "engine.eventsPerSecond", "engine.decodeOnlyEventsPerSecond", "engine.revaluationNanosPerHolder", "venue.calmRealTimeFactor", "venue.crashRealTimeFactor",
        "venue.decodeOnlyRealTimeFactor", "venue.crashLagP99Ms", "kafka.ingestRatio", "latency.tickToAlertP50Ms",
        "latency.tickToAlertP99Ms", "projection.gridMicros", "projection.naiveGridMicros", "memory.bytesPerPosition", "replay.eventsPerSecond",
        "portfolio.gridMillis", "portfolio.contagionMillis", "portfolio.naiveMillis", "replay.systemViewShare",
        "alerts.transitionsPerMinute", "alerts.maxTransitionsPerMinute", "alerts.criticalShortLived",
        "depth.partialProjectionMicros", "depth.refitProjectionMicros", "adl.rankingNanosPerHolder",
    ];

    /// <summary>Keys that count defects: 0 is their good value (every other figure is a positive measurement).</summary>
    public static readonly string[] ZeroIsGood = ["alerts.criticalShortLived"];

    /// <summary>The parts <c>--only</c> picks from; each measures the figures with its prefix (engine also measures memory).</summary>
    private static readonly string[] Parts = ["projection", "depth", "portfolio", "adl", "engine", "venue", "kafka", "latency", "replay", "alerts"];

    public static RootCommand Create(TextWriter output, TextWriter error, TimeProvider time)
    {
        var quick = new Option<bool>("--quick") { Description = "Small sizes: the whole bench in under a minute (a smoke run, not the figures of record)." };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this file as one flat JSON object." };
        var replayEvents = new Option<int?>("--replay-events")
        {
            Description = "Events of the simulated capture the replay figure runs (1000-100000000; default 5,000,000, --quick 20,000).",
            CustomParser = result => Cli.IntInRange(1_000, 100_000_000)(result),
        };
        var only = new Option<string?>("--only")
        {
            Description = $"Run only these parts, comma-separated ({string.Join(", ", Parts)}): for working on one figure; the JSON then has only their keys.",
        };
        var command = new RootCommand("streamrisk-bench: measure the monitor's performance figures against their baselines and targets (table, optional JSON).")
        {
            quick, json, replayEvents, only,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var jsonPath = parse.GetValue(json);
            if (jsonPath is not null)
            {
                if (string.IsNullOrWhiteSpace(jsonPath) || Directory.Exists(jsonPath))
                {
                    throw new UsageException($"--json '{jsonPath}' is not a file name");
                }

                var directory = Path.GetDirectoryName(Path.GetFullPath(jsonPath));
                if (directory is not null && !Directory.Exists(directory))
                {
                    throw new UsageException($"--json: {directory}: no such directory");
                }
            }

            var sizes = parse.GetValue(quick) ? BenchSizes.Quick : BenchSizes.Full;
            if (parse.GetValue(replayEvents) is { } events)
            {
                sizes = sizes with { ReplayEvents = events };
            }

            var parts = new HashSet<string>(Parts, StringComparer.Ordinal);
            if (parse.GetValue(only) is { } list)
            {
                parts.Clear();
                foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!Parts.Contains(part, StringComparer.Ordinal))
                    {
                        throw new UsageException($"--only: '{part}' is not one of {string.Join(", ", Parts)}");
                    }

                    parts.Add(part);
                }

                if (parts.Count == 0)
                {
                    throw new UsageException($"--only needs at least one of {string.Join(", ", Parts)}");
                }
            }

            var results = await RunAsync(sizes, parts, time, line => error.WriteLine("bench: " + line), cancel).ConfigureAwait(false);
            Print(results, output);
            if (jsonPath is not null)
            {
                await File.WriteAllTextAsync(jsonPath, Json(results), cancel).ConfigureAwait(false);
                await output.WriteLineAsync($"figures written to {jsonPath}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record BenchResults(BenchSizes Sizes, string KafkaSettings, EngineFigures? Engine, VenueFigures? Venue, KafkaFigures? Kafka, KafkaFigures? KafkaVenue, LatencyFigures? Latency, ProjectionFigures? Projection, DepthFigures? Depth, PortfolioFigures? Portfolio, ReplayFigures? Replay, AlertFigures? Alerts, AdlFigures? Adl, TimeSpan Elapsed);

    /// <summary>
    /// Kafka client settings for the monitor's consumers, as <c>run</c> takes them from the environment
    /// (<c>STREAMRISK__KAFKA__SETTINGS__fetch.wait.max.ms=5</c>): the bench measures the monitor as configured.
    /// </summary>
    private static Dictionary<string, string> KafkaSettingsFromEnvironment()
    {
        const string prefix = "STREAMRISK__KAFKA__SETTINGS__";
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string key && key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && variable.Value is string value)
            {
                settings[key[prefix.Length..]] = value;
            }
        }

        return settings;
    }

    private static async Task<BenchResults> RunAsync(BenchSizes sizes, HashSet<string> parts, TimeProvider time, Action<string> progress, CancellationToken cancel)
    {
        var kafkaSettings = KafkaSettingsFromEnvironment();
        if (kafkaSettings.Count > 0)
        {
            progress("monitor Kafka settings: " + string.Join(", ", kafkaSettings.Select(s => s.Key + "=" + s.Value)));
        }

        var clock = Stopwatch.StartNew();
        var directory = Directory.CreateTempSubdirectory("streamrisk-bench-").FullName;
        try
        {
            // The memory-hungry and the CPU-bound parts first, each in its own scope, so one's garbage does not weigh on the next.
            var projection = parts.Contains("projection") ? ProjectionBench.Run(sizes.ProjectionPositions, sizes.ProjectionBudget, progress) : null;
            cancel.ThrowIfCancellationRequested();
            var depth = parts.Contains("depth") ? DepthBench.Run(sizes.ProjectionPositions, sizes.ProjectionBudget, progress) : null;
            cancel.ThrowIfCancellationRequested();
            var portfolio = parts.Contains("portfolio") ? PortfolioBench.Run(sizes.PortfolioAccounts, sizes.ProjectionBudget, progress) : null;
            Collect();
            cancel.ThrowIfCancellationRequested();
            var adl = parts.Contains("adl") ? AdlBench.Run(sizes.AdlHolders, sizes.ProjectionBudget, progress) : null;
            Collect();
            cancel.ThrowIfCancellationRequested();
            var engine = parts.Contains("engine") ? EngineBench.Run(sizes.EngineAccounts, sizes.EngineEvents, sizes.EngineBudget, progress) : null;
            Collect();
            cancel.ThrowIfCancellationRequested();
            var venue = parts.Contains("venue") ? VenueBench.Run(sizes.VenueAccounts, sizes.VenueInstruments, sizes.VenueCalmSeconds, sizes.VenueBudget, progress) : null;
            Collect();
            cancel.ThrowIfCancellationRequested();
            var kafkaVenue = parts.Contains("kafka") ? KafkaIngestBench.RunVenue(sizes.KafkaAccounts, sizes.VenueInstruments, sizes.KafkaEvents, kafkaSettings, progress) : null;
            Collect();
            var kafka = parts.Contains("kafka") ? KafkaIngestBench.Run(sizes.KafkaAccounts, sizes.KafkaEvents, kafkaSettings, progress) : null;
            Collect();
            cancel.ThrowIfCancellationRequested();
            var latency = parts.Contains("latency")
                ? await LatencyBench.RunAsync(sizes.LatencyDuration, sizes.LatencyAccounts, kafkaSettings, time, progress, cancel).ConfigureAwait(false)
                : null;
            Collect();
            var replay = parts.Contains("replay") ? ReplayBench.Run(sizes.ReplayEvents, sizes.ReplayAccounts, directory, time, progress, cancel) : null;
            Collect();
            var alerts = parts.Contains("alerts") ? AlertBench.Run(sizes.AlertSpan, sizes.AlertAccounts, time, progress, cancel) : null;
            var settingsNote = kafkaSettings.Count == 0 ? "default settings" : string.Join(", ", kafkaSettings.Select(s => s.Key + "=" + s.Value));
            return new BenchResults(sizes, settingsNote, engine, venue, kafka, kafkaVenue, latency, projection, depth, portfolio, replay, alerts, adl, clock.Elapsed);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static Dictionary<string, double> Figures(BenchResults r)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        if (r.Engine is { } engine)
        {
            figures["engine.eventsPerSecond"] = engine.EventsPerSecond;
            figures["engine.decodeOnlyEventsPerSecond"] = engine.DecodeOnlyEventsPerSecond;
            figures["memory.bytesPerPosition"] = engine.BytesPerPosition;
            figures["engine.revaluationNanosPerHolder"] = engine.Marks.NanosecondsPerAccount;
        }

        if (r.Venue is { } venue)
        {
            figures["venue.calmRealTimeFactor"] = venue.Calm.RealTimeFactor;
            figures["venue.crashRealTimeFactor"] = venue.Crash.RealTimeFactor;
            figures["venue.decodeOnlyRealTimeFactor"] = venue.Crash.DecodeOnlyRealTimeFactor;
            figures["venue.crashLagP99Ms"] = venue.Crash.LagP99Ms;
        }

        if (r.KafkaVenue is { } kafka)
        {
            figures["kafka.ingestRatio"] = kafka.Ratio;
        }

        if (r.Latency is { } latency)
        {
            figures["latency.tickToAlertP50Ms"] = latency.P50Ms;
            figures["latency.tickToAlertP99Ms"] = latency.P99Ms;
        }

        if (r.Projection is { } projection)
        {
            figures["projection.gridMicros"] = projection.GridMicros;
            figures["projection.naiveGridMicros"] = projection.NaiveGridMicros;
        }

        if (r.Depth is { } depth)
        {
            figures["depth.partialProjectionMicros"] = depth.CachedMicros;
            figures["depth.refitProjectionMicros"] = depth.RefitMicros;
        }

        if (r.Replay is { } replay)
        {
            figures["replay.eventsPerSecond"] = replay.EventsPerSecond;
            figures["replay.systemViewShare"] = replay.Work.SystemSeconds / Math.Max(replay.MarketSeconds, 1e-9);
        }

        if (r.Alerts is { } alerts)
        {
            figures["alerts.transitionsPerMinute"] = alerts.PerMinute;
            figures["alerts.maxTransitionsPerMinute"] = alerts.MaxPerMinute;
            figures["alerts.criticalShortLived"] = alerts.CriticalShortLived;
        }

        if (r.Portfolio is { } portfolio)
        {
            figures["portfolio.gridMillis"] = portfolio.GridMillis;
            figures["portfolio.contagionMillis"] = portfolio.ContagionMillis;
            figures["portfolio.naiveMillis"] = portfolio.NaiveMillis;
        }

        if (r.Adl is { } adl)
        {
            figures["adl.rankingNanosPerHolder"] = adl.NanosecondsPerHolder;
        }

        return figures;
    }

    private static string Json(BenchResults results)
    {
        var figures = Figures(results);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var key in Keys)
            {
                if (figures.TryGetValue(key, out var value))
                {
                    json.WriteNumber(key, Math.Round(value, 3));
                }
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void Print(BenchResults r, TextWriter output)
    {
        var s = r.Sizes;
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("figure").AddColumn(new TableColumn("measured").RightAligned()).AddColumn(new TableColumn("baseline").RightAligned())
            .AddColumn("target").AddColumn("met").AddColumn("what was run");
        if (r.Engine is not null)
        {
            var engineRatio = r.Engine.EventsPerSecond / r.Engine.DecodeOnlyEventsPerSecond;
            Row(table, "engine events/s", N(r.Engine.EventsPerSecond), $"decode only {N(r.Engine.DecodeOnlyEventsPerSecond)} (ratio {engineRatio.ToString("G3", CultureInfo.InvariantCulture)})",
                "≥ 1,000,000 and ≥ 50% of decode only", r.Engine.EventsPerSecond >= 1_000_000 && engineRatio >= 0.5,
                $"{r.Engine.Accounts:N0} accounts ({r.Engine.Positions:N0} positions), 10 symbols; {r.Engine.Events:N0} events (50% book, 30% marks, 20% positions) in the {s.EngineBudget.TotalSeconds:0} s budget");
            var m = r.Engine.Marks;
            Row(table, "  of which marks", string.Create(CultureInfo.InvariantCulture, $"{m.RevaluationSeconds / m.Seconds:P0} + {m.AdlSeconds / m.Seconds:P0}"), "-", "(context: cost of marks)", null,
                string.Create(CultureInfo.InvariantCulture, $"{m.Revaluations:N0} revaluations recomputed {m.AccountsRecomputed:N0} cross holders ({m.NanosecondsPerAccount:N0} ns each) in {m.RevaluationSeconds:0.0} s; {m.AdlRankings:N0} ADL rankings in {m.AdlSeconds:0.0} s; of {m.Seconds:0.0} s"));

            Row(table, "revaluation ns per cross holder", m.NanosecondsPerAccount.ToString("0", CultureInfo.InvariantCulture), "-", "≤ 50", m.NanosecondsPerAccount <= 50,
                string.Create(CultureInfo.InvariantCulture, $"the marks above: {m.AccountsRecomputed:N0} cross holders recomputed by {m.Revaluations:N0} revaluations at {r.Engine.Accounts:N0} accounts"));
            Row(table, "engine events/s, venue-paced", N(r.Engine.VenueEventsPerSecond), "-", "(not a target: context)", null,
                $"same engine, {r.Engine.VenueEvents:N0} events: one mark per symbol per second, the rest book deltas (80%) and position changes (20%)");
        }

        if (r.Venue is { } v)
        {
            VenueRows(table, v);
        }

        if (r.KafkaVenue is { } kv)
        {
            Row(table, "kafka ingest ratio", kv.Ratio.ToString("0.000", CultureInfo.InvariantCulture),
                $"monitor {N(kv.MonitorPerSecond)}/s vs bare consumer {N(kv.BarePerSecond)}/s (same stream applied in process: {N(kv.ApplyOnlyPerSecond)}/s)", "≥ 0.9", kv.Ratio >= 0.9,
                string.Create(CultureInfo.InvariantCulture, $"the venue crash's stream ({s.VenueInstruments} instruments: book messages, marks, position changes, liquidation fills and closes), {kv.Messages:N0} messages each, produced live after catching up on {s.KafkaAccounts:N0} accounts; embedded cluster (1 broker); {Environment.ProcessorCount} cores running the broker, the producer and the reader (bare: one consumer; monitor: KafkaSource's consume thread applying each message through EventApplier) in one process, which used {kv.MonitorCores:0.0} (monitor) vs {kv.BareCores:0.0} (bare) of them"));
        }

        if (r.Kafka is not null)
        {
            Row(table, "kafka ingest ratio, 50/30/20 mix", r.Kafka.Ratio.ToString("0.000", CultureInfo.InvariantCulture),
                $"monitor {N(r.Kafka.MonitorPerSecond)}/s vs bare consumer {N(r.Kafka.BarePerSecond)}/s (same stream applied in process: {N(r.Kafka.ApplyOnlyPerSecond)}/s)", "(context: the engine bench's decode mix)", null,
                string.Create(CultureInfo.InvariantCulture, $"{r.Kafka.Messages:N0} stream messages each, produced live after catching up on {s.KafkaAccounts:N0} accounts; embedded cluster (1 broker); process CPU {r.Kafka.MonitorCores:0.0} (monitor) vs {r.Kafka.BareCores:0.0} (bare) of {Environment.ProcessorCount} cores"));
        }

        if (r.Latency is not null)
        {
            Row(table, "tick-to-alert p50 ms", r.Latency.P50Ms.ToString("0.0", CultureInfo.InvariantCulture), "-", "-", null,
                $"{r.Latency.Samples} of {r.Latency.Probes} probe marks alerted; mark → Kafka → monitor → Redis stream (transition made on the engine thread at p50 {r.Latency.EngineP50Ms:0.0} ms)");
            Row(table, "tick-to-alert p99 ms", r.Latency.P99Ms.ToString("0.0", CultureInfo.InvariantCulture), $"max {r.Latency.MaxMs:0.0}", "≤ 10", r.Latency.P99Ms <= 10,
                $"background {N(r.Latency.BackgroundPerSecond)} events/s, {s.LatencyAccounts:N0} accounts, {s.LatencyDuration.TotalSeconds:0} s; monitor Kafka: {r.KafkaSettings}, fetch wait {EmbeddedKafkaCluster.FetchWaitMaxMs} ms (the embedded cluster's)");
        }

        if (r.Projection is not null)
        {
            Row(table, "grid + critical shock µs", r.Projection.GridMicros.ToString("0.0", CultureInfo.InvariantCulture),
                $"naive {r.Projection.NaiveGridMicros:N0} µs (×{r.Projection.NaiveGridMicros / r.Projection.GridMicros:N0})",
                "≤ 1,000 µs and ≥ 100× faster", r.Projection.GridMicros <= 1000 && r.Projection.NaiveGridMicros >= 100 * r.Projection.GridMicros,
                $"{r.Projection.Positions:N0} positions over the engine's {r.Projection.Ladder} ({r.Projection.Buckets:N0} buckets), 18 shocks + 2 searches (critical shock down {Shock(r.Projection.CriticalShockDown)}, up {Shock(r.Projection.CriticalShockUp)}), results equal");
        }

        if (r.Depth is { } d)
        {
            Row(table, "partial-book projection µs", d.CachedMicros.ToString("0.0", CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"every load refitted {d.RefitMicros:0.0} µs (×{d.RefitMicros / d.CachedMicros:0.0}); full-depth book {d.CompleteMicros:0.0} µs"),
                "(context: cost of a partial book)", null,
                string.Create(CultureInfo.InvariantCulture, $"results equal; {d.Projections:N0} projections, each after an update of one side: both sides loaded ({d.KnownLevels:N0} known levels to {d.KnownRange:P2}, {d.Levels - d.KnownLevels:N0} modelled), grid + critical shocks over {d.Positions:N0} positions, the system view's loads every 10th. One side's load: fitted {d.FitLoadMicros:0.0} µs, copied {d.CopyLoadMicros:0.00} µs, kept {d.KeptLoadNanos:0} ns"));
        }

        if (r.Portfolio is { } pf)
        {
            var work = pf.GridMillis + pf.ContagionMillis;
            // The reference ran each of the same scenarios once; the projector's time for them is the grid plus contagion.
            Row(table, "portfolio grid + contagion ms", work.ToString("0.0", CultureInfo.InvariantCulture),
                $"naive {pf.NaiveMillis:N0} ms (×{pf.NaiveMillis / work:N0})", "≤ 50 ms and ≥ 100× faster", work <= 50 && pf.NaiveMillis >= 100 * work,
                string.Create(CultureInfo.InvariantCulture, $"{pf.Accounts:N0} accounts ({pf.Pools:N0} cross over 2–3 of {pf.Instruments} instruments): 18 factor moves {pf.GridMillis:0.0} ms + {2 * pf.Instruments} contagion moves {pf.ContagionMillis:0.0} ms, {pf.LiquidatedAccounts:N0} liquidations in all, results equal; load + seal {pf.LoadMillis:N0} ms; system critical shock {Shock(pf.CriticalShockDown)} / {Shock(pf.CriticalShockUp)} in {pf.CriticalShockMillis:N0} ms"));
        }

        if (r.Adl is { } adl)
        {
            Row(table, "ADL ranking ns per holder", adl.NanosecondsPerHolder.ToString("0.0", CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{adl.RankingsPerSecond:N0} rankings/s"), "(context: a symbol's ranking once a second)", null,
                string.Create(CultureInfo.InvariantCulture, $"{adl.Rankings:N0} rankings of both sides (top {Engine.AccountStage.AdlCandidates} each, PnL × leverage) over {adl.Holders:N0} holders of one symbol: 40 % lone cross, 30 % isolated, 30 % cross with a second cross leg"));
        }

        if (r.Engine is not null)
        {
            // The target is for a million accounts; at --quick sizes fixed costs weigh more, so the bar is 200.
            var memoryTarget = s == BenchSizes.Quick ? 200 : 160;
            Row(table, "memory bytes/position", r.Engine.BytesPerPosition.ToString("0", CultureInfo.InvariantCulture), "-",
                s == BenchSizes.Quick ? "< 200 (--quick)" : "≤ 160", s == BenchSizes.Quick ? r.Engine.BytesPerPosition < memoryTarget : r.Engine.BytesPerPosition <= memoryTarget,
                $"managed heap +{r.Engine.HeapGrowth / 1e6:N0} MB for {r.Engine.Positions:N0} positions");
        }

        if (r.Replay is not null)
        {
            Row(table, "replay events/s", N(r.Replay.EventsPerSecond),
                $"{r.Replay.MarketSeconds:N0} s of market in {r.Replay.Seconds:N1} s (×{r.Replay.MarketSeconds / r.Replay.Seconds:N0} real time)", "≥ 1,000,000", r.Replay.EventsPerSecond >= 1_000_000,
                $"{r.Replay.Events:N0} simulated events ({ReplayBench.TouchUpdatesPerStep} book messages per symbol per 100 ms on top of the simulator's), {r.Replay.Accounts:N0} accounts, {r.Replay.Projections:N0} projections, {r.Replay.Alerts:N0} alert transitions");
            var w = r.Replay.Work;
            var seconds = r.Replay.Seconds;
            Row(table, "  of which cadence work", string.Create(CultureInfo.InvariantCulture, $"{(w.RevaluationSeconds + w.AdlSeconds) / seconds:P0} + {w.ProjectionSeconds / seconds:P0}"),
                string.Create(CultureInfo.InvariantCulture, $"caps: {N(w.AccountCadenceCeiling(r.Replay.Events))} + {N(w.ProjectionCeiling(r.Replay.Events))}"), "(context: per market second)", null,
                string.Create(CultureInfo.InvariantCulture, $"{w.Revaluations:N0} revaluations {w.RevaluationSeconds:0.0} s, {w.AdlRankings:N0} ADL rankings {w.AdlSeconds:0.0} s; projections {w.ProjectionSeconds:0.0} s ({w.ProjectionSeconds * 1e6 / Math.Max(r.Replay.Projections, 1):N0} µs each)"));
            // The system view's share of one engine thread at real-time pace: its seconds per second of market time.
            var share = w.SystemSeconds / Math.Max(r.Replay.MarketSeconds, 1e-9);
            Row(table, "  system view per market second", string.Create(CultureInfo.InvariantCulture, $"{share:P1}"), "-", "≤ 10 % of the engine thread", share <= 0.10,
                string.Create(CultureInfo.InvariantCulture, $"{w.SystemViews:N0} views over {r.Replay.MarketSeconds:N0} s of market, {w.SystemSeconds * 1e3 / Math.Max(w.SystemViews, 1):0.0} ms each (loading {w.SystemLoadSeconds * 1e3 / Math.Max(w.SystemViews, 1):0.0} ms): factor grid, both critical shocks and their chains, contagion, critical accounts"));
        }

        if (r.Alerts is { } a)
        {
            Row(table, "alert transitions/minute", a.PerMinute.ToString("0.0", CultureInfo.InvariantCulture), $"busiest minute {a.MaxPerMinute}", "≤ 30", a.PerMinute <= 30,
                string.Create(CultureInfo.InvariantCulture, $"the demo's market (seed 1, {a.Accounts:N0} accounts), {a.Span.TotalMinutes:0} simulated minutes replayed in {a.Seconds:0} s: {a.Description}"));
            Row(table, "  critical alerts under 2 s", a.CriticalShortLived.ToString(CultureInfo.InvariantCulture), $"of {a.CriticalResolved} resolved", "0", a.CriticalShortLived == 0,
                "raise to resolve, event time, alerts that reached critical");
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        console.Write(table);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench ({s.Name}): {Environment.ProcessorCount} cores, .NET {Environment.Version}, {r.Elapsed.TotalSeconds:0} s"));
    }

    private static void VenueRows(Table table, VenueFigures v)
    {
        var calm = v.Calm;
        var crash = v.Crash;
        Row(table, "venue real-time factor, calm", X(calm.RealTimeFactor), $"decode only {X(calm.DecodeOnlyRealTimeFactor)}", "≥ 50", calm.RealTimeFactor >= 50,
            string.Create(CultureInfo.InvariantCulture,
                $"{v.Accounts:N0} accounts ({v.Positions:N0} positions) on {v.Instruments} instruments, loaded in {v.LoadSeconds:0.0} s, warmed up on {v.WarmUpSeconds} s of market; {calm.MarketSeconds} of {v.PlannedCalmSeconds} s of calm market ({calm.Events:N0} events: {v.BookPerSecond:N0} book messages, {v.Instruments} marks, {v.TradesPerSecond:N0} position changes a second) applied in {calm.ApplySeconds:0.0} s; {Marks(calm.Marks)}"));
        Row(table, "venue real-time factor, crash", X(crash.RealTimeFactor), $"decode only {X(crash.DecodeOnlyRealTimeFactor)}", "≥ 10", crash.RealTimeFactor >= 10,
            string.Create(CultureInfo.InvariantCulture,
                $"{crash.MarketSeconds} of {VenueMarket.CrashSeconds} s of crash (every instrument down 5–30 %, every mark past the 0.1 % move, rates ×{VenueMarket.CrashRateMultiplier:0}; {crash.Events:N0} events, {crash.BookMessages / Math.Max(crash.MarketSeconds, 1):N0} book messages a second) applied in {crash.ApplySeconds:0.0} s; {crash.Fills:N0} liquidation fills ({v.LiquidatedUnits:N0} accounts or isolated positions liquidated; the whole crash liquidates {v.UnitsLiquidatedByTheFullCrash:N0} of {v.Units:N0}); {Marks(crash.Marks)}"));
        Row(table, "venue decode-only real-time factor", X(crash.DecodeOnlyRealTimeFactor), $"calm {X(calm.DecodeOnlyRealTimeFactor)}", "(ceiling of the crash factor)", null,
            string.Create(CultureInfo.InvariantCulture, $"the crash's bytes through WireDecoder alone: {crash.DecodedMarketSeconds:N0} s of market in {crash.DecodeSeconds:0.00} s"));
        Row(table, "venue crash lag p99 ms", crash.LagP99Ms.ToString("N1", CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"max {crash.LagMaxMs:N1}; calm p99 {calm.LagP99Ms:N1}; crash from an empty queue p99 {crash.OwnLagP99Ms:N1}"), "(context: the engine thread's lag at 1×)", null,
            string.Create(CultureInfo.InvariantCulture, $"finish − event time at a 1× pace, simulated from each event's measured time (arrival at event time, one queue from the calm on) over the {crash.MarketSeconds} s of crash applied"));
    }

    private static string Marks(MarkWork m) => string.Create(CultureInfo.InvariantCulture,
        $"marks: {m.Revaluations:N0} revaluations recomputed {m.AccountsRecomputed:N0} cross holders ({m.NanosecondsPerAccount:N0} ns each) in {m.RevaluationSeconds:0.0} s, {m.AdlRankings:N0} ADL rankings in {m.AdlSeconds:0.0} s");

    private static string X(double factor) => "×" + factor.ToString(factor >= 100 ? "N0" : "0.0", CultureInfo.InvariantCulture);

    private static void Row(Table table, string figure, string measured, string baseline, string target, bool? met, string run) =>
        table.AddRow(Markup.Escape(figure), Markup.Escape(measured), Markup.Escape(baseline), Markup.Escape(target), met switch { true => "yes", false => "no", null => "-" }, Markup.Escape(run));

    private static string Shock(double? shock) => shock is { } s ? s.ToString("0.0%", CultureInfo.InvariantCulture) : "none up to 50%";

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>How much each figure runs on: the full sizes of record, or <c>--quick</c> (a smoke run under a minute).</summary>
internal sealed record BenchSizes(
    string Name,
    int EngineAccounts, int EngineEvents, TimeSpan EngineBudget,
    int VenueAccounts, int VenueInstruments, int VenueCalmSeconds, TimeSpan VenueBudget,
    int KafkaAccounts, int KafkaEvents,
    int LatencyAccounts, TimeSpan LatencyDuration,
    int ProjectionPositions, TimeSpan ProjectionBudget,
    int ReplayEvents, int ReplayAccounts,
    int PortfolioAccounts,
    TimeSpan AlertSpan, int AlertAccounts,
    int AdlHolders)
{
    public static readonly BenchSizes Full = new("full", 1_000_000, 1_000_000, TimeSpan.FromSeconds(30), 1_000_000, 200, 300, TimeSpan.FromSeconds(60),
        2_000, 100_000, 2_000, TimeSpan.FromSeconds(60),
        1_000_000, TimeSpan.FromSeconds(10), 5_000_000, 20_000, 1_000_000, TimeSpan.FromHours(1), 20_000, 200_000);

    public static readonly BenchSizes Quick = new("--quick", 20_000, 200_000, TimeSpan.FromSeconds(3), 20_000, 20, 60, TimeSpan.FromSeconds(3),
        2_000, 40_000, 2_000, TimeSpan.FromSeconds(6),
        50_000, TimeSpan.FromSeconds(2), 20_000, 2_000, 20_000, TimeSpan.FromMinutes(2), 2_000, 20_000);
}
