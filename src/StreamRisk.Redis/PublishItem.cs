using System.Globalization;
using StackExchange.Redis;
using StreamRisk.Contracts.Alerts;

namespace StreamRisk.Redis;

/// <summary>
/// One write waiting in the <see cref="PublishBuffer"/>: an alert transition or a symbol picture, already serialized
/// on the caller's thread so that bad input fails there and the Redis loop does nothing but I/O.
/// </summary>
internal sealed class PublishItem
{
    /// <summary>Marks a transition record in the publish script's argument list.</summary>
    public static readonly RedisValue TransitionTag = "t";

    /// <summary>Marks a picture record in the publish script's argument list.</summary>
    public static readonly RedisValue PictureTag = "p";

    private PublishItem(bool isPicture, bool critical, string symbol, long eventTime, string description, RedisKey pictureKey, RedisValue[] args)
    {
        EventTime = eventTime;
        IsPicture = isPicture;
        IsCritical = critical;
        Symbol = symbol;
        Description = description;
        PictureKey = pictureKey;
        Args = args;
    }

    public bool IsPicture { get; }

    /// <summary>A critical transition: never dropped to make room.</summary>
    public bool IsCritical { get; }

    public string Symbol { get; }

    /// <summary>Event time of the transition or picture (a queued picture is only replaced by one at least as recent).</summary>
    public long EventTime { get; }

    /// <summary>Names the item in log lines (transition id or picture symbol): no payload, nothing secret.</summary>
    public string Description { get; }

    /// <summary>The hash a picture replaces; default for transitions.</summary>
    public RedisKey PictureKey { get; }

    /// <summary>
    /// The item's record in the publish script's ARGV, after its tag (and, for a picture, the index of its key):
    /// transition = transitionId, json, rule, symbol, severity, state, channel;
    /// picture = eventTime, field count, field/value pairs.
    /// </summary>
    public RedisValue[] Args { get; }

    /// <summary>Order of acceptance into the buffer; owned by the buffer, under its lock.</summary>
    public long Sequence { get; set; }

    /// <summary>Handed to the Redis loop and not yet confirmed: may not be dropped or replaced. Owned by the buffer, under its lock.</summary>
    public bool InFlight { get; set; }

    public static PublishItem For(AlertTransition transition, AlertKeys keys)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var json = AlertJson.Write(transition);
        RedisValue[] args =
        [
            transition.TransitionId, json, transition.Rule, transition.Symbol, AlertNames.Of(transition.Severity),
            AlertNames.Of(transition.State), keys.Channel(transition.Severity, transition.Symbol),
        ];
        return new PublishItem(false, transition.Severity == AlertSeverity.Critical, transition.Symbol, transition.EventTime, "transition " + transition.TransitionId, default, args);
    }

    public static PublishItem For(SymbolPicture picture, AlertKeys keys)
    {
        ArgumentNullException.ThrowIfNull(picture);
        var fields = new List<RedisValue>(32)
        {
            "eventTime", picture.EventTime,
            "mark", Number(picture.Mark),
            "liquidatableDown1Pct", Number(picture.LiquidatableDown1Pct),
            "liquidatableDown2Pct", Number(picture.LiquidatableDown2Pct),
            "liquidatableDown5Pct", Number(picture.LiquidatableDown5Pct),
            "liquidatableUp1Pct", Number(picture.LiquidatableUp1Pct),
            "liquidatableUp2Pct", Number(picture.LiquidatableUp2Pct),
            "liquidatableUp5Pct", Number(picture.LiquidatableUp5Pct),
            "insuranceFund", Number(picture.InsuranceFund),
            "openAlerts", picture.OpenAlertIds.Count,
        };

        // Absent field = no critical shock within the grid: the hash is replaced whole, so no stale value lingers.
        if (picture.CriticalShockDown is { } down)
        {
            fields.Add("criticalShockDown");
            fields.Add(Number(down));
        }

        if (picture.CriticalShockUp is { } up)
        {
            fields.Add("criticalShockUp");
            fields.Add(Number(up));
        }

        fields.Add("json");
        fields.Add(AlertJson.Write(picture));
        RedisValue[] args = [picture.EventTime, fields.Count / 2, .. fields];
        return new PublishItem(true, false, picture.Symbol, picture.EventTime, "picture " + picture.Symbol, keys.State(picture.Symbol), args);
    }

    /// <summary>Shortest text that reads back to the same double (invariant culture; NaN and infinities by name).</summary>
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
