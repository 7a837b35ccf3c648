namespace StreamRisk.Engine;

/// <summary>
/// The insurance funds and which instruments each covers. Every instrument starts with a fund of its own at its
/// configured balance (<see cref="EngineOptions.InsuranceFundFor"/>). The venue's <c>insurance</c> topic sets a
/// balance: a fund named after a defined symbol is that symbol's own; any other name is the venue-wide fund, which
/// covers every instrument without a fund of its own (configured in <see cref="EngineOptions.InsuranceFunds"/> or named
/// on the topic). Realized liquidations settle against the fund covering their instrument between updates — the venue
/// liquidation engine's (<see cref="Settle"/>) and venue fills of held accounts (<see cref="SettleFill"/>); an update
/// replaces the balance, settlements included, as of its event time. Single writer: the engine thread.
/// </summary>
public sealed class InsuranceFundBook
{
    private readonly EngineOptions _options;
    private readonly List<Fund> _funds = [];
    private readonly List<int> _fundOf = [];
    private readonly List<bool> _own = [];
    private readonly List<string> _symbols = [];
    private int _venueFund = -1;

    public InsuranceFundBook(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Told of every instrument whose fund balance changed (instrument index, new balance).</summary>
    internal Action<int, double>? Changed { get; set; }

    /// <summary>Balance of the fund covering an instrument.</summary>
    public double BalanceOf(int instrument) => _funds[_fundOf[instrument]].Balance;

    /// <summary>Event time of the venue's last balance of the fund covering an instrument; long.MinValue before the first.</summary>
    public long UpdatedAtOf(int instrument) => _funds[_fundOf[instrument]].UpdatedAt;

    /// <summary>Name of the fund covering an instrument (its symbol, or the venue-wide fund's name).</summary>
    public string FundNameOf(int instrument) => _funds[_fundOf[instrument]].Name;

    /// <summary>Σ balance of the distinct funds covering <paramref name="instruments"/> (a venue-wide fund counted once).</summary>
    public double TotalOf(IEnumerable<int> instruments)
    {
        ArgumentNullException.ThrowIfNull(instruments);
        var seen = new HashSet<int>();
        double total = 0;
        foreach (var instrument in instruments)
        {
            if (seen.Add(_fundOf[instrument]))
            {
                total += _funds[_fundOf[instrument]].Balance;
            }
        }

        return total;
    }

    /// <summary>Registers an instrument (again, on a redefinition: its fund stays).</summary>
    public void ApplyInstrument(int instrument, string symbol)
    {
        while (_fundOf.Count <= instrument)
        {
            _fundOf.Add(-1);
            _own.Add(false);
            _symbols.Add(string.Empty);
        }

        if (_fundOf[instrument] >= 0)
        {
            return;
        }

        _symbols[instrument] = symbol;
        _own[instrument] = _options.InsuranceFunds.ContainsKey(symbol);
        if (!_own[instrument] && _venueFund >= 0)
        {
            _fundOf[instrument] = _venueFund;
        }
        else
        {
            _funds.Add(new Fund(symbol, _options.InsuranceFundFor(symbol)));
            _fundOf[instrument] = _funds.Count - 1;
        }

        Changed?.Invoke(instrument, BalanceOf(instrument));
    }

    /// <summary>
    /// A balance from the venue: of <paramref name="instrument"/>'s own fund when the fund names a defined symbol (its
    /// index), else (<paramref name="instrument"/> &lt; 0) of the venue-wide fund <paramref name="name"/>, as of
    /// <paramref name="eventTime"/> (<see cref="UpdatedAtOf"/>): it includes every fill up to that time, so the fund is
    /// the balance plus the settlements of later fills already taken (read in arrival order, a fill can come before an
    /// older balance). A balance older than the fund's last one is stale and changes nothing.
    /// </summary>
    public void ApplyBalance(int instrument, string name, double balance, long eventTime)
    {
        if (instrument >= 0)
        {
            if (!_own[instrument])
            {
                _own[instrument] = true;
                _funds.Add(new Fund(_symbols[instrument], balance));
                _fundOf[instrument] = _funds.Count - 1;
            }
            else if (eventTime < _funds[_fundOf[instrument]].UpdatedAt)
            {
                return;
            }

            _funds[_fundOf[instrument]].Replace(balance, eventTime);
            Changed?.Invoke(instrument, _funds[_fundOf[instrument]].Balance);
            return;
        }

        if (_venueFund < 0)
        {
            _funds.Add(new Fund(name, balance));
            _venueFund = _funds.Count - 1;
        }
        else if (eventTime < _funds[_venueFund].UpdatedAt)
        {
            return;
        }

        var fund = _funds[_venueFund];
        fund.Name = name;
        fund.Replace(balance, eventTime);
        for (var i = 0; i < _fundOf.Count; i++)
        {
            if (!_own[i] && _fundOf[i] >= 0)
            {
                _fundOf[i] = _venueFund;
                Changed?.Invoke(i, fund.Balance);
            }
        }
    }

    /// <summary>Adds a realized liquidation's settlement (negative: a payment) to the fund covering <paramref name="instrument"/>; returns the balance after.</summary>
    public double Settle(int instrument, double amount)
    {
        var index = _fundOf[instrument];
        _funds[index].Base += amount;
        return Changes(index);
    }

    /// <summary>
    /// Adds a venue fill's settlement (<see cref="Contracts.Wire.FundSettlement"/>) to the fund covering
    /// <paramref name="instrument"/>; returns the balance after. Kept as an integer sum of nano-units (10⁻⁹ of the margin
    /// currency): scaled out, a settlement sent again after a lost update arrives after later ones, and an integer sum
    /// is the same in any order, so the balance is the very double one process holds.
    /// </summary>
    public double SettleFill(int instrument, double amount, long eventTime)
    {
        var index = _fundOf[instrument];
        _funds[index].Settle((Int128)Math.Round(amount * NanoUnits), eventTime);
        return Changes(index);
    }

    private const double NanoUnits = 1e9;

    /// <summary>Tells every instrument the fund covers its balance; returns it.</summary>
    private double Changes(int index)
    {
        var balance = _funds[index].Balance;
        for (var i = 0; i < _fundOf.Count; i++)
        {
            if (_fundOf[i] == index)
            {
                Changed?.Invoke(i, balance);
            }
        }

        return balance;
    }

    private sealed class Fund(string name, double balance)
    {
        public string Name { get; set; } = name;

        /// <summary>The venue's (or configured) balance, plus the venue liquidation engine's settlements since.</summary>
        public double Base { get; set; } = balance;

        /// <summary>Venue fill settlements after the venue's balance (fill time, nano-units), and their sum.</summary>
        private readonly List<(long EventTime, Int128 Units)> _fills = [];

        private Int128 _filled;

        /// <summary>Event time of the venue's balance; long.MinValue before the first.</summary>
        public long UpdatedAt { get; private set; } = long.MinValue;

        public double Balance => _filled == Int128.Zero ? Base : Base + ((double)_filled / NanoUnits);

        public void Settle(Int128 units, long eventTime)
        {
            _fills.Add((eventTime, units));
            _filled += units;
        }

        /// <summary>The venue's balance as of <paramref name="eventTime"/>; settlements of later fills stay on top of it.</summary>
        public void Replace(double balance, long eventTime)
        {
            Base = balance;
            UpdatedAt = eventTime;
            _filled = Int128.Zero;
            var kept = 0;
            for (var i = 0; i < _fills.Count; i++)
            {
                var fill = _fills[i];
                if (fill.EventTime > eventTime)
                {
                    _fills[kept++] = fill;
                    _filled += fill.Units;
                }
            }

            _fills.RemoveRange(kept, _fills.Count - kept);
        }
    }
}
