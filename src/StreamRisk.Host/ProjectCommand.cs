using System.CommandLine;
using System.Text.Json;
using StreamRisk.Contracts;
using StreamRisk.Contracts.Documents;
using StreamRisk.Engine.Scenarios;

namespace StreamRisk.Host;

/// <summary>
/// <c>streamrisk project [FILE|-]</c>: the cascade a set of shocks would set off on one instrument — rounds, final
/// price, amplification, insurance fund and ADL — plus both critical shocks and the systemic-account ranking. A
/// document with an <c>instruments</c> array is the multi-instrument form: scenarios over the whole price vector,
/// contagion, the system critical shock and critical accounts (docs/cli.md).
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
            if (PortfolioRequest.IsPortfolio(bytes))
            {
                await output.WriteLineAsync(ProjectPortfolio(bytes)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

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

    private static string ProjectPortfolio(byte[] bytes)
    {
        PortfolioRequest request;
        try
        {
            request = PortfolioRequest.Parse(bytes);
        }
        catch (DocumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        var result = PortfolioProjection.Compute(request);
        try
        {
            return JsonSerializer.Serialize(result, ContractsJson.Default.PortfolioResult);
        }
        catch (ArgumentException)
        {
            throw new UsageException("the document's numbers give results too large to compute (keep prices, sizes and balances to realistic magnitudes)");
        }
    }
}
