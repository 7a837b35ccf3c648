using System.Net;
using System.Net.Http.Headers;
using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;
using StreamRisk.Host;
using StreamRisk.Host.Logging;
using StreamRisk.Host.Monitoring;
using StreamRisk.Redis;
using StreamRisk.Testing;

namespace StreamRisk.IntegrationTests;

/// <summary>
/// Security settings pass through configuration, and secrets never come back out: not in the monitor's log, not in
/// any HTTP response (<c>/api</c>, <c>/metrics</c>, <c>/healthz</c>, the page, a refused request).
/// </summary>
public sealed partial class SecretsTests : IDisposable
{
    private const string KafkaPassword = "kafka-S3CRET-pw";
    private const string RedisPassword = "redis-S3CRET-pw";
    private const string DashboardToken = "dash-S3CRET-token";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("secrets-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <remarks>librdkafka runs with its configuration, security and broker debug contexts on, and the log level at
    /// debug: the lines most likely to echo a setting are all written.</remarks>
    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public async Task KafkaRedisAndDashboardSecrets_NeverOnStdoutStderrOrHttpResponses(string format)
    {
        var capture = Path.Combine(_dir.FullName, "day.srcap.gz");
        Assert.Equal(0, await Cli.RunAsync(["simulate", "--out", capture, "--events", "3000", "--accounts", "300"], TextWriter.Null, TextWriter.Null, TimeProvider.System));
        using var cluster = KafkaReplayRun.StartCluster();
        Assert.Equal(0, await Cli.RunAsync(["replay", capture, "--format", "capture", "--to-kafka", cluster.BootstrapServers], TextWriter.Null, TextWriter.Null, TimeProvider.System));

        var settings = new MonitorSettings
        {
            Kafka = new KafkaSettings
            {
                BootstrapServers = cluster.BootstrapServers,
                GroupId = "secrets",
                EventTimeOrdering = true,
                // Passed to librdkafka as given (the embedded cluster speaks plaintext, so SASL stays unused here).
                Settings = new Dictionary<string, string> { ["sasl.username"] = "risk", ["sasl.password"] = KafkaPassword, ["debug"] = "conf,security,broker" },
            },
            // A Redis that is not there: connection errors get logged, and must not carry the password.
            Redis = new RedisSettings { Configuration = $"127.0.0.1:{FreePort.Next()},password={RedisPassword},connectTimeout=200" },
            Dashboard = new DashboardSettings { Urls = "http://127.0.0.1:0", Token = DashboardToken },
        };
        using var log = new LogCapture();
        using var errors = new LogCapture();
        var logging = RunLogging.Create(errors, format, Microsoft.Extensions.Logging.LogLevel.Debug);
        var runner = new MonitorRunner(settings, log, logging, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        Assert.True(await Eventually.TrueAsync(() => runner.EventsProcessed >= 3_000 && Url().IsMatch(log.ToString()), TimeSpan.FromSeconds(60)), log.ToString());
        var url = Url().Match(log.ToString()).Groups[1].Value;
        var bodies = new List<string>();
        using (var http = new HttpClient())
        {
            using var refused = await http.GetAsync(new Uri(url + "/api/symbols"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            bodies.Add(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardToken);
            foreach (var path in new[] { "/", "/api/symbols", "/api/alerts", "/metrics", "/healthz" })
            {
                using var response = await http.GetAsync(new Uri(url + path), TestContext.Current.CancellationToken);
                Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode}");
                bodies.Add(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            }

            // Not ready (that Redis is not there), and saying so without its address's password.
            using var ready = await http.GetAsync(new Uri(url + "/readyz"), TestContext.Current.CancellationToken);
            var readyBody = await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("\"redis\"", readyBody, StringComparison.Ordinal);
            bodies.Add(readyBody);
        }

        await stop.CancelAsync();
        await run;
        logging.Dispose(); // what is queued is written
        var stderr = errors.ToString();
        var everything = log + "\n" + stderr + "\n" + string.Join("\n", bodies);
        Assert.Contains("\"symbol\":\"", bodies[2], StringComparison.Ordinal); // the API did serve data
        // librdkafka's debug lines were written, in the format asked for.
        Assert.Contains("CONF", stderr, StringComparison.Ordinal);
        // So were the Redis client's own lines about the server it cannot reach, and the web host's error for the
        // readiness check that failed on it.
        Assert.Contains("StackExchange.Redis", stderr, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Extensions.Diagnostics.HealthChecks", stderr, StringComparison.Ordinal);
        Assert.All(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Equal(format == "json", l.StartsWith('{')));
        foreach (var secret in new[] { KafkaPassword, RedisPassword, DashboardToken })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RedisPassword_DemoHookAndRun_NeverPrintIt_AndTheDemosHookHintWorksAsPrinted()
    {
        using var redisServer = LocalRedisServer.Start();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redisServer.ConnectionString + ",allowAdmin=true");
        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CONFIG", "SET", "requirepass", RedisPassword);
        var passwordFile = Path.Combine(_dir.FullName, "redis password");
        await File.WriteAllTextAsync(passwordFile, RedisPassword + "\n", TestContext.Current.CancellationToken);
        var redis = $"127.0.0.1:{redisServer.Port}";
        using var printed = new StringWriter();
        using var all = TextWriter.Synchronized(printed);

        // A password on the command line is refused, and not repeated.
        Assert.Equal(ExitCodes.Usage, await InvokeAsync(["demo", "--redis", $"{redis},password={RedisPassword}", "--brokers", "1", "--duration", "1s"], all, CancellationToken.None));

        // demo publishes with the password from the file: pictures reach the server that requires it.
        using var demo = new StringWriter();
        Assert.Equal(ExitCodes.Ok, await InvokeAsync(["demo", "--redis", redis, "--redis-password-file", passwordFile, "--brokers", "1", "--accounts", "2000", "--duration", "8s"], TextWriter.Synchronized(demo), CancellationToken.None));
        all.Write(demo.ToString());
        await using var reader = await ConnectionMultiplexer.ConnectAsync($"{redisServer.ConnectionString},password={RedisPassword}");
        Assert.True(await reader.GetDatabase().KeyExistsAsync("streamrisk:state:BTCUSDT"), demo.ToString());

        // The hint, pasted: it joins the consumer group on the same server with the same password file.
        var hint = Regex.Match(demo.ToString(), @"^\s*act on alerts\s+streamrisk (hook .*)$", RegexOptions.Multiline);
        Assert.True(hint.Success, demo.ToString());
        using (var stop = new CancellationTokenSource())
        {
            var hooking = InvokeAsync(ShellWords(hint.Groups[1].Value.TrimEnd()), all, stop.Token);
            Assert.True(await Eventually.TrueAsync(() => GroupExists(reader, "streamrisk-hooks") || hooking.IsCompleted, TimeSpan.FromSeconds(30)), printed.ToString());
            await stop.CancelAsync();
            Assert.Equal(ExitCodes.Ok, await hooking);
        }

        Assert.Contains("hook: consumer", printed.ToString(), StringComparison.Ordinal);

        // run, against a cluster with nothing in it yet, with the password from the file.
        using var cluster = KafkaReplayRun.StartCluster();
        using (var stop = new CancellationTokenSource())
        {
            var running = InvokeAsync(["run", "--bootstrap", cluster.BootstrapServers, "--redis", redis, "--redis-password-file", passwordFile], all, stop.Token);
            Assert.True(await Eventually.TrueAsync(() => printed.ToString().Contains("dashboard: ", StringComparison.Ordinal) || running.IsCompleted, TimeSpan.FromSeconds(30)), printed.ToString());
            await stop.CancelAsync();
            Assert.Equal(ExitCodes.Ok, await running);
        }

        Assert.DoesNotContain(RedisPassword, printed.ToString(), StringComparison.Ordinal);
    }

    private static bool GroupExists(ConnectionMultiplexer redis, string group) =>
        redis.GetDatabase().KeyExists("streamrisk:alerts") && redis.GetDatabase().StreamGroupInfo("streamrisk:alerts").Any(g => g.Name == group);

    /// <summary>Runs a verb as Program does, with a token standing in for Ctrl+C; stdout and stderr both go to <paramref name="printed"/>.</summary>
    private static async Task<int> InvokeAsync(string[] args, TextWriter printed, CancellationToken stop)
    {
        var parse = Cli.Build(printed, TimeProvider.System, printed).Parse(args);
        if (parse.Errors.Count > 0)
        {
            return await Cli.RunAsync(args, printed, printed, TimeProvider.System);
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = printed, Error = printed, EnableDefaultExceptionHandler = false }, stop);
        }
        catch (UsageException ex)
        {
            await printed.WriteLineAsync(ex.Message);
            return ExitCodes.Usage;
        }
    }

    /// <summary>Splits a command line as a POSIX shell does for words, single quotes and backslash-escaped quotes.</summary>
    private static string[] ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'' )
            {
                inWord = true;
                var end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                inWord = true;
                word.Append(line[++i]);
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                inWord = true;
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }

    [GeneratedRegex(@"dashboard: (http://127\.0\.0\.1:\d+)/")]
    private static partial Regex Url();
}
