using System.Globalization;
using System.Text.RegularExpressions;

namespace StreamRisk.Testing;

/// <summary>One sample of a Prometheus text exposition: its metric name, labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads what a <c>/metrics</c> endpoint served (Prometheus text format), and the metric names the repository's
/// dashboards and alert rules query, so tests can hold the two against each other.
/// </summary>
public static partial class PrometheusScrape
{
    /// <summary>Every sample line of the exposition (comments skipped; a trailing timestamp ignored).</summary>
    public static IReadOnlyList<PrometheusSample> Samples(string exposition)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        var samples = new List<PrometheusSample>();
        foreach (var line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException("not a Prometheus sample line: " + line);
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["key"].Value] = label.Groups["value"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }

            samples.Add(new PrometheusSample(match.Groups["name"].Value, labels, ParseValue(match.Groups["value"].Value)));
        }

        return samples;
    }

    /// <summary>
    /// The metric names served: every sample's name (a histogram's <c>_bucket</c>, <c>_sum</c>, <c>_count</c>, a
    /// counter's <c>_total</c>) and every name a <c># TYPE</c> line declares (a histogram's own name).
    /// </summary>
    public static ISet<string> ServedNames(string exposition)
    {
        var names = new HashSet<string>(Samples(exposition).Select(s => s.Name), StringComparer.Ordinal);
        foreach (Match type in TypeLine().Matches(exposition))
        {
            names.Add(type.Groups["name"].Value);
        }

        return names;
    }

    /// <summary>The samples of <paramref name="name"/> whose labels include every one given (others may be there too).</summary>
    public static IReadOnlyList<PrometheusSample> Find(IEnumerable<PrometheusSample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();

    /// <summary>
    /// The StreamRisk metric names the repository's Grafana dashboards and Prometheus alert rules refer to, with the
    /// files each appears in: every <c>streamrisk_…</c> token of the files' text (queries, descriptions, comments alike).
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ReferencedNames(string repositoryRoot)
    {
        var files = Directory.GetFiles(Path.Combine(repositoryRoot, "infra", "grafana", "dashboards"), "*.json")
            .Append(Path.Combine(repositoryRoot, "infra", "prometheus", "alerts.yml"))
            .Order(StringComparer.Ordinal);
        var names = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (Match name in MetricName().Matches(File.ReadAllText(file)))
            {
                var where = Path.GetRelativePath(repositoryRoot, file);
                if (!names.TryGetValue(name.Value, out var list))
                {
                    names[name.Value] = list = [];
                }

                if (!list.Contains(where))
                {
                    list.Add(where);
                }
            }
        }

        return names.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value, StringComparer.Ordinal);
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+-?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();

    [GeneratedRegex(@"^# TYPE (?<name>\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex("streamrisk_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
