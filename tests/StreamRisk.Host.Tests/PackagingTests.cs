using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using StreamRisk.Testing;

namespace StreamRisk.Host.Tests;

/// <summary>
/// PACKAGING: the <c>streamrisk</c> .NET tool as a user installs it. One test packs the already-built executable
/// (<c>dotnet pack --no-build</c>, the configuration these tests were built in, so nothing is rebuilt beside a running
/// build), installs the package from that folder alone into a temporary tool path, and runs the installed command:
/// <c>--version</c>, <c>liqprice</c>, and the verbs that load each native library the package carries (librdkafka for
/// <c>record</c>, Skia and HarfBuzz for <c>replay --report</c>), then the bash completion of docs/cli.md against it.
/// Packing and installing take about a minute.
/// </summary>
public sealed class PackagingTests
{
    private static readonly string Root = SharedData.RepositoryRoot();

    [Fact]
    public async Task Version_PrintsTheOneVersionOfTheRepository_WithTheCommitBuilt()
    {
        var run = await CliRun.InvokeAsync("--version");

        var version = XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(Cli.Version + "\n", run.Output.ReplaceLineEndings("\n"));
        // The SDK appends the commit when it builds a git checkout, as these tests' build is.
        Assert.Matches($@"^{Regex.Escape(version)}\+[0-9a-f]{{40}}$", Cli.Version);
    }

    [Fact]
    public async Task PackedTool_InstalledFromItsFolder_RunsWithItsNativeLibraries()
    {
        var work = Directory.CreateTempSubdirectory("streamrisk-tool-");
        try
        {
            var packages = Path.Combine(work.FullName, "packages");
            var tools = Path.Combine(work.FullName, "tools");
            var configuration = typeof(Cli).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            var project = Path.Combine(Root, "src", "StreamRisk.Host", "StreamRisk.Host.csproj");
            // A publish folder of its own: the package is the publish folder's content, and the project's default one may
            // hold files of an earlier publish.
            var publish = Path.Combine(work.FullName, "publish") + Path.DirectorySeparatorChar;
            Succeeded(await Run(Dotnet, ["pack", project, "--no-build", "-c", configuration, "-o", packages, "-p:PublishDir=" + publish, "-nologo", "-nodeReuse:false"], work.FullName));

            var version = Cli.Version.Split('+')[0];
            var package = Path.Combine(packages, $"StreamRisk.Cli.{version}.nupkg");
            AssertCarriesNativeLibraries(package);

            // Only the folder as a source: the package must install on its own (a tool package has no dependencies).
            var config = Path.Combine(work.FullName, "nuget.config");
            File.WriteAllText(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>
                """);
            Succeeded(await Run(Dotnet, ["tool", "install", "StreamRisk.Cli", "--version", version, "--tool-path", tools, "--configfile", config], work.FullName));
            var streamrisk = Path.Combine(tools, OperatingSystem.IsWindows() ? "streamrisk.exe" : "streamrisk");

            var printed = Succeeded(await Run(streamrisk, ["--version"], work.FullName));
            Assert.Equal(Cli.Version, printed.Output.Trim());

            await AssertLiqPriceAsInProcess(streamrisk, work.FullName);
            await AssertLoadsLibrdkafka(streamrisk, work.FullName);
            await AssertDrawsReportCharts(streamrisk, work.FullName);
            await AssertBashCompletesVerbs(tools, work.FullName);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Every platform's librdkafka, Skia and HarfBuzz build, and none of the native debug symbols publish leaves out.</summary>
    private static void AssertCarriesNativeLibraries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        const string app = "tools/net10.0/any/";
        Assert.Contains(app + "streamrisk.dll", entries);
        Assert.Contains(app + "DotnetToolSettings.xml", entries);
        Assert.Contains(app + "scenarios/stress-scenarios.json", entries);
        foreach (var native in new[]
        {
            "linux-x64/native/librdkafka.so", "linux-x64/native/libSkiaSharp.so", "linux-x64/native/libHarfBuzzSharp.so",
            "linux-arm64/native/librdkafka.so", "linux-arm64/native/libSkiaSharp.so", "linux-arm64/native/libHarfBuzzSharp.so",
            "osx-arm64/native/librdkafka.dylib", "osx/native/libSkiaSharp.dylib", "osx/native/libHarfBuzzSharp.dylib",
            "win-x64/native/librdkafka.dll", "win-x64/native/libSkiaSharp.dll", "win-x64/native/libHarfBuzzSharp.dll",
        })
        {
            Assert.Contains(app + "runtimes/" + native, entries);
        }

        Assert.DoesNotContain(entries, e => e.StartsWith(app + "runtimes/", StringComparison.Ordinal) && e.EndsWith(".pdb", StringComparison.Ordinal));
        using var settings = zip.GetEntry(app + "DotnetToolSettings.xml")!.Open();
        Assert.Equal("streamrisk", XDocument.Load(settings).Descendants("Command").Single().Attribute("Name")?.Value);
    }

    /// <summary>Binance's FAQ account (docs/cli.md): the installed command answers as the in-process CLI does.</summary>
    private static async Task AssertLiqPriceAsInProcess(string streamrisk, string work)
    {
        var document = Path.Combine(work, "account.json");
        File.WriteAllText(document, """
            {"profile":"binance","instruments":[{"symbol":"BTCUSDT","contract":"linear","tiers":[{"floor":0,"mmr":0.004},{"floor":50000,"mmr":0.005}]}],
             "account":{"id":"A","balance":500,"positions":[{"symbol":"BTCUSDT","size":0.02,"entry":50000,"mark":50000,"isolatedMargin":null}]}}
            """);

        var installed = Succeeded(await Run(streamrisk, ["liqprice", document], work));
        var inProcess = await CliRun.InvokeAsync("liqprice", document);

        Assert.Equal(inProcess.Output, installed.Output);
        using var answer = JsonDocument.Parse(installed.Output);
        Assert.Equal(25_100.40, answer.RootElement.GetProperty("positions")[0].GetProperty("liquidationPrice").GetDouble(), 2);
    }

    /// <summary>
    /// <c>record</c> against a port nobody listens on: librdkafka loads, logs its refused connection and the recording
    /// ends empty. A missing native library would end it at once with exit code 1.
    /// </summary>
    private static async Task AssertLoadsLibrdkafka(string streamrisk, string work)
    {
        var capture = Path.Combine(work, "recorded.capture");

        var run = Succeeded(await Run(streamrisk, ["record", "--bootstrap", $"127.0.0.1:{FreePort.Next()}", "--duration", "1s", "--out", capture], work));

        Assert.Contains("recorded 0 records", run.Output, StringComparison.Ordinal);
        Assert.Contains("Connection refused", run.Output + run.Error, StringComparison.Ordinal);
    }

    /// <summary>A small simulated capture replayed with a report: its charts are PNG files drawn by Skia.</summary>
    private static async Task AssertDrawsReportCharts(string streamrisk, string work)
    {
        var capture = Path.Combine(work, "simulated.capture");
        var report = Path.Combine(work, "report");
        Succeeded(await Run(streamrisk, ["simulate", "--out", capture, "--events", "3000", "--accounts", "100"], work));

        Succeeded(await Run(streamrisk, ["replay", capture, "--report", report], work));

        var charts = Directory.GetFiles(report, "*.png");
        Assert.NotEmpty(charts);
        Assert.All(charts, chart => Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(chart)[..4]));
    }

    /// <summary>The bash completion function of docs/cli.md, with the installed command on the PATH.</summary>
    private static async Task AssertBashCompletesVerbs(string tools, string work)
    {
        var docs = File.ReadAllText(Path.Combine(Root, "docs", "cli.md"));
        var function = Regex.Matches(docs, "```bash\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .Single(block => block.Contains("complete -o default -F _streamrisk streamrisk", StringComparison.Ordinal));
        var script = Path.Combine(work, "complete.bash");
        File.WriteAllText(script, function + """
            export PATH="$1:$PATH"
            for line in 'streamrisk liq' 'streamrisk replay --format binance-u'; do
              COMP_LINE=$line COMP_POINT=${#line} COMP_WORDS=($line) COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
              _streamrisk streamrisk "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
              echo "${COMPREPLY[*]}"
            done
            """);

        var run = Succeeded(await Run("bash", [script, tools], work));

        Assert.Equal(["liqprice", "binance-usdm"], run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static CliRun Succeeded(CliRun run)
    {
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{run.Output}\n{run.Error}");
        return run;
    }

    private static async Task<CliRun> Run(string file, string[] args, string workingDirectory)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // No MSBuild node or build server outlives `dotnet pack` holding the output pipes open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran for 10 minutes");
        }

        return new CliRun(process.ExitCode, await output, await error);
    }
}
