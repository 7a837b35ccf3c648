using System.Text.Json;
using System.Text.Json.Serialization;
using StreamRisk.Contracts.Documents;

namespace StreamRisk.Contracts;

/// <summary>Source-generated JSON (camelCase) for every output document: no reflection at run time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LiquidationPriceResult))]
[JsonSerializable(typeof(ProjectionResult))]
[JsonSerializable(typeof(PortfolioResult))]
[JsonSerializable(typeof(StressResult))]
public sealed partial class ContractsJson : JsonSerializerContext;
