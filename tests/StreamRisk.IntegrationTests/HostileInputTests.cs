using System.Text;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamRisk.Host;
using StreamRisk.Replay.Capture;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// Bad input at volume: 10,000 generated malformed or hostile messages (truncated, oversized, deeply nested, huge
/// numbers, NaN, negative prices, unknown symbols, out-of-range book ids, invalid UTF-8, duplicated and reordered
/// account sequences) mixed into a valid simulated market day and streamed through Kafka into the monitor: every bad
/// one is dead-lettered with a reason, and the valid day's results are byte for byte those of the clean day.
/// </summary>
public sealed partial class HostileInputTests : IDisposable
{
    private const int Hostile = 10_000;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hostile-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task TenThousandHostileMessagesMixedIn_AllDeadLetteredWithReasons_ResultsUnchanged()
    {
        var clean = Path.Combine(_dir.FullName, "clean.srcap.gz");
        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            Assert.Equal(0, await Cli.RunAsync(["simulate", "--out", clean, "--events", "20000", "--accounts", "2000", "--seed", "3"], output, error, TimeProvider.System));
        }

        var hostile = Path.Combine(_dir.FullName, "hostile.srcap.gz");
        var kinds = WriteHostileCapture(clean, hostile, new Random(11));
        Assert.Equal(Hostile, kinds.Values.Sum());

        var replay = new KafkaReplayRun(_dir.FullName, [clean, "--format", "capture"]);
        var inProcess = await replay.InProcessAsync();
        using var cluster = KafkaReplayRun.StartCluster();
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        var (throughKafka, summary, log) = await replay.ThroughKafkaAsync(cluster, "max", disturb: null, produced: [hostile, "--format", "capture"], maxMessageBytes: 64 * 1024);

        var heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        Assert.Equal(Hostile, summary.DeadLettered);
        Assert.Equal(replay.Produced - Hostile, summary.EventsApplied);
        KafkaReplayRun.AssertSameResults(inProcess, throughKafka, log);
        Assert.True(heapGrowth < 64 * 1024 * 1024, $"managed heap grew by {heapGrowth:N0} bytes");

        // Every dead letter carries a reason, and each kind of hostility got its expected one.
        var reasons = ReadDeadLetterReasons(cluster.BootstrapServers, Hostile);
        Assert.Equal(Hostile, reasons.Count);
        Assert.All(reasons, reason => Assert.False(string.IsNullOrEmpty(reason)));
        var seen = reasons.GroupBy(r => r.Split(':')[0]).ToDictionary(g => g.Key, g => g.Count());
        foreach (var expected in new[] { "bad-json", "too-large", "too-deep", "not-finite", "negative", "unknown-symbol", "out-of-order-seq", "out-of-range" })
        {
            Assert.True(seen.ContainsKey(expected), $"no '{expected}' dead letter; seen: {string.Join(", ", seen.Select(kv => $"{kv.Key} {kv.Value}"))}");
        }
    }

    /// <summary>The clean capture with <see cref="Hostile"/> bad records inserted at random places; returns the count per kind.</summary>
    private static Dictionary<string, int> WriteHostileCapture(string clean, string hostile, Random rng)
    {
        var records = CaptureReader.ReadFile(clean).ToList();
        var marks = records.Where(r => r.Topic == CaptureTopics.Marks).ToList();
        var positions = records.Select((r, i) => (Record: r, Index: i)).Where(p => p.Record.Topic == CaptureTopics.Positions).ToList();
        var inserts = new List<(int After, CaptureRecord Record)>();
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Hostile; i++)
        {
            var at = rng.Next(1, records.Count);
            var time = records[at].EventTime;
            var mark = marks[rng.Next(marks.Count)];
            var symbol = SymbolOf().Match(Encoding.UTF8.GetString(mark.Payload)).Groups[1].Value;
            string kind;
            CaptureRecord record;
            switch (i % 11)
            {
                case 0:
                    kind = "truncated";
                    record = Copy(mark, time, mark.Payload[..rng.Next(2, mark.Payload.Length - 1)]);
                    break;
                case 1 when i % 220 == 1: // ~45 of them: each is 70 KB
                    kind = "oversized";
                    record = Copy(mark, time, Encoding.UTF8.GetBytes("{\"v\":1," + new string(' ', 70_000) + Encoding.UTF8.GetString(mark.Payload)[1..]), key: $"oversize-{i}");
                    break;
                case 2:
                    kind = "deep";
                    record = Copy(mark, time, Encoding.UTF8.GetBytes($"{{\"v\":1,\"note\":{new string('[', 200)}{new string(']', 200)},\"symbol\":\"{symbol}\",\"eventTime\":{time},\"price\":1}}"));
                    break;
                case 3:
                    kind = "huge-number";
                    record = Copy(mark, time, Mark(symbol, time, "1e400"));
                    break;
                case 4:
                    kind = "nan";
                    record = Copy(mark, time, Mark(symbol, time, "NaN"));
                    break;
                case 5:
                    kind = "negative";
                    record = Copy(mark, time, Mark(symbol, time, "-42.5"));
                    break;
                case 6:
                    kind = "unknown-symbol";
                    record = Copy(mark, time, Encoding.UTF8.GetBytes($"{{\"v\":1,\"symbol\":\"ZZ{i}USDT\",\"eventTime\":{time},\"price\":1}}"), key: $"ZZ{i}USDT");
                    break;
                case 7:
                case 8:
                {
                    // A copy of an account's message (or one with a lower seq), after the original: a replayed duplicate.
                    var (original, index) = positions[rng.Next(positions.Count)];
                    at = rng.Next(index + 1, records.Count + 1);
                    time = records[Math.Min(at, records.Count - 1)].EventTime;
                    var json = Encoding.UTF8.GetString(original.Payload);
                    kind = i % 11 == 7 ? "duplicate-seq" : "lower-seq";
                    if (kind == "lower-seq")
                    {
                        json = SeqOf().Replace(json, m => $"\"seq\":{Math.Max(1, long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - 1)}", 1);
                    }

                    record = new CaptureRecord(0, original.Topic, original.Key, Math.Max(time, original.EventTime), Encoding.UTF8.GetBytes(json));
                    break;
                }

                case 9:
                    kind = "invalid-utf8";
                    var bytes = new byte[rng.Next(5, 60)];
                    rng.NextBytes(bytes);
                    bytes[0] = 0xff;
                    record = Copy(mark, time, bytes);
                    break;
                default:
                    kind = "book-ids";
                    record = new CaptureRecord(0, CaptureTopics.Book, mark.Key, time,
                        Encoding.UTF8.GetBytes($"{{\"v\":1,\"type\":\"delta\",\"symbol\":\"{symbol}\",\"eventTime\":{time},\"firstId\":10,\"lastId\":5,\"prevId\":4,\"bids\":[],\"asks\":[]}}"));
                    break;
            }

            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            inserts.Add((at, record));
        }

        using var writer = CaptureWriter.Create(hostile, new CaptureWriterOptions { ReorderWindow = TimeSpan.Zero, MaxRecordsPerMember = 65_536, MaxMemberAge = TimeSpan.MaxValue }, TimeProvider.System);
        var byPosition = inserts.ToLookup(x => x.After, x => x.Record);
        for (var i = 0; i <= records.Count; i++)
        {
            foreach (var bad in byPosition[i])
            {
                writer.Append(bad.Topic, bad.Key, bad.EventTime, bad.Payload);
            }

            if (i < records.Count)
            {
                writer.Append(records[i].Topic, records[i].Key, records[i].EventTime, records[i].Payload);
            }
        }

        return kinds;
    }

    private static CaptureRecord Copy(CaptureRecord like, long time, byte[] payload, string? key = null) =>
        new(0, like.Topic, key is null ? like.Key : Encoding.UTF8.GetBytes(key), time, payload);

    private static byte[] Mark(string symbol, long time, string price) =>
        Encoding.UTF8.GetBytes($"{{\"v\":1,\"symbol\":\"{symbol}\",\"eventTime\":{time},\"price\":{price}}}");

    private static List<string> ReadDeadLetterReasons(string bootstrap, int expected)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaTestClients.Consumer(bootstrap, "dead-letter-check")).Build();
        consumer.Subscribe(new StreamRisk.Contracts.TopicNames().DeadLetter);
        var reasons = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (reasons.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result?.Message is { } message)
            {
                reasons.Add(message.Headers.TryGetLastBytes("streamrisk-reason", out var reason) ? Encoding.UTF8.GetString(reason) : string.Empty);
            }
        }

        consumer.Close();
        return reasons;
    }

    [GeneratedRegex("\"symbol\":\"([A-Z0-9]+)\"")]
    private static partial Regex SymbolOf();

    [GeneratedRegex("\"seq\":([0-9]+)")]
    private static partial Regex SeqOf();
}
