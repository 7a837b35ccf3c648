namespace StreamRisk.Host.Tests;

/// <summary>Configuration layering of <c>streamrisk run</c>: file, then STREAMRISK__ environment, then flags.</summary>
[Collection("environment")]
public sealed class RunCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("run-");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("STREAMRISK__ENGINE__PROFILE", null);
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task NoBootstrapServers_OneLineNamingTheSettingAndItsSources_ExitTwo()
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write("""{"StreamRisk":{"Redis":{"Configuration":""}}}"""));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains("StreamRisk:Kafka:BootstrapServers is required", run.Error, StringComparison.Ordinal);
        Assert.Contains("STREAMRISK__KAFKA__BOOTSTRAPSERVERS", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage{")]
    [InlineData("{\"StreamRisk\":{\"Kafka\":{\"SessionTimeoutMs\":\"soon\"}}}")]
    [InlineData("\u0000\u0001binary")]
    public async Task UnreadableConfigFile_OneLineExitTwo(string content)
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write(content));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith("streamrisk: configuration: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisConfigurationFromTheFile_IsValidated()
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"},"Redis":{"Configuration":"r:6379,password=pw-in-file,ssl=maybe"}}}"""));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains("ssl", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-in-file", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProfileFromTheConfigFile_IsValidated()
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"},"Engine":{"Profile":"ftx"}}}"""));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("'ftx'", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"},"Engine":{"LiquidationEngine":"sometimes"}}}""", "'sometimes'")]
    [InlineData("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"},"Engine":{"LiquidationDepthRecoveryMs":-1}}}""", "LiquidationDepthRecoveryMs")]
    [InlineData("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092","EventTimeOrdering":true},"Role":"projector","Engine":{"LiquidationEngine":"venue"}}}""", "Role all")]
    public async Task LiquidationEngineFromTheConfigFile_IsValidated(string config, string named)
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write(config));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains(named, run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"},"Health":{"MaxLag":-1}}}""", "StreamRisk:Health:MaxLag")]
    [InlineData("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"},"Health":{"MaxLag":1000000001}}}""", "StreamRisk:Health:MaxLag")]
    [InlineData("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"},"Health":{"StallTimeoutMs":999}}}""", "StreamRisk:Health:StallTimeoutMs")]
    public async Task HealthBoundsOutOfRange_OneLineNamingTheSetting_Exit2(string config, string named)
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write(config));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains(named, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentOverridesTheFile()
    {
        Environment.SetEnvironmentVariable("STREAMRISK__ENGINE__PROFILE", "mtgox");

        var run = await CliRun.InvokeAsync("run", "--config", Write("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"},"Engine":{"Profile":"binance"}}}"""));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("'mtgox'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlagsOverrideTheEnvironment()
    {
        Environment.SetEnvironmentVariable("STREAMRISK__ENGINE__PROFILE", "binance");

        var run = await CliRun.InvokeAsync("run", "--config", Write("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"}}}"""), "--profile", "bitmex-1999");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("'bitmex-1999'", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bogus", "'bogus' is not one of all, accounts, projector")]
    [InlineData("projector", "projector needs StreamRisk:Kafka:EventTimeOrdering true")]
    public async Task BadRole_OneLineExitTwo(string role, string message)
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092"}}}"""), "--role", role);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(3_600_001)]
    public async Task OrderingStallReleaseOutOfRange_OneLineExitTwo(int stall)
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092","OrderingStallReleaseMs":""" + stall + "}}}"));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("StreamRisk:Kafka:OrderingStallReleaseMs must be between 1000 and 3600000", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(300_001)]
    public async Task FetchWaitOutsideLibrdkafkasRange_OneLineExitTwo(int wait)
    {
        var run = await CliRun.InvokeAsync("run", "--config", Write("""{"StreamRisk":{"Kafka":{"BootstrapServers":"k:9092","FetchWaitMaxMs":""" + wait + "}}}"));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("StreamRisk:Kafka:FetchWaitMaxMs must be between 0 and 300000", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task MissingConfigFile_ExitTwo()
    {
        var run = await CliRun.InvokeAsync("run", "--config", Path.Combine(_dir.FullName, "none.json"));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("no such file", run.Error, StringComparison.Ordinal);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }
}
