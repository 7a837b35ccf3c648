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
        Assert.True(inFirst.Max() <= firstShare + 1e-12, $"first file at {inFirst.Max()} of a {firstShare} share");
        Assert.True(inFirst.Count(f => f > 0 && f < firstShare) > inFirst.Count / 2, "the first file's progress moved while it was read");
        Assert.True(inSecond.Min() >= firstShare - 1e-12);
        Assert.True(inSecond.Distinct().Count() > 5, "the second file's progress moved while it was read");
        Assert.True(inSecond[^1] > 0.9, $"ended at {inSecond[^1]}");
    }

    private string Write(string name, int seed, long start)
    {
        var path = Path.Combine(_directory, name);
        var random = new Random(seed);
        using var writer = CaptureWriter.Create(path, new CaptureWriterOptions { ReorderWindow = TimeSpan.Zero });
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
