using System.Globalization;
using System.Text;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Simulation.Tests;

/// <summary>
/// A naive consumer of simulator events: books in decimal dictionaries, marks, accounts as plain lists. Checks the
/// invariants a downstream consumer relies on as it applies each event; margin figures come straight from
/// <see cref="MarginCalculator"/> over the account as published.
/// </summary>
internal sealed class MarketModel(MarginProfile profile)
{
    private readonly Dictionary<string, Instrument> _instruments = [];
    private readonly Dictionary<string, SortedDictionary<decimal, decimal>> _bids = [];
    private readonly Dictionary<string, SortedDictionary<decimal, decimal>> _asks = [];
    private readonly Dictionary<string, long> _lastIds = [];
    private readonly Dictionary<string, long> _seqs = [];

    public MarketModel()
        : this(MarginProfile.Binance)
    {
    }

    public Dictionary<string, double> Marks { get; } = [];

    public Dictionary<string, Account> Accounts { get; } = [];

    public void Apply(SimEvent e)
    {
        switch (e)
        {
            case SimInstrument i:
                _instruments[i.Instrument.Symbol.Value] = i.Instrument;
                _bids[i.Instrument.Symbol.Value] = [];
                _asks[i.Instrument.Symbol.Value] = [];
                break;
            case SimBook b:
                ApplyBook(b);
                break;
            case SimMark m:
                Assert.True(m.Price > 0, $"{m.Symbol} mark {m.Price}");
                Marks[m.Symbol] = m.Price;
                var bid = _bids[m.Symbol].Count > 0 ? (double)_bids[m.Symbol].Keys.Max() : 0;
                var ask = _asks[m.Symbol].Count > 0 ? (double)_asks[m.Symbol].Keys.Min() : double.MaxValue;
                Assert.True(bid < m.Price && m.Price < ask, $"{m.Symbol} at {m.EventTime}: bid {bid} < mark {m.Price} < ask {ask}");
                break;
            case SimAccount a:
                NextSeq(a.Account, a.Seq);
                Assert.True(a.Balance >= 0, $"{a.Account} balance {a.Balance}");
                var account = new Account(a.Balance);
                foreach (var p in a.Positions)
                {
                    AssertPosition(a.Account, p.Symbol, p.Size, p.Entry, p.IsolatedMargin);
                    Assert.DoesNotContain(account.Positions, q => q.Symbol == p.Symbol);
                    account.Positions.Add(new Position(p.Symbol, p.Size, p.Entry, p.IsolatedMargin));
                }

                Accounts[a.Account] = account;
                break;
            case SimPosition p:
                NextSeq(p.Account, p.Seq);
                AssertPosition(p.Account, p.Symbol, p.Size, p.Entry, p.IsolatedMargin);
                var held = Accounts[p.Account].Positions;
                held.RemoveAll(q => q.Symbol == p.Symbol);
                if (p.Size != 0)
                {
                    held.Add(new Position(p.Symbol, p.Size, p.Entry, p.IsolatedMargin));
                }

                break;
            case SimLiquidation l:
                Assert.True(l.Size > 0 && l.Price > 0, $"liquidation {l}");
                Assert.Equal(Marks[l.Symbol], l.Price);
                break;
            default:
                Assert.Fail($"unknown event {e}");
                break;
        }
    }

    /// <summary>The account's margin figures at the current marks, position by position (order of <see cref="Account.Positions"/>).</summary>
    public (AccountMargin Account, PositionMargin[] Positions) Margin(Account account)
    {
        var terms = new PositionTerms[account.Positions.Count];
        for (var i = 0; i < terms.Length; i++)
        {
            var p = account.Positions[i];
            terms[i] = new PositionTerms(_instruments[p.Symbol], p.Size, p.Entry, p.IsolatedMargin ?? double.NaN, Marks[p.Symbol]);
        }

        var results = new PositionMargin[terms.Length];
        var margin = MarginCalculator.Compute(profile, account.Balance, terms, results);
        return (margin, results);
    }

    /// <summary>
    /// Applies a whole run, checking on top of <see cref="Apply"/> that every liquidation is of a position whose LP
    /// (computed from the account as published, at the step's marks) the mark crossed, and that at the end of every
    /// step no open position is clearly past its LP. Returns the liquidations.
    /// </summary>
    public List<SimLiquidation> ApplyRun(IEnumerable<SimEvent> events)
    {
        var liquidations = new List<SimLiquidation>();
        long? time = null;
        foreach (var e in events)
        {
            if (time is { } t && e.EventTime != t)
            {
                AssertNoneCrossed(t);
            }

            time = e.EventTime;
            if (e is SimLiquidation l)
            {
                var account = Accounts[l.Account];
                var (margin, margins) = Margin(account);
                var index = account.Positions.FindIndex(p => p.Symbol == l.Symbol);
                Assert.True(index >= 0, $"{l.Account} holds no {l.Symbol}");
                var position = account.Positions[index];
                Assert.Equal(position.Size > 0, l.LongLiquidated);
                Assert.Equal(Math.Abs(position.Size), l.Size);
                // A cross pool under MM goes whole: a position of it may have no LP left to cross.
                var poolUnderMargin = position.IsolatedMargin is null && UnderMargin(margin, 1e-9);
                Assert.True(
                    Crossed(position.Size, margins[index].LiquidationPrice, l.Price) || poolUnderMargin,
                    $"{l.Account} {l.Symbol} at {l.EventTime}: mark {l.Price} has not crossed LP {margins[index].LiquidationPrice}");
                liquidations.Add(l);
            }

            Apply(e);
        }

        if (time is { } last)
        {
            AssertNoneCrossed(last);
        }

        return liquidations;
    }

    /// <summary>Every open position is on the safe side of its LP at the current marks (beyond a 1e-9 tolerance).</summary>
    public void AssertNoneCrossed(long time)
    {
        foreach (var (id, account) in Accounts)
        {
            if (account.Positions.Count == 0)
            {
                continue;
            }

            var (margin, margins) = Margin(account);
            Assert.False(
                account.Positions.Exists(p => p.IsolatedMargin is null) && UnderMargin(margin, -1e-9),
                $"{id} at {time}: cross equity {margin.CrossEquity} under MM {margin.CrossMaintenanceMargin} and no liquidation came");
            for (var i = 0; i < margins.Length; i++)
            {
                var p = account.Positions[i];
                Assert.False(
                    ClearlyCrossed(p.Size, margins[i].LiquidationPrice, Marks[p.Symbol]),
                    $"{id} {p.Symbol} at {time}: mark {Marks[p.Symbol]} crossed LP {margins[i].LiquidationPrice} and no liquidation came");
            }
        }
    }

    /// <summary>Cross equity below cross MM, with a relative <paramref name="tolerance"/> (negative: clearly below).</summary>
    private static bool UnderMargin(AccountMargin margin, double tolerance) =>
        margin.CrossEquity < margin.CrossMaintenanceMargin * (1 + tolerance);

    /// <summary>Whether the mark has crossed the position's liquidation price (with a relative tolerance of 1e-9).</summary>
    public static bool Crossed(double size, double liquidationPrice, double mark) =>
        !double.IsNaN(liquidationPrice) && (size > 0 ? mark <= liquidationPrice * (1 + 1e-9) : mark >= liquidationPrice * (1 - 1e-9));

    /// <summary>Strictly crossed, beyond the tolerance: a position the simulator must have liquidated.</summary>
    public static bool ClearlyCrossed(double size, double liquidationPrice, double mark) =>
        !double.IsNaN(liquidationPrice) && (size > 0 ? mark < liquidationPrice * (1 - 1e-9) : mark > liquidationPrice * (1 + 1e-9));

    public static string Describe(SimEvent e) => e switch
    {
        SimInstrument i => Invariant($"I {i.EventTime} {i.Instrument.Symbol} {i.Instrument.TickSize} {i.Instrument.LotSize} {i.Instrument.Tiers.Count}"),
        SimBook b => Invariant($"B {b.EventTime} {b.Symbol} {b.Snapshot} {b.FirstId} {b.LastId} {b.PrevId} {Levels(b.Bids)} | {Levels(b.Asks)}"),
        SimMark m => Invariant($"M {m.EventTime} {m.Symbol} {m.Price:R}"),
        SimAccount a => Invariant($"A {a.EventTime} {a.Account} {a.Seq} {a.Balance:R} {string.Join(';', a.Positions.Select(p => Invariant($"{p.Symbol},{p.Size:R},{p.Entry:R},{p.IsolatedMargin:R}")))}"),
        SimPosition p => Invariant($"P {p.EventTime} {p.Account} {p.Seq} {p.Symbol} {p.Size:R} {p.Entry:R} {p.IsolatedMargin:R}"),
        SimLiquidation l => Invariant($"L {l.EventTime} {l.Symbol} {l.LongLiquidated} {l.Price:R} {l.Size:R} {l.Account}"),
        _ => throw new ArgumentOutOfRangeException(nameof(e)),
    };

    private static string Levels(IReadOnlyList<(decimal Price, decimal Quantity)> levels)
    {
        var text = new StringBuilder();
        foreach (var (price, quantity) in levels)
        {
            text.Append(CultureInfo.InvariantCulture, $"{price}x{quantity} ");
        }

        return text.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private void ApplyBook(SimBook b)
    {
        var tick = (decimal)_instruments[b.Symbol].TickSize;
        var lot = (decimal)_instruments[b.Symbol].LotSize;
        var bids = _bids[b.Symbol];
        var asks = _asks[b.Symbol];
        if (b.Snapshot)
        {
            Assert.Equal(0, b.FirstId);
            Assert.Equal(0, b.PrevId);
            Assert.False(_lastIds.ContainsKey(b.Symbol), "one snapshot per symbol");
            bids.Clear();
            asks.Clear();
        }
        else
        {
            Assert.Equal(_lastIds[b.Symbol], b.PrevId);
            Assert.Equal(b.PrevId + 1, b.FirstId);
            Assert.True(b.LastId >= b.FirstId, $"{b.Symbol}: LastId {b.LastId} < FirstId {b.FirstId}");
            Assert.True(b.Bids.Count + b.Asks.Count > 0, "a delta changes something");
        }

        _lastIds[b.Symbol] = b.LastId;
        Apply(bids, b.Bids, tick, lot, b.Snapshot);
        Apply(asks, b.Asks, tick, lot, b.Snapshot);
        if (bids.Count > 0 && asks.Count > 0)
        {
            Assert.True(bids.Keys.Max() < asks.Keys.Min(), $"{b.Symbol} crossed at {b.EventTime}");
        }
    }

    private static void Apply(SortedDictionary<decimal, decimal> side, IReadOnlyList<(decimal Price, decimal Quantity)> levels, decimal tick, decimal lot, bool snapshot)
    {
        foreach (var (price, quantity) in levels)
        {
            Assert.True(price > 0, $"price {price}");
            Assert.True(quantity >= 0, $"quantity {quantity}");
            Assert.True(!snapshot || quantity > 0, "a snapshot lists only live levels");
            Assert.Equal(0m, price % tick);
            Assert.Equal(0m, quantity % lot);
            if (quantity == 0)
            {
                side.Remove(price);
            }
            else
            {
                side[price] = quantity;
            }
        }
    }

    private void NextSeq(string account, long seq)
    {
        if (_seqs.TryGetValue(account, out var last))
        {
            Assert.True(seq > last, $"{account}: seq {seq} after {last}");
        }

        _seqs[account] = seq;
    }

    private void AssertPosition(string account, string symbol, double size, double entry, double? margin)
    {
        Assert.True(_instruments.ContainsKey(symbol), $"{account}: unknown symbol {symbol}");
        Assert.True(double.IsFinite(size) && entry > 0, $"{account} {symbol}: size {size}, entry {entry}");
        Assert.True(margin is null || margin > 0, $"{account} {symbol}: isolated margin {margin}");
    }

    internal sealed record Position(string Symbol, double Size, double Entry, double? IsolatedMargin);

    internal sealed class Account(double balance)
    {
        public double Balance { get; } = balance;

        public List<Position> Positions { get; } = [];
    }
}
