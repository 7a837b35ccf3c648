namespace StreamRisk.Engine;

/// <summary>
/// The insurance funds and which instruments each covers. Every instrument starts with a fund of its own at its
/// configured balance (<see cref="EngineOptions.InsuranceFundFor"/>). The venue's <c>insurance</c> topic sets a
/// balance: a fund named after a defined symbol is that symbol's own; any other name is the venue-wide fund, which
/// covers every instrument without a fund of its own (configured in <see cref="EngineOptions.InsuranceFunds"/> or named
/// on the topic). Realized liquidations settle against the fund covering their instrument between updates
/// (<see cref="Settle"/>); an update replaces the balance. Single writer: the engine thread.
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
    /// index), else (<paramref name="instrument"/> &lt; 0) of the venue-wide fund <paramref name="name"/>.
    /// </summary>
    public void ApplyBalance(int instrument, string name, double balance)
    {
        if (instrument >= 0)
        {
            if (!_own[instrument])
            {
                _own[instrument] = true;
                _funds.Add(new Fund(_symbols[instrument], balance));
                _fundOf[instrument] = _funds.Count - 1;
            }

            _funds[_fundOf[instrument]].Balance = balance;
            Changed?.Invoke(instrument, balance);
            return;
        }

        if (_venueFund < 0)
        {
            _funds.Add(new Fund(name, balance));
            _venueFund = _funds.Count - 1;
        }

        _funds[_venueFund].Name = name;
        _funds[_venueFund].Balance = balance;
        for (var i = 0; i < _fundOf.Count; i++)
        {
            if (!_own[i] && _fundOf[i] >= 0)
            {
                _fundOf[i] = _venueFund;
                Changed?.Invoke(i, balance);
            }
        }
    }

    /// <summary>Adds a realized liquidation's settlement (negative: a payment) to the fund covering <paramref name="instrument"/>; returns the balance after.</summary>
    public double Settle(int instrument, double amount)
    {
        var index = _fundOf[instrument];
        var fund = _funds[index];
        fund.Balance += amount;
        for (var i = 0; i < _fundOf.Count; i++)
        {
            if (_fundOf[i] == index)
            {
                Changed?.Invoke(i, fund.Balance);
            }
        }

        return fund.Balance;
    }

    private sealed class Fund(string name, double balance)
    {
        public string Name { get; set; } = name;
        public double Balance { get; set; } = balance;
    }
}
