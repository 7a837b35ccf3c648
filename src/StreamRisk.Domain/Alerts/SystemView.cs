namespace StreamRisk.Domain.Alerts;

/// <summary>What one factor scenario did to one instrument.</summary>
/// <param name="Move">The instrument's final move as a fraction of its mark (negative down).</param>
/// <param name="Runaway">Amplification ≥ 2 or its book ran out.</param>
public sealed record SystemInstrumentOutcome(string Symbol, double Move, double LiquidatedNotional, bool Runaway);

/// <summary>One factor scenario of the grid: the reference moves by <see cref="Move"/> (signed), every instrument by β × it.</summary>
/// <param name="Direction"><c>down</c> or <c>up</c>.</param>
/// <param name="InsuranceFundAfter">The one fund (the sum of the instruments' funds) after the scenario's liquidations.</param>
public sealed record SystemScenario(double Move, string Direction, IReadOnlyList<SystemInstrumentOutcome> Instruments, int LiquidatedAccounts,
    double LiquidatedNotional, double InsuranceFundAfter);

/// <summary>An instrument moving alone by ±<see cref="SystemView.ContagionMove"/> (<see cref="From"/>, <see cref="Direction"/>): its effect on <see cref="To"/>.</summary>
/// <param name="Move">To's final move as a fraction of its mark (0 when nothing reached it).</param>
public sealed record SystemContagion(string From, string Direction, string To, double Move, double LiquidatedNotional);

/// <summary>Notional on one instrument.</summary>
public sealed record SystemNotional(string Symbol, double Notional);

/// <summary>
/// An account whose whole forced liquidation at the current marks liquidates others.
/// </summary>
/// <param name="AdditionalNotional">Notional liquidated beyond its own positions and beyond what the marks alone liquidate.</param>
/// <param name="OwnNotional">Its own notional at the marks.</param>
/// <param name="OtherAccounts">Other accounts its failure liquidates.</param>
/// <param name="Instruments">Where the chain lands: per instrument, the notional liquidated beyond the marks alone (its own included), largest first.</param>
public sealed record SystemCriticalAccount(string Account, double AdditionalNotional, double OwnNotional, int OtherAccounts, IReadOnlyList<SystemNotional> Instruments);

/// <summary>
/// One instrument at the system critical shock: how far it moves and how much of its liquidation came from elsewhere.
/// </summary>
/// <param name="TargetMove">β × the shock: its move before any liquidation.</param>
/// <param name="Move">Its final move in the factor scenario.</param>
/// <param name="LiquidatedNotional">Its liquidated notional in the factor scenario (every instrument moving).</param>
/// <param name="AloneNotional">Its liquidated notional when only it moves, by the same β × shock.</param>
/// <param name="ImportedNotional">
/// <see cref="LiquidatedNotional"/> − <see cref="AloneNotional"/>: what the other instruments' moves and liquidations added
/// (cross accounts failing elsewhere and liquidated whole, their legs walking this book). Negative when the other moves
/// shelter accounts here (a cross pool hedged across instruments).
/// </param>
/// <param name="ModelledNotional">Fill notional its net orders took past the known book, from modelled depth.</param>
/// <param name="LeftKnownBook">Its net orders walked past the known part of a partial book side.</param>
/// <param name="KnownRange">
/// How far from the mid (a fraction of it) the book side its net orders walked is known (the bids for net selling, the
/// asks for net buying; the nearer of the two if it walked both); null for a complete side or when nothing walked its
/// book. The warm-up of SystemicCascadeRisk compares it with |<see cref="TargetMove"/>|.
/// </param>
public sealed record SystemChainInstrument(string Symbol, double TargetMove, double Move, double LiquidatedNotional, double AloneNotional, double ImportedNotional, bool Runaway,
    double ModelledNotional = 0, bool LeftKnownBook = false, double? KnownRange = null);

/// <summary>The factor scenario at one direction's system critical shock, instrument by instrument.</summary>
public sealed record SystemChain(string Direction, double Shock, IReadOnlyList<SystemChainInstrument> Instruments, int LiquidatedAccounts, double LiquidatedNotional,
    double InsuranceFundAfter);

/// <summary>
/// The live system view: the portfolio projection over every account, instrument and book the engine holds, made on an
/// event-time cadence (docs/domain.md, "Portfolio cascade model"; docs/dashboard-and-api.md, "System view"). The input of
/// the SystemicCascadeRisk rule. Instruments are those with a mark, in the engine's instrument order.
/// </summary>
public sealed record SystemView
{
    /// <summary>The symbol system alerts are raised under (and whose thresholds they read): the view is of no one instrument.</summary>
    public const string AlertSymbol = "SYSTEM";

    /// <summary>The cadence boundary it was made at (Unix ms): it reflects every event applied before the first event at or after it.</summary>
    public required long EventTime { get; init; }

    public required string Reference { get; init; }

    public required IReadOnlyList<string> Symbols { get; init; }

    public required IReadOnlyList<double> Marks { get; init; }

    /// <summary>β per instrument, in the order of <see cref="Symbols"/> (the reference's is 1).</summary>
    public required IReadOnlyList<double> Betas { get; init; }

    /// <summary>
    /// Per instrument, in the order of <see cref="Symbols"/>: how far from the mid (a fraction of it) its bids (for a move
    /// down) and asks (up) are known, as a symbol's projection reports them; null for a complete side. Empty: every side complete.
    /// </summary>
    public IReadOnlyList<double?> KnownRangesDown { get; init; } = [];

    public IReadOnlyList<double?> KnownRangesUp { get; init; } = [];

    /// <summary>The one fund of the projection: the sum of the instruments' insurance funds.</summary>
    public required double InsuranceFund { get; init; }

    public required int Accounts { get; init; }

    /// <summary>The factor grid: each grid move down, then each up.</summary>
    public required IReadOnlyList<SystemScenario> Grid { get; init; }

    /// <summary>Smallest reference move (0.1% steps up to 50%) whose factor scenario makes any instrument run away; null when none.</summary>
    public double? CriticalShockDown { get; init; }

    public double? CriticalShockUp { get; init; }

    /// <summary>The factor scenario at each critical shock (null when there is none).</summary>
    public SystemChain? ChainDown { get; init; }

    public SystemChain? ChainUp { get; init; }

    /// <summary>The move each instrument makes alone in the contagion matrix (both directions).</summary>
    public required double ContagionMove { get; init; }

    /// <summary>For each instrument and direction, its effect on every other instrument.</summary>
    public required IReadOnlyList<SystemContagion> Contagion { get; init; }

    /// <summary>Largest additional liquidation first.</summary>
    public required IReadOnlyList<SystemCriticalAccount> CriticalAccounts { get; init; }
}
