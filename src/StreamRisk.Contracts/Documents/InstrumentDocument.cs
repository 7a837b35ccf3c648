using System.Text.Json;
using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Documents;

/// <summary>
/// The JSON form of an instrument, shared by <c>liqprice</c>, <c>project</c>, the instruments topic and
/// replay position files:
/// <c>{"symbol":"BTCUSDT","contract":"linear","tickSize":0.1,"lotSize":0.001,"multiplier":1,"tiers":[{"floor":0,"mmr":0.004,"deduction":0}]}</c>.
/// tickSize, lotSize, multiplier and each deduction are optional (a missing deduction is derived).
/// </summary>
public static class InstrumentDocument
{
    public static Instrument Read(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new DocumentException(path, "expected an object");
        }

        var symbol = JsonFields.String(element, "symbol", path);
        var contract = JsonFields.OptionalString(element, "contract", path) ?? "linear";
        var kind = contract.ToUpperInvariant() switch
        {
            "LINEAR" => ContractKind.Linear,
            "INVERSE" => ContractKind.Inverse,
            _ => throw new DocumentException(JsonFields.Join(path, "contract"), $"'{contract}' is not a contract kind (linear, inverse)"),
        };
        var tickSize = JsonFields.OptionalNumber(element, "tickSize", path, NumberRule.Positive) ?? 0.01;
        var lotSize = JsonFields.OptionalNumber(element, "lotSize", path, NumberRule.Positive) ?? 0.001;
        var multiplier = JsonFields.OptionalNumber(element, "multiplier", path, NumberRule.Positive) ?? 1.0;

        var tiersPath = JsonFields.Join(path, "tiers");
        var tiersElement = JsonFields.Array(element, "tiers", path);
        var rows = new List<(double, double, double?)>();
        var i = 0;
        foreach (var tier in tiersElement.EnumerateArray())
        {
            var tierPath = JsonFields.Index(tiersPath, i++);
            if (tier.ValueKind != JsonValueKind.Object)
            {
                throw new DocumentException(tierPath, "expected an object");
            }

            rows.Add((JsonFields.Number(tier, "floor", tierPath, NumberRule.NonNegative),
                JsonFields.Number(tier, "mmr", tierPath, NumberRule.NonNegative),
                JsonFields.OptionalNumber(tier, "deduction", tierPath, NumberRule.NonNegative)));
        }

        MarginTiers tiers;
        try
        {
            tiers = MarginTiers.Create(rows);
        }
        catch (ArgumentException ex)
        {
            throw new DocumentException(tiersPath, ex.Message.Split(" (Parameter", 2)[0]);
        }

        return new Instrument(new Symbol(symbol), kind, tickSize, lotSize, tiers, multiplier);
    }
}
