using BenchmarkDotNet.Attributes;
using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Benchmarks;

/// <summary>
/// One mark update on one of 10 symbols with 1M accounts (1–3 positions each, ~2M positions in all).
/// Baseline: the naive way — recompute every account from scratch on every mark. Optimised: the
/// MarginBook recomputes only the accounts holding the symbol (about a fifth of them here).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class MarginBookBenchmarks
{
    private const int Symbols = 10;

    private MarginBook _book = null!;
    private InstrumentCatalog _catalog = null!;
    private PositionTerms[][] _naiveAccounts = null!;
    private double[] _naiveBalances = null!;
    private PositionMargin[] _scratch = null!;
    private double[] _marks = null!;
    private int _tick;

    [Params(1_000_000)]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _catalog = new InstrumentCatalog();
        _marks = new double[Symbols];
        for (var s = 0; s < Symbols; s++)
        {
            _marks[s] = 10 * Math.Pow(3, s % 6);
            _catalog.Upsert(new Instrument(new Symbol("SYM" + s), ContractKind.Linear, 0.01, 0.001,
                MarginTiers.Create([(0, 0.004, null), (50_000, 0.005, null), (250_000, 0.01, null), (1_000_000, 0.025, null)])));
        }

        _book = new MarginBook(MarginProfile.Binance, _catalog);
        _naiveAccounts = new PositionTerms[Accounts][];
        _naiveBalances = new double[Accounts];
        _scratch = new PositionMargin[4];
        var legs = new (int, double, double, double)[3];
        for (var a = 0; a < Accounts; a++)
        {
            var count = 1 + random.Next(3);
            var first = random.Next(Symbols);
            var terms = new PositionTerms[count];
            for (var k = 0; k < count; k++)
            {
                var symbol = (first + k) % Symbols;
                var size = (random.NextDouble() - 0.5) * 20_000 / _marks[symbol];
                var entry = _marks[symbol] * (0.95 + (0.1 * random.NextDouble()));
                legs[k] = (symbol, size, entry, double.NaN);
                terms[k] = new PositionTerms(_catalog[symbol], size, entry, double.NaN, entry);
            }

            var balance = 500 + (random.NextDouble() * 5_000);
            _book.ApplyAccount(new AccountId("a" + a), balance, legs.AsSpan(0, count));
            _naiveAccounts[a] = terms;
            _naiveBalances[a] = balance;
        }
    }

    [Benchmark(Baseline = true, Description = "naive: recompute all accounts")]
    public double NaiveFullRecompute()
    {
        var symbol = _tick++ % Symbols;
        var mark = NextMark(symbol);
        var sum = 0.0;
        var instrument = _catalog[symbol];
        for (var a = 0; a < _naiveAccounts.Length; a++)
        {
            var terms = _naiveAccounts[a];
            for (var k = 0; k < terms.Length; k++)
            {
                if (ReferenceEquals(terms[k].Instrument, instrument))
                {
                    terms[k] = terms[k] with { Mark = mark };
                }
            }

            sum += MarginCalculator.Compute(MarginProfile.Binance, _naiveBalances[a], terms, _scratch).Equity;
        }

        return sum;
    }

    [Benchmark(Description = "MarginBook.ApplyMark (holders only)")]
    public int IncrementalApplyMark()
    {
        var symbol = _tick++ % Symbols;
        return _book.ApplyMark(symbol, NextMark(symbol));
    }

    private double NextMark(int symbol) => _marks[symbol] * (1 + (((_tick % 7) - 3) * 0.001));
}
