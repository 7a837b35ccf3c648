using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRisk.Kafka.Embedded;
using StreamRisk.Testing;

namespace StreamRisk.Kafka.Tests;

public sealed class KafkaLogTests
{
    private const string Password = "sasl-S3CRET-pw";

    [Fact]
    public void Write_MoreLinesOfAKindThanTheLimit_PassesTheLimitAndCountsTheRest()
    {
        var lines = new List<string>();
        var log = new KafkaLog(new LineLogger(lines.Add)) { LinesPerInterval = 2, Interval = TimeSpan.FromHours(1) };

        for (var i = 0; i < 5; i++)
        {
            log.Write("FAIL", LogLevel.Warning, $"connect failed {i}");
        }

        log.Write("error Local_Transport", LogLevel.Warning, "another kind");

        Assert.Equal(["Warning: connect failed 0", "Warning: connect failed 1", "Warning: another kind"], lines);
        Assert.Equal(3, log.Suppressed);
    }

    [Fact]
    public async Task Write_AfterTheInterval_SaysHowManyWereHeldBack()
    {
        var lines = new List<string>();
        var log = new KafkaLog(new LineLogger(lines.Add)) { LinesPerInterval = 1, Interval = TimeSpan.FromMilliseconds(20) };
        log.Write("FAIL", LogLevel.Warning, "first");
        log.Write("FAIL", LogLevel.Warning, "held");

        // A new interval begins on the monotonic clock; the next line that passes carries the count.
        Assert.True(await Eventually.TrueAsync(() =>
        {
            log.Write("FAIL", LogLevel.Warning, "again");
            return lines.Count > 1;
        }, TimeSpan.FromSeconds(10)));

        // "held", and the tries of the loop that fell in the first interval (one kind: every held line is counted here).
        Assert.True(log.Suppressed >= 1);
        Assert.Equal($"Warning: again ({log.Suppressed} more like it held back)", lines[1]);
    }

    [Theory]
    [InlineData(SyslogLevel.Debug, LogLevel.Debug)]
    [InlineData(SyslogLevel.Info, LogLevel.Information)]
    [InlineData(SyslogLevel.Notice, LogLevel.Information)]
    [InlineData(SyslogLevel.Warning, LogLevel.Warning)]
    [InlineData(SyslogLevel.Error, LogLevel.Error)]
    [InlineData(SyslogLevel.Critical, LogLevel.Critical)]
    [InlineData(SyslogLevel.Emergency, LogLevel.Critical)]
    public void OnLog_LibrdkafkasLevel_IsTheEntrysLevel(SyslogLevel syslog, LogLevel expected)
    {
        var lines = new List<string>();
        var log = new KafkaLog(new LineLogger(lines.Add));

        log.OnLog(null!, new LogMessage("rdkafka#producer-1", syslog, "FAIL", "broker down"));

        Assert.Equal($"{expected}: rdkafka#producer-1: FAIL: broker down", Assert.Single(lines));
    }

    [Fact]
    public void OnLog_BelowTheLoggersLevel_IsDroppedWithoutUsingTheLimit()
    {
        var lines = new List<string>();
        var log = new KafkaLog(new LineLogger(lines.Add, LogLevel.Information)) { LinesPerInterval = 1, Interval = TimeSpan.FromHours(1) };

        log.OnLog(null!, new LogMessage("rdkafka#consumer-1", SyslogLevel.Debug, "FAIL", "debug detail"));
        log.OnLog(null!, new LogMessage("rdkafka#consumer-1", SyslogLevel.Warning, "FAIL", "broker down"));

        Assert.Equal("Warning: rdkafka#consumer-1: FAIL: broker down", Assert.Single(lines));
        Assert.Equal(0, log.Suppressed);
    }

    [Fact]
    public void OnLog_ALineEchoingASecretSetting_HasItBlankedOut()
    {
        var lines = new List<string>();
        var settings = new Dictionary<string, string> { ["sasl.username"] = "risk", ["sasl.password"] = Password, ["ssl.key.password"] = "key-pw" };
        var log = new KafkaLog(new LineLogger(lines.Add), settings);

        log.OnLog(null!, new LogMessage("rdkafka#producer-1", SyslogLevel.Debug, "CONF", $"sasl.username = risk, sasl.password = {Password}, ssl.key.password = key-pw"));

        Assert.Equal($"Debug: rdkafka#producer-1: CONF: sasl.username = risk, sasl.password = {KafkaLog.Redacted}, ssl.key.password = {KafkaLog.Redacted}", Assert.Single(lines));
    }

    [Fact]
    public async Task RealClient_DebugLoggingWithASaslPassword_LogsAtItsLevelsAndNeverThePassword()
    {
        using var cluster = new EmbeddedKafkaCluster(new EmbeddedKafkaOptions { Brokers = 1 });
        var lines = new ConcurrentQueue<string>();
        var config = new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Debug = "conf,security,broker",
            SaslUsername = "risk",
            SaslPassword = Password,
        };
        var log = new KafkaLog(new LineLogger(lines.Enqueue), config) { LinesPerInterval = 1000 };
        using (var producer = new ProducerBuilder<byte[], byte[]>(config).SetLogHandler(log.OnLog).SetErrorHandler(log.OnError).Build())
        {
            Assert.True(await Eventually.TrueAsync(() => lines.Any(l => l.StartsWith("Debug: ", StringComparison.Ordinal)), TimeSpan.FromSeconds(20)), string.Join("\n", lines));
        }

        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal));
    }
}
