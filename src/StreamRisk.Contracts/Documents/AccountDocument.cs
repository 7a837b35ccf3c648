using System.Text.Json;
using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Documents;

/// <summary>One position of an <see cref="AccountDocument"/>. Mark is NaN when the document gives none.</summary>
public readonly record struct PositionDocument(Symbol Symbol, int InstrumentIndex, double Size, double Entry, double IsolatedMargin, double Mark);

/// <summary>
/// The JSON form of an account, shared by <c>liqprice</c>, <c>project</c> and replay position files:
/// <c>{"id":"A","balance":1000,"positions":[{"symbol":"BTCUSDT","size":0.5,"entry":30000,"mark":29500,"isolatedMargin":null}]}</c>.
/// Size is signed (long &gt; 0); balance is the cross wallet balance; isolatedMargin null or absent means cross.
/// </summary>
public sealed record AccountDocument(AccountId Id, double Balance, IReadOnlyList<PositionDocument> Positions)
{
    public static AccountDocument Read(JsonElement element, string path, InstrumentCatalog catalog, bool markRequired)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new DocumentException(path, "expected an object");
        }

        var id = JsonFields.String(element, "id", path);
        var balance = JsonFields.Number(element, "balance", path);
        var positionsPath = JsonFields.Join(path, "positions");
        var positions = new List<PositionDocument>();
        ContractKind? crossKind = null;
        var i = 0;
        foreach (var item in JsonFields.Array(element, "positions", path).EnumerateArray())
        {
            var at = JsonFields.Index(positionsPath, i++);
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new DocumentException(at, "expected an object");
            }

            var symbol = new Symbol(JsonFields.String(item, "symbol", at));
            if (!catalog.TryGetIndex(symbol, out var index))
            {
                throw new DocumentException(JsonFields.Join(at, "symbol"), $"unknown symbol '{symbol}' (not among the instruments)");
            }

            if (positions.Exists(p => p.InstrumentIndex == index))
            {
                throw new DocumentException(JsonFields.Join(at, "symbol"), $"a second position on '{symbol}' (one position per symbol, one-way mode)");
            }

            var size = JsonFields.Number(item, "size", at);
            var entry = JsonFields.Number(item, "entry", at, NumberRule.Positive);
            var isolated = JsonFields.OptionalNumber(item, "isolatedMargin", at, NumberRule.NonNegative);
            var mark = markRequired
                ? JsonFields.Number(item, "mark", at, NumberRule.Positive)
                : JsonFields.OptionalNumber(item, "mark", at, NumberRule.Positive) ?? double.NaN;

            // A cross pool is in one currency: USDT-margined and coin-margined positions cannot share it.
            if (isolated is null)
            {
                var kind = catalog[index].Contract;
                if (crossKind is { } k && k != kind)
                {
                    throw new DocumentException(JsonFields.Join(at, "symbol"), "cannot mix linear and inverse contracts in one cross account");
                }

                crossKind = kind;
            }

            positions.Add(new PositionDocument(symbol, index, size, entry, isolated ?? double.NaN, mark));
        }

        return new AccountDocument(new AccountId(id), balance, positions);
    }
}

/// <summary>
/// A positions file for replays: <c>{"accounts":[ account documents as in liqprice, without marks ]}</c> or a bare
/// JSON array of them.
/// </summary>
public static class AccountFile
{
    public static IReadOnlyList<AccountDocument> Parse(ReadOnlySpan<byte> utf8, InstrumentCatalog catalog)
    {
        using (var document = JsonFields.Parse(utf8))
        {
            var root = document.RootElement;
            var (array, path) = root.ValueKind switch
            {
                JsonValueKind.Array => (root, "$"),
                JsonValueKind.Object => (JsonFields.Array(root, "accounts", string.Empty), "accounts"),
                _ => throw new DocumentException("$", "expected an array of accounts or {\"accounts\":[...]}"),
            };
            var accounts = new List<AccountDocument>();
            var i = 0;
            foreach (var element in array.EnumerateArray())
            {
                accounts.Add(AccountDocument.Read(element, JsonFields.Index(path, i++), catalog, markRequired: false));
            }

            return accounts;
        }
    }
}
