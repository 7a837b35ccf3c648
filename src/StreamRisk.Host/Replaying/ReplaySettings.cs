using System.Text.Json;
using Microsoft.Extensions.Configuration;
using StreamRisk.Host.Monitoring;

namespace StreamRisk.Host.Replaying;

/// <summary>
/// What an in-process replay runs with: the engine and alert sections of the monitor's settings (margin profile,
/// insurance funds, alert thresholds, projection and revaluation cadences), from <c>--config FILE</c> in the format
/// <c>run</c> reads, else the defaults. Environment variables do not apply: a replay's results depend only on its
/// inputs and this file, and the settings used are written beside the results (<see cref="FileName"/>), in a form
/// <c>--config</c> reads back.
/// </summary>
internal static class ReplaySettings
{
    public const string FileName = "settings.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static MonitorSettings Load(string? path)
    {
        var settings = new MonitorSettings();
        if (path is not null)
        {
            if (!File.Exists(path))
            {
                throw new UsageException($"--config {path}: no such file");
            }

            try
            {
                var configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false).Build();
                settings = MonitorSettings.From(configuration);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException or JsonException)
            {
                throw new UsageException($"--config {path}: {ex.Message}");
            }
        }

        settings.ValidateEngine();
        return settings;
    }

    /// <summary>Writes the sections a replay uses into <paramref name="directory"/>.</summary>
    public static void Write(MonitorSettings settings, string directory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Directory.CreateDirectory(directory);
        var used = new { StreamRisk = new { settings.Engine, settings.Alerts } };
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(used, Indented) + "\n");
    }
}
