using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRisk.Contracts.Alerts;
using StreamRisk.Domain.Alerts;

namespace StreamRisk.Replay.InProcess;

/// <summary>
/// The files an analyst gets from a replay: <c>alerts.ndjson</c> (every alert transition, the same JSON as the Redis
/// stream) and <c>projections.ndjson</c> (per symbol, per projection: event time, mark, critical shocks, liquidatable
/// notional within ±1%, ±2%, ±5%) and, at each system view, one <c>"type":"system"</c> line (the view's JSON, see
/// docs/replay.md). Written from event-time data only, invariant culture, "\n" line ends, so the same
/// inputs give byte-identical files whatever the replay speed. Symbols are JSON-escaped as the alert JSON escapes them
/// (control characters, quotes, backslashes and anything outside ASCII as <c>\uXXXX</c>), whatever they hold.
/// </summary>
public sealed class ReplayOutputs : IDisposable
{
    private readonly StreamWriter? _alerts;
    private readonly StreamWriter? _projections;

    /// <summary>Each symbol's escaped JSON string body, made once: a replay has a handful of symbols and many projections.</summary>
    private readonly Dictionary<string, string> _escapedSymbols = new(StringComparer.Ordinal);

    public ReplayOutputs(string? directory)
    {
        if (directory is null)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        _alerts = Open(Path.Combine(directory, "alerts.ndjson"));
        _projections = Open(Path.Combine(directory, "projections.ndjson"));
    }

    /// <summary>
    /// Outputs before this event time are not written (nor counted): <c>--from</c> starts the results there while the
    /// engine still reads what came before, so accounts, books and marks are as they were at that moment.
    /// </summary>
    public long? From { get; init; }

    /// <summary>Told each alert transition written (a backtest reads them as they come).</summary>
    public Action<Domain.Alerts.AlertTransition>? Observer { get; init; }

    public long Alerts { get; private set; }

    public long Projections { get; private set; }

    public long SystemViews { get; private set; }

    public Dictionary<string, int> RaisedByRule { get; } = new(StringComparer.Ordinal);

    /// <summary>The noise figures of the transitions written (per minute, severities, short-lived critical alerts).</summary>
    public AlertQuality Quality { get; } = new();

    public void Alert(Domain.Alerts.AlertTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        if (transition.EventTime < From)
        {
            return;
        }

        Alerts++;
        Quality.Add(transition);
        if (transition.State == Domain.Alerts.AlertState.Raised)
        {
            var rule = AlertMapping.RuleName(transition.Rule);
            RaisedByRule[rule] = RaisedByRule.GetValueOrDefault(rule) + 1;
        }

        Observer?.Invoke(transition);
        _alerts?.Write(AlertJson.Write(AlertMapping.ToWire(transition)));
        _alerts?.Write('\n');
    }

    public void Projection(SymbolRisk risk)
    {
        ArgumentNullException.ThrowIfNull(risk);
        if (risk.EventTime < From)
        {
            return;
        }

        Projections++;
        if (_projections is null)
        {
            return;
        }

        var one = risk.BandAt(0.01);
        var two = risk.BandAt(0.02);
        var five = risk.BandAt(0.05);
        _projections.Write(string.Create(CultureInfo.InvariantCulture,
            $"{{\"symbol\":\"{Escaped(risk.Symbol)}\",\"eventTime\":{risk.EventTime},\"mark\":{R(risk.Mark)},\"criticalShockDown\":{N(risk.CriticalShockDown)},\"criticalShockUp\":{N(risk.CriticalShockUp)},\"liquidatable\":{{\"down1\":{R(one.LiquidatableDown)},\"down2\":{R(two.LiquidatableDown)},\"down5\":{R(five.LiquidatableDown)},\"up1\":{R(one.LiquidatableUp)},\"up2\":{R(two.LiquidatableUp)},\"up5\":{R(five.LiquidatableUp)}}},\"depth1\":{R(risk.DepthNearMark)},\"knownRangeDown\":{Range(risk.KnownRangeDown)},\"knownRangeUp\":{Range(risk.KnownRangeUp)},\"modelledShareDown\":{R(risk.ChainDown?.ModelledShare ?? 0)},\"modelledShareUp\":{R(risk.ChainUp?.ModelledShare ?? 0)},\"leftKnownBookDown\":{Bool(risk.ChainDown?.LeftKnownBook == true)},\"leftKnownBookUp\":{Bool(risk.ChainUp?.LeftKnownBook == true)}}}"));
        _projections.Write('\n');
    }

    /// <summary>A system view: one <c>{"type":"system",...}</c> line among the symbol lines, in event-time order.</summary>
    public void System(SystemView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.EventTime < From)
        {
            return;
        }

        SystemViews++;
        _projections?.Write(SystemViewJson.Line(view));
        _projections?.Write('\n');
    }

    public void Dispose()
    {
        _alerts?.Dispose();
        _projections?.Dispose();
    }

    private string Escaped(string symbol)
    {
        if (!_escapedSymbols.TryGetValue(symbol, out var escaped))
        {
            escaped = JsonEncodedText.Encode(symbol).ToString();
            _escapedSymbols.Add(symbol, escaped);
        }

        return escaped;
    }

    private static StreamWriter Open(string path) => new(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string N(double? value) => value is { } v ? R(v) : "null";

    /// <summary>A side's known range; null for a complete side (known to any distance).</summary>
    private static string Range(double value) => double.IsFinite(value) ? R(value) : "null";

    private static string Bool(bool value) => value ? "true" : "false";
}
