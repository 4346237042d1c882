using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace UnixIpc.Benchmarks;

/// <summary>
/// sigqueue ping-pong between two processes through <see cref="SignalListener"/>, on its signalfd path (both .NET
/// processes started with the signals blocked) and on its handler fallback (started without), against the same
/// from C (sigwaitinfo on blocked signals, one fork), in interleaved rounds.
/// </summary>
internal static class SignalBenchmark
{
    private const int Warm = 200;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        int rounds = Option(args, "--rounds", 5);
        int trips = Option(args, "--round-trips", 5000);
        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        string c = Build();
        var results = new Dictionary<string, List<double[]>> { ["C sigwaitinfo"] = [], ["ours signalfd"] = [], ["ours handler"] = [] };
        for (int round = 1; round <= rounds; round++)
        {
            Console.Error.WriteLine($"round {round}/{rounds}");
            results["C sigwaitinfo"].Add(await RunAsync(new ChildProcessOptions(c, trips.ToString(CultureInfo.InvariantCulture))));
            results["ours signalfd"].Add(await RunAsync(PeerOptions(blocked: true, "sig-ping", trips.ToString(CultureInfo.InvariantCulture), "signalfd")));
            results["ours handler"].Add(await RunAsync(PeerOptions(blocked: false, "sig-ping", trips.ToString(CultureInfo.InvariantCulture), "handler")));
        }

        double Median(IEnumerable<double> values)
        {
            double[] sorted = [.. values.Order()];
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        double Ratio(string ours, int index) => Median(results[ours].Zip(results["C sigwaitinfo"], (o, b) => o[index] / b[index]));
        var report = new
        {
            date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            rounds,
            trips,
            rtt_ns = results.ToDictionary(e => e.Key, e => new { p50 = Median(e.Value.Select(v => v[0])), p99 = Median(e.Value.Select(v => v[1])), p999 = Median(e.Value.Select(v => v[2])) }),
            ratios_over_c = new
            {
                signalfd_p50 = Math.Round(Ratio("ours signalfd", 0), 3),
                signalfd_p99 = Math.Round(Ratio("ours signalfd", 1), 3),
                handler_p50 = Math.Round(Ratio("ours handler", 0), 3),
                handler_p99 = Math.Round(Ratio("ours handler", 1), 3),
            },
        };
        string json = JsonSerializer.Serialize(report, Indented);
        Console.WriteLine(json);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, json);
        }

        return 0;
    }

    /// <summary>
    /// "sig-ping N PATH": starts the pong (same signals blocked as this process), sends SIGRTMIN+1 with a value, waits
    /// for SIGRTMIN+2; prints "p50 p99 p999". "sig-pong PINGPID N": answers each ping.
    /// </summary>
    public static int Peer(string[] args)
    {
        UnixSignal ping = UnixSignal.RealTime(1), pong = UnixSignal.RealTime(2);
        int n = int.Parse(args[1], CultureInfo.InvariantCulture);
        if (args[0] == "sig-pong")
        {
            int pinger = int.Parse(args[2], CultureInfo.InvariantCulture);
            using SignalListener pings = SignalListener.Create(ping);
            Console.WriteLine("ready");
            Console.Out.Flush();
            for (int i = 0; i < n + Warm; i++)
            {
                SignalInfo received = pings.ReceiveAsync().AsTask().GetAwaiter().GetResult();
                pong.Queue(pinger, received.Value ?? i);
            }

            return 0;
        }

        bool blocked = args[2] == "signalfd";
        using SignalListener pongs = SignalListener.Create(pong);
        ChildProcessOptions options = PeerOptions(blocked, "sig-pong", args[1], Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        options.StandardOutput = ChildDescriptor.Pipe;
        using ChildProcess ponger = ChildProcess.Start(options);
        using (var ready = new StreamReader(ponger.StandardOutput!, leaveOpen: true))
        {
            if (ready.ReadLine() != "ready")
            {
                throw new InvalidOperationException("the pong peer did not start");
            }
        }

        var samples = new long[n];
        for (int i = 0; i < n + Warm; i++)
        {
            long start = Stopwatch.GetTimestamp();
            ping.Queue(ponger.ProcessId, i);
            _ = pongs.ReceiveAsync().AsTask().GetAwaiter().GetResult();
            if (i >= Warm)
            {
                samples[i - Warm] = Stopwatch.GetTimestamp() - start;
            }
        }

        ponger.WaitForExit();
        Array.Sort(samples);
        double toNs = 1e9 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{samples[n / 2] * toNs:F0} {samples[n * 99 / 100] * toNs:F0} {samples[n * 999 / 1000] * toNs:F0} {(pongs.KnowsSender ? "signalfd" : "handler")}"));
        return 0;
    }

    private static ChildProcessOptions PeerOptions(bool blocked, params string[] arguments)
    {
        ChildProcessOptions options = UnixIpc.Benchmarks.Peer.Options(arguments);
        if (blocked)
        {
            options.BlockedSignals.Add(UnixSignal.RealTime(1));
            options.BlockedSignals.Add(UnixSignal.RealTime(2));
        }

        return options;
    }

    private static async Task<double[]> RunAsync(ChildProcessOptions options)
    {
        ChildProcessOutput result = await ChildProcess.RunAsync(options);
        if (!result.Status.Success)
        {
            throw new InvalidOperationException($"{options}: {result.Status} {System.Text.Encoding.UTF8.GetString(result.StandardError)}");
        }

        string[] fields = result.Text.Trim().Split(' ');
        if (fields.Length > 3 && fields[3] != (options.BlockedSignals.Count > 0 ? "signalfd" : "handler"))
        {
            throw new InvalidOperationException($"{options}: measured the {fields[3]} path");
        }

        return [.. fields.Take(3).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
    }

    private static string Build()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "native", "sig_bench.c");
        string binary = Path.Combine(Path.GetTempPath(), $"unixipc_sig_bench_{Environment.ProcessId}");
        ChildProcessOutput gcc = ChildProcess.RunAsync("gcc", "-O2", "-o", binary, source).GetAwaiter().GetResult();
        if (!gcc.Status.Success)
        {
            throw new InvalidOperationException("gcc could not build sig_bench.c");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(binary);
        return binary;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
