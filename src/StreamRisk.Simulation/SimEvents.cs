using StreamRisk.Domain.Instruments;

namespace StreamRisk.Simulation;

/// <summary>
/// One event of a simulated market, in the order a venue would publish it. Event times are Unix milliseconds and
/// never decrease along a run. Rare outputs of a generator, so plain sealed records (not hot-path structs).
/// </summary>
public abstract record SimEvent(long EventTime);

/// <summary>An instrument's spec and margin tiers; every instrument comes before any other event.</summary>
public sealed record SimInstrument(long EventTime, Instrument Instrument) : SimEvent(EventTime);

/// <summary>
/// An L2 book update. Prices are exact multiples of the tick, quantities exact multiples of the lot.
/// A snapshot carries the full book with <see cref="LastId"/> = its sequence and <see cref="FirstId"/> =
/// <see cref="PrevId"/> = 0. A delta carries only the changed levels (quantity 0 deletes a level), with
/// <see cref="FirstId"/> = <see cref="PrevId"/> + 1, <see cref="LastId"/> ≥ <see cref="FirstId"/> and
/// <see cref="PrevId"/> = the previous event's <see cref="LastId"/> of the same symbol: strictly continuous.
/// Bids are listed best (highest) first, asks best (lowest) first.
/// </summary>
public sealed record SimBook(
    long EventTime,
    string Symbol,
    bool Snapshot,
    long FirstId,
    long LastId,
    long PrevId,
    IReadOnlyList<(decimal Price, decimal Quantity)> Bids,
    IReadOnlyList<(decimal Price, decimal Quantity)> Asks) : SimEvent(EventTime);

/// <summary>A symbol's mark price (a whole number of ticks).</summary>
public sealed record SimMark(long EventTime, string Symbol, double Price) : SimEvent(EventTime);

/// <summary>
/// A full account snapshot: the cross wallet <see cref="Balance"/> (isolated margins are held per position,
/// outside it) and every open position (signed size, long &gt; 0; <c>IsolatedMargin</c> null = cross). Replaces
/// whatever was known of the account. <see cref="Seq"/> increases strictly per account across snapshots and
/// position changes.
/// </summary>
public sealed record SimAccount(
    long EventTime,
    string Account,
    long Seq,
    double Balance,
    IReadOnlyList<(string Symbol, double Size, double Entry, double? IsolatedMargin)> Positions) : SimEvent(EventTime);

/// <summary>
/// One position of an account changed: opened, or closed with <see cref="Size"/> 0 (a close repeats the entry and
/// margin mode of the position it closes). The account's balance is unchanged.
/// </summary>
public sealed record SimPosition(
    long EventTime,
    string Account,
    long Seq,
    string Symbol,
    double Size,
    double Entry,
    double? IsolatedMargin) : SimEvent(EventTime);

/// <summary>
/// A forced liquidation filled at the mark: <see cref="Size"/> is the absolute size closed, and
/// <see cref="LongLiquidated"/> says which side was closed (a long is sold into the bids). The closing
/// <see cref="SimPosition"/>s follow at the same time; a cross account's liquidations all come before its closes, so
/// each one can be checked against the account as last published.
/// </summary>
public sealed record SimLiquidation(long EventTime, string Symbol, bool LongLiquidated, double Price, double Size, string Account)
    : SimEvent(EventTime);
