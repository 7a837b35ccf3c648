using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/StreamRisk.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(StreamRisk.Benchmarks.MarginBookBenchmarks).Assembly).Run(args);
