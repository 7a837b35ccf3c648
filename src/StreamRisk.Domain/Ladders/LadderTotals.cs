namespace StreamRisk.Domain.Ladders;

/// <summary>
/// Sums over a set of positions of one side of a ladder: how many, their total size (absolute, in
/// contracts), notional at their liquidation prices (Σ size × LP) and Σ size × bankruptcy price (what
/// the insurance-fund accounting of a cascade needs).
/// </summary>
public readonly record struct LadderTotals(int Count, double Size, double Notional, double BankruptcyValue)
{
    public static LadderTotals operator +(LadderTotals a, LadderTotals b) =>
        new(a.Count + b.Count, a.Size + b.Size, a.Notional + b.Notional, a.BankruptcyValue + b.BankruptcyValue);

    public static LadderTotals operator -(LadderTotals a, LadderTotals b) =>
        new(a.Count - b.Count, a.Size - b.Size, a.Notional - b.Notional, a.BankruptcyValue - b.BankruptcyValue);
}
