namespace StreamRisk.Domain.Instruments;

/// <summary>
/// One maintenance-margin tier: from <see cref="Floor"/> notional up to the next tier's floor,
/// MM = notional × <see cref="Rate"/> − <see cref="Deduction"/>. Floors are in the margin currency
/// (quote currency for linear, coin for inverse).
/// </summary>
public readonly record struct MaintenanceTier(double Floor, double Rate, double Deduction);
