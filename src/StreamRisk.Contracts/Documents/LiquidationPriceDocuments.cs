using System.Text.Json;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Contracts.Documents;

/// <summary>The input of <c>streamrisk liqprice</c>: a venue profile, the instruments, one account with marks.</summary>
public sealed record LiquidationPriceRequest(MarginProfile Profile, InstrumentCatalog Catalog, AccountDocument Account)
{
    /// <summary>Parses and validates the whole document; a <see cref="DocumentException"/> names the first bad field.</summary>
    public static LiquidationPriceRequest Parse(ReadOnlySpan<byte> utf8)
    {
        using var document = JsonFields.ParseObject(utf8);
        {
            var root = document.RootElement;

            var profile = ReadProfile(root);
            var catalog = ReadInstruments(root);
            var account = AccountDocument.Read(JsonFields.Object(root, "account", string.Empty), "account", catalog, markRequired: true);
            return new LiquidationPriceRequest(profile, catalog, account);
        }
    }

    internal static MarginProfile ReadProfile(JsonElement root)
    {
        var name = JsonFields.OptionalString(root, "profile", string.Empty) ?? MarginProfile.Generic.Name;
        return MarginProfile.TryGet(name, out var profile)
            ? profile
            : throw new DocumentException("profile", $"unknown profile '{name}' (one of: {string.Join(", ", MarginProfile.All.Select(p => p.Name))})");
    }

    internal static InstrumentCatalog ReadInstruments(JsonElement root)
    {
        var catalog = new InstrumentCatalog();
        var i = 0;
        foreach (var element in JsonFields.Array(root, "instruments", string.Empty).EnumerateArray())
        {
            var path = JsonFields.Index("instruments", i++);
            var instrument = InstrumentDocument.Read(element, path);
            if (catalog.TryGetIndex(instrument.Symbol, out _))
            {
                throw new DocumentException(JsonFields.Join(path, "symbol"), $"'{instrument.Symbol}' is listed twice");
            }

            catalog.Upsert(instrument);
        }

        return catalog;
    }
}

/// <summary>Output of <c>liqprice</c>. A null price means no finite price exists; a null ratio means equity ≤ 0.</summary>
public sealed record LiquidationPriceResult(
    string Account,
    string Profile,
    double Equity,
    double MaintenanceMargin,
    double? MarginRatio,
    bool Liquidatable,
    IReadOnlyList<PositionLiquidationResult> Positions);

public sealed record PositionLiquidationResult(
    string Symbol,
    double Size,
    double Notional,
    double UnrealizedPnl,
    double MaintenanceMargin,
    double? LiquidationPrice,
    double? BankruptcyPrice,
    double? DistanceToLiquidation);
