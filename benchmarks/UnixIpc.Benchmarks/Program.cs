using BenchmarkDotNet.Running;

// In-process micro-benchmarks (BenchmarkDotNet). Cross-process latency/throughput harnesses arrive with
// the mechanisms they measure (message queues, the shared-memory channel).
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- --filter '*'
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- --smoke   (CI: one quick pass)
if (args.Contains("--smoke"))
{
    return UnixIpc.Benchmarks.Smoke.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(UnixIpc.Benchmarks.MappedRegionBenchmarks).Assembly).Run(args);
return 0;
