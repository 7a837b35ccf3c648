using System.Globalization;
using System.Text;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Replay.Tests.Capture;

/// <summary>Progress of a capture replay: the fraction the progress bar and the ETA come from.</summary>
public sealed class CaptureFileSourceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("capture-source-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Fraction_FollowsTheBytesOfEachFile_NotOnlyFilesDone()
    {
        // Two files of random marks (incompressible enough to span many 64 KiB reads each).
        var first = Write("a.gz", seed: 1, start: 1_000);
        var second = Write("b.gz", seed: 2, start: 1_000_000);
        var total = (double)(new FileInfo(first).Length + new FileInfo(second).Length);
        var firstShare = new FileInfo(first).Length / total;
        var source = new CaptureFileSource([first, second], to: null, _ => { });
        var seen = new List<(long EventTime, string Topic, double Fraction)>();

        source.Play(record => seen.Add((record.EventTime, record.Topic, source.Fraction)), CancellationToken.None);

        // The instrument pre-pass comes first and counts as nothing read yet.
        Assert.All(seen.Where(s => s.Topic == CaptureTopics.Instruments), s => Assert.Equal(0, s.Fraction));
        var marks = seen.Where(s => s.Topic == CaptureTopics.Marks).ToList();
        Assert.Equal(2 * 40_000, marks.Count);
        for (var i = 1; i < marks.Count; i++)
        {
            Assert.True(marks[i].Fraction >= marks[i - 1].Fraction, $"fraction went back at mark {i}");
        }

        var inFirst = marks.Where(m => m.EventTime < 1_000_000).Select(m => m.Fraction).ToList();
        var inSecond = marks.Where(m => m.EventTime >= 1_000_000).Select(m => m.Fraction).ToList();
        // The fraction is where the read-ahead is (up to a few thousand records in front), so the end of the first
        // file may already show the second; most of it shows the first.
        Assert.True(inFirst.Count(f => f > 0 && f < firstShare) > inFirst.Count / 2, "the first file's progress moved while it was read");
        Assert.True(inSecond.Min() >= firstShare - 1e-12);
        Assert.True(inSecond.Distinct().Count() > 5, "the second file's progress moved while it was read");
        Assert.True(inSecond[^1] > 0.9, $"ended at {inSecond[^1]}");
    }

    [Fact]
    public void BadLines_ReachTheCallbackInTheirPlaceAmongTheRecords()
    {
        // Plain text (the reader takes it too): 3,000 marks with a bad line after every 700th, so problems fall in
        // different read-ahead batches.
        var lines = new List<string> { Line(CaptureTopics.Instruments, 1, """{"v":1,"symbol":"S","tiers":[{"floor":0,"mmr":0.004}]}""") };
        for (var i = 1; i <= 3_000; i++)
        {
            lines.Add(Line(CaptureTopics.Marks, 1 + i, $$"""{"v":1,"symbol":"S","eventTime":{{1 + i}},"price":100}"""));
            if (i % 700 == 0)
            {
                lines.Add("{\"topic\":\"marks\",\"key\":"); // cut off
            }
        }

        var path = Path.Combine(_directory, "bad.ndjson");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        var order = new List<(long Line, bool Bad)>();
        var source = new CaptureFileSource([path], to: null, p => order.Add((p.LineNumber, true)));

        source.Play(record => order.Add((record.LineNumber, false)), CancellationToken.None);

        Assert.Equal(4, order.Count(o => o.Bad));
        Assert.Equal(4, source.BadLines);
        Assert.Equal(1 + 3_000 + 4, order.Count);
        var main = order.Skip(1).ToList(); // after the instrument of the pre-pass
        Assert.Equal(Enumerable.Range(2, 3_004).Select(n => (long)n), main.Select(o => o.Line));
        Assert.All(main.Where(o => o.Bad), o => Assert.Equal(0, (o.Line - 1) % 701));
    }

    [Fact]
    public void SinkFailure_StopsTheReadAheadAndSurfacesAsIs()
    {
        var path = Write("c.gz", seed: 3, start: 1_000);
        var source = new CaptureFileSource([path], to: null, _ => { });
        var delivered = 0;

        var thrown = Assert.Throws<InvalidOperationException>(() => source.Play(record =>
        {
            if (record.Topic == CaptureTopics.Marks && ++delivered == 5_000)
            {
                throw new InvalidOperationException("sink broke");
            }
        }, CancellationToken.None));

        Assert.Equal("sink broke", thrown.Message);
        Assert.Equal(5_000, delivered);
        File.Delete(path); // the reader let go of it
    }

    [Fact]
    public void Cancelled_StopsWithTheToken()
    {
        var path = Write("d.gz", seed: 4, start: 1_000);
        var source = new CaptureFileSource([path], to: null, _ => { });
        using var cancel = new CancellationTokenSource();
        var delivered = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => source.Play(_ =>
        {
            if (++delivered == 2_000)
            {
                cancel.Cancel();
            }
        }, cancel.Token));

        Assert.InRange(delivered, 2_000, 2_001);
    }

    [Fact]
    public void InstrumentRedefinition_AppliedInItsPlace_FirstDefinitionsUpFront()
    {
        // S defined at 1, redefined at 5 (higher tiers); T defined at 3. The live monitor knew S's first definition
        // and T's before the marks (it read the instruments topic first) and met the redefinition at 5.
        const string s1 = """{"v":1,"symbol":"S","tiers":[{"floor":0,"mmr":0.004}]}""";
        const string t1 = """{"v":1,"symbol":"T","tiers":[{"floor":0,"mmr":0.004}]}""";
        const string s2 = """{"v":1,"symbol":"S","tiers":[{"floor":0,"mmr":0.01}]}""";
        var path = Path.Combine(_directory, "redefined.ndjson");
        File.WriteAllText(path, string.Join('\n',
            Line(CaptureTopics.Instruments, 1, s1),
            Line(CaptureTopics.Marks, 2, """{"v":1,"symbol":"S","eventTime":2,"price":100}"""),
            $$"""{"topic":"instruments","key":"T","eventTime":3,"payload":{{t1}}}""",
            Line(CaptureTopics.Marks, 4, """{"v":1,"symbol":"S","eventTime":4,"price":101}"""),
            Line(CaptureTopics.Instruments, 5, s2),
            Line(CaptureTopics.Marks, 6, """{"v":1,"symbol":"S","eventTime":6,"price":102}""")) + "\n");
        var source = new CaptureFileSource([path], to: null, _ => { });
        var order = new List<(string Topic, long EventTime, string Payload)>();

        source.Play(r => order.Add((r.Topic, r.EventTime, r.Topic == CaptureTopics.Instruments ? Encoding.UTF8.GetString(r.Payload) : "")), CancellationToken.None);

        (string, long, string)[] expected =
        [
            (CaptureTopics.Instruments, 1, s1), (CaptureTopics.Instruments, 3, t1), (CaptureTopics.Marks, 2, ""), (CaptureTopics.Marks, 4, ""),
            (CaptureTopics.Instruments, 5, s2), (CaptureTopics.Marks, 6, ""),
        ];
        Assert.Equal(expected, order);
    }

    private static string Line(string topic, long eventTime, string payload) =>
        $$"""{"topic":"{{topic}}","key":"S","eventTime":{{eventTime}},"payload":{{payload}}}""";

    private string Write(string name, int seed, long start)
    {
        var path = Path.Combine(_directory, name);
        var random = new Random(seed);
        using var writer = CaptureWriter.Create(path, new CaptureWriterOptions { ReorderWindow = TimeSpan.Zero }, TimeProvider.System);
        writer.Append(CaptureTopics.Instruments, Encoding.UTF8.GetBytes("S" + seed), start,
            Encoding.UTF8.GetBytes($$"""{"v":1,"symbol":"S{{seed}}","tiers":[{"floor":0,"mmr":0.004}]}"""));
        for (var i = 1; i <= 40_000; i++)
        {
            var price = (50_000 + (random.NextDouble() * 20_000)).ToString("R", CultureInfo.InvariantCulture);
            writer.Append(CaptureTopics.Marks, Encoding.UTF8.GetBytes("S" + seed), start + i,
                Encoding.UTF8.GetBytes($$"""{"v":1,"symbol":"S{{seed}}","eventTime":{{start + i}},"price":{{price}}}"""));
        }

        return path;
    }
}
