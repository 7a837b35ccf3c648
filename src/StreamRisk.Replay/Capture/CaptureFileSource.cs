namespace StreamRisk.Replay.Capture;

/// <summary>
/// The records of StreamRisk captures (what <c>record</c> wrote from the live topics) in the order a replay applies
/// them: like the live source, every instrument first (a book or position naming an unknown symbol would be refused),
/// then the other records in capture (event-time) order up to <c>to</c>. Records before a replay's <c>--from</c> are
/// kept: they carry the accounts, books and marks the window starts from (the outputs start at <c>--from</c>). Bad
/// lines are reported with their line numbers and skipped.
/// </summary>
public sealed class CaptureFileSource(IReadOnlyList<string> files, long? to, Action<CaptureProblem> problem)
{
    private long _bytesTotal = -1;
    private long _bytesBefore;
    private CaptureReader? _current;

    public long BadLines { get; private set; }

    /// <summary>
    /// How far the replaying pass is through the capture bytes (compressed, all files): 0 during the instrument pre-pass.
    /// Counting files done instead left a one-file replay at 0 % with no ETA until its end.
    /// </summary>
    public double Fraction => _bytesTotal > 0 ? Math.Min(1, (double)(_bytesBefore + (_current?.BytesRead ?? 0)) / _bytesTotal) : 0;

    public void Play(Action<CaptureRecord> sink, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(sink);
        foreach (var file in files)
        {
            foreach (var record in CaptureReader.ReadFile(file, _ => { }))
            {
                cancel.ThrowIfCancellationRequested();
                if (record.Topic == CaptureTopics.Instruments)
                {
                    sink(record);
                }
            }
        }

        _bytesTotal = files.Sum(f => new FileInfo(f).Length);
        foreach (var file in files)
        {
            using (var reader = CaptureReader.Open(file, p => { BadLines++; problem(p); }))
            {
                _current = reader;
                foreach (var record in reader.ReadRecords())
                {
                    cancel.ThrowIfCancellationRequested();
                    if (record.Topic != CaptureTopics.Instruments && !(to is { } t && record.EventTime > t))
                    {
                        sink(record);
                    }
                }
            }

            _current = null;
            _bytesBefore += new FileInfo(file).Length;
        }
    }
}
