namespace StreamRisk.Contracts.Alerts;

/// <summary>The rules that raise alerts, by their wire name.</summary>
public static class AlertRuleNames
{
    /// <summary>A small move would chain into a runaway cascade (critical shock below threshold).</summary>
    public const string CascadeRisk = "CascadeRisk";

    /// <summary>A projected cascade would drain the insurance fund and reach auto-deleveraging.</summary>
    public const string InsuranceFundAtRisk = "InsuranceFundAtRisk";

    /// <summary>A large block of liquidation prices sits close to the mark.</summary>
    public const string LiquidationWall = "LiquidationWall";

    /// <summary>One account big enough to move the book is near its liquidation price.</summary>
    public const string LargeAccountNearLiquidation = "LargeAccountNearLiquidation";

    /// <summary>Book depth near the mark dropped sharply, so the same liquidations would move the price further.</summary>
    public const string LiquidityWithdrawal = "LiquidityWithdrawal";

    /// <summary>Forced liquidations are already chaining on the venue.</summary>
    public const string CascadeInProgress = "CascadeInProgress";

    /// <summary>A small move of the whole market (the reference × β per instrument) chains across instruments into a runaway; symbol <c>SYSTEM</c>.</summary>
    public const string SystemicCascadeRisk = "SystemicCascadeRisk";

    public static IReadOnlyList<string> All { get; } =
    [
        CascadeRisk, InsuranceFundAtRisk, LiquidationWall, LargeAccountNearLiquidation, LiquidityWithdrawal, CascadeInProgress, SystemicCascadeRisk,
    ];
}

/// <summary>Wire names of the alert enums: the strings used in JSON, stream fields and channel names.</summary>
public static class AlertNames
{
    public static IReadOnlyList<string> Severities { get; } = ["info", "warning", "critical"];

    public static string Of(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Warning => "warning",
        AlertSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "unknown severity"),
    };

    public static string Of(AlertState state) => state switch
    {
        AlertState.Raised => "raised",
        AlertState.Escalated => "escalated",
        AlertState.Updated => "updated",
        AlertState.Resolved => "resolved",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown state"),
    };

    public static bool TryParseSeverity(string? text, out AlertSeverity severity)
    {
        switch (text)
        {
            case "info":
                severity = AlertSeverity.Info;
                return true;
            case "warning":
                severity = AlertSeverity.Warning;
                return true;
            case "critical":
                severity = AlertSeverity.Critical;
                return true;
            default:
                severity = default;
                return false;
        }
    }
}
