using System.Buffers;
using System.IO.Compression;
using System.Text;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Host;
using StreamRisk.Replay.Capture;

namespace StreamRisk.IntegrationTests;

/// <summary>Replaying StreamRisk captures: the live decode path, event time, bad records reported by line and skipped.</summary>
public sealed class CaptureReplayTests : IDisposable
{
    private const long T0 = 1_723_161_255_000;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("capture-replay-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task ThinBookCapture_RaisesCascadeRisk_SameBytesAtMaxAndTwentyTimes()
    {
        var capture = Path.Combine(_dir.FullName, "scenario.srcap.gz");
        WriteScenario(capture);

        var (maxCode, maxText) = await Replay(capture, "max", Path.Combine(_dir.FullName, "max"));
        var (fastCode, _) = await Replay(capture, "20x", Path.Combine(_dir.FullName, "20x"));

        Assert.Equal(0, maxCode);
        Assert.Equal(0, fastCode);
        var alerts = await File.ReadAllTextAsync(Path.Combine(_dir.FullName, "max", "alerts.ndjson"), TestContext.Current.CancellationToken);
        Assert.Contains("\"rule\":\"LiquidationWall\"", alerts, StringComparison.Ordinal);
        Assert.Contains(" 0 rejected by validation, 0 bad lines skipped", maxText, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_dir.FullName, "max", "alerts.ndjson"), TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(Path.Combine(_dir.FullName, "20x", "alerts.ndjson"), TestContext.Current.CancellationToken));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_dir.FullName, "max", "projections.ndjson"), TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(Path.Combine(_dir.FullName, "20x", "projections.ndjson"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task BadRecords_ReportedWithLineNumbersAndSkipped_ReplayCompletes()
    {
        var good = Path.Combine(_dir.FullName, "good.srcap.gz");
        WriteScenario(good);
        var lines = new List<string>();
        foreach (var record in CaptureReader.ReadFile(good))
        {
            lines.Add($"{{\"topic\":\"{record.Topic}\",\"key\":\"{Encoding.UTF8.GetString(record.Key)}\",\"eventTime\":{record.EventTime},\"payload\":{Encoding.UTF8.GetString(record.Payload)}}}");
        }

        lines.Insert(3, "{\"topic\":\"marks\",\"key\":\"XUSDT\",");                                 // malformed JSON
        lines.Insert(5, "{\"topic\":\"marks\",\"key\":\"XUSDT\",\"eventTime\":1,\"payload\":{}}");   // out of order time
        var bad = Path.Combine(_dir.FullName, "bad.gz");
        await using (var gzip = new GZipStream(File.Create(bad), CompressionLevel.Fastest))
        {
            var text = string.Join("\n", lines) + "\n{\"topic\":\"marks\",\"key\":\"XU";             // truncated last line
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(text), TestContext.Current.CancellationToken);
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Cli.RunAsync(["replay", bad, "--format", "capture", "--out", Path.Combine(_dir.FullName, "bad")], output, error, TimeProvider.System);

        Assert.True(code == 0, error.ToString());
        Assert.Contains("line 4:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("line 6:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains($"line {lines.Count + 1}:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(" 3 bad lines skipped", output.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> Replay(string capture, string speed, string outDir)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Cli.RunAsync(["replay", capture, "--format", "capture", "--speed", speed, "--out", outDir], output, error, TimeProvider.System);
        return (code, output.ToString() + error);
    }

    /// <summary>A thin book under twenty 50x longs, then 5 s of marks: wire messages written straight into a capture.</summary>
    private static void WriteScenario(string path)
    {
        var symbols = new SymbolTable();
        var accounts = new AccountTable();
        using var encoder = new WireEncoder(symbols, accounts);
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = CaptureWriter.Create(path, null, TimeProvider.System);
        var tick = TickSize.FromDecimal(0.01m);
        var x = symbols.Upsert(new Symbol("XUSDT"), tick);
        var key = Encoding.UTF8.GetBytes("XUSDT");

        void Append(string topic, ReadOnlySpan<byte> k, long time)
        {
            writer.Append(topic, k, time, buffer.WrittenSpan);
            buffer.ResetWrittenCount();
        }

        encoder.WriteInstrument(buffer, new InstrumentDefined(new Instrument(new Symbol("XUSDT"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)), tick));
        Append(CaptureTopics.Instruments, key, T0);
        encoder.WriteBook(buffer, BookUpdated.Snapshot(x, T0, 1,
            [new PriceLevel(9_990, 5), new PriceLevel(9_950, 5), new PriceLevel(9_900, 5), new PriceLevel(9_000, 10_000)], [new PriceLevel(10_010, 10_000)]));
        Append(CaptureTopics.Book, key, T0);
        for (var i = 0; i < 20; i++)
        {
            var slot = accounts.GetOrAdd(new AccountId($"lev{i:00}"));
            encoder.WriteAccount(buffer, new AccountSnapshotted(slot, 1, T0, 0, 1), [(x, 10.0, 100.0, 20.0)]);
            Append(CaptureTopics.Positions, accounts.Utf8At(slot), T0);
        }

        for (var t = T0; t <= T0 + 5_000; t += 200)
        {
            encoder.WriteMark(buffer, new MarkUpdated(x, t, 100));
            Append(CaptureTopics.Marks, key, t);
        }
    }
}
