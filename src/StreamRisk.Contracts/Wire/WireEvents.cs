using System.Diagnostics.CodeAnalysis;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Wire;

// The decoded facts of the wire topics. Symbols and accounts arrive resolved to dense indices (SymbolTable,
// AccountTable), so applying an event is array indexing, never a string hash. Times are Unix milliseconds (event time,
// from the message). Sizes are signed in contracts (long > 0); prices and balances are doubles, as the margin math
// uses them; book prices are exact integer ticks.

/// <summary>A new mark price for an instrument (topic <c>marks</c>).</summary>
public readonly record struct MarkUpdated(int InstrumentIndex, long EventTime, double Price);

/// <summary>
/// One position of an account set to a new state (topic <c>positions</c>, type <c>position</c>). Size 0 closes it.
/// <see cref="IsolatedMargin"/> is NaN for a cross position.
/// </summary>
public readonly record struct PositionChanged(
    int AccountSlot,
    long Sequence,
    long EventTime,
    int InstrumentIndex,
    double Size,
    double Entry,
    double IsolatedMargin)
{
    public bool IsIsolated => !double.IsNaN(IsolatedMargin);
}

/// <summary>An account's cross wallet balance set to a new value (topic <c>positions</c>, type <c>balance</c>).</summary>
public readonly record struct BalanceChanged(int AccountSlot, long Sequence, long EventTime, double Balance);

/// <summary>
/// An account's whole state replaced (topic <c>positions</c>, type <c>account</c>): the balance here, the
/// <see cref="PositionCount"/> positions in <see cref="WireDecoder.AccountPositions"/> (valid until the next decode).
/// </summary>
public readonly record struct AccountSnapshotted(int AccountSlot, long Sequence, long EventTime, double Balance, int PositionCount);

/// <summary>Which side a liquidated position was on.</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Long and short are the trade's words for position sides.")]
public enum PositionSide
{
    /// <summary>A long position was liquidated: the venue sold into the bids.</summary>
    Long,

    /// <summary>A short position was liquidated: the venue bought from the asks.</summary>
    Short,
}

/// <summary>
/// A realized liquidation fill (topic <c>liquidations</c>). <see cref="Size"/> is the filled quantity, positive;
/// <see cref="AccountSlot"/> is -1 when the venue does not say whose position it was.
/// </summary>
public readonly record struct LiquidationFilled(int InstrumentIndex, long EventTime, PositionSide Side, double Price, double Size, int AccountSlot)
{
    public bool HasAccount => AccountSlot >= 0;
}

/// <summary>
/// An insurance fund balance from the venue (topic <c>insurance</c>): of <see cref="InstrumentIndex"/>'s own fund when the
/// fund is named after a known symbol (<see cref="Fund"/> null), else of the venue-wide fund <see cref="Fund"/> (index -1).
/// </summary>
public readonly record struct InsuranceUpdated(int InstrumentIndex, string? Fund, long EventTime, double Balance)
{
    public bool IsVenueWide => InstrumentIndex < 0;
}

/// <summary>The <c>type</c> of a <c>book</c> message.</summary>
public enum BookUpdateKind
{
    /// <summary>All levels of both sides, taken at update id <see cref="BookUpdated.LastId"/>.</summary>
    Snapshot,

    /// <summary>Absolute quantities of the levels that changed; quantity 0 deletes a level.</summary>
    Delta,
}

/// <summary>
/// A book message (topic <c>book</c>). A ref struct because the levels live in the decoder's reused buffers and are
/// valid only until its next decode; apply them at once (<see cref="OrderBook.ApplySnapshot"/>, or
/// <see cref="OrderBook.ApplyDiff"/> with <see cref="ToDepthUpdated"/>). A snapshot carries only
/// <see cref="LastId"/>; its <see cref="FirstId"/> and <see cref="PreviousId"/> read 0.
/// </summary>
public readonly ref struct BookUpdated(
    BookUpdateKind kind,
    int instrumentIndex,
    long eventTime,
    long firstId,
    long lastId,
    long previousId,
    ReadOnlySpan<PriceLevel> bids,
    ReadOnlySpan<PriceLevel> asks)
{
    public BookUpdateKind Kind { get; } = kind;

    public int InstrumentIndex { get; } = instrumentIndex;

    public long EventTime { get; } = eventTime;

    public long FirstId { get; } = firstId;

    public long LastId { get; } = lastId;

    /// <summary><c>prevId</c>: the last id of the update this delta follows.</summary>
    public long PreviousId { get; } = previousId;

    public ReadOnlySpan<PriceLevel> Bids { get; } = bids;

    public ReadOnlySpan<PriceLevel> Asks { get; } = asks;

    public static BookUpdated Snapshot(int instrumentIndex, long eventTime, long lastId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks) =>
        new(BookUpdateKind.Snapshot, instrumentIndex, eventTime, 0, lastId, 0, bids, asks);

    public static BookUpdated Delta(
        int instrumentIndex, long eventTime, long firstId, long lastId, long previousId, ReadOnlySpan<PriceLevel> bids, ReadOnlySpan<PriceLevel> asks) =>
        new(BookUpdateKind.Delta, instrumentIndex, eventTime, firstId, lastId, previousId, bids, asks);

    /// <summary>The delta as the order book takes it.</summary>
    public DepthUpdated ToDepthUpdated() => new(FirstId, LastId, PreviousId, Bids, Asks);
}

/// <summary>The <c>type</c> of a <c>positions</c> message.</summary>
public enum PositionsMessageKind
{
    /// <summary><c>account</c>: a full account snapshot (<see cref="AccountSnapshotted"/>).</summary>
    Account,

    /// <summary><c>position</c>: one position change (<see cref="PositionChanged"/>).</summary>
    Position,

    /// <summary><c>balance</c>: a balance change (<see cref="BalanceChanged"/>).</summary>
    Balance,
}

/// <summary>
/// One decoded message of the <c>positions</c> topic: which kind, the account and seq every kind carries (what the
/// engine checks order with, see <see cref="AccountSequences"/>), and the event of that kind. Reading the event of
/// another kind throws: it is a bug in the caller, not bad input.
/// </summary>
public readonly struct PositionsMessage
{
    private readonly PositionChanged _position;
    private readonly BalanceChanged _balance;
    private readonly AccountSnapshotted _account;

    private PositionsMessage(PositionsMessageKind kind, PositionChanged position, BalanceChanged balance, AccountSnapshotted account)
    {
        Kind = kind;
        _position = position;
        _balance = balance;
        _account = account;
    }

    public PositionsMessageKind Kind { get; }

    public int AccountSlot => Kind switch
    {
        PositionsMessageKind.Account => _account.AccountSlot,
        PositionsMessageKind.Position => _position.AccountSlot,
        _ => _balance.AccountSlot,
    };

    public long Sequence => Kind switch
    {
        PositionsMessageKind.Account => _account.Sequence,
        PositionsMessageKind.Position => _position.Sequence,
        _ => _balance.Sequence,
    };

    public long EventTime => Kind switch
    {
        PositionsMessageKind.Account => _account.EventTime,
        PositionsMessageKind.Position => _position.EventTime,
        _ => _balance.EventTime,
    };

    public PositionChanged Position => Kind == PositionsMessageKind.Position ? _position : throw WrongKind(PositionsMessageKind.Position);

    public BalanceChanged Balance => Kind == PositionsMessageKind.Balance ? _balance : throw WrongKind(PositionsMessageKind.Balance);

    public AccountSnapshotted Account => Kind == PositionsMessageKind.Account ? _account : throw WrongKind(PositionsMessageKind.Account);

    public static PositionsMessage Of(in PositionChanged position) => new(PositionsMessageKind.Position, position, default, default);

    public static PositionsMessage Of(in BalanceChanged balance) => new(PositionsMessageKind.Balance, default, balance, default);

    public static PositionsMessage Of(in AccountSnapshotted account) => new(PositionsMessageKind.Account, default, default, account);

    private InvalidOperationException WrongKind(PositionsMessageKind wanted) =>
        new($"This positions message is of kind {Kind}, not {wanted}.");
}

/// <summary>
/// An instrument spec from the <c>instruments</c> topic (rare: no allocation budget). <see cref="TickSize"/> is the
/// exact decimal tick that book prices convert with; <see cref="Instrument.TickSize"/> holds the same value as a double.
/// </summary>
public sealed record InstrumentDefined(Instrument Instrument, TickSize TickSize);
