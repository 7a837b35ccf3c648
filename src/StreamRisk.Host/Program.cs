using StreamRisk.Host;

return await Cli.RunAsync(args, Console.Out, Console.Error, TimeProvider.System).ConfigureAwait(false);
