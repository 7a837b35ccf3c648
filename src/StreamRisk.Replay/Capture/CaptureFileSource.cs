using System.Collections.Concurrent;

namespace StreamRisk.Replay.Capture;

/// <summary>
/// The records of StreamRisk captures (what <c>record</c> wrote from the live topics) in the order a replay applies
/// them: like the live source, which reads the instruments topic to its end before anything else, each symbol's first
/// instrument record first (a book or position naming an unknown symbol would be refused), then the other records —
/// later instrument records of a symbol (a redefinition: new tiers, tick size) among them, in their place, as the live
/// run met them — in capture (event-time) order up to <c>to</c>. Records before a replay's <c>--from</c> are
/// kept: they carry the accounts, books and marks the window starts from (the outputs start at <c>--from</c>). Bad
/// lines are reported with their line numbers and skipped.
/// </summary>
/// <remarks>
/// The main pass reads ahead on a second thread: decompressing and parsing the capture (~15 % of a replay's time on
/// one thread) overlap the apply. The sink and the problem callback still run on the caller's thread, in file order,
/// with each problem in its place among the records — what the replay does cannot depend on the read-ahead.
/// </remarks>
public sealed class CaptureFileSource(IReadOnlyList<string> files, long? to, Action<CaptureProblem> problem)
{
    private const int BatchSize = 512;
    private const int BatchesAhead = 8;
    private long _bytesTotal = -1;
    private long _bytesRead;

    public long BadLines { get; private set; }

    /// <summary>
    /// How far the replaying pass is through the capture bytes (compressed, all files): 0 during the instrument pre-pass.
    /// Counting files done instead left a one-file replay at 0 % with no ETA until its end. The read-ahead runs at most
    /// <c>8 × 512</c> records in front of the sink.
    /// </summary>
    public double Fraction => _bytesTotal > 0 ? Math.Min(1, (double)Volatile.Read(ref _bytesRead) / _bytesTotal) : 0;

    public void Play(Action<CaptureRecord> sink, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(sink);
        // Applied up front: the first definition of each symbol (by key), remembered by file and line so the main pass
        // skips exactly those and keeps every later one in its place. Applying every definition first would let a
        // mid-capture redefinition govern the whole replay.
        var symbols = new HashSet<string>(StringComparer.Ordinal);
        var upFront = new HashSet<(int File, long Line)>();
        for (var f = 0; f < files.Count; f++)
        {
            foreach (var record in CaptureReader.ReadFile(files[f], _ => { }))
            {
                cancel.ThrowIfCancellationRequested();
                // Keyed by symbol (the wire contract); a record without a key cannot be told apart, so it goes up front.
                if (record.Topic == CaptureTopics.Instruments && (record.Key.Length == 0 || symbols.Add(Convert.ToBase64String(record.Key))))
                {
                    upFront.Add((f, record.LineNumber));
                    sink(record);
                }
            }
        }

        var lengths = files.Select(f => new FileInfo(f).Length).ToArray();
        _bytesTotal = lengths.Sum();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var batches = new BlockingCollection<Item[]>(BatchesAhead);
        var reading = Task.Factory.StartNew(() => Read(batches, upFront, lengths, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var batch in batches.GetConsumingEnumerable(stop.Token))
            {
                foreach (var item in batch)
                {
                    cancel.ThrowIfCancellationRequested();
                    if (item.Record is { } record)
                    {
                        sink(record);
                    }
                    else if (item.Problem is { } bad)
                    {
                        BadLines++;
                        problem(bad);
                    }
                }
            }
        }
        catch
        {
            // The sink failed or the replay was cancelled: stop the reader (it may be waiting for room) and let it
            // close its file before the failure goes on.
            stop.Cancel();
            ((IAsyncResult)reading).AsyncWaitHandle.WaitOne();
            throw;
        }

        // Everything read was delivered; a reader failure (e.g. an unreadable file) surfaces here, unwrapped.
        reading.GetAwaiter().GetResult();
    }

    private void Read(BlockingCollection<Item[]> batches, HashSet<(int File, long Line)> upFront, long[] lengths, CancellationToken stop)
    {
        try
        {
            var batch = new List<Item>(BatchSize);
            var before = 0L;
            for (var f = 0; f < files.Count; f++)
            {
                var file = files[f];
                using (var reader = CaptureReader.Open(file, p => batch.Add(new Item(null, p))))
                {
                    foreach (var record in reader.ReadRecords())
                    {
                        if (!(record.Topic == CaptureTopics.Instruments && upFront.Contains((f, record.LineNumber))) && !(to is { } t && record.EventTime > t))
                        {
                            batch.Add(new Item(record, null));
                        }

                        if (batch.Count >= BatchSize)
                        {
                            Volatile.Write(ref _bytesRead, before + reader.BytesRead);
                            batches.Add([.. batch], stop);
                            batch.Clear();
                        }
                    }
                }

                before += lengths[f];
                Volatile.Write(ref _bytesRead, before);
            }

            if (batch.Count > 0)
            {
                batches.Add([.. batch], stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The replay stopped taking records.
        }
        finally
        {
            batches.CompleteAdding();
        }
    }

    private readonly record struct Item(CaptureRecord? Record, CaptureProblem? Problem);
}
