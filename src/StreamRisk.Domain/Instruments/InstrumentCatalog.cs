namespace StreamRisk.Domain.Instruments;

/// <summary>
/// The instruments the engine knows, each with a dense index so hot paths address arrays instead of
/// hashing symbols. Owned by the engine's single writer.
/// </summary>
public sealed class InstrumentCatalog
{
    private readonly Dictionary<Symbol, int> _indexBySymbol = [];
    private readonly List<Instrument> _instruments = [];

    public int Count => _instruments.Count;

    public Instrument this[int index] => _instruments[index];

    public IReadOnlyList<Instrument> All => _instruments;

    /// <summary>Adds an instrument or replaces the spec of a known symbol; returns its index (stable).</summary>
    public int Upsert(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if (_indexBySymbol.TryGetValue(instrument.Symbol, out var index))
        {
            _instruments[index] = instrument;
            return index;
        }

        index = _instruments.Count;
        _instruments.Add(instrument);
        _indexBySymbol.Add(instrument.Symbol, index);
        return index;
    }

    public bool TryGetIndex(Symbol symbol, out int index) => _indexBySymbol.TryGetValue(symbol, out index);
}
