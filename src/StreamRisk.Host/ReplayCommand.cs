using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using StreamRisk.Host.Replaying;
using Spectre.Console;
using StreamRisk.Host.Reporting;
using StreamRisk.Replay.Binance;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk replay FILE... --format capture|binance-usdm|binance-coinm [--speed max|Nx] [--from T] [--to T]
/// [--positions synthetic:seed=N] [--accounts N] [--out DIR] [--report DIR]</c>: a recorded market day through the full
/// monitor work, in process, on event time; with <c>--report</c>, an HTML report with charts afterwards.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(TextWriter output, TextWriter progressOutput)
    {
        var files = new Argument<string[]>("FILE") { Description = "Capture files, in order (several files are one capture).", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "capture (a StreamRisk capture from `record`), binance-usdm or binance-coinm.", DefaultValueFactory = _ => "binance-usdm" };
        format.AcceptOnlyFromAmong([CaptureFormat, .. BinanceFormats.Names]);
        var speed = new Option<double>("--speed") { Description = "max (default) or a multiple of real time such as 1x, 10x, 20x.", DefaultValueFactory = _ => 0, CustomParser = ParseSpeed };
        var from = new Option<long?>("--from") { Description = "Skip events before this time (unix ms or ISO 8601 UTC).", CustomParser = ParseTime };
        var to = new Option<long?>("--to") { Description = "Stop using events after this time (unix ms or ISO 8601 UTC).", CustomParser = ParseTime };
        var positions = new Option<string>("--positions") { Description = "Position source: synthetic:seed=N (default synthetic:seed=1) or a JSON file of accounts (as in liqprice, without marks).", DefaultValueFactory = _ => "synthetic:seed=1" };
        var accounts = new Option<int>("--accounts") { Description = "Synthetic accounts (100-1000000).", DefaultValueFactory = _ => 20_000, CustomParser = Cli.IntInRange(100, 1_000_000) };
        var outDir = new Option<string?>("--out") { Description = "Directory for alerts.ndjson and projections.ndjson." };
        var reportDir = new Option<string?>("--report") { Description = "After the replay, write report.html and its PNG charts to this directory (the ndjson files go there too unless --out is given)." };
        var command = new Command("replay", "Replay a recorded market day through the monitor in process (event time; same results at any speed).")
        {
            files, format, speed, from, to, positions, accounts, outDir, reportDir,
        };
        command.SetAction((parse, cancel) =>
        {
            var paths = parse.GetValue(files) ?? [];
            foreach (var path in paths)
            {
                if (!File.Exists(path))
                {
                    throw new UsageException($"capture file not found: {path}");
                }
            }

            if (parse.GetValue(format) == CaptureFormat)
            {
                return Task.FromResult(ReplayCapture(output, paths, parse.GetValue(speed), parse.GetValue(from), parse.GetValue(to), parse.GetValue(outDir), progressOutput, cancel));
            }

            if (!BinanceFormats.TryParse(parse.GetValue(format), out var market))
            {
                throw new UsageException("unknown capture format");
            }

            var clock = Stopwatch.StartNew();
            // The report is made from the files, not from memory, so it needs them written somewhere.
            var report = parse.GetValue(reportDir);
            var dataDir = parse.GetValue(outDir) ?? report;
            using var outputs = new ReplayOutputs(dataDir);
            var options = new BinanceReplayOptions
            {
                Files = paths,
                Market = market,
                Speed = parse.GetValue(speed),
                From = parse.GetValue(from),
                To = parse.GetValue(to),
                PopulationSeed = SeedOf(parse.GetValue(positions) ?? "synthetic:seed=1"),
                PositionsFile = FileOf(parse.GetValue(positions) ?? "synthetic:seed=1"),
                Accounts = parse.GetValue(accounts),
            };
            var summary = ReferenceEquals(progressOutput, Console.Error) && !Console.IsErrorRedirected
                ? WithProgressBar(options, outputs, clock, cancel)
                : WithProgressLines(options, outputs, clock, progressOutput, cancel);

            // Flushed and closed before the report reads them back (disposing twice is harmless).
            outputs.Dispose();

            var rules = RunCommand.RuleCounts(summary.RaisedByRule);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay: {summary.DiffsApplied:N0} book updates, {summary.MarksApplied:N0} marks, {summary.Accounts:N0} accounts, {summary.Projections:N0} projections, {summary.AlertTransitions:N0} alert transitions in {clock.Elapsed.TotalSeconds:0.0} s; raised by rule: {rules}; import: applied {summary.Import.Applied}, gaps {summary.Import.Gaps}, skipped {summary.Import.Skipped}"));
            if (report is not null && dataDir is not null)
            {
                var written = ReplayReport.Write(Path.Combine(dataDir, "alerts.ndjson"), Path.Combine(dataDir, "projections.ndjson"), report);
                if (written.FontName is null)
                {
                    progressOutput.WriteLine($"replay: warning: no font found, the charts have no text; install one (apt-get install fonts-dejavu-core) or set {ReportFonts.EnvironmentVariable} to a .ttf file");
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"report: {written.HtmlPath} ({written.Images.Count} charts for {written.Symbols} symbol(s), {written.AlertTransitions} alert transitions)"));
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private const string CaptureFormat = "capture";

    private static int ReplayCapture(TextWriter output, string[] paths, double speed, long? from, long? to, string? outDir, TextWriter progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var outputs = new ReplayOutputs(outDir);
        var replay = new CaptureReplay(paths, speed, from, to, new Engine.EngineOptions(), outputs, TimeProvider.System, ProgressLines(clock, outputs, progress));
        var shown = 0;
        var (applied, projections, alerts) = replay.Run(problem =>
        {
            // Bad records: each reported with its line number (the first 20), then only counted.
            if (shown++ < 20)
            {
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replay: line {problem.LineNumber}: {problem.Reason} (skipped)"));
            }
        }, cancel);
        var rules = RunCommand.RuleCounts(outputs.RaisedByRule);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replay: {replay.Records:N0} records, {applied:N0} applied, {replay.Rejected:N0} rejected by validation, {replay.BadLines:N0} bad lines skipped, {projections:N0} projections, {alerts:N0} alert transitions in {clock.Elapsed.TotalSeconds:0.0} s; raised by rule: {rules}"));
        return ExitCodes.Ok;
    }

    /// <summary>On a terminal: a Spectre.Console bar with event-time position, updates/s and ETA (from capture bytes read).</summary>
    private static ReplaySummary WithProgressBar(BinanceReplayOptions options, ReplayOutputs outputs, Stopwatch clock, CancellationToken cancel)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ReplaySummary? summary = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask("replay", maxValue: 1.0);
                var replay = new BinanceReplay(options, outputs, TimeProvider.System, (eventTime, fraction) =>
                {
                    task.Value = fraction;
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"{DateTimeOffset.FromUnixTimeMilliseconds(eventTime):HH:mm:ss}Z  {outputs.Projections / Math.Max(clock.Elapsed.TotalSeconds, 0.001):N0} projections/s  {outputs.Alerts:N0} alerts");
                });
                summary = replay.Run(cancel);
                task.Value = 1.0;
            });
        return summary!;
    }

    /// <summary>Not a terminal (CI, a pipe): a plain line every 2 s, readable in a log.</summary>
    private static ReplaySummary WithProgressLines(BinanceReplayOptions options, ReplayOutputs outputs, Stopwatch clock, TextWriter progress, CancellationToken cancel) =>
        new BinanceReplay(options, outputs, TimeProvider.System, ProgressLines(clock, outputs, progress)).Run(cancel);

    /// <summary>Not a terminal (CI, a pipe): a plain line every 2 s, readable in a log; ETA from the fraction of input read.</summary>
    private static Action<long, double> ProgressLines(Stopwatch clock, ReplayOutputs outputs, TextWriter progress)
    {
        var lastReport = TimeSpan.Zero;
        return (eventTime, fraction) =>
        {
            if (clock.Elapsed - lastReport < TimeSpan.FromSeconds(2))
            {
                return;
            }

            lastReport = clock.Elapsed;
            var eta = fraction > 0 ? $", ETA {clock.Elapsed.TotalSeconds * (1 - fraction) / fraction:0} s" : string.Empty;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay: {fraction:P0} at {DateTimeOffset.FromUnixTimeMilliseconds(eventTime):yyyy-MM-dd HH:mm:ss.fff}Z, {outputs.Projections:N0} projections, {outputs.Alerts:N0} alert transitions{eta}"));
        };
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

    private static long? ParseTime(ArgumentResult result)
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

    private static int SeedOf(string source) =>
        !source.StartsWith(Synthetic, StringComparison.Ordinal) ? 0
        : int.TryParse(source[Synthetic.Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed
        : throw new UsageException($"'{source}' is not a position source (synthetic:seed=N or a file)");

    private static string? FileOf(string source)
    {
        if (source.StartsWith(Synthetic, StringComparison.Ordinal))
        {
            return null;
        }

        return File.Exists(source) ? source : throw new UsageException($"positions file not found: {source} (or use synthetic:seed=N)");
    }
}
