using StreamRisk.Contracts.Documents;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine.Scenarios;

/// <summary>
/// The <c>project</c> use case: the cascades a <see cref="ProjectionRequest"/> asks for, computed once on a book built
/// from the document alone (no running engine, no clock).
/// </summary>
public static class ShockProjection
{
    /// <summary>Runs every requested projection, both critical shocks and the systemic-account ranking.</summary>
    public static ProjectionResult Compute(ProjectionRequest request, int systemicTop = 5)
    {
        ArgumentNullException.ThrowIfNull(request);
        var book = new MarginBook(request.Profile, request.Catalog);
        var ladders = LiquidationLadders.Follow(book);
        const int symbol = 0;
        book.ApplyMark(symbol, request.Mark);
        var legs = new List<(int, double, double, double)>();
        foreach (var account in request.Accounts)
        {
            legs.Clear();
            foreach (var p in account.Positions)
            {
                legs.Add((p.InstrumentIndex, p.Size, p.Entry, p.IsolatedMargin));
            }

            book.ApplyAccount(account.Id, account.Balance, legs.ToArray());
        }

        // A document's book is complete unless it states a horizon; then each side continues past it on the fitted model.
        var bids = new SideDepth();
        var asks = new SideDepth();
        if (request.BookHorizon is { } horizon)
        {
            var tick = TickSize.FromDecimal((decimal)request.Instrument.TickSize);
            bids.Load(request.Bids.ToArray(), BookSide.Bid, request.Mark, horizon, tick);
            asks.Load(request.Asks.ToArray(), BookSide.Ask, request.Mark, horizon, tick);
        }
        else
        {
            bids.Load(request.Bids.ToArray());
            asks.Load(request.Asks.ToArray());
        }

        var (longsQueue, shortsQueue) = AdlQueue.BuildBoth(book, symbol, request.AdlRanking);

        var rounds = new CascadeRound[4096];
        var projections = new List<ShockProjectionResult>();
        foreach (var direction in request.Directions)
        {
            var down = direction == CascadeDirection.Down;
            foreach (var shock in request.Shocks)
            {
                var p = CascadeProjector.Project(request.Mark, direction, shock, ladders.Side(symbol, down), down ? bids : asks, request.InsuranceFund,
                    down ? shortsQueue : longsQueue, rounds);
                var roundResults = new List<RoundResult>(Math.Min(p.RoundCount, rounds.Length));
                for (var r = 0; r < Math.Min(p.RoundCount, rounds.Length); r++)
                {
                    var round = rounds[r];
                    roundResults.Add(new RoundResult(round.TriggerPrice, round.Size, round.Notional, round.Accounts, Finite(round.Vwap), Finite(round.LastPrice), round.Filled));
                }

                projections.Add(new ShockProjectionResult(shock, down ? "down" : "up", p.TargetPrice, p.FinalPrice, p.Amplification, roundResults,
                    p.LiquidatedSize, p.LiquidatedNotional, p.LiquidatedAccounts, p.InsuranceFundAfter, p.AdlNotional, p.AdlAccounts, p.BookExhausted, p.Unfilled, p.ModelledNotional, p.LeftKnownBook));
            }
        }

        var critical = new CriticalShockResult(
            CascadeProjector.CriticalShock(request.Mark, CascadeDirection.Down, ladders.Side(symbol, true), bids),
            CascadeProjector.CriticalShock(request.Mark, CascadeDirection.Up, ladders.Side(symbol, false), asks));
        var systemic = SystemicAccounts.Rank(book, ladders, symbol, bids, asks, systemicTop)
            .Select(s => new SystemicAccountResult(s.Account.Value, s.Size, s.Notional, s.ImpactPrice, s.FinalPrice, s.AdditionalSize,
                s.AdditionalNotional, s.AdditionalAccounts, s.BookExhausted))
            .ToList();
        return new ProjectionResult(request.Instrument.Symbol.Value, request.Mark, projections, critical, systemic);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
