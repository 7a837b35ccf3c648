using StreamRisk.Contracts.Wire;
using System.IO.Compression;
using System.Text;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Replay.Tests.Capture;

public sealed class CaptureFormatTests : IDisposable
{
    private static readonly CaptureWriterOptions InArrivalOrder = new() { ReorderWindow = TimeSpan.Zero };
    private readonly string _directory = Directory.CreateTempSubdirectory("capture-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AppendThenRead_JsonAndNonJsonPayloads_SameBytesBack()
    {
        var path = Path.Combine(_directory, "round.gz");
        var records = new (string Topic, byte[] Key, long EventTime, byte[] Payload)[]
        {
            (CaptureTopics.Instruments, U("BTCUSDT"), 1000, U("""{"v":1,"symbol":"BTCUSDT","tiers":[{"floor":0,"mmr":0.004}]}""")),
            (CaptureTopics.Marks, U("BTCUSDT"), 1001, U("""{"v":1,"symbol":"BTCUSDT","eventTime":1001,"price":61795.42}""")),
            (CaptureTopics.Positions, U("acct-\u00e9\"1"), 1002, U("""{"v":1,"type":"balance","account":"acct-é\"1","balance":1e3}""")),
            (CaptureTopics.Book, U("BTCUSDT"), 1003, [0xff, 0x00, 0x7b, 0x0a]),
            (CaptureTopics.Liquidations, [0xc3, 0x28], 1004, U("not json")),
            (CaptureTopics.Marks, [], 1005, U(" {\"v\":1} ")),
            (CaptureTopics.Marks, U("X"), 1006, U("{\"v\":1,\n\"price\":2}")),
            (CaptureTopics.Marks, U("X"), 1007, []),
            (CaptureTopics.Marks, U("X"), 1008, U("\"a string value\"")),
        };

        using (var writer = CaptureWriter.Create(path, InArrivalOrder, TimeProvider.System))
        {
            foreach (var (topic, key, eventTime, payload) in records)
            {
                writer.Append(topic, key, eventTime, payload);
            }
        }

        var problems = new List<CaptureProblem>();
        var read = CaptureReader.ReadFile(path, problems.Add).ToList();

        Assert.Empty(problems);
        Assert.Equal(records.Length, read.Count);
        for (var i = 0; i < records.Length; i++)
        {
            Assert.Equal(records[i].Topic, read[i].Topic);
            Assert.Equal(records[i].Key, read[i].Key);
            Assert.Equal(records[i].EventTime, read[i].EventTime);
            Assert.Equal(records[i].Payload, read[i].Payload);
            Assert.Equal(i + 1, read[i].LineNumber);
        }
    }

    [Fact]
    public void Append_JsonPayload_EmbeddedVerbatimAndOtherBytesAsBase64()
    {
        var path = Path.Combine(_directory, "lines.gz");
        using (var writer = CaptureWriter.Create(path, InArrivalOrder, TimeProvider.System))
        {
            writer.Append(CaptureTopics.Marks, U("BTCUSDT"), 1723161255123, U("""{"v":1,"symbol":"BTCUSDT","eventTime":1723161255123,"price":61795.42}"""));
            writer.Append(CaptureTopics.Marks, U("BTCUSDT"), 1723161255124, U("oops"));
        }

        var lines = GunzipText(path).Split('\n');

        Assert.Equal("""{"topic":"marks","key":"BTCUSDT","eventTime":1723161255123,"payload":{"v":1,"symbol":"BTCUSDT","eventTime":1723161255123,"price":61795.42}}""", lines[0]);
        Assert.Equal("""{"topic":"marks","key":"BTCUSDT","eventTime":1723161255124,"payloadBase64":"b29wcw=="}""", lines[1]);
        Assert.Equal(string.Empty, lines[2]);
    }

    [Fact]
    public void Flush_EveryMember_StandardGzipReadsTheConcatenatedMembers()
    {
        var path = Path.Combine(_directory, "members.gz");
        using (var writer = CaptureWriter.Create(path, InArrivalOrder with { MaxRecordsPerMember = 7 }, TimeProvider.System))
        {
            for (var i = 0; i < 100; i++)
            {
                writer.Append(CaptureTopics.Marks, U("X"), i, U($"{{\"eventTime\":{i}}}"));
            }

            Assert.Equal(14, writer.Members);
        }

        // GZipStream reads multi-member input and checks each member's CRC: the writer's own members are valid gzip.
        var lines = GunzipText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(100, lines.Length);
        Assert.Equal(100, CaptureReader.ReadFile(path).Count());
    }

    [Fact]
    public void Read_WhileWriterStillOpen_SeesEveryFlushedRecordAndNoHalfMember()
    {
        var path = Path.Combine(_directory, "live.gz");
        using var writer = CaptureWriter.Create(path, InArrivalOrder with { MaxRecordsPerMember = 1_000_000 }, TimeProvider.System);
        for (var i = 0; i < 50; i++)
        {
            writer.Append(CaptureTopics.Marks, U("X"), i, U($"{{\"eventTime\":{i}}}"));
        }

        writer.Flush();
        for (var i = 50; i < 80; i++)
        {
            writer.Append(CaptureTopics.Marks, U("X"), i, U($"{{\"eventTime\":{i}}}"));
        }

        var problems = new List<CaptureProblem>();
        var first = CaptureReader.ReadFile(path, problems.Add).Select(r => r.EventTime).ToList();
        writer.Flush();
        var second = CaptureReader.ReadFile(path, problems.Add).Select(r => r.EventTime).ToList();

        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), first);
        Assert.Equal(Enumerable.Range(0, 80).Select(i => (long)i), second);
        Assert.Empty(problems);
    }

    [Fact]
    public void Read_FileCutInsideItsLastMember_ReportsTruncationAtTheNextLineAndReadsTheRest()
    {
        var path = Path.Combine(_directory, "cut.gz");
        using (var writer = CaptureWriter.Create(path, InArrivalOrder with { MaxRecordsPerMember = 10 }, TimeProvider.System))
        {
            for (var i = 0; i < 25; i++)
            {
                writer.Append(CaptureTopics.Marks, U("X"), i, U($"{{\"eventTime\":{i}}}"));
            }
        }

        var bytes = File.ReadAllBytes(path);
        foreach (var cut in new[] { 1, 5, 40 })
        {
            var cutPath = Path.Combine(_directory, $"cut-{cut}.gz");
            File.WriteAllBytes(cutPath, bytes[..^cut]);
            var problems = new List<CaptureProblem>();

            var read = CaptureReader.ReadFile(cutPath, problems.Add).ToList();

            Assert.Equal(20, read.Count);
            var problem = Assert.Single(problems);
            Assert.Equal(21, problem.LineNumber);
            Assert.StartsWith("truncated gzip member", problem.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_CorruptMember_ReportedAndReadingStops()
    {
        var path = Path.Combine(_directory, "corrupt.gz");
        using (var writer = CaptureWriter.Create(path, InArrivalOrder with { MaxRecordsPerMember = 10 }, TimeProvider.System))
        {
            for (var i = 0; i < 20; i++)
            {
                writer.Append(CaptureTopics.Marks, U("X"), i, U($"{{\"eventTime\":{i}}}"));
            }
        }

        var bytes = File.ReadAllBytes(path);
        bytes[^5] ^= 0xff; // the last member's stated size no longer matches
        File.WriteAllBytes(path, bytes);
        var problems = new List<CaptureProblem>();

        var read = CaptureReader.ReadFile(path, problems.Add).ToList();

        Assert.Equal(10, read.Count);
        Assert.Equal(11, Assert.Single(problems).LineNumber);
        Assert.StartsWith("corrupt gzip member", problems[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LastLineWithoutItsLineEnd_ReportedWithItsLineNumber()
    {
        var path = WriteGzipText("cut-line.gz",
            """{"topic":"marks","key":"X","eventTime":1,"payload":{"v":1}}""" + "\n" +
            """{"topic":"marks","key":"X","eventTime":2,"payload":{"v":1}}""" + "\n" +
            """{"topic":"marks","key":"X","eventTime":3,"payl""");
        var problems = new List<CaptureProblem>();

        var read = CaptureReader.ReadFile(path, problems.Add).ToList();

        Assert.Equal([1L, 2L], read.Select(r => r.EventTime));
        var problem = Assert.Single(problems);
        Assert.Equal(3, problem.LineNumber);
        Assert.StartsWith("truncated line", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BadLines_EachReportedWithItsLineNumberAndSkipped()
    {
        var path = WriteGzipText("bad.gz", string.Join('\n',
            """{"topic":"marks","key":"X","eventTime":10,"payload":{"v":1}}""",
            """{"topic":"marks","key":"X","eventTime":11,"payload":{"v":1""",
            """{"topic":"trades","key":"X","eventTime":12,"payload":{"v":1}}""",
            """{"topic":"marks","key":"X","payload":{"v":1}}""",
            """{"topic":"marks","key":"X","eventTime":9,"payload":{"v":1}}""",
            """{"topic":"marks","key":"X","eventTime":13,"payload":{"v":1},"payload":{"v":2}}""",
            """{"topic":"marks","key":"X","eventTime":"14","payload":{"v":1}}""",
            """[1,2]""",
            """{"topic":"marks","key":"X","eventTime":15,"payloadBase64":"%%%"}""",
            string.Empty,
            """{"topic":"book","key":"X","eventTime":16,"payload":{"v":1},"later":{"field":[1]}}""") + "\n");
        var problems = new List<CaptureProblem>();

        var read = CaptureReader.ReadFile(path, problems.Add).ToList();

        Assert.Equal([(1L, 10L), (11L, 16L)], read.Select(r => (r.LineNumber, r.EventTime)));
        Assert.Equal(
            [
                (2L, "malformed JSON"),
                (3L, "unknown topic: trades"),
                (4L, "missing field: eventTime"),
                (5L, "out-of-order eventTime 9: earlier than the previous record's 10"),
                (6L, "duplicate field: payload"),
                (7L, "malformed: eventTime is not a non-negative integer"),
                (8L, "malformed: a record is one JSON object"),
                (9L, "malformed: payloadBase64 is not base64"),
                (10L, "malformed JSON"),
            ],
            problems.Select(p => (p.LineNumber, p.Reason.StartsWith("malformed JSON", StringComparison.Ordinal) ? "malformed JSON" : p.Reason)));
    }

    [Fact]
    public void Append_RecordsOutOfOrderWithinTheWindow_WrittenInEventTimeOrder()
    {
        var path = Path.Combine(_directory, "window.gz");
        long[] arrivals = [1000, 1500, 900, 2000, 1200, 3000, 2500, 3000, 5000, 2900];
        using (var writer = CaptureWriter.Create(path, new CaptureWriterOptions { ReorderWindow = TimeSpan.FromSeconds(1) }, TimeProvider.System))
        {
            for (var i = 0; i < arrivals.Length; i++)
            {
                writer.Append(CaptureTopics.Marks, U("X"), arrivals[i], U($"{{\"n\":{i}}}"));
            }

            // 5000 released everything up to 4000, so 2900 came after 3000 was written: late, written unsorted.
            Assert.Equal(1, writer.Late);
            Assert.Equal(1, writer.Held);
        }

        var problems = new List<CaptureProblem>();
        var read = CaptureReader.ReadFile(path, problems.Add).ToList();

        Assert.Equal([900L, 1000, 1200, 1500, 2000, 2500, 3000, 3000, 5000], read.Select(r => r.EventTime));
        // Equal event times keep arrival order.
        Assert.Equal(["{\"n\":5}", "{\"n\":7}"], read.Skip(6).Take(2).Select(r => Encoding.UTF8.GetString(r.Payload)));
        var late = Assert.Single(problems);
        Assert.Equal(9, late.LineNumber);
        Assert.StartsWith("out-of-order eventTime 2900", late.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_UnknownTopicKind_Refused()
    {
        using var writer = new CaptureWriter(new MemoryStream(), null, TimeProvider.System);

        Assert.Throws<ArgumentException>(() => writer.Append("streamrisk.marks", U("X"), 1, U("{}")));
    }

    [Fact]
    public void Append_QuietFeed_MemberCompletedOnceOldEnough()
    {
        var time = new ManualTime();
        var output = new MemoryStream();
        using var writer = new CaptureWriter(output, InArrivalOrder with { MaxMemberAge = TimeSpan.FromSeconds(1) }, time);
        writer.Append(CaptureTopics.Marks, U("X"), 1, U("{}"));

        Assert.False(writer.FlushIfDue());
        time.Advance(TimeSpan.FromMilliseconds(1001));
        Assert.True(writer.FlushIfDue());
        Assert.Equal(1, writer.Members);
        Assert.True(output.Length > 0);
    }

    [Theory]
    [InlineData("""{"v":1,"symbol":"X","eventTime":1760130900123,"price":1}""", true, 1760130900123)]
    [InlineData("""{"v":1,"nested":{"eventTime":5},"eventTime":7}""", true, 7)]
    [InlineData("""{"v":1,"symbol":"X","tiers":[{"eventTime":5}]}""", false, 0)]
    [InlineData("""{"eventTime":"7"}""", false, 0)]
    [InlineData("""{"eventTime":-7}""", false, 0)]
    [InlineData("""not json""", false, 0)]
    [InlineData("""{"eventTime":""", false, 0)]
    public void PayloadEventTime_TopLevelIntegerOnly(string payload, bool found, long expected)
    {
        Assert.Equal(found, PayloadEventTime.TryRead(U(payload), out var eventTime));
        Assert.Equal(expected, eventTime);
    }

    private static byte[] U(string text) => Encoding.UTF8.GetBytes(text);

    private static string GunzipText(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var text = new StreamReader(gzip, Encoding.UTF8);
        return text.ReadToEnd();
    }

    private string WriteGzipText(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(text));
        return path;
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
