using System.Text.Json;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// The recorded BTCUSDT capture starts from Binance's REST snapshot: 1,000 levels a side, ±0.25% of the mid. A book
/// known that far is not an exhausted book: no cascade alert above info may rest on a chain that left it.
/// </summary>
public sealed class BookHorizonReplayTests : IDisposable
{
    private static readonly string[] CascadeRules = ["CascadeRisk", "InsuranceFundAtRisk", "SystemicCascadeRisk"];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("horizon-replay-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Replay_BtcusdtCapture_RaisesNoCascadeAlertAboveInfoWhoseChainLeftTheKnownBook()
    {
        var run = await CliRun.InvokeAsync("replay", SharedData.Path("binance-usdm", "btcusdt_20240808.gz"), "--format", "binance-usdm", "--out", _dir.FullName);
        Assert.Equal(0, run.ExitCode);

        var offending = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(_dir.FullName, "alerts.ndjson")))
        {
            using var alert = JsonDocument.Parse(line);
            var root = alert.RootElement;
            var rule = root.GetProperty("rule").GetString();
            var severity = root.GetProperty("severity").GetString();
            var explanation = root.GetProperty("explanation").GetString() ?? string.Empty;
            if (!CascadeRules.Contains(rule) || severity == "info")
            {
                continue;
            }

            // A chain that left the known book says so; one that ran past it into nothing ends on a far-off lone level.
            if (explanation.Contains("left the known book", StringComparison.Ordinal) || explanation.Contains("final 1,000.00", StringComparison.Ordinal))
            {
                offending.Add($"{rule} {severity}: {explanation}");
            }
        }

        Assert.True(offending.Count == 0, string.Join('\n', offending));
    }
}
