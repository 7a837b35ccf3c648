using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Engine.Tests;

public sealed class RiskEngineHeatmapTests
{
    private const long T0 = 1_723_161_255_000;

    [Fact]
    public void Project_HeatmapRingsTileTheBandAndAddUpToTheBandFigures()
    {
        var engine = new RiskEngine(new EngineOptions());
        var sym = engine.ApplyInstrument(new Instrument(new Symbol("XUSDT"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.005)));
        engine.ApplyBookSnapshot(sym, 1, [new PriceLevel(9_990, 5), new PriceLevel(9_950, 5), new PriceLevel(9_900, 5), new PriceLevel(9_700, 7)],
            [new PriceLevel(10_010, 3), new PriceLevel(10_260, 4)], T0);
        for (var i = 0; i < 20; i++)
        {
            // 50x isolated longs: LP ≈ 98.49, in the −2%..−1.5% ring.
            engine.ApplyAccount(new AccountId($"lev{i:00}"), 0, [(sym, 10, 100, 20)], T0);
        }

        // A 20x isolated short of 2 at 100: LP = 105/1.005 ≈ 104.48, in the +4%..+4.5% ring.
        engine.ApplyAccount(new AccountId("short"), 0, [(sym, -2, 100, 10)], T0);
        engine.ApplyMark(sym, 100, T0);

        var risk = engine.Project(sym, T0)!;

        Assert.Equal(20, risk.Heatmap.Count);
        Assert.Equal(-0.05, risk.Heatmap[0].From, 12);
        Assert.Equal(0.05, risk.Heatmap[^1].To, 12);
        for (var i = 1; i < risk.Heatmap.Count; i++)
        {
            Assert.Equal(risk.Heatmap[i - 1].To, risk.Heatmap[i].From, 12);
        }

        var longsRing = Assert.Single(risk.Heatmap, r => r.Liquidatable > 0 && r.To <= 0);
        Assert.Equal((-0.02, -0.015), (Math.Round(longsRing.From, 12), Math.Round(longsRing.To, 12)));
        Assert.Equal(risk.BandAt(0.02).LiquidatableDown, longsRing.Liquidatable, 6);
        var shortsRing = Assert.Single(risk.Heatmap, r => r.Liquidatable > 0 && r.From >= 0);
        Assert.Equal((0.04, 0.045), (Math.Round(shortsRing.From, 12), Math.Round(shortsRing.To, 12)));
        Assert.Equal(risk.BandAt(0.05).LiquidatableUp, shortsRing.Liquidatable, 6);

        // Depth by ring adds up to the band depth: bids below the mark, asks above.
        Assert.Equal(risk.BandAt(0.01).BidDepth, risk.Heatmap.Where(r => r.To <= 0 && r.From >= -0.01 - 1e-12).Sum(r => r.Depth), 6);
        Assert.Equal(risk.BandAt(0.05).BidDepth, risk.Heatmap.Where(r => r.To <= 0).Sum(r => r.Depth), 6);
        Assert.Equal(risk.BandAt(0.05).AskDepth, risk.Heatmap.Where(r => r.From >= 0).Sum(r => r.Depth), 6);
        // 97.00 lies exactly on the −3% edge: it counts in the inner ring.
        Assert.Equal(7 * 97.0, risk.Heatmap.Single(r => Math.Abs(r.From + 0.03) < 1e-9).Depth, 6);
    }
}
