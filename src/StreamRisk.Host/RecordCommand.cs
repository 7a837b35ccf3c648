using StreamRisk.Contracts.Wire;
using System.CommandLine;
using System.Globalization;
using Confluent.Kafka;
using StreamRisk.Contracts;
using StreamRisk.Kafka.Ingest;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk record --out FILE</c>: appends every message of the live StreamRisk topics to a capture
/// (see <see cref="CaptureWriter"/>) until Ctrl+C or <c>--duration</c>, then prints one summary line. Like the
/// monitor's market consumer it belongs to no consumer group: it is assigned every partition and reads from the
/// beginning, so recording never disturbs a running monitor's group. Event time is the payload's top-level
/// <c>eventTime</c>, else (instruments, or a message that is not a wire message) the Kafka timestamp.
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

            await output.WriteLineAsync($"recording {string.Join(", ", kinds.Select(k => TopicName(names, k)))} from {servers} to {path}").ConfigureAwait(false);
            var recorder = new Recorder(servers, names, kinds, message => output.WriteLine(message), time);
            using (var writer = CaptureWriter.Create(path, options, time))
            {
                // Consume blocks: keep it off the thread pool.
                await Task.Factory.StartNew(() => recorder.Run(writer, options.ReorderWindow, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    .ConfigureAwait(false);
                writer.Dispose();
                await output.WriteLineAsync(Summary(path, recorder.Counts, writer)).ConfigureAwait(false);
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
        _ => names.Liquidations,
    };

    /// <summary>
    /// The consume loop: one thread owns the consumer and the writer. Partitions are read in step by event time
    /// (<see cref="EventTimeAlignment{T}"/>, within half the reorder window of each other while some are behind), so a
    /// backlog or a burst on one topic does not put the others' records beyond the window.
    /// </summary>
    private sealed class Recorder(string bootstrap, TopicNames names, string[] kinds, Action<string> log, TimeProvider time)
    {
        /// <summary>A partition that is behind but delivers nothing for this long (its broker down) is not waited for.</summary>
        private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(5);

        /// <summary>How often every partition's behind-or-not is read from the consumer's cached watermarks.</summary>
        private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(100);

        private readonly Dictionary<string, long> _counts = kinds.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        private readonly List<(ConsumeResult<byte[], byte[]> Record, long EventTime)> _ready = [];
        private readonly List<int> _resume = [];
        private readonly Dictionary<TopicPartition, int> _index = [];
        private TopicPartition[] _partitions = [];
        private long[] _next = [];
        private EventTimeAlignment<ConsumeResult<byte[], byte[]>>? _alignment;
        private long _refreshed;

        public IReadOnlyDictionary<string, long> Counts => _counts;

        public void Run(CaptureWriter writer, TimeSpan reorderWindow, CancellationToken cancel)
        {
            var kindOf = kinds.ToDictionary(k => TopicName(names, k), k => k, StringComparer.Ordinal);
            var config = new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                // Required by the client, never used: partitions are assigned, offsets never stored or committed.
                GroupId = "streamrisk-record",
                EnableAutoCommit = false,
                EnableAutoOffsetStore = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnablePartitionEof = false,
                ClientId = "streamrisk-record",
            };
            using var consumer = new ConsumerBuilder<byte[], byte[]>(config)
                .SetErrorHandler((_, e) => log($"kafka: {e.Code}: {e.Reason}"))
                .Build();
            var partitions = Partitions(consumer, [.. kindOf.Keys], cancel);
            if (partitions is null)
            {
                return;
            }

            try
            {
                // Instruments first, to their end, as the monitor reads them: every other record names a symbol, and an
                // instrument fetched after a later book or liquidation record (all topics assigned at once, fetches
                // answered in any order) would reach the writer behind it and land beyond the reorder window as late.
                var instruments = partitions.Where(p => kindOf[p.Topic] == CaptureTopics.Instruments).ToList();
                if (instruments.Count > 0)
                {
                    consumer.Assign(instruments);
                    while (!cancel.IsCancellationRequested && !AtEnd(consumer, instruments))
                    {
                        ConsumeOne(consumer, writer, kindOf, aligned: false);
                    }

                    // Carry on from where the instruments were read to, with every other topic from its beginning.
                    partitions =
                    [
                        .. instruments.Select(p => consumer.Position(p.TopicPartition) is var at && at != Offset.Unset ? new TopicPartitionOffset(p.TopicPartition, at) : p),
                        .. partitions.Where(p => kindOf[p.Topic] != CaptureTopics.Instruments),
                    ];
                }

                consumer.Assign(partitions);
                _partitions = [.. partitions.Select(p => p.TopicPartition)];
                _next = [.. partitions.Select(p => p.Offset.Value >= 0 ? p.Offset.Value : Offset.Unset.Value)];
                for (var i = 0; i < _partitions.Length; i++)
                {
                    _index[_partitions[i]] = i;
                }

                _alignment = new EventTimeAlignment<ConsumeResult<byte[], byte[]>>(_partitions.Length, reorderWindow / 2, IdleAfter, time);
                while (!cancel.IsCancellationRequested)
                {
                    ConsumeOne(consumer, writer, kindOf, aligned: true);
                }

                // Stopping: what is held was read, so it belongs in the capture.
                _alignment.ReleaseAll(_ready, _resume);
                WriteReady(consumer, writer, kindOf);
            }
            finally
            {
                consumer.Close();
            }
        }

        private void ConsumeOne(IConsumer<byte[], byte[]> consumer, CaptureWriter writer, Dictionary<string, string> kindOf, bool aligned)
        {
            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                return;
            }

            if (result?.Message is null || !kindOf.TryGetValue(result.Topic, out var kind))
            {
                // Idle: a quiet feed still completes its member for readers of the growing file.
                writer.FlushIfDue();
                if (aligned)
                {
                    Align(consumer, writer, kindOf, refreshAll: true);
                }

                return;
            }

            var value = result.Message.Value ?? [];
            var eventTime = PayloadEventTime.TryRead(value, out var stamped) ? stamped : result.Message.Timestamp.UnixTimestampMs;
            _counts[kind]++;
            if (!aligned || _alignment is null || !_index.TryGetValue(result.TopicPartition, out var input))
            {
                writer.Append(kind, result.Message.Key ?? [], eventTime, value);
                return;
            }

            _next[input] = result.Offset.Value + 1;
            _alignment.SetBehind(input, IsBehind(consumer, input));
            if (_alignment.Offer(input, eventTime, result))
            {
                writer.Append(kind, result.Message.Key ?? [], eventTime, value);
            }
            else
            {
                // Pausing drops what the client fetched ahead for the partition; it resumes after the held record.
                consumer.Pause([result.TopicPartition]);
            }

            Align(consumer, writer, kindOf, refreshAll: time.GetElapsedTime(_refreshed) >= RefreshEvery);
        }

        /// <summary>Updates which partitions are behind (all of them, or only when due) and writes what may go now.</summary>
        private void Align(IConsumer<byte[], byte[]> consumer, CaptureWriter writer, Dictionary<string, string> kindOf, bool refreshAll)
        {
            var alignment = _alignment!;
            if (refreshAll)
            {
                _refreshed = time.GetTimestamp();
                for (var i = 0; i < _partitions.Length; i++)
                {
                    alignment.SetBehind(i, IsBehind(consumer, i));
                }
            }

            if (alignment.Held > 0)
            {
                alignment.Release(_ready, _resume);
                WriteReady(consumer, writer, kindOf);
            }
        }

        private void WriteReady(IConsumer<byte[], byte[]> consumer, CaptureWriter writer, Dictionary<string, string> kindOf)
        {
            foreach (var (record, eventTime) in _ready)
            {
                writer.Append(kindOf[record.Topic], record.Message.Key ?? [], eventTime, record.Message.Value ?? []);
            }

            if (_resume.Count > 0)
            {
                consumer.Resume(_resume.Select(i => _partitions[i]).ToList());
            }

            _ready.Clear();
            _resume.Clear();
        }

        /// <summary>
        /// Whether a partition has records not read yet, from the watermarks the client keeps from its fetches (no
        /// request to the broker). Unknown watermarks (nothing fetched yet) count as behind: it may hold the earliest.
        /// </summary>
        private bool IsBehind(IConsumer<byte[], byte[]> consumer, int input)
        {
            var watermarks = consumer.GetWatermarkOffsets(_partitions[input]);
            if (watermarks.High == Offset.Unset)
            {
                return true;
            }

            // Nothing read yet: behind if the partition holds anything (an empty one has a high watermark of 0).
            var next = _next[input] >= 0 ? _next[input] : Math.Max(watermarks.Low.Value, 0);
            return next < watermarks.High.Value;
        }

        private static bool AtEnd(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
        {
            try
            {
                return KafkaSource.AtEnd(consumer, partitions);
            }
            catch (KafkaException)
            {
                return false; // broker unreachable for now: keep consuming (and waiting), as for a slow partition
            }
        }

        /// <summary>Every partition of the topics from the beginning, waiting for topics that do not exist yet; null if stopped meanwhile.</summary>
        private List<TopicPartitionOffset>? Partitions(IConsumer<byte[], byte[]> consumer, string[] topics, CancellationToken cancel)
        {
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            var partitions = new List<TopicPartitionOffset>();
            foreach (var topic in topics)
            {
                var announced = false;
                while (true)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        return null;
                    }

                    try
                    {
                        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(2)).Topics.FirstOrDefault();
                        if (metadata is not null && metadata.Error.Code == ErrorCode.NoError && metadata.Partitions.Count > 0)
                        {
                            partitions.AddRange(metadata.Partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
                            break;
                        }
                    }
                    catch (KafkaException)
                    {
                        // Broker not reachable yet: keep waiting, like a topic that does not exist yet.
                    }

                    if (!announced)
                    {
                        log($"waiting for topic {topic}");
                        announced = true;
                    }

                    cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
                }
            }

            return partitions;
        }
    }
}
