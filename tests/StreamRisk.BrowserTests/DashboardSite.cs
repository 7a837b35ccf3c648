using StreamRisk.Domain.Alerts;
using StreamRisk.Host.Dashboard;
using StreamRisk.Host.Telemetry;
using StreamRisk.Redis;
using StreamRisk.Testing;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.BrowserTests;

/// <summary>The host on a free loopback port with a dashboard the test writes to, on a clock it can move.</summary>
internal sealed class DashboardSite : IAsyncDisposable
{
    private readonly MonitorWebHost _host;
    private bool _disposed;

    private DashboardSite(MonitorWebHost host, DashboardState state, ShiftedTime time)
    {
        _host = host;
        State = state;
        Time = time;
    }

    public string Url => _host.Url;

    public DashboardState State { get; }

    public ShiftedTime Time { get; }

    /// <param name="sharedAcks">Acknowledgements shared through a real Redis; null keeps them in the site's memory.</param>
    /// <param name="options">The dashboard's limits; null takes the defaults.</param>
    public static async Task<DashboardSite> StartAsync(RedisAlertAcks? sharedAcks = null, DashboardOptions? options = null)
    {
        var time = new ShiftedTime();
        var state = new DashboardState(time, options, sharedAcks);
        var host = await MonitorWebHost.StartAsync($"http://127.0.0.1:{FreePort.Next()}", string.Empty, CancellationToken.None, state);
        return new DashboardSite(host, state, time);
    }

    // One writer, as on the engine thread: the tests publish from theirs, one call at a time.
    public void Publish(SymbolRisk risk) => State.Observe(risk);

    public void Publish(Wire.AlertTransition transition) => State.Observe(transition);

    public void Publish(SystemView view) => State.Observe(view);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _host.DisposeAsync();
        State.Dispose();
    }
}
