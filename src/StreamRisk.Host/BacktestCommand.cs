using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Contracts.Documents;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Instruments;
using StreamRisk.Host.Replaying;
using StreamRisk.Replay;
using StreamRisk.Replay.Klines;
using StreamRisk.Simulation;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk backtest --klines FILE... [--positions SOURCE] [--accounts N] [--config FILE] [--out DIR]</c>: crash days
/// of 1-minute Binance klines through the monitor in process, with a modelled book (docs/backtest.md); writes
/// <c>DIR/backtest.json</c> and prints one line per run.
/// </summary>
internal static class BacktestCommand
{
    /// <summary>
    /// The population a backtest runs when <c>--positions</c> is not given: the one place to choose it (the estimated
    /// population from open interest, where it exists, is the one meant for a venue's real book).
    /// </summary>
    public const string DefaultPositions = "estimated";

    public const string FileName = "backtest.json";

    /// <summary>Where <c>--config</c> names instruments (an array of instrument documents, as <c>liqprice</c> reads them).</summary>
    public const string InstrumentsSection = "StreamRisk:Backtest:Instruments";

    public static Command Create(TextWriter output, TextWriter progress, TimeProvider time)
    {
        var klines = new Option<string[]>("--klines")
        {
            Description = "1-minute Binance kline files (CSV, one instrument each, symbol from the name's first '-'-separated part); files of the same minutes are one run.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var positions = new Option<string?>("--positions") { Description = $"Position source: estimated (each instrument's open interest from its candles, the moderate leverage prior), estimated:oi=NOTIONAL[,seed=N,accounts=N,leverage=NAME,lookback=DURATION,turnover=none|volume], synthetic:seed=N or a JSON file of accounts (as replay takes it; turnover=volume: positions change hands along the minutes, docs/backtest.md). Default: {DefaultPositions}." };
        var accounts = new Option<int>("--accounts") { Description = "Synthetic accounts (100-1000000).", DefaultValueFactory = _ => 20_000, CustomParser = Cli.IntInRange(100, 1_000_000) };
        var config = new Option<string?>("--config") { Description = $"JSON settings file as `run` reads it (Engine and Alerts sections), and instruments under {InstrumentsSection}." };
        var outDir = new Option<string?>("--out") { Description = "Directory for backtest.json (default: the current directory)." };
        var command = new Command("backtest", "Run crash days of 1-minute klines through the monitor with a modelled book; write backtest.json.")
        {
            klines, positions, accounts, config, outDir,
        };
        command.SetAction((parse, cancel) =>
        {
            var configFile = parse.GetValue(config);
            var settings = ReplaySettings.Load(configFile);
            var configured = ConfiguredInstruments(configFile);
            var source = parse.GetValue(positions) ?? DefaultPositions;
            var estimateOpenInterest = source == DefaultPositions;
            var estimated = estimateOpenInterest ? new EstimatedPopulationSpec(1) { Accounts = parse.GetValue(accounts) } : ReplayCommand.EstimatedOf(source, parse.GetValue(accounts));
            var positionsFile = estimateOpenInterest ? null : ReplayCommand.FileOf(source);
            var population = new BacktestPositions
            {
                Seed = estimated?.Seed ?? ReplayCommand.SeedOf(source),
                Estimated = estimated,
                EstimateOpenInterest = estimateOpenInterest,
                File = positionsFile is null ? null : File.ReadAllBytes(positionsFile),
                Accounts = parse.GetValue(accounts),
                Name = estimateOpenInterest ? "estimated (open interest from volume, leverage moderate)" : estimated is not null ? estimated.Describe() : positionsFile is null ? source : "file:" + Path.GetFileName(positionsFile),
            };
            var files = (parse.GetValue(klines) ?? []).Select(Read).ToList();
            IReadOnlyList<IReadOnlyList<KlineFile>> groups;
            try
            {
                groups = Backtest.Group(files);
            }
            catch (InvalidDataException ex)
            {
                throw new UsageException(ex.Message);
            }

            var runs = new List<BacktestRun>();
            foreach (var group in groups)
            {
                var instruments = group.Select(f => KlineInstruments.For(f, configured)).ToList();
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"backtest: run {runs.Count + 1} of {groups.Count}: {string.Join('+', instruments.Select(i => i.Symbol.Value))}, {group[0].Klines.Count:N0} minutes from {Iso(group[0].Start)}, positions {population.Name}"));
                BacktestRun run;
                try
                {
                    run = Backtest.Run(group, instruments, settings.ToEngineOptions(), population, time, cancel);
                }
                catch (DocumentException ex)
                {
                    throw new UsageException($"positions file: {ex.Message}");
                }

                runs.Add(run);
                output.WriteLine(Summary(run));
            }

            var directory = parse.GetValue(outDir) ?? ".";
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, FileName);
            File.WriteAllBytes(path, Json(runs));
            output.WriteLine($"backtest: {runs.Count} run(s) written to {path}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>The backtest.json document (docs/backtest.md): times ISO 8601 UTC, amounts in the margin currency.</summary>
    internal static byte[] Json(IReadOnlyList<BacktestRun> runs)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("runs");
            foreach (var run in runs)
            {
                json.WriteStartObject();
                json.WriteStartArray("symbols");
                foreach (var symbol in run.Symbols)
                {
                    json.WriteStringValue(symbol);
                }

                json.WriteEndArray();
                Time(json, "dropMinute", run.DropMinute);
                Time(json, "troughMinute", run.TroughMinute);
                ByRule(json, "firstWarning", run.FirstWarning);
                ByRule(json, "firstCritical", run.FirstCritical);
                json.WriteNumber("calmMinutes", run.CalmMinutes);
                json.WriteNumber("calmMinutesWithCritical", run.CalmMinutesWithCritical);
                json.WriteNumber("calmMinutesWithCriticalBeforeDrop", run.CalmMinutesWithCriticalBeforeDrop);
                Number(json, "liquidatedNotional", run.LiquidatedNotional);
                json.WriteStartArray("fundPath");
                foreach (var (at, balances) in run.FundPath)
                {
                    json.WriteStartObject();
                    Time(json, "time", at);
                    json.WriteStartObject("balances");
                    foreach (var (symbol, balance) in balances)
                    {
                        json.WriteNumber(symbol, balance);
                    }

                    json.WriteEndObject();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                Time(json, "firstLiquidation", run.FirstLiquidation);
                Time(json, "firstAdl", run.FirstAdl);
                json.WriteStartObject("perSymbol");
                foreach (var (symbol, outcome) in run.PerSymbol)
                {
                    json.WriteStartObject(symbol);
                    Number(json, "liquidatedNotional", outcome.LiquidatedNotional);
                    Number(json, "adlNotional", outcome.AdlNotional);
                    Time(json, "firstLiquidation", outcome.FirstLiquidation);
                    Time(json, "firstAdl", outcome.FirstAdl);
                    json.WriteNumber("depthWithin1Pct", run.DepthWithin1Pct[symbol]);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
                Time(json, "start", run.Start);
                Time(json, "end", run.End);
                json.WriteNumber("minutes", run.Minutes);
                json.WriteNumber("alertTransitions", run.AlertTransitions);
                json.WriteStartObject("rejected");
                foreach (var (reason, count) in run.Rejected)
                {
                    json.WriteNumber(reason, count);
                }

                json.WriteEndObject();
                json.WriteString("positions", run.Positions);
                json.WriteStartArray("files");
                foreach (var file in run.Files)
                {
                    json.WriteStringValue(file);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>One line per run: the drop, each cascade rule's first warning and critical with its lead, calm minutes.</summary>
    internal static string Summary(BacktestRun run)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"backtest: {string.Join('+', run.Symbols)} {Iso(run.Start)} to {Iso(run.End)}: drop {Iso(run.DropMinute)}, trough {Iso(run.TroughMinute)}");
        foreach (var rule in (ReadOnlySpan<AlertRule>)[AlertRule.CascadeRisk, AlertRule.SystemicCascadeRisk])
        {
            text.Append(CultureInfo.InvariantCulture, $"; {AlertMapping.RuleName(rule)} warning {Iso(run.FirstWarning[rule])}{Lead(run.FirstWarning[rule], run.DropMinute)}, critical {Iso(run.FirstCritical[rule])}{Lead(run.FirstCritical[rule], run.DropMinute)}");
        }

        if (run.Rejected.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; {run.Rejected.Values.Sum():N0} messages rejected ({string.Join(", ", run.Rejected.Select(r => $"{r.Key}: {r.Value:N0}"))})");
        }

        text.Append(CultureInfo.InvariantCulture, $"; calm minutes {run.CalmMinutes}, with a critical alert {run.CalmMinutesWithCritical} ({run.CalmMinutesWithCriticalBeforeDrop} before the drop); liquidated {(run.LiquidatedNotional is { } l ? l.ToString("N0", CultureInfo.InvariantCulture) : "not modelled")}");
        return text.ToString();
    }

    private static string Lead(long? time, long? drop) =>
        time is { } t && drop is { } d ? string.Create(CultureInfo.InvariantCulture, $" ({(d - t) / 1000.0:+0;-0;0} s before the drop)") : string.Empty;

    private static KlineFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"kline file not found: {path}");
        }

        try
        {
            return KlineFile.Read(path);
        }
        catch (CaptureFormatException ex)
        {
            throw new UsageException($"kline file {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read kline file {path}: {ex.Message}");
        }
    }

    /// <summary>The instruments <c>--config</c> names under <see cref="InstrumentsSection"/>, by symbol.</summary>
    private static Dictionary<string, Instrument> ConfiguredInstruments(string? path)
    {
        var result = new Dictionary<string, Instrument>(StringComparer.Ordinal);
        if (path is null)
        {
            return result;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var element = document.RootElement;
            foreach (var name in InstrumentsSection.Split(':'))
            {
                if (element.ValueKind != JsonValueKind.Object || !TryGetProperty(element, name, out element))
                {
                    return result;
                }
            }

            if (element.ValueKind != JsonValueKind.Array)
            {
                throw new UsageException($"--config {path}: {InstrumentsSection} must be an array of instruments");
            }

            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                var instrument = InstrumentDocument.Read(item, string.Create(CultureInfo.InvariantCulture, $"{InstrumentsSection}[{i++}]"));
                result[instrument.Symbol.Value] = instrument;
            }

            return result;
        }
        catch (DocumentException ex)
        {
            throw new UsageException($"--config {path}: {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"--config {path}: {ex.Message}");
        }
    }

    /// <summary>A property by name ignoring case, as configuration binds it.</summary>
    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static void ByRule(Utf8JsonWriter json, string name, IReadOnlyDictionary<AlertRule, long?> times)
    {
        json.WriteStartObject(name);
        foreach (var rule in Enum.GetValues<AlertRule>())
        {
            Time(json, AlertMapping.RuleName(rule), times[rule]);
        }

        json.WriteEndObject();
    }

    private static void Time(Utf8JsonWriter json, string name, long? time)
    {
        if (time is { } t)
        {
            json.WriteString(name, Iso(t));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Iso(long? time) =>
        time is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "none";
}
