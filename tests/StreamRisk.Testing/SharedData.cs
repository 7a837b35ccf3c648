namespace StreamRisk.Testing;

/// <summary>
/// The recorded market data in <c>shared/data</c>, which sits beside the repository (<c>../shared/data</c> from the
/// repository root) and is never copied into it. Tests that need it fail, never skip, when it is absent: CI always has it.
/// </summary>
public static class SharedData
{
    private const string SolutionFile = "StreamRisk.sln";

    /// <summary>
    /// The positions an eventful replay of the BTCUSDT capture places: Binance BTCUSDT's open interest (~10B USD)
    /// estimated with the leverage levels of liquidation maps (10x–100x) — ladders that reach into the recorded book,
    /// where the demo-like synthetic population, opened along a simulated day, rests mostly beyond it.
    /// </summary>
    public const string BtcusdtPositions = "estimated:oi=10B,leverage=coinglass";

    /// <summary>Full path of a file under <c>shared/data</c>, e.g. <c>Path("binance-usdm", "btcusdt_20240808.gz")</c>.</summary>
    public static string Path(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var root = RepositoryRoot();
        var data = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, "..", "shared", "data"));
        if (!Directory.Exists(data))
        {
            throw new DirectoryNotFoundException(
                $"Recorded market data not found: expected the folder {data} (../shared/data beside the repository root {root}).");
        }

        var path = System.IO.Path.Combine([data, .. parts]);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Recorded market data file not found: expected {path}.", path);
    }

    /// <summary>The folder holding StreamRisk.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No {SolutionFile} found above {AppContext.BaseDirectory}.");
    }
}
