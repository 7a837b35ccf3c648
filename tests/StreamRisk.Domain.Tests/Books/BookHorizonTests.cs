using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Domain.Tests.Books;

/// <summary>How far a book is known (its horizon), the depth model fitted to the known part, walks past it, and the warm-up of cascade alerts.</summary>
public sealed class BookHorizonTests
{
    private static readonly TickSize Tick = TickSize.FromDecimal(0.1m);
    private const double Mid = 60_000;

    /// <summary>1,000 levels of 0.01 on a side, 1.5 ticks apart on average: the last lies 0.25% from a 60,000 mid, as Binance's REST snapshot of BTCUSDT.</summary>
    private static PriceLevel[] Side(BookSide side)
    {
        var touch = Tick.FloorTicks(Mid);
        var levels = new PriceLevel[1000];
        for (var i = 0; i < levels.Length; i++)
        {
            long offset = i * 3 / 2;
            levels[i] = new PriceLevel(side == BookSide.Bid ? touch - offset : touch + 1 + offset, 0.01);
        }

        return levels;
    }

    private static OrderBook PartialBook(int limit = 1000)
    {
        var book = new OrderBook(new Symbol("BTCUSDT"), Tick);
        book.DeclareDepthLimit(limit);
        book.ApplySnapshot(10, Side(BookSide.Bid), Side(BookSide.Ask));
        return book;
    }

    [Fact]
    public void Snapshot_FillingTheDepthLimit_IsKnownToItsFarthestLevel()
    {
        var book = PartialBook();

        Assert.False(book.IsComplete(BookSide.Bid));
        Assert.False(book.IsComplete(BookSide.Ask));
        Assert.Equal(0.0025, book.KnownRange(BookSide.Bid, Mid), 4);
        Assert.Equal(0.0025, book.KnownRange(BookSide.Ask, Mid), 4);
    }

    [Fact]
    public void Snapshot_WithoutLimitOrShortOfIt_IsComplete()
    {
        var full = new OrderBook(new Symbol("BTCUSDT"), Tick);
        full.ApplySnapshot(10, Side(BookSide.Bid), Side(BookSide.Ask));
        var shortOfLimit = PartialBook(limit: 5000);

        Assert.True(full.IsComplete(BookSide.Bid));
        Assert.Equal(double.PositiveInfinity, full.KnownRange(BookSide.Bid, Mid));
        Assert.True(shortOfLimit.IsComplete(BookSide.Ask));
    }

    [Fact]
    public void Diff_NextToTheHorizon_ExtendsIt_ALoneFarLevelDoesNot()
    {
        var book = PartialBook();
        book.TryGetHorizon(BookSide.Bid, out var horizon);
        // 30 USD (0.05%) beyond the horizon: next to it. A bid at 30,000 says nothing of the levels between.
        var near = new PriceLevel(horizon - 300, 2);
        var far = new PriceLevel(Tick.FloorTicks(30_000), 5);
        Assert.Equal(DiffOutcome.Applied, book.ApplyDiff(new DepthUpdated(11, 11, 10, [far], [])));
        Assert.True(book.TryGetHorizon(BookSide.Bid, out var afterFar));
        Assert.Equal(horizon, afterFar);

        Assert.Equal(DiffOutcome.Applied, book.ApplyDiff(new DepthUpdated(12, 12, 11, [near], [])));

        Assert.True(book.TryGetHorizon(BookSide.Bid, out var afterNear));
        Assert.Equal(horizon - 300, afterNear);
        Assert.Equal(0.003, book.KnownRange(BookSide.Bid, Mid), 4);
    }

    [Fact]
    public void Snapshot_WithALoneFarLevel_IsKnownOnlyToTheGap()
    {
        var book = new OrderBook(new Symbol("BTCUSDT"), Tick);
        book.DeclareDepthLimit(1000);
        var bids = Side(BookSide.Bid);
        bids[^1] = new PriceLevel(Tick.FloorTicks(1_000), 3); // a rebuilt book's far-off bid

        book.ApplySnapshot(10, bids, Side(BookSide.Ask));

        Assert.Equal(0.0025, book.KnownRange(BookSide.Bid, Mid), 4);
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(1.0)]
    [InlineData(1.6)]
    [InlineData(2.2)]
    public void Fit_PowerLawBook_RecoversAlpha(double alpha)
    {
        var truth = new DepthModel(50_000_000, alpha);
        var levels = new PriceLevel[400];
        var written = truth.WriteLevels(BookSide.Bid, Mid, Tick, 0, 0.0025, levels);
        var prices = new double[written];
        var cumulative = new double[written];
        double n = 0;
        for (var i = 0; i < written; i++)
        {
            prices[i] = Tick.ToPrice(levels[i].PriceTicks);
            n += levels[i].Quantity * prices[i];
            cumulative[i] = n;
        }

        var fit = DepthModel.Fit(prices, cumulative, Mid, 0.0025);

        Assert.Equal(alpha, fit.Alpha, 1);
        Assert.Equal(truth.NotionalWithin(0.0025), fit.NotionalWithin(0.0025), 1e-6 * truth.NotionalWithin(0.0025));
    }

    [Fact]
    public void Fit_DegenerateBooks_StayBounded()
    {
        // Too few levels: α = 1. No depth: an empty model. A book thinning outward (a slope under the floor) is clamped.
        var two = DepthModel.Fit([59_990, 59_980], [1_000, 2_000], Mid, 0.001);
        var empty = DepthModel.Fit([], [], Mid, 0.001);
        var thin = DepthModel.Fit([59_999, 59_990, 59_900, 59_000], [1_000_000, 1_000_001, 1_000_002, 1_000_003], Mid, 0.02);

        Assert.Equal(1, two.Alpha);
        Assert.Equal(0, empty.NotionalWithin(0.05));
        Assert.Equal(DepthModel.MinAlpha, thin.Alpha);
        Assert.True(double.IsFinite(thin.NotionalWithin(0.5)));
    }

    /// <summary>Longs liquidating 1%–3% under the mark, 4 BTC every 0.1%: far more than the ±0.25% known book holds.</summary>
    private static LiquidationLadder Longs()
    {
        var ladder = new LiquidationLadder(longSide: true, 32);
        for (var i = 0; i < 20; i++)
        {
            var lp = Mid * (1 - 0.01 - (i * 0.001));
            ladder.Upsert(i, lp, 4, lp * 0.995);
        }

        return ladder;
    }

    [Fact]
    public void Project_PastThePartialBook_WalksModelledDepthAndIsNotExhausted()
    {
        var partial = new SideDepth();
        partial.Load(PartialBook(), BookSide.Bid);
        var complete = new SideDepth();
        var full = new OrderBook(new Symbol("BTCUSDT"), Tick);
        full.ApplySnapshot(10, Side(BookSide.Bid), Side(BookSide.Ask));
        complete.Load(full, BookSide.Bid);

        var onModel = CascadeProjector.Project(Mid, CascadeDirection.Down, 0.02, Longs(), partial, 1e6, null, []);
        var onBook = CascadeProjector.Project(Mid, CascadeDirection.Down, 0.02, Longs(), complete, 1e6, null, []);

        Assert.True(partial.Levels > partial.KnownLevels, $"{partial.Levels} levels, {partial.KnownLevels} known");
        Assert.False(onModel.BookExhausted);
        Assert.True(onModel.LeftKnownBook, onModel.ToString());
        Assert.InRange(onModel.ModelledShare, 0.01, 1);
        Assert.True(onModel.FinalPrice > Mid * 0.5, $"final {onModel.FinalPrice}");
        Assert.True(onBook.BookExhausted, onBook.ToString()); // the same levels as the whole book: 10 BTC cannot absorb 80
        Assert.False(onBook.LeftKnownBook);
        Assert.Equal(0, onBook.ModelledNotional);
    }

    [Fact]
    public void Load_PartialSide_BandDepthReadsOnlyTheKnownLevels()
    {
        var depth = new SideDepth();
        depth.Load(PartialBook(), BookSide.Bid);

        Assert.Equal(depth.KnownNotional, depth.NotionalWithin(Mid * 0.9, bids: true));
    }

    [Theory]
    [InlineData(0.0025, AlertSeverity.Info)]
    [InlineData(0.02, AlertSeverity.Critical)]
    [InlineData(double.PositiveInfinity, AlertSeverity.Critical)]
    public void CascadeRisk_ShockBeyondTheKnownRange_HeldAtInfo(double knownRange, AlertSeverity expected)
    {
        var book = new AlertBook(_ => new AlertThresholds { RaiseDwell = TimeSpan.Zero });
        var risk = new SymbolRisk
        {
            Symbol = "BTCUSDT",
            EventTime = 1_000,
            Mark = Mid,
            CriticalShockDown = 0.005,
            ChainDown = new CascadeChain(0.005, 50_000, 20, [59_520, 55_000], 12, 10_000_000, ["A"], 8_000_000, 0.8, LeftKnownBook: true),
            FundDrainShockDown = 0.01,
            FundDrainModelledShareDown = 0.8,
            KnownRangeDown = knownRange,
        };
        var output = new List<AlertTransition>();

        book.Evaluate(risk, output);

        var cascade = Assert.Single(output, t => t.Rule == AlertRule.CascadeRisk);
        var fund = Assert.Single(output, t => t.Rule == AlertRule.InsuranceFundAtRisk);
        Assert.Equal(expected, cascade.Severity);
        Assert.Equal(expected, fund.Severity);
        Assert.Contains("left the known book", cascade.Explanation, StringComparison.Ordinal);
        Assert.Equal(expected == AlertSeverity.Info, cascade.Explanation.Contains("warm-up", StringComparison.Ordinal));
    }

    /// <summary>
    /// A factor chain at a 0.5% system critical shock: BTC (β 1, complete book) and ETH (β 1.2, so a 0.6% move) both walked,
    /// ETH past its known book; SOL (β 2) moved but no net order walked its book, so its range does not count.
    /// </summary>
    private static SystemView FactorView(double? ethKnownRange) => new()
    {
        EventTime = 1_000,
        Reference = "BTCUSDT",
        Symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT"],
        Marks = [Mid, 3_000, 150],
        Betas = [1, 1.2, 2],
        KnownRangesDown = [null, ethKnownRange, 0.001],
        KnownRangesUp = [null, ethKnownRange, 0.001],
        InsuranceFund = 1_000_000,
        Accounts = 100,
        Grid = [],
        CriticalShockDown = 0.005,
        ChainDown = new SystemChain("down", 0.005,
        [
            new SystemChainInstrument("BTCUSDT", -0.005, -0.007, 2_000_000, 2_000_000, 0, false),
            new SystemChainInstrument("ETHUSDT", -0.006, -0.04, 8_000_000, 1_000_000, 7_000_000, true, 5_000_000, LeftKnownBook: true, KnownRange: ethKnownRange),
            new SystemChainInstrument("SOLUSDT", -0.01, -0.01, 0, 0, 0, false),
        ], 40, 10_000_000, 500_000),
        ContagionMove = 0.05,
        Contagion = [],
        CriticalAccounts = [],
    };

    [Theory]
    [InlineData(0.0025, AlertSeverity.Info)]
    [InlineData(0.006, AlertSeverity.Info)] // known exactly to its move: not past it
    [InlineData(0.02, AlertSeverity.Critical)]
    [InlineData(null, AlertSeverity.Critical)]
    public void SystemicCascadeRisk_AWalkedInstrumentKnownShortOfItsBetaTimesShock_HeldAtInfo(double? ethKnownRange, AlertSeverity expected)
    {
        var book = new AlertBook(_ => new AlertThresholds { RaiseDwell = TimeSpan.Zero });
        var output = new List<AlertTransition>();

        book.Evaluate(FactorView(ethKnownRange), output);

        var systemic = Assert.Single(output);
        Assert.Equal((AlertRule.SystemicCascadeRisk, expected), (systemic.Rule, systemic.Severity));
        Assert.Contains("left the known book of ETHUSDT: 5,000,000", systemic.Explanation, StringComparison.Ordinal);
        Assert.Equal(expected == AlertSeverity.Info, systemic.Explanation.Contains("warm-up", StringComparison.Ordinal));
        if (expected == AlertSeverity.Info)
        {
            Assert.Contains(FormattableString.Invariant($"ETHUSDT to {ethKnownRange * 100:0.00}% from the mid against its 0.6% move (warm-up)"), systemic.Explanation, StringComparison.Ordinal);
        }
    }
}
