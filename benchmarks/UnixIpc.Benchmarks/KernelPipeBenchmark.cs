using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        int rounds = Option(args, "--rounds", 5);
        int roundTrips = Option(args, "--round-trips", 20_000);
        int messages = Option(args, "--messages", 200_000);
        int large = Option(args, "--large", 5_000);
        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        string cBench = BuildC();
        var results = new Dictionary<string, List<double>>();
        void Add(string key, double value) => (results.TryGetValue(key, out List<double>? list) ? list : results[key] = []).Add(value);

        for (int round = 1; round <= rounds; round++)
        {
            Console.Error.WriteLine($"round {round}/{rounds}");
            foreach (string kind in Kinds)
            {
                double[] c = await RunCAsync(cBench, kind, "latency", roundTrips);
                (double p50, double p99) = Ours(kind, "latency", roundTrips, 8);
                Add($"{kind} C rtt p50", c[0]);
                Add($"{kind} C rtt p99", c[1]);
                Add($"{kind} ours rtt p50", p50);
                Add($"{kind} ours rtt p99", p99);
                Add($"{kind} C 64B msgs/s", (await RunCAsync(cBench, kind, "throughput", messages, 64))[0]);
                Add($"{kind} ours 64B msgs/s", Ours(kind, "throughput", messages, 64).P50);
                Add($"{kind} C 64KiB MB/s", (await RunCAsync(cBench, kind, "throughput", large, 65536))[0] * 65536 / 1e6);
                Add($"{kind} ours 64KiB MB/s", Ours(kind, "throughput", large, 65536).P50 * 65536 / 1e6);
            }
        }

        double Ratio(string ours, string c) => Median(results[ours].Zip(results[c], (o, b) => o / b));
        var report = new
        {
            date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            environment = new { Environment.ProcessorCount, runtime = Environment.Version.ToString(), kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim() },
            rounds,
            roundTrips,
            messages,
            medians = results.ToDictionary(e => e.Key, e => Math.Round(Median(e.Value), 1)),
            ratios_ours_over_c = Kinds.ToDictionary(k => k, k => new
            {
                rtt_p50 = Math.Round(Ratio($"{k} ours rtt p50", $"{k} C rtt p50"), 3),
                rtt_p99 = Math.Round(Ratio($"{k} ours rtt p99", $"{k} C rtt p99"), 3),
                throughput_64B = Math.Round(Ratio($"{k} ours 64B msgs/s", $"{k} C 64B msgs/s"), 3),
                throughput_64KiB = Math.Round(Ratio($"{k} ours 64KiB MB/s", $"{k} C 64KiB MB/s"), 3),
            }),
        };
        string json = JsonSerializer.Serialize(report, Indented);
        Console.WriteLine(json);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, json);
        }

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
                var buffer = new byte[Math.Max(size, 8)];
                if (mode == "latency")
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        output.Write(buffer.AsSpan(0, 8));
                        input.ReadExactly(buffer.AsSpan(0, 8));
                    }

                    var samples = new long[count];
                    for (int i = 0; i < count; i++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        output.Write(buffer.AsSpan(0, 8));
                        input.ReadExactly(buffer.AsSpan(0, 8));
                        samples[i] = Stopwatch.GetTimestamp() - start;
                    }

                    Array.Sort(samples);
                    double toNs = 1e9 / Stopwatch.Frequency;
                    peer.WaitForExit();
                    return (samples[count / 2] * toNs, samples[count * 99 / 100] * toNs);
                }

                // A quarter more first, unmeasured: the JIT tiers up both processes' loops before the clock starts
                // (at most a pipe's capacity of them is still unread then). The C baseline does the same.
                for (int i = 0; i < count / 4; i++)
                {
                    output.Write(buffer.AsSpan(0, size));
                }

                long begin = Stopwatch.GetTimestamp();
                for (int i = 0; i < count; i++)
                {
                    output.Write(buffer.AsSpan(0, size));
                }

                input.ReadExactly(buffer.AsSpan(0, 1));
                double rate = count / Stopwatch.GetElapsedTime(begin).TotalSeconds;
                peer.WaitForExit();
                return (rate, rate);
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
        var buffer = new byte[65536];
        if (latency)
        {
            for (int i = 0; i < count + 1000; i++)
            {
                input.ReadExactly(buffer.AsSpan(0, 8));
                output.Write(buffer.AsSpan(0, 8));
            }

            return 0;
        }

        for (long left = (long)(count + (count / 4)) * size; left > 0;)
        {
            left -= input.Read(buffer);
        }

        output.Write(buffer.AsSpan(0, 1));
        return 0;
    }

    private static async Task<double[]> RunCAsync(string binary, string kind, string mode, int count, int size = 0)
    {
        string dir = Directory.CreateTempSubdirectory("unixipc_bench_").FullName;
        try
        {
            string[] arguments = mode == "latency"
                ? [kind, mode, count.ToString(CultureInfo.InvariantCulture), dir]
                : [kind, mode, count.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture), dir];
            ChildProcessOutput result = await ChildProcess.RunAsync(binary, arguments);
            if (!result.Status.Success)
            {
                throw new InvalidOperationException($"pipe_bench {string.Join(' ', arguments)}: {result.Status}");
            }

            return [.. result.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string BuildC()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "native", "pipe_bench.c");
        string binary = Path.Combine(Path.GetTempPath(), $"unixipc_pipe_bench_{Environment.ProcessId}");
        ChildProcessOutput gcc = ChildProcess.RunAsync("gcc", "-O2", "-o", binary, source).GetAwaiter().GetResult();
        if (!gcc.Status.Success)
        {
            throw new InvalidOperationException("gcc could not build pipe_bench.c: " + System.Text.Encoding.UTF8.GetString(gcc.StandardError));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(binary);
        return binary;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
