using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using StreamRisk.Replay.Capture;
using StreamRisk.Simulation;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk simulate --out FILE --events N</c>: the demo's simulated market (population, books, marks, shocks,
/// position changes, liquidations), run as fast as it computes and written straight into a StreamRisk capture —
/// a synthetic market day of any size for <c>replay --format capture</c> and for measuring replay throughput.
/// The same seed and sizes always give the same bytes.
/// </summary>
internal static class SimulateCommand
{
    /// <summary>Event time of the first simulated event: fixed, so the capture depends only on the options.</summary>
    private const long Start = 1_704_067_200_000; // 2024-01-01T00:00:00Z

    public static Command Create(TextWriter output, TimeProvider time)
    {
        var outFile = new Option<string>("--out") { Description = "Capture file to write (must not exist).", Required = true };
        var events = new Option<int>("--events") { Description = "Events to write (1000-100000000).", DefaultValueFactory = _ => 1_000_000, CustomParser = Cli.IntInRange(1_000, 100_000_000) };
        var accounts = new Option<int>("--accounts") { Description = "Simulated accounts (100-1000000).", DefaultValueFactory = _ => 20_000, CustomParser = Cli.IntInRange(100, 1_000_000) };
        var touches = new Option<int>("--touch-updates") { Description = "Extra one-level book messages per symbol per 100 ms step, like a venue's full-depth feed (0-1000; ~20 is Binance BTCUSDT's rate).", DefaultValueFactory = _ => 0, CustomParser = Cli.IntInRange(0, 1_000) };
        var seed = new Option<int>("--seed") { Description = "Simulator seed: the same seed plays the same market.", DefaultValueFactory = _ => 1 };
        var command = new Command("simulate", "Write a simulated market day (the demo's simulator, as fast as it runs) into a StreamRisk capture.")
        {
            outFile, events, accounts, seed, touches,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(outFile)!;
            if (File.Exists(path))
            {
                throw new UsageException($"{path} exists; choose a new file (a capture is never overwritten)");
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null && !Directory.Exists(directory))
            {
                throw new UsageException($"{directory}: no such directory");
            }

            var clock = Stopwatch.StartNew();
            var options = new SimulatorOptions { Seed = parse.GetValue(seed), Accounts = parse.GetValue(accounts), TouchUpdatesPerStep = parse.GetValue(touches) };
            var wanted = parse.GetValue(events);
            var written = 0L;
            // Simulator events come in event-time order: no reorder window. Members of record's size: a capture cut
            // short (a full disk, a copy stopped halfway) still replays up to its last whole member.
            using (var writer = CaptureWriter.Create(path, new CaptureWriterOptions { ReorderWindow = TimeSpan.Zero, MaxMemberAge = TimeSpan.MaxValue }, time))
            using (var messages = new SimulationMessages(options))
            {
                foreach (var simEvent in new MarketSimulator(options).Run(Start, TimeSpan.FromDays(3650)))
                {
                    var message = messages.Encode(simEvent);
                    writer.Append(CaptureTopics.Of(message.Topic), message.Key, simEvent.EventTime, message.Value);
                    if (++written == wanted)
                    {
                        break;
                    }
                }
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"simulate: {written:N0} events ({options.Accounts:N0} accounts, seed {options.Seed}) written to {path} ({new FileInfo(path).Length / 1e6:N1} MB) in {clock.Elapsed.TotalSeconds:0.0} s"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
