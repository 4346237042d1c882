using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc.Benchmarks;

/// <summary>
/// Pipes and FIFOs through this library (two .NET processes, the child started by <see cref="ChildProcess"/> with the
/// pipe ends mapped to its descriptors 3 and 4) against the same mechanism from C (one fork, both sides in C), in
/// interleaved rounds; the report gives medians and the median of per-round ratios.
/// </summary>
internal static class KernelPipeBenchmark
{
    private static readonly string[] Kinds = ["pipe", "fifo"];

    public static async Task<int> RunAsync(string[] args)
    {
        RunSizes sizes = RunSizes.Parse(args);
        string cBench = NativeBaseline.Build("pipe_bench");
        var results = new RoundResults();
        for (int round = 1; round <= sizes.Rounds; round++)
        {
            Console.Error.WriteLine($"round {round}/{sizes.Rounds}");
            foreach (string kind in Kinds)
            {
                double[] c = await RunCAsync(cBench, kind, "latency", sizes.RoundTrips);
                results.AddLatency($"{kind} C", (c[0], c[1]));
                results.AddLatency($"{kind} ours", Ours(kind, "latency", sizes.RoundTrips, 8));
                results.AddSmall($"{kind} C", (await RunCAsync(cBench, kind, "throughput", sizes.Messages, 64))[0]);
                results.AddSmall($"{kind} ours", Ours(kind, "throughput", sizes.Messages, 64).P50);
                results.AddLarge($"{kind} C", (await RunCAsync(cBench, kind, "throughput", sizes.Large, 65536))[0]);
                results.AddLarge($"{kind} ours", Ours(kind, "throughput", sizes.Large, 65536).P50);
            }
        }

        await results.WriteAsync(sizes, "ratios_ours_over_c", Kinds.ToDictionary(k => k, k => results.RatiosOver($"{k} ours", $"{k} C")), args);
        return 0;
    }

    // This process: write N messages (or N round trips) to a .NET peer over our pipes or FIFOs.
    private static (double P50, double P99) Ours(string kind, string mode, int count, int size)
    {
        string dir = Directory.CreateTempSubdirectory("unixipc_bench_").FullName;
        try
        {
            string there = Path.Combine(dir, "there"), back = Path.Combine(dir, "back");
            ChildProcessOptions options = UnixIpc.Benchmarks.Peer.Options($"k{kind}-{mode}", count.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture), there, back);
            PipeEndStream output, input;
            ChildProcess peer;
            if (kind == "pipe")
            {
                Pipe toPeer = Pipe.Create(), fromPeer = Pipe.Create();
                options.Descriptors[3] = toPeer.Reader;
                options.Descriptors[4] = fromPeer.Writer;
                peer = ChildProcess.Start(options);
                toPeer.Reader.Dispose();
                fromPeer.Writer.Dispose();
                (output, input) = (toPeer.Writer, fromPeer.Reader);
            }
            else
            {
                Fifo.Create(there);
                Fifo.Create(back);
                peer = ChildProcess.Start(options);
                output = Fifo.OpenWrite(there);
                input = Fifo.OpenRead(back);
            }

            using (peer)
            using (output)
            using (input)
            {
                (double, double) result = mode == "latency"
                    ? TwoProcessLoops.RoundTrips(count, b => output.Write(b), b => input.ReadExactly(b))
                    : (TwoProcessLoops.MessagesPerSecond(count, size, b => output.Write(b), b => input.ReadExactly(b)), 0);
                peer.WaitForExit();
                return result;
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The peer: reads from descriptor 3 (or the FIFO "there"), answers on 4 (or "back"), as the C child does.</summary>
    public static int Peer(string[] args)
    {
        string kind = args[0][1..args[0].IndexOf('-', StringComparison.Ordinal)];
        bool latency = args[0].EndsWith("latency", StringComparison.Ordinal);
        int count = int.Parse(args[1], CultureInfo.InvariantCulture), size = int.Parse(args[2], CultureInfo.InvariantCulture);
        using PipeEndStream input = kind == "pipe" ? PipeEndStream.FromHandle(new SafeFileHandle(3, ownsHandle: true)) : Fifo.OpenRead(args[3]);
        using PipeEndStream output = kind == "pipe" ? PipeEndStream.FromHandle(new SafeFileHandle(4, ownsHandle: true)) : Fifo.OpenWrite(args[4]);
        if (latency)
        {
            TwoProcessLoops.Echo(count, b => input.ReadExactly(b), b => output.Write(b));
        }
        else
        {
            TwoProcessLoops.Drain(count, size, b => input.Read(b), b => output.Write(b));
        }

        return 0;
    }

    private static async Task<double[]> RunCAsync(string binary, string kind, string mode, int count, int size = 0)
    {
        string dir = Directory.CreateTempSubdirectory("unixipc_bench_").FullName;
        try
        {
            return mode == "latency"
                ? await NativeBaseline.RunAsync(binary, kind, mode, count.ToString(CultureInfo.InvariantCulture), dir)
                : await NativeBaseline.RunAsync(binary, kind, mode, count.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture), dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
