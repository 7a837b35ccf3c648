using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace StreamRisk.Redis;

/// <summary>Settings of a test <see cref="LocalRedisServer"/>.</summary>
public sealed record LocalRedisServerOptions
{
    /// <summary>Turn on the append-only file (fsync every write) where durability is under test.</summary>
    public bool AppendOnly { get; init; }

    /// <summary>Reuse a port (restart on the same address after a kill).</summary>
    public int? Port { get; init; }

    /// <summary>Reuse a data directory (restart with the same AOF after a kill).</summary>
    public string? Directory { get; init; }
}

/// <summary>
/// A real <c>redis-server</c> process on a free loopback port in a temporary directory, stopped by its pid: what
/// <c>demo</c> starts when no Redis is given, and what every Redis test runs against. The test command installs
/// redis-server (apt) when missing; a missing binary fails a test loudly rather than skipping it.
/// </summary>
public sealed class LocalRedisServer : IDisposable
{
    private readonly bool _ownsDirectory;

    private LocalRedisServer(int port, string directory, bool ownsDirectory, int pid, bool appendOnly)
    {
        Port = port;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Pid = pid;
        AppendOnly = appendOnly;
    }

    public int Port { get; }
    public string Directory { get; }
    public int Pid { get; private set; }
    public bool AppendOnly { get; }

    /// <summary>StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000";

    /// <summary>Path of redis-server on this machine, or null.</summary>
    public static string? FindExecutable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string Executable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("redis-server is not installed: run the README's test command (./test.sh), which installs it with apt.");
    }

    public static LocalRedisServer Start(LocalRedisServerOptions? options = null)
    {
        options ??= new LocalRedisServerOptions();
        var ownsDirectory = options.Directory is null;
        var directory = options.Directory ?? System.IO.Directory.CreateTempSubdirectory("streamrisk-redis-").FullName;
        var port = options.Port ?? FreeLoopbackPort();
        var pidFile = Path.Combine(directory, "redis.pid");
        File.Delete(pidFile);
        var args = new[]
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", options.AppendOnly ? "yes" : "no", "--appendfsync", "always",
            "--dir", directory, "--daemonize", "yes", "--pidfile", pidFile, "--logfile", Path.Combine(directory, "redis.log"),
        };
        var start = new ProcessStartInfo(Executable()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using (var launcher = Process.Start(start) ?? throw new InvalidOperationException("could not start redis-server"))
        {
            launcher.WaitForExit(10_000);
        }

        var pid = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (pid == 0 && File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var read))
            {
                pid = read;
            }

            if (pid != 0 && Accepts(port))
            {
                return new LocalRedisServer(port, directory, ownsDirectory, pid, options.AppendOnly);
            }

            Thread.Sleep(20);
        }

        var log = Path.Combine(directory, "redis.log");
        throw new InvalidOperationException($"redis-server did not start on port {port}: {(File.Exists(log) ? File.ReadAllText(log) : "no log")}");
    }

    /// <summary>Restart on the same port and directory (AOF replays if it was on).</summary>
    public LocalRedisServer Restart() => Start(new LocalRedisServerOptions { AppendOnly = AppendOnly, Port = Port, Directory = Directory });

    /// <summary>SIGKILL: no shutdown, no final save.</summary>
    public void Kill() => Stop(kill: true);

    public void Dispose()
    {
        Stop(kill: false);
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }

    private void Stop(bool kill)
    {
        if (Pid == 0)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(Pid);
            if (kill)
            {
                process.Kill();
            }
            else
            {
                // SIGTERM lets redis exit cleanly; fall back to SIGKILL if it lingers.
                using var term = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
                term?.WaitForExit(5_000);
                if (!process.WaitForExit(5_000))
                {
                    process.Kill();
                }
            }

            process.WaitForExit(5_000);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        Pid = 0;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
