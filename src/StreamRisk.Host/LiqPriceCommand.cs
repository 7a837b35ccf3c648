using System.CommandLine;
using System.Text.Json;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Documents;
using StreamRisk.Engine.Scenarios;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk liqprice [FILE|-]</c>: one account's equity, maintenance margin, margin ratio and per-position
/// liquidation/bankruptcy prices under a venue profile, as one JSON document — for ops and scripts.
/// </summary>
internal static class LiqPriceCommand
{
    public static Command Create(TextWriter output)
    {
        var file = new Argument<string?>("FILE") { Description = "Input JSON document; '-' or nothing reads stdin.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("liqprice", "Compute an account's margin figures and liquidation prices from a JSON document.") { file };
        command.SetAction(async (parse, cancel) =>
        {
            var bytes = await InputFiles.ReadAllAsync(parse.GetValue(file), cancel).ConfigureAwait(false);
            LiquidationPriceRequest request;
            try
            {
                request = LiquidationPriceRequest.Parse(bytes);
            }
            catch (DocumentException ex)
            {
                throw new UsageException(ex.Message);
            }

            var result = LiquidationPrices.Compute(request);
            string json;
            try
            {
                json = JsonSerializer.Serialize(result, ContractsJson.Default.LiquidationPriceResult);
            }
            catch (ArgumentException)
            {
                // JSON has no infinity: input numbers whose results overflow a double are bad input, like any other.
                throw new UsageException("the document's numbers give results too large to compute (keep prices, sizes and balances to realistic magnitudes)");
            }

            await output.WriteLineAsync(json).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
