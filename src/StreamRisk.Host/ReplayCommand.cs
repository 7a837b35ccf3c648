using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using StreamRisk.Host.Replaying;
using StreamRisk.Host.Reporting;
using StreamRisk.Replay.Binance;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk replay FILE... --format binance-usdm|binance-coinm [--speed max|Nx] [--from T] [--to T]
/// [--positions synthetic:seed=N] [--accounts N] [--out DIR] [--report DIR]</c>: a recorded market day through the full
/// monitor work, in process, on event time; with <c>--report</c>, an HTML report with charts afterwards.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(TextWriter output, TextWriter? progressOutput = null)
    {
        var files = new Argument<string[]>("FILE") { Description = "Capture files, in order (several files are one capture).", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "Capture format: binance-usdm or binance-coinm.", DefaultValueFactory = _ => "binance-usdm" };
        format.AcceptOnlyFromAmong([.. BinanceFormats.Names]);
        var speed = new Option<double>("--speed") { Description = "max (default) or a multiple of real time such as 1x, 10x, 20x.", DefaultValueFactory = _ => 0, CustomParser = ParseSpeed };
        var from = new Option<long?>("--from") { Description = "Skip events before this time (unix ms or ISO 8601 UTC).", CustomParser = ParseTime };
        var to = new Option<long?>("--to") { Description = "Stop using events after this time (unix ms or ISO 8601 UTC).", CustomParser = ParseTime };
        var positions = new Option<int>("--positions") { Description = "Position source: synthetic:seed=N (default synthetic:seed=1).", DefaultValueFactory = _ => 1, CustomParser = ParsePositions };
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

            if (!BinanceFormats.TryParse(parse.GetValue(format), out var market))
            {
                throw new UsageException("unknown capture format");
            }

            var progress = progressOutput ?? Console.Error;
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            // The report is made from the files, not from memory, so it needs them written somewhere.
            var report = parse.GetValue(reportDir);
            var dataDir = parse.GetValue(outDir) ?? report;
            using var outputs = new ReplayOutputs(dataDir);
            var replay = new BinanceReplay(new BinanceReplayOptions
            {
                Files = paths,
                Market = market,
                Speed = parse.GetValue(speed),
                From = parse.GetValue(from),
                To = parse.GetValue(to),
                PopulationSeed = parse.GetValue(positions),
                Accounts = parse.GetValue(accounts),
            }, outputs, TimeProvider.System, eventTime =>
            {
                // Plain periodic lines: this is as readable in a CI log as on a terminal.
                if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(2))
                {
                    lastReport = clock.Elapsed;
                    progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"replay: at {DateTimeOffset.FromUnixTimeMilliseconds(eventTime):yyyy-MM-dd HH:mm:ss.fff}Z, {outputs.Projections:N0} projections, {outputs.Alerts:N0} alert transitions"));
                }
            });
            var summary = replay.Run(cancel);

            // Flushed and closed before the report reads them back (disposing twice is harmless).
            outputs.Dispose();

            var rules = summary.RaisedByRule.Count == 0 ? "none" : string.Join(", ", summary.RaisedByRule.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay: {summary.DiffsApplied:N0} book updates, {summary.MarksApplied:N0} marks, {summary.Accounts:N0} synthetic accounts, {summary.Projections:N0} projections, {summary.AlertTransitions:N0} alert transitions in {clock.Elapsed.TotalSeconds:0.0} s; raised by rule: {rules}; import: applied {summary.Import.Applied}, gaps {summary.Import.Gaps}, skipped {summary.Import.Skipped}"));
            if (report is not null && dataDir is not null)
            {
                var written = ReplayReport.Write(Path.Combine(dataDir, "alerts.ndjson"), Path.Combine(dataDir, "projections.ndjson"), report);
                if (written.FontName is null)
                {
                    progress.WriteLine($"replay: warning: no font found, the charts have no text; install one (apt-get install fonts-dejavu-core) or set {ReportFonts.EnvironmentVariable} to a .ttf file");
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"report: {written.HtmlPath} ({written.Images.Count} charts for {written.Symbols} symbol(s), {written.AlertTransitions} alert transitions)"));
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
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

    private static int ParsePositions(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        const string prefix = "synthetic:seed=";
        if (text.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(text[prefix.Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
        {
            return seed;
        }

        result.AddError($"'{text}' is not a position source; this version supports synthetic:seed=N.");
        return 1;
    }
}
