namespace StreamRisk.Domain.Cascades;

/// <summary>The shocks projected when none are given: the engine's grid, the <c>project</c> document's default, the benches.</summary>
public static class CascadeShocks
{
    /// <summary>Nine shocks a side, fractions of the mark from 0.5% to 20%; dense near the mark, where cascades start.</summary>
    public static IReadOnlyList<double> DefaultGrid { get; } = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2];
}
