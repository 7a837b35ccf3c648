using System.Diagnostics;
using System.Text;
using System.Text.Json;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// The Prometheus side of infra/ through Prometheus's own checker (<c>promtool</c>, Debian package <c>prometheus</c>,
/// installed by test.sh): the alert rules are valid and do what their unit tests say, the server configuration parses,
/// and every query of the Grafana dashboards is valid PromQL.
/// </summary>
public sealed class PrometheusRulesTests
{
    private static readonly string Root = SharedData.RepositoryRoot();

    [Fact]
    public async Task AlertRules_PassPromtoolCheck()
    {
        var (code, output) = await PromtoolAsync("check", "rules", Path.Combine(Root, "infra", "prometheus", "alerts.yml"));

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertRules_FireAsTheirUnitTestsExpect()
    {
        var (code, output) = await PromtoolAsync("test", "rules", Path.Combine(Root, "infra", "prometheus", "alerts.test.yml"));

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrometheusConfig_PassesPromtoolSyntaxCheck()
    {
        // Syntax only: the token file it names exists inside the container, not here.
        var (code, output) = await PromtoolAsync("check", "config", "--syntax-only", Path.Combine(Root, "infra", "prometheus", "prometheus.yml"));

        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task DashboardQueries_AreValidPromQL()
    {
        // Each panel, variable and annotation query becomes a recording rule, with Grafana's variables replaced by what
        // they expand to, so promtool parses every expression.
        var rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
        var count = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "infra", "grafana", "dashboards"), "*.json"))
        {
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
            foreach (var expr in Queries(dashboard.RootElement))
            {
                var promql = expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$__interval", "1m", StringComparison.Ordinal)
                    .Replace("$job", "streamrisk", StringComparison.Ordinal).Replace("$instrument", ".*", StringComparison.Ordinal);
                rules.Append("      - record: dashboard:query").Append(count++).Append('\n')
                    .Append("        expr: ").Append(JsonSerializer.Serialize(promql)).Append('\n');
            }
        }

        var path = Path.Combine(Path.GetTempPath(), $"streamrisk-dashboard-queries-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(path, rules.ToString(), TestContext.Current.CancellationToken);
        try
        {
            var (code, output) = await PromtoolAsync("check", "rules", path);

            Assert.True(code == 0, output + "\n" + rules);
            Assert.True(count >= 20, $"only {count} dashboard queries found");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The PromQL of every target, templating query and annotation of a dashboard (label_values() is Grafana's, not PromQL).</summary>
    private static IEnumerable<string> Queries(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return property.Value.GetString()!;
                }

                foreach (var inner in Queries(property.Value))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var inner in Queries(item))
                {
                    yield return inner;
                }
            }
        }
    }

    private static async Task<(int Code, string Output)> PromtoolAsync(params string[] arguments)
    {
        var promtool = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "promtool")).FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool not found on PATH: apt-get install prometheus (test.sh installs it)");
        var start = new ProcessStartInfo(promtool!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, $"promtool {string.Join(' ', arguments)}:\n{await stdout}{await stderr}");
    }
}
