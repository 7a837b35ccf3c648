using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Documents;
using StreamRisk.Host.Monitoring;
using StreamRisk.Host.Replaying;
using StreamRisk.Kafka;
using StreamRisk.Replay;
using StreamRisk.Replay.Binance;
using StreamRisk.Replay.Capture;
using StreamRisk.Replay.InProcess;
using StreamRisk.Reporting;
using StreamRisk.Reporting.Export;
using StreamRisk.Simulation;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk replay FILE... [--format capture|binance-usdm|binance-coinm] [--config FILE] [--speed max|Nx]
/// [--from T] [--to T] [--positions synthetic:seed=N|estimated:oi=NOTIONAL[,…]|FILE] [--accounts N] [--liquidations off|venue] [--out DIR] [--report DIR]
/// [--export csv|parquet DIR] [--to-kafka BOOTSTRAP]</c>: a recorded capture through the full monitor work on event
/// time — in process, or produced to the live topics so a running monitor gets it; with <c>--report</c>, an HTML
/// report with charts afterwards, with <c>--export</c> the results as tables. Every in-process output folder gets
/// provenance.json (inputs, population, settings, version, market span). Without <c>--format</c> the format is told
/// from the first file's content.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(TextWriter output, TextWriter progressOutput, TimeProvider time)
    {
        var files = new Argument<string[]>("FILE") { Description = "Capture files, in order (several files are one capture).", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string?>("--format") { Description = "capture (a StreamRisk capture from `record` or `simulate`), binance-usdm or binance-coinm. Default: told from the first file's content." };
        format.AcceptOnlyFromAmong([.. ReplayFormats.Names]);
        var config = new Option<string?>("--config") { Description = "JSON settings file as `run` reads it; the Engine and Alerts sections apply (profile, insurance funds, thresholds, cadences). Default: the built-in defaults. The settings used are written to settings.json beside the outputs." };
        var speed = new Option<double>("--speed") { Description = "max (default) or a multiple of real time such as 1x, 10x, 20x.", DefaultValueFactory = _ => 0, CustomParser = ParseSpeed };
        var from = new Option<long?>("--from") { Description = "Results start at this time (unix ms or ISO 8601 UTC); what comes before still sets up accounts, books and marks.", CustomParser = ParseTime };
        var to = new Option<long?>("--to") { Description = "Stop using events after this time (unix ms or ISO 8601 UTC).", CustomParser = ParseTime };
        var positions = new Option<string?>("--positions") { Description = "Position source for Binance captures: synthetic:seed=N (default synthetic:seed=1), estimated:oi=NOTIONAL[,seed=N,accounts=N,leverage=demo|moderate|coinglass,lookback=24h] (a population estimated from open interest, docs/simulator.md) or a JSON file of accounts (as in liqprice, without marks). A StreamRisk capture holds its own accounts." };
        var accounts = new Option<int>("--accounts") { Description = "Accounts of the synthetic population for Binance captures, and the default accounts= of an estimated one (100-1000000).", DefaultValueFactory = _ => 20_000, CustomParser = Cli.IntInRange(100, 1_000_000) };
        var outDir = new Option<string?>("--out") { Description = "Directory for alerts.ndjson and projections.ndjson." };
        var reportDir = new Option<string?>("--report") { Description = "After the replay, write report.html and its PNG charts to this directory (the ndjson files go there too unless --out is given)." };
        var export = new Option<ExportTarget?>("--export")
        {
            Description = "After the replay, write the projections and alerts as two tables, csv or parquet, into DIR (projections.csv|parquet, alerts.csv|parquet; the ndjson files go there too unless --out or --report is given).",
            HelpName = "csv|parquet DIR",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
            CustomParser = ParseExport,
        };
        var toKafka = new Option<string?>("--to-kafka") { Description = "Produce the replay to the topics of this Kafka (HOST:PORT,...) at --speed instead of running it in process; run the monitor with Kafka:EventTimeOrdering for the in-process results." };
        var liquidations = new Option<string?>("--liquidations")
        {
            Description = "off or venue: the monitor's venue liquidation engine liquidates positions whose liquidation price the mark crosses (docs/domain.md). Default: venue for Binance captures (their population has no venue feed of closes), else Engine:LiquidationEngine (off).",
        };
        liquidations.AcceptOnlyFromAmong(LiquidationModes.Off, LiquidationModes.Venue);
        var prefix = new Option<string>("--topic-prefix") { Description = "With --to-kafka: prefix of the Kafka topic names.", DefaultValueFactory = _ => TopicNames.DefaultPrefix };
        var command = new Command("replay", "Replay a recorded capture through the monitor (event time; same results at any speed, in process or through Kafka).")
        {
            files, format, config, speed, from, to, positions, accounts, liquidations, outDir, reportDir, export, toKafka, prefix,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var paths = parse.GetValue(files) ?? [];
            foreach (var path in paths)
            {
                if (!File.Exists(path))
                {
                    throw new UsageException($"capture file not found: {path}");
                }
            }

            var kafka = parse.GetValue(toKafka);
            var report = parse.GetValue(reportDir);
            var tables = parse.GetValue(export);
            var dataDir = parse.GetValue(outDir) ?? report ?? tables?.Directory;
            if (kafka is not null && dataDir is not null)
            {
                throw new UsageException("--out, --report and --export need an in-process replay; with --to-kafka the monitor writes the results (run --out DIR)");
            }

            var configFile = parse.GetValue(config);
            if (kafka is not null && configFile is not null)
            {
                throw new UsageException("--config needs an in-process replay; with --to-kafka the monitor's own settings apply");
            }

            var liquidationMode = parse.GetValue(liquidations);
            if (kafka is not null && liquidationMode is not null)
            {
                throw new UsageException("--liquidations needs an in-process replay; with --to-kafka the monitor's Engine:LiquidationEngine applies");
            }

            var settings = ReplaySettings.Load(configFile);
            var chosen = parse.GetValue(format);
            if (chosen is null)
            {
                chosen = ReplayFormats.Detect(paths[0])
                    ?? throw new UsageException($"cannot tell the format of {paths[0]} from its content; give --format {string.Join(", ", ReplayFormats.Names)}");
                progressOutput.WriteLine($"replay: {chosen} format, told from the content of {paths[0]}");
            }

            // A Binance capture's population has no venue feed of closes: the monitor's own engine liquidates it, unless
            // told otherwise; a StreamRisk capture replays what its settings say (its positions topic carries closes).
            settings.Engine.LiquidationEngine = liquidationMode ?? settings.Engine.LiquidationEngine
                ?? (chosen == ReplayFormats.Capture ? LiquidationModes.Off : LiquidationModes.Venue);
            var positionSource = parse.GetValue(positions);
            if (chosen == ReplayFormats.Capture && (positionSource is not null || parse.GetResult(accounts) is { Implicit: false }))
            {
                // A capture's accounts are its positions topic; mixing in others would replay a market that never was.
                throw new UsageException("--positions and --accounts apply to Binance captures; a StreamRisk capture replays its own recorded accounts");
            }

            var clock = Stopwatch.StartNew();
            var pacer = new ReplayPacer(parse.GetValue(speed), time);
            var source = Source(chosen, paths, parse.GetValue(from), parse.GetValue(to), positionSource ?? "synthetic:seed=1", parse.GetValue(accounts), progressOutput);
            if (kafka is not null)
            {
                // Each record's producer span (when an OTLP endpoint is set) starts the trace the monitor continues.
                using var telemetry = new Telemetry.StreamRiskTelemetry();
                using var traces = Telemetry.TraceExport.StartFromEnvironment("streamrisk-replay");
                using var logging = Logging.RunLogging.Create(parse);
                using var target = new ReplayProducer(kafka, TopicNames.WithPrefix(parse.GetValue(prefix) ?? TopicNames.DefaultPrefix), pacer.DueIn, pacer.WaitFor,
                    logging.CreateLogger(Logging.LogCategories.Kafka), activities: telemetry.Activities);
                Play(source, r => target.Send(CaptureTopics.ToWire(r.Topic), r.Key, r.Payload, r.EventTime), () => $"{target.Produced:N0} messages produced", clock, progressOutput, cancel);
                try
                {
                    target.Complete();
                }
                catch (Confluent.Kafka.KafkaException ex)
                {
                    progressOutput.WriteLine("replay: " + ex.Error.Reason);
                    return ExitCodes.Failure;
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"replay: {target.Produced:N0} messages produced to {kafka} in {clock.Elapsed.TotalSeconds:0.0} s; {source.Describe()}"));
                return ExitCodes.Ok;
            }

            if (dataDir is not null)
            {
                ReplaySettings.Write(settings, dataDir);
            }

            using var outputs = new ReplayOutputs(dataDir) { From = parse.GetValue(from) };
            long records, applied, rejected;
            long? first = null;
            long last = 0;
            using (var replay = new InProcessReplay(settings.ToEngineOptions(), outputs, pacer))
            {
                Play(source, record =>
                {
                    first ??= record.EventTime;
                    last = Math.Max(last, record.EventTime);
                    replay.Apply(record);
                }, () => $"{outputs.Projections:N0} projections, {outputs.Alerts:N0} alert transitions", clock, progressOutput, cancel);
                records = replay.Records;
                applied = replay.Applied;
                rejected = replay.Rejected;
                if (replay.Liquidations is { } venue)
                {
                    output.WriteLine(LiquidationSummary(venue));
                }

                foreach (var (reason, count) in replay.RejectedByReason)
                {
                    progressOutput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replay: {count:N0} records rejected: {ConsoleText.Visible(reason)}"));
                }
            }

            // Flushed and closed before the report reads them back (disposing twice is harmless).
            outputs.Dispose();
            var rules = RunCommand.RuleCounts(outputs.RaisedByRule);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay: {records:N0} records, {applied:N0} applied, {rejected:N0} rejected by validation, {source.Describe()}, {outputs.Projections:N0} projections, {outputs.Alerts:N0} alert transitions in {clock.Elapsed.TotalSeconds:0.0} s; raised by rule: {rules}"));
            var span = TimeSpan.FromMilliseconds(first is { } f ? last - Math.Max(f, parse.GetValue(from) ?? f) : 0);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replay: alert quality over {span.TotalMinutes:0.0} min of event time: {outputs.Quality.Describe(span)}"));
            if (dataDir is null)
            {
                return ExitCodes.Ok;
            }

            var marketSpan = new MarketSpan { First = first, Last = first is null ? null : last, ResultsFrom = parse.GetValue(from), ResultsTo = parse.GetValue(to) };
            var provenance = ReplayProvenances.Of(chosen, paths, configFile, settings,
                ReplayProvenances.Population(chosen, positionSource ?? "synthetic:seed=1", parse.GetValue(accounts)), marketSpan);
            foreach (var directory in new[] { dataDir, tables?.Directory, report }.OfType<string>().Distinct(StringComparer.Ordinal))
            {
                provenance.Write(directory);
            }

            if (tables is not null)
            {
                var exported = await ReplayTables.WriteAsync(Path.Combine(dataDir, "alerts.ndjson"), Path.Combine(dataDir, "projections.ndjson"), tables.Format, tables.Directory, cancel).ConfigureAwait(false);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"export: {exported.ProjectionsPath} ({exported.Projections:N0} rows), {exported.AlertsPath} ({exported.Alerts:N0} rows)"));
            }

            if (report is not null)
            {
                var written = ReplayReport.Write(Path.Combine(dataDir, "alerts.ndjson"), Path.Combine(dataDir, "projections.ndjson"), report, provenance);
                if (written.FontName is null)
                {
                    progressOutput.WriteLine($"replay: warning: no font found, the charts have no text; install one (apt-get install fonts-dejavu-core) or set {ReportFonts.EnvironmentVariable} to a .ttf file");
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"report: {written.HtmlPath} ({written.Images.Count} charts for {written.Symbols} symbol(s), {written.SystemViews:N0} system views, {written.AlertTransitions} alert transitions)"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One line on what the venue liquidation engine did: fills, notional, ADL, and each fund's path.</summary>
    internal static string LiquidationSummary(Engine.VenueLiquidations venue)
    {
        var funds = venue.Fills.GroupBy(f => f.Symbol, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.First().FundBefore:#,0.####} → {g.Last().FundAfter:#,0.####}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"liquidations: {venue.Fills.Count:N0} fills, {venue.UnitsClosed:N0} positions or accounts closed, {venue.LiquidatedNotional:#,0.####} notional, ADL {venue.AdlNotional:#,0.####} over {venue.AdlPositions:N0} positions; fund {(venue.Fills.Count == 0 ? "unchanged" : string.Join(", ", funds))}");
    }

    private static IReplaySource Source(string format, string[] paths, long? from, long? to, string positions, int accounts, TextWriter progress)
    {
        var shown = 0;
        void Problem(CaptureProblem problem)
        {
            // Bad lines: each reported with its file and line number (the first 20), then only counted.
            if (shown++ < 20)
            {
                progress.WriteLine(Describe(problem, "replay"));
            }
        }

        if (format == ReplayFormats.Capture)
        {
            return new CaptureReplaySource(new CaptureFileSource(paths, to, Problem));
        }

        if (!BinanceFormats.TryParse(format, out var market))
        {
            throw new UsageException("unknown capture format");
        }

        var file = FileOf(positions);
        var estimated = EstimatedOf(positions, accounts);
        if (estimated is { Turnover: true })
        {
            // A capture carries no minute volumes to turn positions over with: refused rather than silently ignored.
            throw new UsageException("--positions estimated: turnover applies to backtest (minute volumes), not to a capture replay");
        }

        return new BinanceReplaySource(new BinanceCaptureSource(new BinanceSourceOptions
        {
            Files = paths,
            Market = market,
            From = from,
            To = to,
            PopulationSeed = SeedOf(positions),
            PositionsFile = file is null ? null : File.ReadAllBytes(file),
            Estimated = estimated,
            Accounts = accounts,
            OnProblem = Problem,
        }));
    }

    /// <summary>One console line for a skipped line of a capture: where it is, and why (input text made inert).</summary>
    internal static string Describe(CaptureProblem problem, string verb) =>
        ConsoleText.Visible(string.Create(CultureInfo.InvariantCulture,
            $"{verb}: {(problem.Source is { } source ? source + " " : string.Empty)}line {problem.LineNumber}: {problem.Reason} (skipped)"));

    /// <summary>
    /// Runs the source into <paramref name="sink"/>, showing progress: a Spectre.Console bar on a terminal, plain lines
    /// otherwise. A bad positions file is bad input.
    /// </summary>
    private static void Play(IReplaySource source, Action<CaptureRecord> sink, Func<string> status, Stopwatch clock, TextWriter progress, CancellationToken cancel)
    {
        try
        {
            ShowingProgress(source, sink, status, clock, progress, cancel);
        }
        catch (DocumentException ex)
        {
            throw new UsageException($"positions file: {ex.Message}");
        }
    }

    private static void ShowingProgress(IReplaySource source, Action<CaptureRecord> sink, Func<string> status, Stopwatch clock, TextWriter progress, CancellationToken cancel)
    {
        var records = 0L;
        if (ReferenceEquals(progress, Console.Error) && !Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    var task = context.AddTask("replay", maxValue: 1.0);
                    source.Play(record =>
                    {
                        sink(record);
                        if ((++records & 0x3FF) == 0)
                        {
                            task.Value = source.Fraction;
                            task.Description = string.Create(CultureInfo.InvariantCulture,
                                $"{DateTimeOffset.FromUnixTimeMilliseconds(record.EventTime):HH:mm:ss}Z  {records / Math.Max(clock.Elapsed.TotalSeconds, 0.001):N0} events/s  {status()}");
                        }
                    }, cancel);
                    task.Value = 1.0;
                });
            return;
        }

        // Not a terminal (CI, a pipe): a plain line every 2 s, readable in a log; ETA from the fraction of input read.
        var lastReport = TimeSpan.Zero;
        source.Play(record =>
        {
            sink(record);
            if ((++records & 0x3FF) != 0 || clock.Elapsed - lastReport < TimeSpan.FromSeconds(2))
            {
                return;
            }

            lastReport = clock.Elapsed;
            var fraction = source.Fraction;
            var eta = fraction > 0 ? $", ETA {clock.Elapsed.TotalSeconds * (1 - fraction) / fraction:0} s" : string.Empty;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay: {fraction:P0} at {DateTimeOffset.FromUnixTimeMilliseconds(record.EventTime):yyyy-MM-dd HH:mm:ss.fff}Z, {records / Math.Max(clock.Elapsed.TotalSeconds, 0.001):N0} events/s, {status()}{eta}"));
        }, cancel);
    }

    private static double ParseSpeed(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "max" : result.Tokens[0].Value;
        if (text == "max")
        {
            return 0;
        }

        if (text.EndsWith('x') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor > 0 && double.IsFinite(factor))
        {
            return factor;
        }

        result.AddError($"'{text}' is not a speed (max, 1x, 10x, 20x…).");
        return 0;
    }

    /// <summary><c>--export csv|parquet DIR</c>: the format first, then the directory.</summary>
    private static ExportTarget? ParseExport(ArgumentResult result)
    {
        var tokens = result.Tokens;
        if (tokens.Count != 2 || !ReplayTables.Formats.Contains(tokens[0].Value))
        {
            var given = tokens.Count == 0 ? string.Empty : ConsoleText.Visible(tokens[0].Value);
            result.AddError($"--export: '{given}' is not an export format; give --export csv DIR or --export parquet DIR.");
            return null;
        }

        return new ExportTarget(tokens[0].Value, tokens[1].Value);
    }

    internal static long? ParseTime(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return ms;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time.ToUnixTimeMilliseconds();
        }

        result.AddError($"'{text}' is not a time (unix milliseconds or ISO 8601, e.g. 2024-08-08T23:56:00Z).");
        return null;
    }

    private const string Synthetic = "synthetic:seed=";

    internal static EstimatedPopulationSpec? EstimatedOf(string source, int accounts)
    {
        if (!source.StartsWith(EstimatedPopulationSpec.Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return EstimatedPopulationSpec.Parse(source, accounts);
        }
        catch (FormatException ex)
        {
            throw new UsageException("--positions " + ConsoleText.Visible(ex.Message));
        }
    }

    internal static int SeedOf(string source) =>
        !source.StartsWith(Synthetic, StringComparison.Ordinal) ? 0
        : int.TryParse(source[Synthetic.Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed
        : throw new UsageException($"'{source}' is not a position source (synthetic:seed=N or a file)");

    internal static string? FileOf(string source)
    {
        if (source.StartsWith(Synthetic, StringComparison.Ordinal) || source.StartsWith(EstimatedPopulationSpec.Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        return File.Exists(source) ? source : throw new UsageException($"positions file not found: {source} (or use synthetic:seed=N or estimated:oi=NOTIONAL)");
    }
}

/// <summary>Where <c>--export</c> writes the tables, and in which format (<see cref="ReplayTables.Formats"/>).</summary>
internal sealed record ExportTarget(string Format, string Directory);
