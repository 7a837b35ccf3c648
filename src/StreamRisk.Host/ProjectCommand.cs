using System.CommandLine;
using System.Text.Json;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Documents;
using StreamRisk.Engine.Scenarios;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk project [FILE|-]</c>: the cascade a set of shocks would set off on one instrument — rounds, final
/// price, amplification, insurance fund and ADL — plus both critical shocks and the systemic-account ranking.
/// </summary>
internal static class ProjectCommand
{
    public static Command Create(TextWriter output)
    {
        var file = new Argument<string?>("FILE") { Description = "Input JSON document; '-' or nothing reads stdin.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("project", "Project liquidation cascades for a set of price shocks from a JSON document.") { file };
        command.SetAction(async (parse, cancel) =>
        {
            var bytes = await InputFiles.ReadAllAsync(parse.GetValue(file), cancel).ConfigureAwait(false);
            ProjectionRequest request;
            try
            {
                request = ProjectionRequest.Parse(bytes);
            }
            catch (DocumentException ex)
            {
                throw new UsageException(ex.Message);
            }

            var result = ShockProjection.Compute(request);
            string json;
            try
            {
                json = JsonSerializer.Serialize(result, ContractsJson.Default.ProjectionResult);
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
