namespace UnixIpc.Benchmarks;

/// <summary>A quick pass over every benchmark body without BenchmarkDotNet, so CI proves they still run.</summary>
internal static class Smoke
{
    public static int Run()
    {
        var bench = new MappedRegionBenchmarks();
        bench.Setup();
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                bench.Write64Bytes();
                bench.Read64Bytes();
                bench.ReadInt64();
                bench.AtomicAddInt32();
                bench.AcquireAndIncrement();
            }
        }
        finally
        {
            bench.Cleanup();
        }

        Console.WriteLine("benchmarks smoke: ok");
        return 0;
    }
}
