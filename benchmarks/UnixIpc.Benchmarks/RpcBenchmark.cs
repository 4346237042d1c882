using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UnixIpc.Benchmarks.Rpc;
using UnixIpc.Grpc;

namespace UnixIpc.Benchmarks;

/// <summary>
/// Issue #15's figures, two processes, interleaved rounds, medians of per-round ratios. (a) gRPC unary Echo (8 bytes)
/// from one client over TCP loopback, a Unix socket and shared memory to one Kestrel server process serving all
/// three: round trip p50/p99 with one call in flight, and calls per second with 1 and with 8 in flight on the one
/// channel. (b) The raw <see cref="SharedMemoryConnection"/> (sync and async calls): 8-byte round trip against the
/// channel's (two rings, spin then sleep, as the connection uses) and a Unix stream socket's (.NET Socket), and
/// one-way 64 KiB throughput against the Unix stream socket. The gRPC rows are not pinned (Kestrel and the client
/// run on the thread pool); the stream rows pin the measuring and the echoing thread to a CPU each, as the socket rows do.
/// </summary>
internal static class RpcBenchmark
{
    private static readonly string[] Transports = ["tcp", "unix", "shm"];
    private static int names;

    public static async Task<int> RunAsync(string[] args)
    {
        RunSizes sizes = RunSizes.Parse(args);
        int calls = Option(args, "--calls", 5000);
        bool grpcOnly = args.Contains("--grpc-only"); // for profiling: the gRPC rows alone (of --transports, if given)
        string[] transports = Array.IndexOf(args, "--transports") is int at and >= 0 ? args[at + 1].Split(',') : Transports;
        string unixAddress = $"@unixipc_rpcbench_{Environment.ProcessId}";
        string shmName = $"/unixipc_rpcbench_{Environment.ProcessId}";
        (Process server, int port) = StartServer(unixAddress, shmName);
        var results = new RoundResults();
        using (server)
        {
            var channels = new Dictionary<string, GrpcChannel>
            {
                ["tcp"] = GrpcChannel.ForAddress($"http://127.0.0.1:{port}"),
                ["unix"] = UnixGrpcChannel.ForUnixSocket(unixAddress),
                ["shm"] = UnixGrpcChannel.ForSharedMemory(shmName),
            };
            try
            {
                for (int round = 1; round <= sizes.Rounds; round++)
                {
                    Console.Error.WriteLine($"round {round}/{sizes.Rounds}");
                    foreach (string transport in transports)
                    {
                        var client = new Bench.BenchClient(channels[transport]);
                        await ConcurrentAsync(client, Math.Max(200, calls / 5), 1); // warm-up, unmeasured
                        TimeSpan clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
                        server.Refresh();
                        TimeSpan serverCpu = server.TotalProcessorTime;
                        (double p50, double p99, double perSecond) = await UnaryAsync(client, calls);
                        server.Refresh();
                        results.AddLatency($"grpc {transport}", (p50, p99));
                        results.Add($"grpc {transport} calls/s", perSecond);
                        results.Add($"grpc {transport} client cpu us/call", (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalMicroseconds / calls);
                        results.Add($"grpc {transport} server cpu us/call", (server.TotalProcessorTime - serverCpu).TotalMicroseconds / calls);
                        results.Add($"grpc {transport} calls/s x8", await ConcurrentAsync(client, calls, 8));
                    }

                    if (grpcOnly)
                    {
                        continue;
                    }

                    results.AddLatency("stream shm", MeasureStream("latency", sizes.RoundTrips, 8));
                    results.AddLatency("stream shm async", MeasureStream("latency-async", sizes.RoundTrips, 8));
                    (double P50, double P99, double _) channel = await new ChannelMechanism(ChannelWaitStrategy.SpinThenSleep).LatencyAsync(sizes.RoundTrips);
                    results.AddLatency("channel", (channel.P50, channel.P99));
                    results.AddLatency("stream unix", UnixSocketBenchmark.Measure("dotnet", SocketType.Stream, "latency", sizes.RoundTrips, 8));
                    results.AddLarge("stream shm", MeasureStream("throughput", sizes.Large, 65536).P50);
                    results.AddLarge("stream unix", UnixSocketBenchmark.Measure("dotnet", SocketType.Stream, "throughput", sizes.Large, 65536).P50);
                }
            }
            finally
            {
                foreach (GrpcChannel channel in channels.Values)
                {
                    channel.Dispose();
                }

                server.StandardInput.Close(); // the server stops when its stdin closes
                await server.WaitForExitAsync();
            }
        }

        object ratios = transports.Length < Transports.Length ? new { } : Ratios(results, grpcOnly);
        await results.WriteAsync(sizes with { Messages = calls }, "ratios", ratios, args);
        return 0;
    }

    private static Dictionary<string, object> Ratios(RoundResults results, bool grpcOnly)
    {
        var ratios = new Dictionary<string, object>
        {
            ["grpc_shm_over_unix"] = GrpcRatios(results, "shm", "unix"),
            ["grpc_shm_over_tcp"] = GrpcRatios(results, "shm", "tcp"),
            ["grpc_unix_over_tcp"] = GrpcRatios(results, "unix", "tcp"),
        };
        if (!grpcOnly)
        {
            ratios["stream_shm_over_channel"] = new { rtt_p50 = results.Ratio("stream shm rtt p50", "channel rtt p50"), rtt_p99 = results.Ratio("stream shm rtt p99", "channel rtt p99") };
            ratios["stream_shm_async_over_channel"] = new { rtt_p50 = results.Ratio("stream shm async rtt p50", "channel rtt p50"), rtt_p99 = results.Ratio("stream shm async rtt p99", "channel rtt p99") };
            ratios["stream_shm_over_unix"] = new
            {
                rtt_p50 = results.Ratio("stream shm rtt p50", "stream unix rtt p50"),
                rtt_p99 = results.Ratio("stream shm rtt p99", "stream unix rtt p99"),
                throughput_64KiB = results.Ratio("stream shm 64KiB MB/s", "stream unix 64KiB MB/s"),
            };
        }

        return ratios;
    }

    private static object GrpcRatios(RoundResults results, string row, string baseline) => new
    {
        rtt_p50 = results.Ratio($"grpc {row} rtt p50", $"grpc {baseline} rtt p50"),
        rtt_p99 = results.Ratio($"grpc {row} rtt p99", $"grpc {baseline} rtt p99"),
        calls_per_s = results.Ratio($"grpc {row} calls/s", $"grpc {baseline} calls/s"),
        calls_per_s_8_in_flight = results.Ratio($"grpc {row} calls/s x8", $"grpc {baseline} calls/s x8"),
    };

    // One call in flight: each call's time (p50, p99 in ns) and calls per second over the timed loop (warmed up before).
    private static async Task<(double P50, double P99, double CallsPerSecond)> UnaryAsync(Bench.BenchClient client, int calls)
    {
        var request = new Payload { Data = ByteString.CopyFrom(new byte[8]) };
        var samples = new long[calls];
        long begin = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await client.EchoAsync(request);
            samples[i] = Stopwatch.GetTimestamp() - start;
        }

        double seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        Array.Sort(samples);
        double toNs = 1e9 / Stopwatch.Frequency;
        return (samples[calls / 2] * toNs, samples[calls * 99 / 100] * toNs, calls / seconds);
    }

    // `inFlight` callers on the one channel (one HTTP/2 connection), `calls` in all: calls per second.
    private static async Task<double> ConcurrentAsync(Bench.BenchClient client, int calls, int inFlight)
    {
        var request = new Payload { Data = ByteString.CopyFrom(new byte[8]) };
        long begin = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            for (int i = 0; i < calls / inFlight; i++)
            {
                await client.EchoAsync(request);
            }
        }));
        return calls / inFlight * inFlight / Stopwatch.GetElapsedTime(begin).TotalSeconds;
    }

    // This process listens, a peer connects and echoes (sync or async calls) or drains; both working threads pinned.
    private static (double P50, double P99) MeasureStream(string mode, int count, int size)
    {
        string name = $"/unixipc_rpcbench_{Environment.ProcessId}_{++names}";
        using SharedMemoryListener listener = SharedMemoryListener.Start(name);
        using ChildProcess peer = ChildProcess.Start(Peer.Options("rpc-stream", name, mode, Text(count), Text(size)));
        using SharedMemoryConnection connection = listener.AcceptAsync().GetAwaiter().GetResult();
        using CpuPin pin = CpuPin.Thread(0);
        (Action<ReadOnlySpan<byte>> send, Action<Span<byte>> receive) = Transfer(connection, mode == "latency-async");
        (double, double) result = mode == "throughput"
            ? (TwoProcessLoops.MessagesPerSecond(count, size, send, receive), 0)
            : TwoProcessLoops.RoundTrips(count, send, receive);
        peer.WaitForExit();
        return result;
    }

    // Sync: Write and ReadExactly. Async: WriteAsync and ReadAsync, each awaited (blocking this thread, so a wait
    // that hops to another thread shows).
    private static (Action<ReadOnlySpan<byte>> Send, Action<Span<byte>> ReceiveExactly) Transfer(SharedMemoryConnection connection, bool async)
    {
        if (!async)
        {
            return (connection.Write, b => connection.ReadExactly(b));
        }

        var buffer = new byte[65536];
        return (b =>
        {
            b.CopyTo(buffer);
            connection.WriteAsync(buffer.AsMemory(0, b.Length)).AsTask().GetAwaiter().GetResult();
        }, b =>
        {
            for (int done = 0; done < b.Length;)
            {
                int read = connection.ReadAsync(buffer.AsMemory(0, b.Length - done)).AsTask().GetAwaiter().GetResult();
                buffer.AsSpan(0, read).CopyTo(b[done..]);
                done += read > 0 ? read : throw new EndOfStreamException("the peer closed the connection");
            }
        });
    }

    /// <summary>The stream peer: "rpc-stream NAME MODE COUNT SIZE", its thread on the second CPU; echoes or drains.</summary>
    public static int StreamPeer(string[] args)
    {
        string mode = args[2];
        int count = int.Parse(args[3], CultureInfo.InvariantCulture), size = int.Parse(args[4], CultureInfo.InvariantCulture);
        using SharedMemoryConnection connection = SharedMemoryConnection.ConnectAsync(args[1]).GetAwaiter().GetResult();
        using CpuPin pin = CpuPin.Thread(1);
        (Action<ReadOnlySpan<byte>> send, Action<Span<byte>> receive) = Transfer(connection, mode == "latency-async");
        if (mode == "throughput")
        {
            TwoProcessLoops.Drain(count, size, connection.Read, send);
        }
        else
        {
            TwoProcessLoops.Echo(count, receive, send);
        }

        return 0;
    }

    // The gRPC server: this program again as "peer rpc-server UNIX SHM", serving until its stdin closes.
    private static (Process Server, int Port) StartServer(string unixAddress, string shmName)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            info.ArgumentList.Add(typeof(RpcBenchmark).Assembly.Location);
        }

        foreach (string argument in new[] { "peer", "rpc-server", unixAddress, shmName })
        {
            info.ArgumentList.Add(argument);
        }

        Process server = Process.Start(info)!;
        string[] ready = (server.StandardOutput.ReadLine() ?? string.Empty).Split(' ');
        return ready[0] == "READY" ? (server, int.Parse(ready[1], CultureInfo.InvariantCulture)) : throw new InvalidOperationException("the gRPC server did not start");
    }

    /// <summary>The server peer: Kestrel on TCP loopback (a free port), the Unix socket and the shared-memory name.</summary>
    public static async Task<int> ServerPeerAsync(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.WebHost.UseSharedMemoryTransport();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.ListenUnixSocketForGrpc(args[1]);
            kestrel.ListenSharedMemory(args[2]);
        });
        WebApplication app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        string tcp = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        Console.WriteLine($"READY {new Uri(tcp).Port}");
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class EchoService : Bench.BenchBase
    {
        public override Task<Payload> Echo(Payload request, ServerCallContext context) => Task.FromResult(request);
    }
}
