using CsCheck;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Reference;

namespace StreamRisk.Domain.Tests.Cascades;

public sealed class CascadeProjectorTests
{
    /// <summary>A hand-worked chain: every number below follows from the rules of docs/domain.md step by step.</summary>
    [Fact]
    public void Project_HandWorkedChain_RoundsFundAndAmplification()
    {
        // Mark 100. Longs: A LP 98 (size 2, BP 97), B LP 96.5 (size 3, BP 95), C LP 94 (size 10, BP 93).
        // Bids: 99 × 1, 97 × 2, 96 × 2, 90 × 100.
        var (ladder, depth) = Build([(98, 2, 97), (96.5, 3, 95), (94, 10, 93)], [(99, 1), (97, 2), (96, 2), (90, 100)], longs: true);
        var rounds = new CascadeRound[8];

        // Shock 1%: target 99 crosses nothing.
        var quiet = CascadeProjector.Project(100, CascadeDirection.Down, 0.01, ladder, depth, 10, null, rounds);
        Assert.Equal(0, quiet.RoundCount);
        Assert.Equal(99, quiet.FinalPrice, 12);
        Assert.Equal(1, quiet.Amplification);

        // Shock 2%: target 98 crosses A (2): sells 1@99 + 1@97 → VWAP 98, last 97 → P 97 crosses nothing new
        // (B's LP 96.5 < 97): one round, final 97, amplification (100−97)/(100−98) = 1.5. Fund: +1·(98−97)·2 = +2.
        var small = CascadeProjector.Project(100, CascadeDirection.Down, 0.02, ladder, depth, 10, null, rounds);
        Assert.Equal(1, small.RoundCount);
        Assert.Equal(new CascadeRound(98, 2, 196, 1, 98, 97, 2), rounds[0]);
        Assert.Equal(97, small.FinalPrice, 12);
        Assert.Equal(1.5, small.Amplification, 12);
        Assert.Equal(12, small.InsuranceFundAfter, 12);

        // Shock 3.5%: target 96.5 crosses A and B (5): 1@99, 2@97, 2@96 → VWAP 97, last 96 → P 96: nothing new.
        // Fund: (97−97)·2 + (97−95)·3 = +6. Amplification (100−96)/3.5.
        var middle = CascadeProjector.Project(100, CascadeDirection.Down, 0.035, ladder, depth, 10, null, rounds);
        Assert.Equal(1, middle.RoundCount);
        Assert.Equal(97, rounds[0].Vwap, 12);
        Assert.Equal(96, middle.FinalPrice, 12);
        Assert.Equal(4 / 3.5, middle.Amplification, 12);
        Assert.Equal(16, middle.InsuranceFundAfter, 12);

        // Shock 6%: target 94 crosses all three (15): 1@99, 2@97, 2@96, 10@90 → VWAP (99+194+192+900)/15 = 92.333…,
        // last 90 → P 90, nothing new. Amplification 10/6.
        var deep = CascadeProjector.Project(100, CascadeDirection.Down, 0.06, ladder, depth, 10, null, rounds);
        Assert.Equal(1, deep.RoundCount);
        Assert.Equal(1385 / 15.0, rounds[0].Vwap, 12);
        Assert.Equal(90, deep.FinalPrice, 12);
        Assert.Equal(10 / 6.0, deep.Amplification, 12);
        Assert.False(deep.BookExhausted);
    }

    [Fact]
    public void Project_ChainAcrossRounds_NextTriggerIsTheLastLevelTouched()
    {
        // Longs: A LP 99 (5), B LP 95 (5), C LP 90 (5). Bids: 98 × 5, 94 × 5, 89 × 5, 80 × 1.
        // Shock 1% → target 99 crosses A: 5@98, P → 98 (B not crossed: 95 < 98). Final 98, amp 2/1 = 2 → runaway.
        // Shock 5% → target 95 crosses A+B (10): 5@98 + 5@94 → P 94: nothing new... C at 90 < 94. Final 94.
        // Shock 10% → target 90 crosses all (15): 98, 94, 89 → P 89. Final 89.
        var (ladder, depth) = Build([(99, 5, 97), (95, 5, 93), (90, 5, 88)], [(98, 5), (94, 5), (89, 5), (80, 1)], longs: true);
        var rounds = new CascadeRound[8];

        var first = CascadeProjector.Project(100, CascadeDirection.Down, 0.01, ladder, depth, 0, null, rounds);

        Assert.Equal(98, first.FinalPrice);
        Assert.Equal(2, first.Amplification, 12);
        Assert.True(first.IsRunaway);
        Assert.Equal(0.01, CascadeProjector.CriticalShock(100, CascadeDirection.Down, ladder, depth));
    }

    [Fact]
    public void Project_MultiRoundChain_EachRoundRecordsItsTrigger()
    {
        // Longs: A LP 99 (5), B LP 98 (5), C LP 96 (5). Bids: 98.5 × 2, 97 × 2, 95 × 20.
        // Shock 1%, target 99: round 1 crosses A (5) → 2@98.5, 2@97, 1@95, last 95 → P 95.
        // Round 2 at 95 crosses B and C (10) → 10@95 (19 left there), last 95 → P 95; round 3 crosses nothing.
        // Final 95: amplification (100 − 95)/(100 − 99) = 5.
        var (ladder, depth) = Build([(99, 5, 98.5), (98, 5, 97.5), (96, 5, 95)], [(98.5, 2), (97, 2), (95, 20)], longs: true);
        var rounds = new CascadeRound[8];

        var cascade = CascadeProjector.Project(100, CascadeDirection.Down, 0.01, ladder, depth, 0, null, rounds);

        Assert.Equal(2, cascade.RoundCount);
        Assert.Equal(99, rounds[0].TriggerPrice);
        Assert.Equal((197 + 194 + 95) / 5.0, rounds[0].Vwap, 12);
        Assert.Equal(95, rounds[1].TriggerPrice);
        Assert.Equal(10, rounds[1].Size, 12);
        Assert.Equal(2, rounds[1].Accounts);
        Assert.Equal(95, rounds[1].Vwap, 12);
        Assert.Equal(95, cascade.FinalPrice);
        Assert.Equal(5, cascade.Amplification, 12);
        Assert.Equal(15, cascade.LiquidatedSize, 12);
    }

    [Fact]
    public void Project_UpMove_LiquidatesShortsIntoTheAsks()
    {
        // Shorts: LP 101 (4, BP 102), LP 103 (4, BP 104). Asks: 101.5 × 2, 102 × 2, 103.5 × 10.
        // Shock 1%: target 101 → first (4): 2@101.5 2@102 → P 102 → nothing new (103 > 102). Amp 2/1 = 2.
        var (ladder, depth) = Build([(101, 4, 102), (103, 4, 104)], [(101.5, 2), (102, 2), (103.5, 10)], longs: false);
        var rounds = new CascadeRound[4];

        var up = CascadeProjector.Project(100, CascadeDirection.Up, 0.01, ladder, depth, 5, null, rounds);

        Assert.Equal(102, up.FinalPrice);
        Assert.Equal(2, up.Amplification, 12);
        Assert.Equal(101.75, rounds[0].Vwap, 12);
        // Fund: −1 · (101.75 − 102) · 4 = +1.
        Assert.Equal(6, up.InsuranceFundAfter, 12);
    }

    [Fact]
    public void Project_BookExhausted_FlagsItAndReportsTheRemainder()
    {
        var (ladder, depth) = Build([(99, 50, 97)], [(98, 10), (97, 5)], longs: true);

        var projection = CascadeProjector.Project(100, CascadeDirection.Down, 0.01, ladder, depth, 0, null, new CascadeRound[2]);

        Assert.True(projection.BookExhausted);
        Assert.Equal(35, projection.Unfilled, 12);
        Assert.Equal(97, projection.FinalPrice);
        Assert.Equal(0.01, CascadeProjector.CriticalShock(100, CascadeDirection.Down, ladder, depth));
    }

    [Fact]
    public void Project_FundDrained_AdlTakesTheDeficitFromProfitableShortsInRankOrder()
    {
        // One long: LP 99, BP 98.9, size 10; bids 90 × 100 → VWAP 90: fund loses (98.9 − 90) · 10 = 89 with 9 in it.
        // Deficit 80 at a loss of 8.9 per unit → 80 / 8.9 ≈ 8.99 of size taken over by ADL at the final price 90.
        var (ladder, depth) = Build([(99, 10, 98.9)], [(90, 100)], longs: true);
        var shorts = AdlQueueTests.QueueOfShorts([(5, 100), (3, 95), (50, 80)]);

        var projection = CascadeProjector.Project(100, CascadeDirection.Down, 0.01, ladder, depth, 9, shorts, new CascadeRound[2]);

        Assert.Equal(9 - 89, projection.InsuranceFundAfter, 9);
        // Shorts entered at 100 and 95 profit at 90 and hold 5 + 3 = 8 of the 8.99 needed; the one entered at 80
        // loses at 90 and is skipped. ADL covers what the profitable side holds.
        Assert.Equal(8, projection.AdlSize, 9);
        Assert.Equal(8 * 90, projection.AdlNotional, 9);
        Assert.Equal(2, projection.AdlAccounts);

        var deepShorts = AdlQueueTests.QueueOfShorts([(5, 100), (30, 95)]);
        var covered = CascadeProjector.Project(100, CascadeDirection.Down, 0.01, ladder, depth, 9, deepShorts, new CascadeRound[2]);
        Assert.Equal(80 / 8.9, covered.AdlSize, 9);
        Assert.Equal(2, covered.AdlAccounts);
    }

    [Fact]
    public void Project_OptimisedEqualsReference_OnGeneratedScenarios()
    {
        Scenarios.Sample(s =>
        {
            var (ladder, depth) = Build(s.Positions.Select(p => (p.Lp, p.Size, p.Bp)).ToArray(), s.Levels, s.Longs);
            var rounds = new CascadeRound[512];
            var direction = s.Longs ? CascadeDirection.Down : CascadeDirection.Up;
            var fast = CascadeProjector.Project(s.Mark, direction, s.Shock, ladder, depth, s.Fund, null, rounds);
            var reference = ReferenceCascade.Project(s.Mark, direction, s.Shock, s.Positions, s.Levels, s.Fund);

            Assert.Equal(reference.Rounds.Count, fast.RoundCount);
            Assert.Equal(reference.Final, fast.FinalPrice);
            Assert.Equal(reference.Exhausted, fast.BookExhausted);
            Assert.Equal(reference.Accounts, fast.LiquidatedAccounts);
            Close(reference.Amplification, fast.Amplification);
            Close(reference.Fund, fast.InsuranceFundAfter, scale: s.Positions.Sum(p => p.Size * p.Lp));
            Close(reference.LiquidatedSize, fast.LiquidatedSize);
            Close(reference.Unfilled, fast.Unfilled, scale: reference.LiquidatedSize);
            for (var i = 0; i < reference.Rounds.Count; i++)
            {
                var (r, f) = (reference.Rounds[i], rounds[i]);
                Assert.Equal(r.Trigger, f.TriggerPrice);
                Assert.Equal(r.Accounts, f.Accounts);
                Assert.Equal(r.LastPrice, f.LastPrice);
                Close(r.Size, f.Size, scale: reference.LiquidatedSize);
                Close(r.Notional, f.Notional, scale: s.Positions.Sum(p => p.Size * p.Lp));
                Close(r.Filled, f.Filled, scale: reference.LiquidatedSize);
                if (!double.IsNaN(r.Vwap) || !double.IsNaN(f.Vwap))
                {
                    Close(r.Vwap, f.Vwap);
                }
            }
        }, iter: 3_000);
    }

    [Fact]
    public void Project_PartialBook_OptimisedEqualsReferenceOnTheExtendedLevels()
    {
        // The same scenarios with the book known only to its last level: both walk the known levels and the modelled
        // ones past them (the reference builds its own list from the documented fit), and neither runs out of book.
        var tick = TickSize.FromDecimal(0.01m);
        Scenarios.Sample(s =>
        {
            var side = s.Longs ? BookSide.Bid : BookSide.Ask;
            var range = Math.Abs(s.Levels[^1].Price - s.Mark) / s.Mark;
            var (ladder, _) = Build(s.Positions.Select(p => (p.Lp, p.Size, p.Bp)).ToArray(), s.Levels, s.Longs);
            var depth = new SideDepth();
            depth.Load(s.Levels, side, s.Mark, range, tick);
            var extended = ReferenceDepth.Extend(s.Levels, s.Longs, s.Mark, range, tick);
            var direction = s.Longs ? CascadeDirection.Down : CascadeDirection.Up;
            var rounds = new CascadeRound[512];

            var fast = CascadeProjector.Project(s.Mark, direction, s.Shock, ladder, depth, s.Fund, null, rounds);
            var reference = ReferenceCascade.Project(s.Mark, direction, s.Shock, s.Positions, extended, s.Fund, knownLevels: s.Levels.Length);

            Assert.Equal(extended.Count, depth.Levels);
            Assert.Equal(s.Levels.Length, depth.KnownLevels);
            Assert.Equal(reference.Rounds.Count, fast.RoundCount);
            Assert.Equal(reference.Final, fast.FinalPrice);
            Assert.False(fast.BookExhausted);
            Assert.Equal(reference.Accounts, fast.LiquidatedAccounts);
            var scale = s.Positions.Sum(p => p.Size * p.Lp);
            Close(reference.Fund, fast.InsuranceFundAfter, scale);
            Close(reference.Unfilled, fast.Unfilled, scale: reference.LiquidatedSize);
            Close(reference.ModelledNotional, fast.ModelledNotional, scale);
            for (var i = 0; i < reference.Rounds.Count; i++)
            {
                Assert.Equal(reference.Rounds[i].LastPrice, rounds[i].LastPrice);
                Close(reference.Rounds[i].Filled, rounds[i].Filled, scale: reference.LiquidatedSize);
            }
        }, iter: 2_000);
    }

    [Fact]
    public void CriticalShock_SweepEqualsReferenceSearch_OnGeneratedScenarios()
    {
        Scenarios.Sample(s =>
        {
            var (ladder, depth) = Build(s.Positions.Select(p => (p.Lp, p.Size, p.Bp)).ToArray(), s.Levels, s.Longs);
            var direction = s.Longs ? CascadeDirection.Down : CascadeDirection.Up;

            var fast = CascadeProjector.CriticalShock(s.Mark, direction, ladder, depth);
            var reference = ReferenceCascade.CriticalShock(s.Mark, direction, s.Positions, s.Levels);

            Assert.Equal(reference, fast);
        }, iter: 400);
    }

    [Theory]
    [InlineData(0.01 / LadderQuanta.BucketsPerTick)]
    [InlineData(0.5)] // coarse: targets of whole 0.5 % steps of 100 land exactly on bucket prices
    public void CriticalShock_OnABucketLadder_EqualsThePlainSweepOfTheSameLadder(double tick)
    {
        // The bucketed ladder skips targets that cross nothing new and finds each answer from the last one's place;
        // the same ladder behind a plain interface (no skipping, every answer searched afresh) must give the same
        // shock — after a first query built its base and again with later changes held in its overlay.
        Scenarios.Sample(s =>
        {
            var ladder = new BucketLadder(s.Longs, tick);
            var buckets = new Dictionary<long, LadderBucket>();
            void Add(double lp, double size, double bp)
            {
                var at = LadderQuanta.TickOf(lp, tick, s.Longs);
                var units = LadderQuanta.UnitsOf(size);
                buckets[at] = buckets.GetValueOrDefault(at) + new LadderBucket(1, units, (Int128)units * LadderQuanta.TickOf(bp, tick, s.Longs));
                ladder.Set(0, at, buckets[at]);
            }

            var half = s.Positions.Length / 2;
            foreach (var p in s.Positions.Take(half))
            {
                Add(p.Lp, p.Size, p.Bp);
            }

            var direction = s.Longs ? CascadeDirection.Down : CascadeDirection.Up;
            var depth = new SideDepth();
            depth.Load(s.Levels);
            Assert.Equal(CascadeProjector.CriticalShock(s.Mark, direction, new PlainLadder(ladder), depth), CascadeProjector.CriticalShock(s.Mark, direction, ladder, depth));
            foreach (var p in s.Positions.Skip(half))
            {
                Add(p.Lp, p.Size, p.Bp);
            }

            Assert.Equal(CascadeProjector.CriticalShock(s.Mark, direction, new PlainLadder(ladder), depth), CascadeProjector.CriticalShock(s.Mark, direction, ladder, depth));
        }, iter: 400);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CriticalShock_TargetExactlyOnTheNextBucket_IsProjectedNotSkipped(bool longs)
    {
        // 0.5 % of 100 is exactly 0.5, so the fifth target is exactly the bucket's price: a long there is crossed by
        // it (LP ≥ price; a short: LP ≤ price) and its sale walks a thin book far past the target — the critical shock
        // is 0.5 %, not the next step's 0.6 %.
        var ladder = new BucketLadder(longs, 0.5);
        var lp = longs ? 99.5 : 100.5;
        var units = LadderQuanta.UnitsOf(10);
        ladder.Set(0, LadderQuanta.TickOf(lp, 0.5, longs), new LadderBucket(1, units, units * LadderQuanta.TickOf(lp, 0.5, longs)));
        var depth = new SideDepth();
        depth.Load(longs ? [(99.9, 1.0), (95.0, 100.0)] : [(100.1, 1.0), (105.0, 100.0)]);
        var direction = longs ? CascadeDirection.Down : CascadeDirection.Up;

        Assert.Equal(0.005, CascadeProjector.CriticalShock(100, direction, ladder, depth));
        Assert.Equal(0.005, CascadeProjector.CriticalShock(100, direction, new PlainLadder(ladder), depth));
    }

    /// <summary>A ladder seen only through the interface's required members (its defaults for the rest).</summary>
    private sealed class PlainLadder(ILiquidationLadder inner) : ILiquidationLadder
    {
        public bool IsLong => inner.IsLong;

        public int Count => inner.Count;

        public LadderTotals Total => inner.Total;

        public LadderTotals Crossed(double price) => inner.Crossed(price);

        public LadderTotals Between(double from, double to) => inner.Between(from, to);
    }

    internal sealed record Scenario(bool Longs, double Mark, double Shock, double Fund, RefPosition[] Positions, (double Price, double Quantity)[] Levels);

    /// <summary>
    /// Scenarios around a mark of 100: 1–120 positions with LPs mostly within 25% of the mark on the side a move
    /// would cross, BPs a little beyond their LPs, and 1–60 book levels stepping away from the mark.
    /// </summary>
    internal static readonly Gen<Scenario> Scenarios = Gen.Select(
        Gen.Bool,
        Gen.Double[0.001, 0.3],
        Gen.Double[0, 50],
        Gen.Select(Gen.Double[-0.02, 0.25], Gen.Double[0.05, 10], Gen.Double[0, 0.05]).Array[1, 120],
        Gen.Select(Gen.Double[0.01, 1.5], Gen.Double[0.05, 8]).Array[1, 60],
        (longs, shock, fund, legs, book) =>
        {
            const double mark = 100;
            var sign = longs ? -1 : 1;
            var positions = legs.Select((l, i) =>
            {
                var lp = Math.Round(mark * (1 + (sign * l.Item1)), 4);
                var bp = lp * (1 + (sign * l.Item3));
                return new RefPosition(i, lp, l.Item2, bp);
            }).ToArray();
            var price = mark;
            var levels = new (double, double)[book.Length];
            for (var i = 0; i < book.Length; i++)
            {
                price = Math.Round(price + (sign * book[i].Item1), 2);
                levels[i] = (price, book[i].Item2);
            }

            return new Scenario(longs, mark, Math.Round(shock, 3), fund, positions, levels);
        });

    internal static (LiquidationLadder Ladder, SideDepth Depth) Build((double Lp, double Size, double Bp)[] positions, (double Price, double Quantity)[] levels, bool longs)
    {
        var ladder = new LiquidationLadder(longs);
        for (var i = 0; i < positions.Length; i++)
        {
            ladder.Upsert(i, positions[i].Lp, positions[i].Size, positions[i].Bp);
        }

        var depth = new SideDepth();
        depth.Load(levels);
        return (ladder, depth);
    }

    private static void Close(double expected, double actual, double scale = 1) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(Math.Max(1, Math.Abs(scale)), Math.Abs(expected)), $"expected {expected}, got {actual}");
}
