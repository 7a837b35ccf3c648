namespace StreamRisk.Kafka.Capture;

/// <summary>
/// Keeps the inputs of a recording (Kafka partitions, each in event-time order) within <c>slack</c> of each other in
/// event time while some of them are behind, so that what reaches the capture writer is out of order by
/// less than its reorder window. Without it a recorder reading a backlog (a recording started after the feed, or a
/// burst such as a population's 20,000 account snapshots at one instant) takes whole seconds of one partition before
/// the next fetch of another: every record of the slower partitions then lands beyond the window as late, and a replay
/// skips it.
/// </summary>
/// <remarks>
/// <para>The rule: the low mark is the earliest event time of an input still owed to the writer — a held record, or
/// the last record read from an input that has more to read (behind its high watermark). A record more than the slack
/// past the low mark is held and its input paused (one record per input at most); held records go out, in event-time
/// order, once the low mark has come within the slack of them. Inputs that have nothing more to read do not hold the
/// others back: a live partition's next record is new.</para>
/// <para>An input that is behind but delivers nothing for <c>idleAfter</c> (its broker down) is not waited for: the
/// recording goes on, and what it later delivers may be late, as without the alignment.</para>
/// One thread (the recorder's consume loop).
/// </remarks>
public sealed class EventTimeAlignment<T>
{
    private readonly long _slackMs;
    private readonly TimeSpan _idleAfter;
    private readonly TimeProvider _time;
    private readonly Input[] _inputs;

    public EventTimeAlignment(int inputs, TimeSpan slack, TimeSpan idleAfter, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputs);
        ArgumentOutOfRangeException.ThrowIfLessThan(slack, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _slackMs = (long)slack.TotalMilliseconds;
        _idleAfter = idleAfter;
        _time = time;
        _inputs = new Input[inputs];
        for (var i = 0; i < inputs; i++)
        {
            // Until its watermarks are known an input may hold the earliest records: wait for it (up to idleAfter).
            _inputs[i] = new Input { Frontier = long.MinValue, Behind = true, Progress = time.GetTimestamp() };
        }
    }

    /// <summary>Records held (their inputs paused).</summary>
    public int Held { get; private set; }

    /// <summary>Whether <paramref name="input"/> has records not read yet (its next offset is below its high watermark).</summary>
    public void SetBehind(int input, bool behind)
    {
        ref var state = ref _inputs[input];
        if (behind && !state.Behind)
        {
            state.Progress = _time.GetTimestamp();
        }

        state.Behind = behind;
    }

    /// <summary>
    /// A record read from <paramref name="input"/>: true when it may be written now; false when it is held — pause
    /// the input until <see cref="Release"/> hands the record back.
    /// </summary>
    public bool Offer(int input, long eventTime, T record)
    {
        ref var state = ref _inputs[input];
        if (state.Holding)
        {
            throw new InvalidOperationException($"input {input} already holds a record: it should have been paused");
        }

        state.Frontier = eventTime;
        state.Progress = _time.GetTimestamp();
        if (eventTime <= Saturating(Low()))
        {
            return true;
        }

        state.Holding = true;
        state.Record = record;
        Held++;
        return false;
    }

    /// <summary>Adds the held records that may go now to <paramref name="ready"/> in event-time order, and their inputs (to resume) to <paramref name="resume"/>.</summary>
    public void Release(List<(T Record, long EventTime)> ready, List<int> resume) => Release(Saturating(Low()), ready, resume);

    /// <summary>Every held record, in event-time order: the recording ends.</summary>
    public void ReleaseAll(List<(T Record, long EventTime)> ready, List<int> resume) => Release(long.MaxValue, ready, resume);

    private void Release(long upTo, List<(T Record, long EventTime)> ready, List<int> resume)
    {
        ArgumentNullException.ThrowIfNull(ready);
        ArgumentNullException.ThrowIfNull(resume);
        if (Held == 0)
        {
            return;
        }

        var first = ready.Count;
        for (var i = 0; i < _inputs.Length; i++)
        {
            ref var state = ref _inputs[i];
            if (state.Holding && state.Frontier <= upTo)
            {
                ready.Add((state.Record!, state.Frontier));
                resume.Add(i);
                state.Holding = false;
                state.Record = default;
                Held--;
            }
        }

        ready.Sort(first, ready.Count - first, ByEventTime.Instance);
    }

    private long Saturating(long low) => low > long.MaxValue - _slackMs ? long.MaxValue : low + _slackMs;

    private long Low()
    {
        var low = long.MaxValue;
        var now = _time.GetTimestamp();
        foreach (ref readonly var state in _inputs.AsSpan())
        {
            if (state.Holding || (state.Behind && _time.GetElapsedTime(state.Progress, now) < _idleAfter))
            {
                low = Math.Min(low, state.Frontier);
            }
        }

        return low;
    }

    private struct Input
    {
        /// <summary>Event time of the last record read (the held one while holding).</summary>
        public long Frontier;
        public bool Behind;
        public bool Holding;
        public T? Record;

        /// <summary>When the input last delivered a record or fell behind (timestamp of the time provider).</summary>
        public long Progress;
    }

    private sealed class ByEventTime : IComparer<(T Record, long EventTime)>
    {
        public static readonly ByEventTime Instance = new();

        public int Compare((T Record, long EventTime) x, (T Record, long EventTime) y) => x.EventTime.CompareTo(y.EventTime);
    }
}
