using System.Collections.Concurrent;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Redis;

namespace StreamRisk.Host.Dashboard;

/// <summary>
/// Operators' acknowledgements of alerts. With Redis (<see cref="RedisAlertAcks"/>) they are shared: every dashboard
/// instance reads the same hash and hears each new one on its channel, so every operator sees who took an alert.
/// Without Redis they live in this process only (and are lost on restart); the page says which.
/// Any thread may call; every acknowledgement is announced to this instance's pages through <c>announce</c>.
/// </summary>
public sealed class AlertAcknowledgements : IDisposable
{
    /// <summary>Acknowledgements kept in memory at most (the oldest go first): a bound against a flood of requests.</summary>
    public const int MemoryLimit = 10_000;

    private readonly RedisAlertAcks? _shared;
    private readonly TimeProvider _time;
    private readonly Action<AlertAck> _announce;
    private readonly ConcurrentDictionary<string, AlertAck> _memory = new(StringComparer.Ordinal);
    private readonly IDisposable? _subscription;

    internal AlertAcknowledgements(RedisAlertAcks? shared, TimeProvider time, Action<AlertAck> announce)
    {
        _shared = shared;
        _time = time;
        _announce = announce;
        // Redis tells this instance about every acknowledgement, its own included (the page ignores a repeat).
        _subscription = shared?.Subscribe(announce);
    }

    /// <summary><c>redis</c> (shared by every instance) or <c>memory</c> (this instance only).</summary>
    public string Store => _shared is null ? "memory" : "redis";

    /// <summary>Records that <paramref name="by"/> acknowledged the alert (unless someone already did); returns the one that stands.</summary>
    /// <param name="alertId">Validated by the caller (<see cref="AlertAck.WhyNotAnId"/>).</param>
    public async Task<AlertAck> AcknowledgeAsync(string alertId, string? by)
    {
        var ack = new AlertAck(alertId, Operator(by), _time.GetUtcNow().ToUnixTimeMilliseconds());
        AlertAck kept;
        if (_shared is not null)
        {
            kept = await _shared.AcknowledgeAsync(ack).ConfigureAwait(false);
        }
        else
        {
            kept = _memory.GetOrAdd(alertId, ack);
            if (_memory.Count > MemoryLimit)
            {
                var oldest = _memory.Values.MinBy(a => a.At);
                if (oldest is not null)
                {
                    _memory.TryRemove(oldest.AlertId, out _);
                }
            }
        }

        _announce(kept);
        return kept;
    }

    public async Task<IReadOnlyList<AlertAck>> AllAsync() =>
        _shared is null ? [.. _memory.Values] : await _shared.AllAsync().ConfigureAwait(false);

    public void Dispose() => _subscription?.Dispose();

    /// <summary>The name as typed, without control characters, cut to <see cref="AlertAck.MaxByLength"/>; "operator" when none.</summary>
    internal static string Operator(string? by)
    {
        var name = new string((by ?? string.Empty).Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (name.Length > AlertAck.MaxByLength)
        {
            name = name[..AlertAck.MaxByLength];
        }

        return name.Length == 0 ? "operator" : name;
    }
}
