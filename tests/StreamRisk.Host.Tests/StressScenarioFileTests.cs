using System.Globalization;
using StreamRisk.Contracts.Documents;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// The shipped stress scenarios file loads from the build output, and each crash day's reference move is the
/// peak-to-trough of the recorded BTCUSDT klines, so the file cannot drift from the data.
/// </summary>
public sealed class StressScenarioFileTests
{
    /// <summary>Crash scenario name → the kline file it was measured from (shared/data/klines).</summary>
    public static TheoryData<string, string> CrashDays => new()
    {
        { "2020-03-13 crash", "BTCUSDT-1m-2020-03__2020-03-13T0139_0400Z.csv" },
        { "2021-05-19 crash", "BTCUSDT-1m-2021-05__2021-05-19T1219Z_1432Z.csv" },
        { "2024-08-05 crash", "BTCUSDT-1m-2024-08__2024-08-05T0553Z_0806Z.csv" },
        { "2025-10-10 crash", "BTCUSDT-1m-2025-10__2025-10-10T1948Z_2025-10-11T0007Z.csv" },
    };

    [Fact]
    public void ShippedFile_InTheOutput_Loads()
    {
        var scenarios = Shipped();

        Assert.True(scenarios.Count >= 6, $"{scenarios.Count} scenarios");
        Assert.All(CrashDays, row => Assert.Contains(scenarios, s => s.Name == row.Data.Item1));
        Assert.All(scenarios, s => Assert.False(string.IsNullOrWhiteSpace(s.Description), $"{s.Name} has no description"));
        Assert.All(scenarios, s => Assert.False(string.IsNullOrWhiteSpace(s.Source), $"{s.Name} has no source"));
    }

    [Fact]
    public void KlineFolder_EveryRecordedCrashDay_HasAScenario()
    {
        var folder = Path.GetDirectoryName(SharedData.Path("klines", "BTCUSDT-1m-2020-03__2020-03-13T0139_0400Z.csv"))!;
        var files = Directory.GetFiles(folder, "BTCUSDT-1m-*.csv").Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(CrashDays.Select(row => row.Data.Item2).Order(StringComparer.Ordinal), files);
    }

    [Theory]
    [MemberData(nameof(CrashDays))]
    public void CrashScenario_ReferenceMove_IsTheRecordedPeakToTrough(string name, string klineFile)
    {
        var (peakTime, peak, troughTime, trough) = PeakToTrough(SharedData.Path("klines", klineFile));
        var scenario = Assert.Single(Shipped(), s => s.Name == name);
        var factor = Assert.IsType<FactorScenario>(scenario.Factor);

        Assert.Equal("BTCUSDT", factor.Reference.Value);
        Assert.Equal(Math.Round((trough - peak) / peak, 4), factor.Move);
        // The description states the times and prices the move was measured between.
        Assert.Contains($"{peakTime:HH:mm} UTC high of {peak.ToString("N2", CultureInfo.InvariantCulture)}", scenario.Description, StringComparison.Ordinal);
        Assert.Contains($"{troughTime:HH:mm} UTC low of {trough.ToString("N2", CultureInfo.InvariantCulture)}", scenario.Description, StringComparison.Ordinal);
        Assert.Contains($"({(trough - peak) / peak * 100:0.00}%)", scenario.Description, StringComparison.Ordinal);
    }

    /// <summary>
    /// The lowest low of the file (its first minute when tied) and the highest high of the minutes before it (the
    /// order of high and low inside one minute is unknown, so the trough's own minute is not a candidate peak).
    /// </summary>
    private static (DateTime PeakTime, double Peak, DateTime TroughTime, double Trough) PeakToTrough(string path)
    {
        var rows = File.ReadAllLines(path)
            .Where(line => line.Length > 0)
            .Select(line => line.Split(','))
            .Select(f => (Open: long.Parse(f[0], CultureInfo.InvariantCulture), High: double.Parse(f[2], CultureInfo.InvariantCulture), Low: double.Parse(f[3], CultureInfo.InvariantCulture)))
            .ToList();
        var troughAt = 0;
        for (var i = 1; i < rows.Count; i++)
        {
            troughAt = rows[i].Low < rows[troughAt].Low ? i : troughAt;
        }

        Assert.True(troughAt > 0, $"{path}: the lowest low is in the first minute, no peak before it");
        var peakAt = 0;
        for (var i = 1; i < troughAt; i++)
        {
            peakAt = rows[i].High > rows[peakAt].High ? i : peakAt;
        }

        return (DateTime.UnixEpoch.AddMilliseconds(rows[peakAt].Open), rows[peakAt].High,
            DateTime.UnixEpoch.AddMilliseconds(rows[troughAt].Open), rows[troughAt].Low);
    }

    private static IReadOnlyList<ScenarioDocument> Shipped() =>
        StressScenarioFile.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, StressScenarioFile.ShippedPath)));
}
