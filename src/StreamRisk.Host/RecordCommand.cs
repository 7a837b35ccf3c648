using System.CommandLine;
using System.Globalization;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Wire;
using StreamRisk.Kafka.Capture;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk record --out FILE</c>: appends every message of the live StreamRisk topics to a capture
/// (see <see cref="CaptureWriter"/>) until Ctrl+C or <c>--duration</c>, then prints one summary line. The reading is
/// <see cref="TopicRecorder"/>'s: every partition from the beginning, outside any consumer group.
/// </summary>
internal static class RecordCommand
{
    public static Command Create(TextWriter output, TimeProvider time)
    {
        var file = new Option<string>("--out") { Description = "Capture file to create (gzip; must not exist).", Required = true };
        var bootstrap = new Option<string>("--bootstrap") { Description = "Kafka bootstrap servers.", DefaultValueFactory = _ => "localhost:9092" };
        var prefix = new Option<string>("--topic-prefix") { Description = "Prefix of the Kafka topic names.", DefaultValueFactory = _ => TopicNames.DefaultPrefix };
        var topics = new Option<string>("--topics")
        {
            Description = "Topic kinds to record, comma-separated: " + string.Join(",", CaptureTopics.All) + " (default: all).",
            DefaultValueFactory = _ => string.Join(",", CaptureTopics.All),
        };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Stop after this long (e.g. 30s, 5m). Default: until Ctrl+C.", CustomParser = Cli.ParsePositiveDuration };
        var window = new Option<TimeSpan?>("--reorder-window")
        {
            Description = "Hold records this long in event time to write partitions in event-time order (default 2s).",
            CustomParser = Cli.ParseDuration,
        };

        var command = new Command("record", "Record the live topics to a capture file (gzip JSON lines in event-time order) until Ctrl+C or --duration.")
        {
            file, bootstrap, prefix, topics, duration, window,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var path = parse.GetValue(file)!;
            var kinds = ParseKinds(parse.GetValue(topics) ?? string.Empty);
            if (File.Exists(path))
            {
                throw new UsageException($"--out {path}: the file exists (a capture is one recording; choose a new name)");
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null && !Directory.Exists(directory))
            {
                throw new UsageException($"--out {path}: no such directory");
            }

            var names = TopicNames.WithPrefix(parse.GetValue(prefix) ?? TopicNames.DefaultPrefix);
            var options = new CaptureWriterOptions { ReorderWindow = parse.GetValue(window) ?? TimeSpan.FromSeconds(2) };
            var servers = parse.GetValue(bootstrap) ?? "localhost:9092";
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            if (parse.GetValue(duration) is { } limit)
            {
                stop.CancelAfter(limit);
            }

            await output.WriteLineAsync($"recording {string.Join(", ", kinds.Select(k => names.Of(CaptureTopics.ToWire(k))))} from {servers} to {path}").ConfigureAwait(false);
            using var logging = Logging.RunLogging.Create(parse);
            var recorder = new TopicRecorder(servers, names, [.. kinds.Select(CaptureTopics.ToWire)], logging.CreateLogger(Logging.LogCategories.Kafka), time);
            using (var writer = CaptureWriter.Create(path, options, time))
            {
                // Consume blocks: keep it off the thread pool.
                await Task.Factory.StartNew(() => recorder.Run(new Sink(writer), options.ReorderWindow, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    .ConfigureAwait(false);
                writer.Dispose();
                await output.WriteLineAsync(Summary(path, recorder.Counts.ToDictionary(c => CaptureTopics.Of(c.Key), c => c.Value), writer)).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Summary(string path, IReadOnlyDictionary<string, long> counts, CaptureWriter writer)
    {
        var total = counts.Values.Sum();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"recorded {total:N0} records to {path}: {string.Join(", ", counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:N0}")))}");
        if (writer.Late > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"; {writer.Late:N0} late beyond the reorder window (kept, skipped on replay)");
        }

        return line;
    }

    private static string[] ParseKinds(string text)
    {
        var kinds = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!CaptureTopics.TryGet(part, out var kind))
            {
                throw new UsageException($"'{part}' is not valid for --topics: expected some of {string.Join(",", CaptureTopics.All)}");
            }

            if (!kinds.Contains(kind))
            {
                kinds.Add(kind);
            }
        }

        return kinds.Count > 0 ? [.. kinds] : throw new UsageException("--topics names no topic");
    }

    private static string TopicName(TopicNames names, string kind) => kind switch
    {
        CaptureTopics.Instruments => names.Instruments,
        CaptureTopics.Book => names.Book,
        CaptureTopics.Marks => names.Marks,
        CaptureTopics.Positions => names.Positions,
        CaptureTopics.Insurance => names.Insurance,
        _ => names.Liquidations,
    };

    /// <summary>The capture file as the recorder's sink: records under their capture topic names.</summary>
    private sealed class Sink(CaptureWriter writer) : ICaptureSink
    {
        public void Append(WireTopic topic, byte[] key, long eventTime, byte[] value) => writer.Append(CaptureTopics.Of(topic), key, eventTime, value);

        public void FlushIfDue() => writer.FlushIfDue();
    }
}
