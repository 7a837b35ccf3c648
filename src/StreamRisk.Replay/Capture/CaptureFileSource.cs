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
    private int _filesDone;

    public long BadLines { get; private set; }

    /// <summary>Files read to their end, as a fraction of all of them.</summary>
    public double Fraction => files.Count == 0 ? 1 : (double)_filesDone / files.Count;

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

        foreach (var file in files)
        {
            foreach (var record in CaptureReader.ReadFile(file, p => { BadLines++; problem(p); }))
            {
                cancel.ThrowIfCancellationRequested();
                if (record.Topic != CaptureTopics.Instruments && !(to is { } t && record.EventTime > t))
                {
                    sink(record);
                }
            }

            _filesDone++;
        }
    }
}
