using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Documents;
using StreamRisk.Domain.Portfolio;
using StreamRisk.Engine.Scenarios;
using StreamRisk.Host.Replaying;
using StreamRisk.Replay;
using StreamRisk.Replay.Capture;
using StreamRisk.Replay.InProcess;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk stress [--scenarios FILE] [--at TIME] [--config FILE] [--json] DOCUMENT|CAPTURE</c>: the named stress
/// scenarios (the shipped file by default) applied to a state — a multi-instrument <c>project</c> document, or a
/// StreamRisk capture replayed in process up to a time — with each scenario's system outcome: per instrument the final
/// move, liquidated notional and whether its book ran out; liquidated accounts; the fund after; ADL.
/// </summary>
internal static class StressCommand
{
    /// <summary>The scenarios file that ships with the product, beside the executable.</summary>
    public static string ShippedScenarios => Path.Combine(AppContext.BaseDirectory, StressScenarioFile.ShippedPath);

    public static Command Create(TextWriter output, TextWriter progress)
    {
        var state = new Argument<string>("STATE") { Description = "A multi-instrument `project` document, or a StreamRisk capture (from `record` or `simulate`)." };
        var scenarios = new Option<string?>("--scenarios") { Description = "JSON file of named scenarios (docs/stress-scenarios.md; elements as in `project`). Default: the shipped scenarios/stress-scenarios.json." };
        var at = new Option<long?>("--at") { Description = "For a capture: the state after every event at or before this time (unix ms or ISO 8601 UTC). Default: the whole capture.", CustomParser = ReplayCommand.ParseTime };
        var config = new Option<string?>("--config") { Description = "For a capture: JSON settings file as `run` reads it (the Engine section: profile, insurance funds)." };
        var json = new Option<bool>("--json") { Description = "Print the outcome as one JSON document instead of tables." };
        var command = new Command("stress", "Apply named stress scenarios to a state (a project document or a capture up to a time) and print each one's system outcome.")
        {
            state, scenarios, at, config, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var path = parse.GetValue(state)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"{path}: no such file");
            }

            var scenarioList = await ReadScenariosAsync(parse.GetValue(scenarios), cancel).ConfigureAwait(false);
            var time = parse.GetValue(at);
            var configFile = parse.GetValue(config);
            PortfolioProjector projector;
            double fund;
            StressStateResult described;
            var format = ReplayFormats.Detect(path);
            if (format == ReplayFormats.Capture)
            {
                var replayed = new ReplayState(ReplaySettings.Load(configFile).ToEngineOptions());
                var shown = 0;
                var source = new CaptureFileSource([path], time, problem =>
                {
                    if (shown++ < 20)
                    {
                        progress.WriteLine(ReplayCommand.Describe(problem, "stress"));
                    }
                });
                source.Play(replayed.Apply, cancel);
                (projector, fund) = PortfolioProjection.Load(replayed.Engine);
                described = Describe(path, time ?? replayed.EventTime, projector, fund);
            }
            else if (format is not null)
            {
                throw new UsageException($"{path}: a {format} capture holds no accounts; stress reads a StreamRisk capture (record, simulate) or a project document");
            }
            else
            {
                if (time is not null || configFile is not null)
                {
                    throw new UsageException("--at and --config apply to a capture; a document is its own state");
                }

                var bytes = await InputFiles.ReadAllAsync(path, cancel).ConfigureAwait(false);
                if (!PortfolioRequest.IsPortfolio(bytes))
                {
                    throw new UsageException($"{path}: neither a StreamRisk capture nor a multi-instrument project document (with \"instruments\")");
                }

                PortfolioRequest request;
                try
                {
                    request = PortfolioRequest.Parse(bytes);
                }
                catch (DocumentException ex)
                {
                    throw new UsageException($"{path}: {ex.Message}");
                }

                projector = PortfolioProjection.Load(request);
                fund = request.InsuranceFund;
                described = Describe(path, null, projector, fund);
            }

            var result = new StressResult(described, PortfolioProjection.Stress(projector, fund, scenarioList));
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(result, ContractsJson.Default.StressResult)).ConfigureAwait(false);
            }
            else
            {
                WriteTables(result, output);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<IReadOnlyList<ScenarioDocument>> ReadScenariosAsync(string? file, CancellationToken cancel)
    {
        var path = file ?? ShippedScenarios;
        if (file is null && !File.Exists(path))
        {
            throw new UsageException($"no --scenarios given and the shipped file is missing ({path})");
        }

        var bytes = await InputFiles.ReadAllAsync(path, cancel).ConfigureAwait(false);
        try
        {
            return StressScenarioFile.Parse(bytes);
        }
        catch (DocumentException ex)
        {
            throw new UsageException($"{path}: {ex.Message}");
        }
    }

    private static StressStateResult Describe(string path, long? at, PortfolioProjector projector, double fund)
    {
        var symbols = new List<string>(projector.InstrumentCount);
        for (var i = 0; i < projector.InstrumentCount; i++)
        {
            symbols.Add(projector.InstrumentAt(i).Symbol.Value);
        }

        return new StressStateResult(Path.GetFileName(path), at, symbols, projector.AccountCount, fund);
    }

    private static void WriteTables(StressResult result, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 120;
        var s = result.State;
        var at = s.At is { } t ? string.Create(CultureInfo.InvariantCulture, $" at {DateTimeOffset.FromUnixTimeMilliseconds(t):yyyy-MM-dd HH:mm:ss.fff}Z") : string.Empty;
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stress: {ConsoleText.Visible(s.Source)}{at}: {s.Instruments.Count} instruments, {s.Accounts:N0} accounts, insurance fund {s.InsuranceFund:N0}"));
        foreach (var scenario in result.Scenarios)
        {
            if (scenario.Skipped is { } reason)
            {
                console.WriteLine($"{ConsoleText.Visible(scenario.Name)}: skipped ({ConsoleText.Visible(reason)})");
                continue;
            }

            var table = new Table().Title(Markup.Escape(ConsoleText.Visible(scenario.Name)))
                .AddColumn("Instrument")
                .AddColumn(new TableColumn("Final move").RightAligned())
                .AddColumn(new TableColumn("Final price").RightAligned())
                .AddColumn(new TableColumn("Liquidated notional").RightAligned())
                .AddColumn("Book");
            foreach (var instrument in scenario.Instruments)
            {
                table.AddRow(
                    Markup.Escape(ConsoleText.Visible(instrument.Symbol)),
                    instrument.Move.ToString("+0.00%;-0.00%;0.00%", CultureInfo.InvariantCulture),
                    instrument.FinalPrice.ToString("N2", CultureInfo.InvariantCulture),
                    instrument.LiquidatedNotional.ToString("N0", CultureInfo.InvariantCulture),
                    instrument.BookExhausted ? "exhausted" : string.Empty);
            }

            table.Caption(string.Create(CultureInfo.InvariantCulture,
                $"{scenario.LiquidatedAccounts:N0} accounts liquidated, insurance fund after {scenario.InsuranceFundAfter:N0}, ADL {scenario.AdlNotional:N0}"));
            console.Write(table);
        }
    }
}
