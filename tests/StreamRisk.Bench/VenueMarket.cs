using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Simulation;

namespace StreamRisk.Bench;

/// <summary>
/// A venue-scale market as wire messages, one second of market time at a time: hundreds of linear instruments, the
/// synthetic population spread over them, book messages at rates taken from the real Binance capture for the top
/// instruments and thinner for the tail, one mark per instrument per second, position changes at the venue's trade
/// rate — then, on demand, a crash: ten minutes in which every instrument falls 5–30 % with its beta against the
/// reference (BTCUSDT), every mark moves more than the 0.1 % revaluation move, book and trade rates rise 5× and
/// liquidated accounts arrive as fills on the liquidations topic and closes on the positions topic.
/// Deterministic for a seed and the sequence of calls. One thread.
/// </summary>
/// <remarks>
/// <para><b>Book messages</b> per instrument a second: BTCUSDT 210.7 and ETHUSDT 175.7 (rank 1 and 2), the rest
/// 210.7 / rank (a Zipf decay of exponent 1, the same decay the population's symbol weights follow: the 200th
/// instrument gets ~1 a second, and 200 instruments ~1,300 a second in all). The two figures are the depth@0ms diffs
/// plus bookTicker messages a second of the capture of 2024-08-08 in shared/data/binance-usdm (the book messages a
/// feed of that venue carries, as <see cref="ReplayBench.TouchUpdatesPerStep"/> takes them), measured over its
/// 344.8 s with
/// <c>zcat btcusdt_20240808.gz | awk '{t=$1; if(NR==1||t&lt;min)min=t; if(t&gt;max)max=t; if($0~/depthUpdate/)d++; else if($0~/bookTicker/)b++; else if($0~/"e":"trade"/)tr++} END {s=(max-min)/1e9; print d/s, b/s, tr/s}'</c>:
/// BTCUSDT 19.0 depth + 191.7 bookTicker + 61.8 trades a second, ETHUSDT 19.1 + 156.6 + 40.8.</para>
/// <para><b>Position changes</b>: one per trade of the capture (BTCUSDT 61.8, ETHUSDT 40.8, the rest 61.8 / rank),
/// each resizing a random holder's leg of that instrument by ±10 %: the population stands for the venue's leveraged
/// accounts, and a trade changes the taker's position (the maker side is mostly market makers outside it).
/// In the crash both rates rise 5× (the busiest ten minutes of 2024-08-05 in shared/data/klines traded ~760 times a
/// second, ×12 the capture's calm; for the book 5× is the benchmark's premise).</para>
/// <para><b>Marks</b>: all instruments' at the top of each second, as Binance's all-market <c>!markPrice@arr@1s</c>
/// publishes them. Calm: a random walk of ±0.02 % a step. Crash second t of T = 600: the instrument's mark at the
/// crash's start × (1 − depth × g(t)) with g(t) = 1 − (1 − t/T)² (front-loaded: the fastest fall first), times
/// 1 ± U(0.15 %, 0.35 %) alternating in sign each second, so consecutive marks are at least 0.2 % apart whatever the
/// trend (at most 0.1 % a second). Depth = clamp(0.12 × beta, 0.05, 0.30), beta 1 for BTCUSDT, 1.2 for ETHUSDT and
/// U(0.4, 2.5) for the rest.</para>
/// <para><b>Liquidations</b>: the venue's model, not the monitor's: marks along the crash path are linear in g, so
/// each cross account (its cross legs and wallet together) and each isolated position has one g* at which its
/// equity meets its maintenance margin (the tier rate of its starting notional), computed once at the crash's start;
/// at each crash second every unit with g* ≤ g(t) is liquidated at a random time of that second: a fill per leg at
/// the mark (with the account), then the closes (size 0). Later position changes skip closed legs.</para>
/// <para><b>Books</b>: levels on a grid of 0.05 % of the start price (at least a tick), 200 a side in the snapshot; a
/// book message sets or empties (1 in 8) one level within ten grid steps of the mark on one side, and empties the
/// levels the mark has moved through since that side's last message, so the book follows the fall uncrossed.</para>
/// </remarks>
internal sealed class VenueMarket : IDisposable
{
    /// <summary>Seconds of market the crash lasts.</summary>
    public const int CrashSeconds = 600;

    /// <summary>How much faster book messages and position changes come in the crash.</summary>
    public const double CrashRateMultiplier = 5;

    /// <summary>The reference's fall in the crash; an instrument falls its beta times this, clamped to [5 %, 30 %].</summary>
    public const double ReferenceFall = 0.12;

    private const int BookLevels = 200;
    private const int GridReach = 10;

    // Measured from the Binance USDⓈ-M capture of 2024-08-08 (see the remarks): book messages and trades a second.
    private const double TopBookRate = 210.7;
    private const double SecondBookRate = 175.7;
    private const double TopTradeRate = 61.8;
    private const double SecondTradeRate = 40.8;

    private static readonly (string Name, double Price, double Tick, double Lot)[] Listed =
    [
        ("BTCUSDT", 60_000, 0.1, 0.001), ("ETHUSDT", 3_000, 0.01, 0.001), ("SOLUSDT", 150, 0.01, 1), ("BNBUSDT", 600, 0.01, 0.01),
        ("XRPUSDT", 0.5, 0.0001, 1), ("DOGEUSDT", 0.15, 0.00001, 1), ("AVAXUSDT", 30, 0.001, 1), ("LTCUSDT", 80, 0.01, 0.001),
        ("LINKUSDT", 15, 0.001, 0.01), ("ADAUSDT", 0.45, 0.0001, 1),
    ];

    private readonly Random _random;
    private readonly WireMessageWriter _writer = new();
    private readonly Instrument[] _instruments;
    private readonly double[] _tick;
    private readonly long[] _markTicks;
    private readonly long[] _grid;
    private readonly long[] _bidTop;
    private readonly long[] _askBottom;
    private readonly long[] _bookIds;
    private readonly double[] _bookRate;
    private readonly double[] _tradeRate;
    private readonly double[] _bookDue;
    private readonly double[] _tradeDue;
    private readonly double[] _depth;
    private readonly IReadOnlyList<SimAccount> _accounts;
    private readonly Dictionary<string, int> _index;
    private readonly (int Account, int Leg)[][] _holders;
    private readonly long[] _seq;
    private readonly HashSet<long> _closed = [];
    private readonly List<Token> _tokens = [];
    private readonly List<WireMessage> _pending = [];
    private readonly List<PriceLevel> _bids = [];
    private readonly List<PriceLevel> _asks = [];
    private readonly long _start;
    private long[]? _crashBase;
    private (double G, int Account, int Leg)[]? _units;
    private int _nextUnit;
    private long _second;

    /// <param name="instruments">Instruments listed (the first ten are named after Binance's largest, the rest ALTnnnUSDT).</param>
    /// <param name="start">Event time of the market and the population (Unix ms); the stream's seconds follow.</param>
    public VenueMarket(int accounts, int instruments, int seed, long start = 1_704_067_200_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instruments, 2);
        _start = start;
        _random = new Random(seed);
        var specs = new (string Name, double Price, double Tick, double Lot, double Beta)[instruments];
        for (var k = 0; k < instruments; k++)
        {
            if (k < Listed.Length)
            {
                var (name, price, tick, lot) = Listed[k];
                specs[k] = (name, price, tick, lot, k switch { 0 => 1.0, 1 => 1.2, _ => 0.4 + (2.1 * _random.NextDouble()) });
            }
            else
            {
                // Prices spread over 0.01–1,000 USD, ticks of 10⁻⁵–10⁻⁴ of the price, lots worth 1–10 USD (at most 1 unit).
                var price = Math.Round(Math.Pow(10, -2 + (5 * _random.NextDouble())), 6);
                var tick = Math.Pow(10, Math.Floor(Math.Log10(price * 1e-5)));
                var lot = Math.Min(1, Math.Pow(10, Math.Floor(Math.Log10(10 / price))));
                price = Math.Round(price / tick) * tick;
                specs[k] = (string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ALT{k + 1:D3}USDT"), price, tick, lot, 0.4 + (2.1 * _random.NextDouble()));
            }
        }

        _instruments = specs.Select((s, k) => new Instrument(new Symbol(s.Name), ContractKind.Linear, s.Tick, s.Lot,
            k switch { 0 => SimulatedSymbol.BinanceBtcUsdtTiers, 1 => SimulatedSymbol.BinanceEthUsdtTiers, _ => SimulatedSymbol.BinanceSolUsdtTiers })).ToArray();
        _tick = specs.Select(s => s.Tick).ToArray();
        _markTicks = specs.Select(s => (long)Math.Round(s.Price / s.Tick)).ToArray();
        _grid = _markTicks.Select(m => Math.Max(1, (long)Math.Round(m * 0.0005))).ToArray();
        _bidTop = new long[instruments];
        _askBottom = new long[instruments];
        _bookIds = new long[instruments];
        _bookRate = Enumerable.Range(0, instruments).Select(k => k switch { 0 => TopBookRate, 1 => SecondBookRate, _ => TopBookRate / (k + 1) }).ToArray();
        _tradeRate = Enumerable.Range(0, instruments).Select(k => k switch { 0 => TopTradeRate, 1 => SecondTradeRate, _ => TopTradeRate / (k + 1) }).ToArray();
        _bookDue = new double[instruments];
        _tradeDue = new double[instruments];
        _depth = specs.Select(s => Math.Clamp(ReferenceFall * s.Beta, 0.05, 0.30)).ToArray();
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var k = 0; k < instruments; k++)
        {
            _index[specs[k].Name] = k;
        }

        _accounts = SyntheticPopulation.Generate(seed, accounts, _instruments.Select((i, k) => (i, specs[k].Price)).ToList(), start);
        _seq = new long[_accounts.Count];
        Array.Fill(_seq, 1);
        var holders = Enumerable.Range(0, instruments).Select(_ => new List<(int, int)>()).ToArray();
        for (var a = 0; a < _accounts.Count; a++)
        {
            var legs = _accounts[a].Positions;
            for (var leg = 0; leg < legs.Count; leg++)
            {
                holders[_index[legs[leg].Symbol]].Add((a, leg));
            }

            Positions += legs.Count;
        }

        _holders = holders.Select(h => h.ToArray()).ToArray();
    }

    /// <summary>Instruments listed.</summary>
    public int Instruments => _instruments.Length;

    /// <summary>Positions in the population.</summary>
    public int Positions { get; }

    /// <summary>Accounts in the population.</summary>
    public int Accounts => _accounts.Count;

    /// <summary>Crash seconds generated so far.</summary>
    public int CrashSecond { get; private set; }

    /// <summary>Accounts (cross) and isolated positions liquidated so far, and their positions.</summary>
    public (int Units, int Positions) Liquidated { get; private set; }

    /// <summary>Liquidation units (cross accounts and isolated positions) the whole crash liquidates, once it has started.</summary>
    public int UnitsLiquidatedByTheFullCrash { get; private set; }

    /// <summary>Liquidation units in the population (each cross account with cross legs, each isolated position).</summary>
    public int Units { get; private set; }

    /// <summary>An instrument's mark as of the last second generated.</summary>
    public double Mark(int instrument) => _markTicks[instrument] * _tick[instrument];

    /// <summary>An instrument's tick size.</summary>
    public double TickSize(int instrument) => _tick[instrument];

    /// <summary>An instrument's crash depth (the fall at the crash's end, before the marks' alternation).</summary>
    public double Depth(int instrument) => _depth[instrument];

    /// <summary>Book messages and position changes a second of calm market, over all instruments.</summary>
    public (double Book, double Trades) CalmRates => (_bookRate.Sum(), _tradeRate.Sum());

    /// <summary>Instruments, book snapshots and marks: what must be there before any account.</summary>
    public List<WireMessage> Market()
    {
        var messages = new List<WireMessage>();
        foreach (var instrument in _instruments)
        {
            messages.Add(_writer.Instrument(instrument));
        }

        var bids = new PriceLevel[BookLevels];
        var asks = new PriceLevel[BookLevels];
        for (var s = 0; s < _instruments.Length; s++)
        {
            var mid = _markTicks[s] / _grid[s];
            for (var i = 0; i < BookLevels; i++)
            {
                bids[i] = new PriceLevel((mid - 1 - i) * _grid[s], Quantity(s));
                asks[i] = new PriceLevel((mid + 1 + i) * _grid[s], Quantity(s));
            }

            _bidTop[s] = mid - 1;
            _askBottom[s] = mid + 1;
            _bookIds[s] = 1;
            messages.Add(_writer.BookSnapshot(_instruments[s].Symbol, _start, 1, bids, asks));
            messages.Add(_writer.Mark(_instruments[s].Symbol, _start, Mark(s)));
        }

        return messages;
    }

    /// <summary>Every account's snapshot (seq 1), in account order.</summary>
    public IEnumerable<WireMessage> AccountSnapshots() => BenchMarket.Snapshots(_writer, _accounts);

    /// <summary>
    /// The next second of market, in event-time order, appended to <paramref name="messages"/>: calm, or the crash's
    /// next second (after <see cref="CrashSeconds"/> the marks stay at the bottom, still alternating, and rates stay high).
    /// </summary>
    /// <returns>The second's start (Unix ms): its marks' event time.</returns>
    /// <param name="eventTimes">When given, each message's event time is appended to it (the same order).</param>
    public long NextSecond(bool crash, List<WireMessage> messages, List<long>? eventTimes = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        _second++;
        var at = _start + (_second * 1000);
        double g = 0;
        if (crash)
        {
            if (_crashBase is null)
            {
                StartCrash();
            }

            CrashSecond++;
            var t = Math.Min(1.0, (double)CrashSecond / CrashSeconds);
            g = 1 - ((1 - t) * (1 - t));
        }

        _tokens.Clear();
        var rate = crash ? CrashRateMultiplier : 1;
        for (var s = 0; s < _instruments.Length; s++)
        {
            MoveMark(s, crash, g);
            _tokens.Add(new Token(0, _tokens.Count, TokenKind.Mark, s));
            _bookDue[s] += _bookRate[s] * rate;
            for (; _bookDue[s] >= 1; _bookDue[s]--)
            {
                _tokens.Add(new Token(1 + _random.Next(999), _tokens.Count, TokenKind.Book, s));
            }

            _tradeDue[s] += _tradeRate[s] * rate;
            for (; _tradeDue[s] >= 1; _tradeDue[s]--)
            {
                _tokens.Add(new Token(1 + _random.Next(999), _tokens.Count, TokenKind.Position, s));
            }
        }

        if (crash)
        {
            for (; _nextUnit < _units!.Length && _units[_nextUnit].G <= g; _nextUnit++)
            {
                _tokens.Add(new Token(1 + _random.Next(999), _tokens.Count, TokenKind.Liquidation, _nextUnit));
            }
        }

        _tokens.Sort();
        foreach (var token in _tokens)
        {
            var time = at + token.Offset;
            var before = messages.Count;
            switch (token.Kind)
            {
                case TokenKind.Mark:
                    messages.Add(_writer.Mark(_instruments[token.Arg].Symbol, time, Mark(token.Arg)));
                    break;
                case TokenKind.Book:
                    messages.Add(BookMessage(token.Arg, time));
                    break;
                case TokenKind.Position:
                    if (PositionChange(token.Arg, time) is { } change)
                    {
                        messages.Add(change);
                    }

                    break;
                default:
                    Liquidate(_units![token.Arg], time, messages);
                    break;
            }

            for (var i = before; i < messages.Count; i++)
            {
                eventTimes?.Add(time);
            }
        }

        return at;
    }

    /// <summary>
    /// The next <paramref name="count"/> messages (calm or crash seconds), cut at the count: the rest of the last second
    /// is kept for the next call, so consecutive calls make one gapless stream.
    /// </summary>
    public List<WireMessage> Stream(int count, bool crash)
    {
        var messages = new List<WireMessage>(count + 16_384);
        messages.AddRange(_pending);
        _pending.Clear();
        while (messages.Count < count)
        {
            NextSecond(crash, messages);
        }

        _pending.AddRange(messages.Skip(count));
        messages.RemoveRange(count, messages.Count - count);
        return messages;
    }

    public void Dispose() => _writer.Dispose();

    private void MoveMark(int s, bool crash, double g)
    {
        if (!crash)
        {
            // Calm: ±0.02 % a second (about BTCUSDT's one-second move on a quiet day), at least a tick.
            var step = Math.Max(1, (long)Math.Round(_markTicks[s] * 0.0002));
            _markTicks[s] += _random.Next(2) == 0 ? -step : step;
            return;
        }

        var swing = 0.0015 + (0.002 * _random.NextDouble());
        var sign = (CrashSecond & 1) == 1 ? -1 : 1;
        var price = _crashBase![s] * (1 - (_depth[s] * g)) * (1 + (sign * swing));
        _markTicks[s] = Math.Max(1, (long)Math.Round(price));
    }

    private void StartCrash()
    {
        _crashBase = (long[])_markTicks.Clone();
        var units = new List<(double G, int Account, int Leg)>();
        for (var a = 0; a < _accounts.Count; a++)
        {
            var account = _accounts[a];
            // Cross legs and the wallet together: equity(g) = balance + Σ q (p (1 − d g) − e); maintenance(g) = Σ |q| p (1 − d g) mmr.
            double equity = account.Balance, maintenance = 0, equityFall = 0, maintenanceFall = 0;
            var cross = false;
            for (var leg = 0; leg < account.Positions.Count; leg++)
            {
                var p = account.Positions[leg];
                var s = _index[p.Symbol];
                var price = Mark(s);
                var mmr = _instruments[s].Tiers.RateAt(_instruments[s].Tiers.IndexFor(Math.Abs(p.Size) * price));
                var fall = price * _depth[s];
                if (p.IsolatedMargin is { } margin)
                {
                    units.Add((Threshold(margin + (p.Size * (price - p.Entry)), Math.Abs(p.Size) * price * mmr, p.Size * fall, Math.Abs(p.Size) * fall * mmr), a, leg));
                    continue;
                }

                cross = true;
                equity += p.Size * (price - p.Entry);
                maintenance += Math.Abs(p.Size) * price * mmr;
                equityFall += p.Size * fall;
                maintenanceFall += Math.Abs(p.Size) * fall * mmr;
            }

            if (cross)
            {
                units.Add((Threshold(equity, maintenance, equityFall, maintenanceFall), a, -1));
            }
        }

        Units = units.Count;
        _units = units.Where(u => u.G <= 1).OrderBy(u => u.G).ThenBy(u => u.Account).ThenBy(u => u.Leg).ToArray();
        UnitsLiquidatedByTheFullCrash = _units.Length;
    }

    // The g at which equity(g) = E − g·Ef meets maintenance(g) = M − g·Mf: 0 when already under, +∞ when never.
    private static double Threshold(double equity, double maintenance, double equityFall, double maintenanceFall)
    {
        if (equity <= maintenance)
        {
            return 0;
        }

        var closing = equityFall - maintenanceFall;
        return closing > 0 ? (equity - maintenance) / closing : double.PositiveInfinity;
    }

    private WireMessage BookMessage(int s, long time)
    {
        // One level within ten grid steps of the mark on one side; the levels the mark moved through since the last
        // message are emptied with it on both sides, so the book follows the mark uncrossed.
        var mid = _markTicks[s] / _grid[s];
        var bid = _random.Next(2) == 0;
        var level = bid ? mid - 1 - _random.Next(GridReach) : mid + 1 + _random.Next(GridReach);
        var quantity = _random.Next(8) == 0 ? 0 : Quantity(s);
        _bids.Clear();
        _asks.Clear();
        for (var g = _bidTop[s]; g >= mid; g--)
        {
            _bids.Add(new PriceLevel(g * _grid[s], 0));
        }

        for (var g = _askBottom[s]; g <= mid; g++)
        {
            _asks.Add(new PriceLevel(g * _grid[s], 0));
        }

        _bidTop[s] = Math.Min(_bidTop[s], mid - 1);
        _askBottom[s] = Math.Max(_askBottom[s], mid + 1);
        if (bid)
        {
            _bids.Add(new PriceLevel(level * _grid[s], quantity));
            _bidTop[s] = quantity > 0 ? Math.Max(_bidTop[s], level) : _bidTop[s];
        }
        else
        {
            _asks.Add(new PriceLevel(level * _grid[s], quantity));
            _askBottom[s] = quantity > 0 ? Math.Min(_askBottom[s], level) : _askBottom[s];
        }

        var previous = _bookIds[s];
        var id = ++_bookIds[s];
        return _writer.BookDelta(_instruments[s].Symbol, time, id, id, previous,
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_bids), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_asks));
    }

    private WireMessage? PositionChange(int s, long time)
    {
        var holders = _holders[s];
        if (holders.Length == 0)
        {
            return null;
        }

        for (var attempt = 0; attempt < 4; attempt++)
        {
            var (a, leg) = holders[_random.Next(holders.Length)];
            if (_closed.Contains(Key(a, leg)))
            {
                continue;
            }

            var p = _accounts[a].Positions[leg];
            var lot = _instruments[s].LotSize;
            var size = Math.Sign(p.Size) * Math.Max(lot, Math.Round(Math.Abs(p.Size) * (_random.Next(2) == 0 ? 0.9 : 1.1) / lot) * lot);
            var margin = p.IsolatedMargin is { } m ? m * Math.Abs(size / p.Size) : double.NaN;
            return _writer.Position(new AccountId(_accounts[a].Account), ++_seq[a], time, _instruments[s].Symbol, size, p.Entry, margin);
        }

        return null;
    }

    private void Liquidate((double G, int Account, int Leg) unit, long time, List<WireMessage> messages)
    {
        var account = _accounts[unit.Account];
        var id = new AccountId(account.Account);
        var first = messages.Count;
        for (var leg = 0; leg < account.Positions.Count; leg++)
        {
            var p = account.Positions[leg];
            if ((unit.Leg >= 0 ? leg != unit.Leg : p.IsolatedMargin is not null) || !_closed.Add(Key(unit.Account, leg)))
            {
                continue;
            }

            var s = _index[p.Symbol];
            messages.Add(_writer.Liquidation(_instruments[s].Symbol, time, p.Size > 0, Mark(s), Math.Abs(p.Size), id));
        }

        // The fills first, then the closes, as a venue reports a cross account's liquidation.
        var fills = messages.Count - first;
        for (var leg = 0; leg < account.Positions.Count; leg++)
        {
            var p = account.Positions[leg];
            if (unit.Leg >= 0 ? leg != unit.Leg : p.IsolatedMargin is not null)
            {
                continue;
            }

            messages.Add(_writer.Position(id, ++_seq[unit.Account], time, new Symbol(p.Symbol), 0, p.Entry, p.IsolatedMargin ?? double.NaN));
        }

        Liquidated = (Liquidated.Units + 1, Liquidated.Positions + fills);
    }

    private static long Key(int account, int leg) => ((long)account << 3) | (uint)leg;

    // About 20k USD a level, ± 50 %, whole lots.
    private double Quantity(int s)
    {
        var price = Mark(s);
        var lot = _instruments[s].LotSize;
        return Math.Max(lot, Math.Round(20_000 * (0.5 + _random.NextDouble()) / price / lot) * lot);
    }

    private enum TokenKind : byte
    {
        Mark,
        Book,
        Position,
        Liquidation,
    }

    // One message of a second, planned before any is encoded: sorted by time (then planning order) so that book ids and
    // account sequences are written in the order they are applied.
    private readonly record struct Token(int Offset, int Order, TokenKind Kind, int Arg) : IComparable<Token>
    {
        public int CompareTo(Token other) => Offset != other.Offset ? Offset.CompareTo(other.Offset) : Order.CompareTo(other.Order);
    }
}
