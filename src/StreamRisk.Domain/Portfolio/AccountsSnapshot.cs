using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Domain.Portfolio;

/// <summary>
/// A copy of a margin book's accounts (balance, positions with their instruments) as of one moment: what an account
/// partition answers a system view from while its engine moves on. Immutable once taken.
/// </summary>
public sealed class AccountsSnapshot
{
    private readonly AccountId[] _ids;
    private readonly double[] _balances;
    private readonly int[] _first;
    private readonly Instrument[] _instruments;
    private readonly double[] _size;
    private readonly double[] _entry;
    private readonly double[] _isolated;
    private readonly Dictionary<string, Instrument> _catalog;

    private AccountsSnapshot(AccountId[] ids, double[] balances, int[] first, Instrument[] instruments, double[] size, double[] entry, double[] isolated,
        Dictionary<string, Instrument> catalog)
    {
        (_ids, _balances, _first, _instruments, _size, _entry, _isolated, _catalog) = (ids, balances, first, instruments, size, entry, isolated, catalog);
    }

    public int AccountCount => _ids.Length;

    /// <summary>Copies every account of <paramref name="book"/>; instrument i of the book is <paramref name="catalog"/>[i].</summary>
    public static AccountsSnapshot Of(MarginBook book, InstrumentCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(catalog);
        var count = book.AccountCount;
        var positions = 0;
        for (var a = 0; a < count; a++)
        {
            positions += book.AccountAt(a).PositionCount;
        }

        var ids = new AccountId[count];
        var balances = new double[count];
        var first = new int[count + 1];
        var instruments = new Instrument[positions];
        var size = new double[positions];
        var entry = new double[positions];
        var isolated = new double[positions];
        var at = 0;
        for (var a = 0; a < count; a++)
        {
            var account = book.AccountAt(a);
            ids[a] = account.Id;
            balances[a] = account.Balance;
            first[a] = at;
            for (var p = 0; p < account.PositionCount; p++)
            {
                ref readonly var terms = ref account.TermsRefAt(p);
                instruments[at] = catalog[account.InstrumentIndexAt(p)];
                size[at] = terms.Size;
                entry[at] = terms.Entry;
                isolated[at] = terms.IsolatedMargin;
                at++;
            }
        }

        first[count] = at;
        var known = new Dictionary<string, Instrument>(catalog.Count, StringComparer.Ordinal);
        foreach (var instrument in catalog.All)
        {
            known[instrument.Symbol.Value] = instrument;
        }

        return new AccountsSnapshot(ids, balances, first, instruments, size, entry, isolated, known);
    }

    /// <summary>
    /// A sealed projector of these accounts over the given instruments (by symbol) at the given marks, loaded as
    /// <see cref="PortfolioLoader.LoadAccounts"/> loads an engine's: positions on other instruments left out, accounts
    /// with nothing left not added. Books are not loaded: a share's books are walked by the coordinator.
    /// </summary>
    public PortfolioProjector Share(MarginProfile profile, IReadOnlyList<string> symbols, IReadOnlyList<double> marks)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentNullException.ThrowIfNull(marks);
        if (marks.Count != symbols.Count)
        {
            throw new ArgumentException("a mark per symbol", nameof(marks));
        }
        var projector = new PortfolioProjector(profile);
        projector.Reset(symbols.Count);
        var index = new Dictionary<string, int>(symbols.Count, StringComparer.Ordinal);
        for (var i = 0; i < symbols.Count; i++)
        {
            // An instrument this partition has never seen holds none of its positions: any terms serve.
            var instrument = _catalog.TryGetValue(symbols[i], out var known) ? known : new Instrument(new Symbol(symbols[i]), ContractKind.Linear, 1e-8, 1e-8, MarginTiers.Flat(0));
            projector.SetInstrument(i, instrument, marks[i]);
            index[symbols[i]] = i;
        }

        for (var a = 0; a < _ids.Length; a++)
        {
            var any = false;
            for (var p = _first[a]; p < _first[a + 1] && !any; p++)
            {
                any = _size[p] != 0 && index.ContainsKey(_instruments[p].Symbol.Value);
            }

            if (!any)
            {
                continue;
            }

            var added = projector.AddAccount(_ids[a], _balances[a]);
            for (var p = _first[a]; p < _first[a + 1]; p++)
            {
                if (index.TryGetValue(_instruments[p].Symbol.Value, out var i))
                {
                    projector.AddPosition(added, i, _size[p], _entry[p], _isolated[p]);
                }
            }
        }

        projector.Seal();
        return projector;
    }
}
