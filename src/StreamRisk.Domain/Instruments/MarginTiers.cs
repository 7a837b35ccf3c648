namespace StreamRisk.Domain.Instruments;

/// <summary>
/// An instrument's maintenance tiers, sorted by floor, with every deduction known. Venue tiers drift
/// over time, so they are data (instrument config), never constants in code.
/// </summary>
/// <remarks>
/// A missing deduction is derived by the recursion of docs/domain.md,
/// deduction(n) = deduction(n−1) + floor(n) × (rate(n) − rate(n−1)), deduction(0) = 0,
/// which is exactly what keeps MM continuous at every tier boundary. Immutable; safe to share.
/// </remarks>
public sealed class MarginTiers
{
    private readonly double[] _floors;
    private readonly double[] _rates;
    private readonly double[] _deductions;

    private MarginTiers(double[] floors, double[] rates, double[] deductions)
    {
        _floors = floors;
        _rates = rates;
        _deductions = deductions;
    }

    public int Count => _floors.Length;

    public MaintenanceTier this[int index] => new(_floors[index], _rates[index], _deductions[index]);

    /// <summary>A single flat rate with no deduction.</summary>
    public static MarginTiers Flat(double rate) => Create([(0.0, rate, (double?)0.0)]);

    /// <summary>
    /// Builds the table from (floor, rate, deduction-or-null) rows. The first floor must be 0, floors must
    /// increase, rates lie in [0, 1). Null deductions are derived by the recursion.
    /// </summary>
    public static MarginTiers Create(IReadOnlyList<(double Floor, double Rate, double? Deduction)> tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        if (tiers.Count == 0)
        {
            throw new ArgumentException("at least one maintenance tier is required", nameof(tiers));
        }

        var floors = new double[tiers.Count];
        var rates = new double[tiers.Count];
        var deductions = new double[tiers.Count];
        for (var i = 0; i < tiers.Count; i++)
        {
            var (floor, rate, deduction) = tiers[i];
            if (!double.IsFinite(floor) || floor < 0)
            {
                throw new ArgumentException($"tier {i}: floor must be a finite number >= 0", nameof(tiers));
            }

            if (i == 0 && floor != 0)
            {
                throw new ArgumentException("the first tier's floor must be 0", nameof(tiers));
            }

            if (i > 0 && floor <= floors[i - 1])
            {
                throw new ArgumentException($"tier {i}: floors must increase", nameof(tiers));
            }

            if (!double.IsFinite(rate) || rate < 0 || rate >= 1)
            {
                throw new ArgumentException($"tier {i}: mmr must be in [0, 1)", nameof(tiers));
            }

            if (deduction is { } d && (!double.IsFinite(d) || d < 0))
            {
                throw new ArgumentException($"tier {i}: deduction must be a finite number >= 0", nameof(tiers));
            }

            floors[i] = floor;
            rates[i] = rate;
            deductions[i] = deduction ?? (i == 0 ? 0 : deductions[i - 1] + (floor * (rate - rates[i - 1])));
        }

        return new MarginTiers(floors, rates, deductions);
    }

    /// <summary>Index of the tier whose range holds this notional (floors are inclusive).</summary>
    public int IndexFor(double notional)
    {
        // Tables are short (≤ ~15 rows on every venue) and most positions sit in the first tier or two: a linear scan
        // from the bottom ends in a step or two. NaN compares false with every floor, and is the last tier's.
        if (double.IsNaN(notional))
        {
            return _floors.Length - 1;
        }

        var i = 0;
        while (i + 1 < _floors.Length && notional >= _floors[i + 1])
        {
            i++;
        }

        return i;
    }

    public double RateAt(int index) => _rates[index];

    public double DeductionAt(int index) => _deductions[index];

    /// <summary>Lower bound (inclusive) of a tier's notional range.</summary>
    public double FloorAt(int index) => _floors[index];

    /// <summary>Upper bound (exclusive) of a tier's notional range; +∞ for the last tier.</summary>
    public double CapAt(int index) => index + 1 < _floors.Length ? _floors[index + 1] : double.PositiveInfinity;

    /// <summary>MM of a notional with the tier that notional falls in.</summary>
    public double MaintenanceMargin(double notional)
    {
        var i = IndexFor(notional);
        return Clamp((notional * _rates[i]) - _deductions[i]);
    }

    /// <summary>
    /// MM is never negative. A consistent table never needs this; a truncated one (a single tier copied
    /// with its venue deduction, e.g. floor 0 / 2.5% / 16,300) would otherwise give negative MM.
    /// </summary>
    public static double Clamp(double maintenanceMargin) => maintenanceMargin > 0 ? maintenanceMargin : 0;
}
