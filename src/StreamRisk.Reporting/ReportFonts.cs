using SkiaSharp;

namespace StreamRisk.Reporting;

/// <summary>
/// Picks the typeface the charts are drawn with. Skia's Linux "NoDependencies" build has no fontconfig: it scans
/// <c>/usr/share/fonts</c> itself, and on a machine with no fonts there every label silently renders as nothing.
/// So the report looks for a font explicitly, in this order: <c>STREAMRISK_REPORT_FONT</c> (a .ttf/.otf path, for
/// machines where fonts live elsewhere), then a list of common sans faces, then any face with glyphs. When there is
/// none the charts are still drawn (lines and colours carry the data, the HTML captions carry the axes) and the caller
/// is told, so it can say how to fix it (<c>apt-get install fonts-dejavu-core</c>).
/// </summary>
public static class ReportFonts
{
    public const string EnvironmentVariable = "STREAMRISK_REPORT_FONT";

    private const string CustomFontName = "StreamRiskReportFont";

    // Sans faces read better at chart sizes than the serif face Skia may report as its default.
    private static readonly string[] Preferred = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans", "Arial", "Helvetica"];

    private static readonly Lock Gate = new();
    private static string? _chosen;
    private static bool _resolved;

    /// <summary>The font family name to draw with, or null when no font with glyphs can be found.</summary>
    public static string? Resolve()
    {
        // ScottPlot's font registry is process-wide; resolve once so concurrent reports agree.
        lock (Gate)
        {
            if (!_resolved)
            {
                _chosen = Find();
                if (_chosen is not null)
                {
                    ScottPlot.Fonts.Default = _chosen;
                }

                _resolved = true;
            }

            return _chosen;
        }
    }

    private static string? Find()
    {
        var file = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(file) && File.Exists(file))
        {
            ScottPlot.Fonts.AddFontFile(CustomFontName, file);
            return CustomFontName;
        }

        foreach (var name in Preferred)
        {
            if (HasGlyphs(name, exact: true))
            {
                return name;
            }
        }

        return SKFontManager.Default.FontFamilies.FirstOrDefault(name => !string.IsNullOrEmpty(name) && HasGlyphs(name, exact: false));
    }

    private static bool HasGlyphs(string family, bool exact)
    {
        // Skia falls back to another face when the family is missing; "exact" makes the preference list mean what it says.
        using var typeface = SKTypeface.FromFamilyName(family);
        return typeface is not null && typeface.GlyphCount > 0 && (!exact || string.Equals(typeface.FamilyName, family, StringComparison.OrdinalIgnoreCase));
    }
}
