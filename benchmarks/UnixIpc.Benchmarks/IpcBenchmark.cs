using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Text.Json;

namespace UnixIpc.Benchmarks;

/// <summary>
/// Two-process latency and throughput of the shared-memory channel against its baselines, measured in
/// interleaved rounds (A, B, C, A, B, C, …) so every ratio compares numbers taken moments apart on a
/// machine whose vCPUs wander between physical cores; the report gives the median of per-round ratios.
/// </summary>
internal static class IpcBenchmark
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        int rounds = IntOption(args, "--rounds", 10);
        int roundTrips = IntOption(args, "--round-trips", 20_000);
        int messages = IntOption(args, "--messages", 1_000_000);
        int largeMessages = IntOption(args, "--large", Math.Max(200, messages / 50));
        int wakeTrips = IntOption(args, "--wake-trips", 1000);
        string? output = StringOption(args, "--out");
        bool spinOnly = args.Contains("--spin-only"); // the floor comparison alone: the busy-spinning rows, no scaling
        string ringBench = NativeBaseline.Build("ring_bench");
        string minimalRing = NativeBaseline.Build("min_ring");

        var mechanisms = new List<Mechanism>
        {
            new SpinRingProgram("C minimal ring", minimalRing),
            new CRing(ringBench, "spin"),
            new ChannelMechanism(ChannelWaitStrategy.BusySpin, TimeSpan.FromMilliseconds(IntOption(args, "--warmup-ms", 0))),
        };
        // --baseline NAME=PROGRAM (repeatable): another queue's harness in min_ring.c's protocol, e.g. a .NET peer built elsewhere.
        List<Mechanism> baselines = [.. args.Select((a, i) => (a, i)).Where(x => x.a == "--baseline" && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1].Split('=', 2)).Select(p => new SpinRingProgram(p[0], p[1]))];
        mechanisms.AddRange(baselines);
        if (!spinOnly)
        {
            mechanisms.AddRange([new CRing(ringBench, "futex"), new ChannelMechanism(ChannelWaitStrategy.SpinThenSleep), new PipeMechanism(), new SocketMechanism()]);
        }

        if (StringOption(args, "--only") is string only) // exploring: just these rows (names containing one of the comma-separated words); no ratios
        {
            mechanisms.RemoveAll(m => !only.Split(',').Any(word => m.Name.Contains(word, StringComparison.OrdinalIgnoreCase)));
        }

        var latency = mechanisms.ToDictionary(m => m.Name, _ => new List<(double P50, double P99, double P999)>());
        var wake = new Dictionary<string, List<(double P50, double P99, double P999)>> { ["C futex ring"] = [], ["channel spin-then-sleep"] = [] };
        var small = mechanisms.ToDictionary(m => m.Name, _ => new List<double>());
        var large = mechanisms.ToDictionary(m => m.Name, _ => new List<double>());
        for (int round = 1; round <= rounds; round++)
        {
            Console.Error.WriteLine($"round {round}/{rounds}");
            foreach (Mechanism mechanism in mechanisms)
            {
                int trips = mechanism.IsKernel ? Math.Max(1000, roundTrips / 10) : roundTrips;
                latency[mechanism.Name].Add(await mechanism.LatencyAsync(trips));
                int count = mechanism.IsKernel ? Math.Max(10_000, messages / 5) : messages;
                small[mechanism.Name].Add(await mechanism.ThroughputAsync(count, 64));
                large[mechanism.Name].Add(await mechanism.ThroughputAsync(mechanism.IsKernel ? Math.Max(200, largeMessages / 10) : largeMessages, 65536));
                if (wake.TryGetValue(mechanism.Name, out var wakes))
                {
                    wakes.Add(await mechanism.WakeLatencyAsync(wakeTrips));
                }
            }
        }

        // The scaling curve (1, 2, 4 producer processes into one consumer) and broadcast to 2 subscribers,
        // for the channel alone, with the default wait strategy (more processes than cores here).
        var scaling = new Dictionary<string, List<double>> { ["1 producer"] = [], ["2 producers"] = [], ["4 producers"] = [], ["broadcast to 2"] = [], ["broadcast to 2, overrun"] = [] };
        var overrunReceived = new List<double>();
        for (int round = 1; round <= (spinOnly || args.Contains("--only") ? 0 : rounds); round++)
        {
            Console.Error.WriteLine($"scaling round {round}/{rounds}");
            foreach (int producers in new[] { 1, 2, 4 })
            {
                scaling[producers == 1 ? "1 producer" : $"{producers} producers"].Add(await ScalingAsync(producers, messages / 2));
            }

            scaling["broadcast to 2"].Add((await BroadcastAsync(2, messages / 2, overrun: false)).Rate);
            (double rate, double received) = await BroadcastAsync(2, messages / 2, overrun: true);
            scaling["broadcast to 2, overrun"].Add(rate);
            overrunReceived.Add(received);
        }

        var report = new
        {
            date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            environment = new { Environment.ProcessorCount, os = Environment.OSVersion.VersionString, runtime = Environment.Version.ToString(), kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim() },
            rounds,
            roundTrips,
            messages,
            mechanisms = mechanisms.Select(m => new
            {
                name = m.Name,
                latency_p50_ns = Median(latency[m.Name].Select(l => l.P50)),
                latency_p99_ns = Median(latency[m.Name].Select(l => l.P99)),
                latency_p999_ns = Median(latency[m.Name].Select(l => l.P999)),
                msgs_per_s_64B = Median(small[m.Name]),
                mb_per_s_64KiB = Median(large[m.Name]) * 65536 / 1e6,
                wake_p50_ns = wake.TryGetValue(m.Name, out var w) ? Median(w.Select(l => l.P50)) : (double?)null,
                wake_p99_ns = wake.TryGetValue(m.Name, out var w2) ? Median(w2.Select(l => l.P99)) : (double?)null,
            }).ToArray(),
            per_round = mechanisms.ToDictionary(m => m.Name, m => new // each round's figures, for same-round ratios of --only runs
            {
                p50_ns = latency[m.Name].Select(l => l.P50).ToArray(),
                p99_ns = latency[m.Name].Select(l => l.P99).ToArray(),
                msgs_per_s_64B = small[m.Name].ToArray(),
                mb_per_s_64KiB = large[m.Name].Select(x => x * 65536 / 1e6).ToArray(),
            }),
            channel_scaling_msgs_per_s_64B = spinOnly || args.Contains("--only") ? null : scaling.ToDictionary(e => e.Key, e => Median(e.Value)),
            overrun_share_received_by_subscribers = spinOnly || args.Contains("--only") ? (double?)null : Median(overrunReceived),
            ratios_to_minimal_c_ring = args.Contains("--only") ? null : new
            {
                channel_spin_p50 = MedianRatio(latency["channel busy-spin"], latency["C minimal ring"], l => l.P50),
                channel_spin_p99 = MedianRatio(latency["channel busy-spin"], latency["C minimal ring"], l => l.P99),
                channel_64B_throughput = MedianRatio(small["channel busy-spin"], small["C minimal ring"], x => x),
                channel_64KiB_throughput = MedianRatio(large["channel busy-spin"], large["C minimal ring"], x => x),
                ring_bench_p50 = MedianRatio(latency["C spin ring"], latency["C minimal ring"], l => l.P50),
                ring_bench_64B_throughput = MedianRatio(small["C spin ring"], small["C minimal ring"], x => x),
                ring_bench_64KiB_throughput = MedianRatio(large["C spin ring"], large["C minimal ring"], x => x),
            },
            channel_spin_over_baselines = args.Contains("--only") ? null : baselines.ToDictionary(b => b.Name, b => new
            {
                p50 = MedianRatio(latency["channel busy-spin"], latency[b.Name], l => l.P50),
                throughput_64B = MedianRatio(small["channel busy-spin"], small[b.Name], x => x),
                throughput_64KiB = MedianRatio(large["channel busy-spin"], large[b.Name], x => x),
            }),
            ratios = spinOnly || args.Contains("--only") ? null : new
            {
                channel_spin_p50_over_c_spin = MedianRatio(latency["channel busy-spin"], latency["C spin ring"], l => l.P50),
                channel_spin_p99_over_c_spin = MedianRatio(latency["channel busy-spin"], latency["C spin ring"], l => l.P99),
                channel_sleep_p50_over_c_futex = MedianRatio(latency["channel spin-then-sleep"], latency["C futex ring"], l => l.P50),
                channel_wake_p50_over_c_futex_wake = MedianRatio(wake["channel spin-then-sleep"], wake["C futex ring"], l => l.P50),
                channel_wake_p99_over_c_futex_wake = MedianRatio(wake["channel spin-then-sleep"], wake["C futex ring"], l => l.P99),
                channel_64B_throughput_over_c_spin = MedianRatio(small["channel busy-spin"], small["C spin ring"], x => x),
                channel_64B_throughput_over_named_pipe = MedianRatio(small["channel busy-spin"], small[".NET named pipe"], x => x),
                channel_64B_throughput_over_unix_socket = MedianRatio(small["channel busy-spin"], small[".NET Unix socket"], x => x),
                channel_64KiB_throughput_over_c_spin = MedianRatio(large["channel busy-spin"], large["C spin ring"], x => x),
                named_pipe_p50_over_channel_p50 = MedianRatio(latency[".NET named pipe"], latency["channel busy-spin"], l => l.P50),
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

    // Producer processes each write their share of 64-byte messages; this process reads them all.
    private static Task<double> ScalingAsync(int producers, int messages)
    {
        string name = $"/unixipc_bench_{Environment.ProcessId}_scale";
        try
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 1 << 20 });
            using SharedMemoryChannelReader reader = channel.CreateReader();
            int share = messages / producers;
            var peers = Enumerable.Range(0, producers).Select(_ => Peer.Start("channel-produce", name, share.ToString(CultureInfo.InvariantCulture), "64")).ToList();
            var buffer = new byte[64];
            long start = Stopwatch.GetTimestamp();
            foreach (Process peer in peers)
            {
                peer.StandardInput.WriteLine("go");
            }

            for (int i = 0; i < share * producers; i++)
            {
                reader.Read(buffer);
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            foreach (Process peer in peers)
            {
                peer.WaitForExit();
                peer.Dispose();
            }

            return Task.FromResult(share * producers / seconds);
        }
        finally
        {
            SharedMemoryChannel.TryUnlink(name);
        }
    }

    // This process writes 64-byte messages to a broadcast channel; each subscriber process reads them all
    // (with overrun: reads or is told it lost them). The rate is the producer's, until every subscriber is
    // done; with overrun, also the share of the messages the subscribers got.
    private static Task<(double Rate, double Received)> BroadcastAsync(int subscribers, int messages, bool overrun)
    {
        string name = $"/unixipc_bench_{Environment.ProcessId}_bcast";
        try
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions
            {
                Capacity = 1 << 20,
                Delivery = ChannelDelivery.Broadcast,
                SlowSubscribers = overrun ? SlowSubscriberPolicy.Overrun : SlowSubscriberPolicy.BackPressure,
            });
            var peers = Enumerable.Range(0, subscribers).Select(_ => Peer.Start("channel-drain", name, nameof(ChannelWaitStrategy.SpinThenSleep), messages.ToString(CultureInfo.InvariantCulture), "64")).ToList();
            using SharedMemoryChannelWriter writer = channel.CreateWriter();
            var message = new byte[64];
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < messages; i++)
            {
                writer.Write(message);
            }

            long received = 0;
            foreach (Process peer in peers)
            {
                string[] done = (peer.StandardOutput.ReadLine() ?? string.Empty).Split(' '); // "done READ LOST"
                received += long.Parse(done[1], CultureInfo.InvariantCulture);
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            foreach (Process peer in peers)
            {
                peer.WaitForExit();
                peer.Dispose();
            }

            return Task.FromResult((messages / seconds, (double)received / ((long)messages * subscribers)));
        }
        finally
        {
            SharedMemoryChannel.TryUnlink(name);
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double MedianRatio<T>(List<T> ours, List<T> theirs, Func<T, double> pick)
        => Math.Round(Median(ours.Zip(theirs, (a, b) => pick(a) / pick(b))), 3);

    private static int IntOption(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? StringOption(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}

/// <summary>One way of moving bytes between two processes.</summary>
internal abstract class Mechanism
{
    public abstract string Name { get; }

    /// <summary>Kernel-mediated mechanisms are 100× slower: fewer iterations keep a round short.</summary>
    public virtual bool IsKernel => false;

    /// <summary>Nanoseconds per round trip of 8 bytes: p50, p99, p99.9.</summary>
    public abstract Task<(double P50, double P99, double P999)> LatencyAsync(int roundTrips);

    /// <summary>Round trips 1 ms apart, so the peer has gone to sleep each time: the cost of waking it.</summary>
    public virtual Task<(double P50, double P99, double P999)> WakeLatencyAsync(int roundTrips) => throw new NotSupportedException();

    /// <summary>Messages per second, one producer to one consumer.</summary>
    public abstract Task<double> ThroughputAsync(int messages, int size);

    protected static (double, double, double) Percentiles(long[] ticks)
    {
        Array.Sort(ticks);
        double toNs = 1e9 / Stopwatch.Frequency;
        return (ticks[ticks.Length / 2] * toNs, ticks[ticks.Length * 99 / 100] * toNs, ticks[ticks.Length * 999 / 1000] * toNs);
    }

    protected static Process StartPeer(params string[] arguments) => Peer.Start(arguments);
}

/// <summary>Starts this program again as the other process of a benchmark and waits for its READY.</summary>
internal static class Peer
{
    /// <summary>This program again as "peer ARGUMENTS…", for <see cref="ChildProcess"/> (the caller maps descriptors or signals).</summary>
    public static ChildProcessOptions Options(params string[] arguments)
    {
        var options = new ChildProcessOptions(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            options.Arguments.Add(typeof(Peer).Assembly.Location);
        }

        options.Arguments.Add("peer");
        foreach (string argument in arguments)
        {
            options.Arguments.Add(argument);
        }

        return options;
    }

    public static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            info.ArgumentList.Add(typeof(Peer).Assembly.Location);
        }

        info.ArgumentList.Add("peer");
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process peer = Process.Start(info)!;
        if (peer.StandardOutput.ReadLine() != "READY")
        {
            throw new InvalidOperationException("the peer did not start");
        }

        return peer;
    }
}

/// <summary>The C baselines: one fork-based process does both sides and reports.</summary>
internal sealed class CRing(string binary, string mode) : Mechanism
{
    public override string Name => mode == "spin" ? "C spin ring" : "C futex ring";

    public override async Task<(double P50, double P99, double P999)> LatencyAsync(int roundTrips)
    {
        double[] f = await RunAsync("latency", roundTrips.ToString(CultureInfo.InvariantCulture));
        return (f[0], f[1], f[2]);
    }

    public override async Task<double> ThroughputAsync(int messages, int size)
        => (await RunAsync("throughput", messages.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture)))[0];

    public override async Task<(double P50, double P99, double P999)> WakeLatencyAsync(int roundTrips)
    {
        double[] f = await RunAsync("wake", roundTrips.ToString(CultureInfo.InvariantCulture));
        return (f[0], f[1], f[2]);
    }

    private async Task<double[]> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(mode);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        string text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }
}

/// <summary>
/// A program that measures both sides itself, in min_ring.c's protocol: "latency N CAPACITY" prints "p50 p99 p999"
/// ns, "throughput N SIZE CAPACITY" messages per second after N/4 unmeasured; its two processes pinned like the
/// channel's, on rings of the channel's capacity. The floor, native/min_ring.c (a minimal SPSC ring: head and tail
/// on their own cache lines, 8-byte record header, PAUSE while waiting), or a peer's harness given with --baseline.
/// </summary>
internal sealed class SpinRingProgram(string name, string binary) : Mechanism
{
    public override string Name => name;

    public override async Task<(double P50, double P99, double P999)> LatencyAsync(int roundTrips)
    {
        double[] f = await NativeBaseline.RunAsync(binary, "latency", Text(roundTrips), Text(ChannelMechanism.LatencyCapacity));
        return (f[0], f[1], f[2]);
    }

    public override async Task<double> ThroughputAsync(int messages, int size)
        => (await NativeBaseline.RunAsync(binary, "throughput", Text(messages), Text(size), Text(ChannelMechanism.ThroughputCapacity(size))))[0];

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Ours: two channels (there and back) for latency, one for throughput. The measuring thread is pinned to the first
/// CPU and the peer's to the second, as the minimal C ring's processes are.
/// </summary>
/// <remarks>
/// Warm-up is at least 1000 round trips or a quarter of the messages, and at least <paramref name="warmup"/> (so that
/// with tiered compilation on, both processes run their steady-state code before the clock starts); the last message
/// of a run has its first byte set, which tells the peer to stop.
/// </remarks>
internal sealed class ChannelMechanism(ChannelWaitStrategy strategy, TimeSpan warmup = default) : Mechanism
{
    /// <summary>The ring of the latency measurement (the minimal C ring gets the same).</summary>
    public const long LatencyCapacity = 1 << 16;

    public override string Name => strategy == ChannelWaitStrategy.BusySpin ? "channel busy-spin" : "channel spin-then-sleep";

    private long WarmUntil() => Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The ring of a throughput measurement of <paramref name="size"/>-byte messages (the minimal C ring gets the same).</summary>
    public static long ThroughputCapacity(int size) => size > 1024 ? 1 << 22 : 1 << 20;

    public override Task<(double P50, double P99, double P999)> LatencyAsync(int roundTrips) => RoundTrips(roundTrips, pause: false);

    public override Task<(double P50, double P99, double P999)> WakeLatencyAsync(int roundTrips) => RoundTrips(roundTrips, pause: true);

    private Task<(double P50, double P99, double P999)> RoundTrips(int roundTrips, bool pause)
    {
        string there = $"/unixipc_bench_{Environment.ProcessId}_ab";
        string back = $"/unixipc_bench_{Environment.ProcessId}_ba";
        var options = new SharedMemoryChannelOptions { Capacity = LatencyCapacity, WaitStrategy = strategy };
        try
        {
            using SharedMemoryChannel ab = SharedMemoryChannel.CreateNew(there, options);
            using SharedMemoryChannel ba = SharedMemoryChannel.CreateNew(back, options);
            using Process peer = StartPeer("channel-echo", there, back, strategy.ToString(), "last");
            using SharedMemoryChannelWriter writer = ab.CreateWriter();
            using SharedMemoryChannelReader reader = ba.CreateReader();
            using CpuPin pin = CpuPin.Thread(0); // only now: a child started from a pinned thread would inherit its one CPU
            Span<byte> message = stackalloc byte[8];
            Span<byte> reply = stackalloc byte[8];
            long warmUntil = WarmUntil();
            for (int i = 0; i < 1000 || Stopwatch.GetTimestamp() < warmUntil; i++)
            {
                writer.Write(message);
                reader.Read(reply);
            }

            var samples = new long[roundTrips];
            for (int i = 0; i < roundTrips; i++)
            {
                message[0] = i == roundTrips - 1 ? (byte)1 : (byte)0;
                if (pause)
                {
                    Thread.Sleep(1); // long past the peer's spin: it is asleep on the futex
                }

                long start = Stopwatch.GetTimestamp();
                writer.Write(message);
                reader.Read(reply);
                samples[i] = Stopwatch.GetTimestamp() - start;
            }

            peer.WaitForExit();
            return Task.FromResult(Percentiles(samples));
        }
        finally
        {
            SharedMemoryChannel.TryUnlink(there);
            SharedMemoryChannel.TryUnlink(back);
        }
    }

    public override Task<double> ThroughputAsync(int messages, int size)
    {
        string name = $"/unixipc_bench_{Environment.ProcessId}_tp";
        try
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = ThroughputCapacity(size), WaitStrategy = strategy });
            using Process peer = StartPeer("channel-drain", name, strategy.ToString(), "last", size.ToString(CultureInfo.InvariantCulture), "pinned");
            using SharedMemoryChannelWriter writer = channel.CreateWriter();
            using CpuPin pin = CpuPin.Thread(0);
            byte[] message = new byte[size];

            // Unmeasured first, as the C rings do: the ring's pages are touched and both loops compiled before the clock starts.
            long warmUntil = WarmUntil();
            for (int i = 0; i < messages / 4 || Stopwatch.GetTimestamp() < warmUntil; i++)
            {
                writer.Write(message);
            }

            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < messages - 1; i++)
            {
                writer.Write(message);
            }

            message[0] = 1; // the last
            writer.Write(message);

            peer.StandardOutput.ReadLine(); // "done": the consumer has taken the last one
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            peer.WaitForExit();
            return Task.FromResult(messages / seconds);
        }
        finally
        {
            SharedMemoryChannel.TryUnlink(name);
        }
    }
}

/// <summary>.NET named pipes (a Unix domain socket underneath on Linux).</summary>
internal sealed class PipeMechanism : Mechanism
{
    public override string Name => ".NET named pipe";

    public override bool IsKernel => true;

    public override async Task<(double P50, double P99, double P999)> LatencyAsync(int roundTrips)
    {
        string name = $"unixipc_bench_{Environment.ProcessId}_{Guid.NewGuid():N}";
        using var server = new NamedPipeServerStream(name, PipeDirection.InOut, 1, PipeTransmissionMode.Byte, PipeOptions.None);
        using Process peer = StartPeer("pipe-echo", name, (roundTrips + 1000).ToString(CultureInfo.InvariantCulture));
        await server.WaitForConnectionAsync();
        return Measure(server, roundTrips, peer);
    }

    public override async Task<double> ThroughputAsync(int messages, int size)
    {
        string name = $"unixipc_bench_{Environment.ProcessId}_{Guid.NewGuid():N}";
        using var server = new NamedPipeServerStream(name, PipeDirection.InOut, 1, PipeTransmissionMode.Byte, PipeOptions.None);
        using Process peer = StartPeer("pipe-drain", name, messages.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture));
        await server.WaitForConnectionAsync();
        return Pump(server, messages, size, peer);
    }

    internal static (double, double, double) Measure(Stream stream, int roundTrips, Process peer)
    {
        var message = new byte[8];
        for (int i = 0; i < 1000; i++)
        {
            stream.Write(message);
            stream.ReadExactly(message);
        }

        var samples = new long[roundTrips];
        for (int i = 0; i < roundTrips; i++)
        {
            long start = Stopwatch.GetTimestamp();
            stream.Write(message);
            stream.ReadExactly(message);
            samples[i] = Stopwatch.GetTimestamp() - start;
        }

        peer.WaitForExit();
        return Percentiles(samples);
    }

    internal static double Pump(Stream stream, int messages, int size, Process peer)
    {
        var message = new byte[size];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < messages; i++)
        {
            stream.Write(message);
        }

        stream.ReadExactly(new byte[1]);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        peer.WaitForExit();
        return messages / seconds;
    }
}

/// <summary>A .NET Unix domain stream socket.</summary>
internal sealed class SocketMechanism : Mechanism
{
    public override string Name => ".NET Unix socket";

    public override bool IsKernel => true;

    public override async Task<(double P50, double P99, double P999)> LatencyAsync(int roundTrips)
    {
        (Socket listener, string path) = Listen();
        using (listener)
        {
            using Process peer = StartPeer("socket-echo", path, (roundTrips + 1000).ToString(CultureInfo.InvariantCulture));
            using Socket connection = await listener.AcceptAsync();
            using var stream = new NetworkStream(connection);
            File.Delete(path);
            return PipeMechanism.Measure(stream, roundTrips, peer);
        }
    }

    public override async Task<double> ThroughputAsync(int messages, int size)
    {
        (Socket listener, string path) = Listen();
        using (listener)
        {
            using Process peer = StartPeer("socket-drain", path, messages.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture));
            using Socket connection = await listener.AcceptAsync();
            using var stream = new NetworkStream(connection);
            File.Delete(path);
            return PipeMechanism.Pump(stream, messages, size, peer);
        }
    }

    private static (Socket, string) Listen()
    {
        string path = Path.Combine(Path.GetTempPath(), $"unixipc_bench_{Environment.ProcessId}_{Guid.NewGuid():N}.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        return (listener, path);
    }
}
