using StreamRisk.Domain.Alerts;
using Wire = StreamRisk.Contracts.Alerts;

namespace StreamRisk.BrowserTests;

/// <summary>Projections and alerts shaped like the engine's, for a test that plays the engine thread.</summary>
internal static class Scenario
{
    public const long T0 = 1_723_161_255_000;

    /// <param name="scale">Multiplies every notional amount (liquidatable and depth): instruments of different sizes.</param>
    public static SymbolRisk Risk(string symbol, double mark, long eventTime, double? criticalDown = 0.031, bool bookStale = false, double scale = 1)
    {
        // Liquidatable notional clusters 1.5–2% below the mark (longs) and 3–4% above (shorts), as leverage piles up there.
        var rings = new List<LadderRing>(20);
        for (var k = 9; k >= 0; k--)
        {
            rings.Add(new LadderRing(-(k + 1) * 0.005, -k * 0.005, scale * (k is 3 ? 4_200_000 : 300_000 * (10 - k)), scale * (2_000_000 + (k * 600_000))));
        }

        for (var k = 0; k < 10; k++)
        {
            rings.Add(new LadderRing(k * 0.005, (k + 1) * 0.005, scale * (k is 6 or 7 ? 2_500_000 : 150_000 * (10 - k)), scale * (1_800_000 + (k * 500_000))));
        }

        return new SymbolRisk
        {
            Symbol = symbol,
            EventTime = eventTime,
            Mark = mark,
            CriticalShockDown = criticalDown,
            CriticalShockUp = 0.074,
            ChainDown = criticalDown is { } s
                ? new CascadeChain(s, mark * (1 - (2.4 * s)), 2.4, [mark * (1 - s), mark * (1 - (1.6 * s)), mark * (1 - (2.1 * s)), mark * (1 - (2.4 * s))], 412, 8_400_000, ["acct-77", "acct-12"])
                : null,
            InsuranceFund = 1_000_000,
            FundDrainShockDown = 0.05,
            AdlNotionalDown = 640_000,
            Bands =
            [
                new BandFigures(0.01, scale * 2_100_000, scale * 900_000, scale * 6_000_000, scale * 5_500_000),
                new BandFigures(0.02, scale * 8_300_000, scale * 1_700_000, scale * 12_000_000, scale * 11_000_000),
                new BandFigures(0.05, scale * 19_000_000, scale * 9_600_000, scale * 30_000_000, scale * 28_000_000),
            ],
            Heatmap = rings,
            DepthNearMark = scale * 11_500_000,
            DepthNearMarkPeak = scale * 14_000_000,
            BookStale = bookStale,
        };
    }

    public static Wire.AlertTransition Alert(string symbol, Wire.AlertState state, Wire.AlertSeverity severity, long eventTime, string rule = "CascadeRisk")
    {
        var id = $"{rule}:{symbol}:down:{T0 + 100}";
        return new Wire.AlertTransition
        {
            Id = id,
            TransitionId = Wire.AlertTransition.TransitionIdOf(id, state == Wire.AlertState.Raised ? 0 : 1),
            Rule = rule,
            Symbol = symbol,
            Severity = severity,
            State = state,
            EventTime = eventTime,
            Metrics = new Dictionary<string, double> { ["criticalShock"] = 0.012, ["liquidatedNotional"] = 8_400_000, ["amplification"] = 2.4 },
            Explanation = state == Wire.AlertState.Resolved
                ? $"The critical shock down on {symbol} is back above 3.6%."
                : $"A 1.2% move down from 60,000.00 liquidates 412 positions ({symbol}, 8.4M) in 4 rounds (59,280.00 → 58,272.00), 2.4× the move; largest: acct-77, acct-12.",
            SuggestedAction = "Widen the price band on the down side; review leverage limits for the accounts named.",
        };
    }
}
