using System.Globalization;
using StreamRisk.Replay.Binance;
using StreamRisk.Replay.Capture;

namespace StreamRisk.Replay;

/// <summary>Where replay records come from: a StreamRisk capture, or a venue capture turned into wire messages.</summary>
public interface IReplaySource
{
    /// <summary>How much of the input has been read, 0 to 1 (progress and ETA).</summary>
    double Fraction { get; }

    void Play(Action<CaptureRecord> sink, CancellationToken cancel);

    /// <summary>What the source read, for the summary line.</summary>
    string Describe();
}

/// <summary>A StreamRisk capture's records as they were recorded.</summary>
public sealed class CaptureReplaySource(CaptureFileSource files) : IReplaySource
{
    public double Fraction => files.Fraction;

    public void Play(Action<CaptureRecord> sink, CancellationToken cancel) => files.Play(sink, cancel);

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{files.BadLines:N0} bad lines skipped");
}

/// <summary>
/// A Binance capture as wire messages, with its positions; disposed when played. A bad positions file surfaces as the
/// <see cref="Contracts.Documents.DocumentException"/> its decoder throws.
/// </summary>
public sealed class BinanceReplaySource(BinanceCaptureSource binance) : IReplaySource
{
    public double Fraction => binance.Fraction;

    public void Play(Action<CaptureRecord> sink, CancellationToken cancel)
    {
        using (binance)
        {
            binance.Play(sink, cancel);
        }
    }

    public string Describe()
    {
        var import = binance.Import;
        return string.Create(CultureInfo.InvariantCulture,
            $"{binance.DiffsApplied:N0} book updates, {binance.Marks:N0} marks, {binance.Accounts:N0} accounts (population: {binance.Population}; import: applied {import?.Applied}, gaps {import?.Gaps}, skipped {import?.Skipped}), {binance.BadLines:N0} bad lines skipped");
    }
}
