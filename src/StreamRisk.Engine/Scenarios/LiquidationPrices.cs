using StreamRisk.Contracts.Documents;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Engine.Scenarios;

/// <summary>The <c>liqprice</c> use case: one account's margin figures from a <see cref="LiquidationPriceRequest"/>.</summary>
public static class LiquidationPrices
{
    /// <summary>Computes the margin figures of the account.</summary>
    public static LiquidationPriceResult Compute(LiquidationPriceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var terms = new PositionTerms[request.Account.Positions.Count];
        for (var i = 0; i < terms.Length; i++)
        {
            var p = request.Account.Positions[i];
            terms[i] = new PositionTerms(request.Catalog[p.InstrumentIndex], p.Size, p.Entry, p.IsolatedMargin, p.Mark);
        }

        var results = new PositionMargin[terms.Length];
        var account = MarginCalculator.Compute(request.Profile, request.Account.Balance, terms, results);
        var positions = new List<PositionLiquidationResult>(terms.Length);
        for (var i = 0; i < terms.Length; i++)
        {
            var r = results[i];
            positions.Add(new PositionLiquidationResult(
                request.Account.Positions[i].Symbol.Value, terms[i].Size, r.Notional, r.UnrealizedPnl, r.MaintenanceMargin,
                Finite(r.LiquidationPrice), Finite(r.BankruptcyPrice), Finite(r.DistanceToLiquidation)));
        }

        return new LiquidationPriceResult(request.Account.Id.Value, request.Profile.Name, account.Equity, account.MaintenanceMargin,
            Finite(account.MarginRatio), account.Liquidatable, positions);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
