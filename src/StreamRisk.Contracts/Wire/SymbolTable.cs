using System.Text;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Resolves a symbol's UTF-8 bytes, as they sit in a message, to the instrument's dense index without making a
/// string, and holds what decoding needs per instrument: the exact <see cref="TickSize"/> that book prices are
/// converted with. Indices are handed out in first-seen order, the same rule as <see cref="InstrumentCatalog.Upsert"/>,
/// so a table and a catalog fed the same instruments agree on every index.
/// Owned by the engine's single writer (the consume thread); no locks.
/// </summary>
public sealed class SymbolTable
{
    private readonly Dictionary<byte[], int> _indexByUtf8 = new(Utf8KeyComparer.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly List<Symbol> _symbols = [];
    private readonly List<byte[]> _utf8 = [];
    private readonly List<TickSize> _tickSizes = [];

    public SymbolTable()
    {
        _lookup = _indexByUtf8.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _symbols.Count;

    /// <summary>
    /// A table of every instrument of <paramref name="catalog"/> at the catalog's indices. The catalog keeps tick
    /// sizes as doubles; each converts to the decimal it was written as (a double-to-decimal conversion keeps 15
    /// significant digits, so 0.1 becomes exactly 0.1).
    /// </summary>
    public static SymbolTable From(InstrumentCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var table = new SymbolTable();
        for (var i = 0; i < catalog.Count; i++)
        {
            var instrument = catalog[i];
            table.Upsert(instrument.Symbol, TickSize.FromDecimal((decimal)instrument.TickSize));
        }

        return table;
    }

    /// <summary>Adds a symbol, or replaces the tick size of a known one; returns its index (stable once given).</summary>
    public int Upsert(Symbol symbol, TickSize tickSize)
    {
        if (string.IsNullOrEmpty(symbol.Value))
        {
            throw new ArgumentException("A symbol must not be empty.", nameof(symbol));
        }

        if (tickSize.Units <= 0)
        {
            throw new ArgumentException("The tick size is not set (use TickSize.FromDecimal).", nameof(tickSize));
        }

        var utf8 = Encoding.UTF8.GetBytes(symbol.Value);
        if (_indexByUtf8.TryGetValue(utf8, out var index))
        {
            _tickSizes[index] = tickSize;
            return index;
        }

        index = _symbols.Count;
        _indexByUtf8.Add(utf8, index);
        _symbols.Add(symbol);
        _utf8.Add(utf8);
        _tickSizes.Add(tickSize);
        return index;
    }

    /// <summary>The index of the symbol spelled by <paramref name="utf8"/>; never allocates.</summary>
    public bool TryGetIndex(ReadOnlySpan<byte> utf8, out int index) => _lookup.TryGetValue(utf8, out index);

    public Symbol SymbolAt(int index) => _symbols[index];

    /// <summary>The symbol's UTF-8 bytes, e.g. for writing it back without transcoding.</summary>
    public ReadOnlySpan<byte> Utf8At(int index) => _utf8[index];

    public TickSize TickSizeAt(int index) => _tickSizes[index];
}
