using System.Globalization;
using System.Net.Sockets;

namespace UnixIpc.Benchmarks;

/// <summary>
/// Unix domain sockets, stream and seqpacket, between two processes whose working threads are pinned to a CPU each:
/// C (uds_bench.c, socketpair and fork) against UnixIpc (its socket pair and its Listen/ConnectAsync, bytes through
/// the Socket it returns; and its own sendmsg path, SendWithDescriptors with no descriptors) and against .NET's own
/// Socket over UnixDomainSocketEndPoint, in interleaved rounds. Every .NET row starts a .NET peer.
/// </summary>
internal static class UnixSocketBenchmark
{
    private static readonly SocketType[] Types = [SocketType.Stream, SocketType.Seqpacket];

    /// <summary>The .NET rows: how the two sockets are made, and (sendmsg) how bytes move.</summary>
    private static readonly string[] Rows = ["unixipc-pair", "unixipc-listen", "unixipc-sendmsg", "dotnet"];

    private static int addresses;

    public static async Task<int> RunAsync(string[] args)
    {
        RunSizes sizes = RunSizes.Parse(args);
        string c = NativeBaseline.Build("uds_bench");
        var results = new RoundResults();
        for (int round = 1; round <= sizes.Rounds; round++)
        {
            Console.Error.WriteLine($"round {round}/{sizes.Rounds}");
            foreach (SocketType type in Types)
            {
                // Each figure from C, then from every .NET row, moments apart.
                string t = Name(type);
                double[] rtt = await NativeBaseline.RunAsync(c, t, "latency", Text(sizes.RoundTrips));
                results.AddLatency($"{t} C", (rtt[0], rtt[1]));
                foreach (string row in Rows)
                {
                    results.AddLatency($"{t} {row}", Measure(row, type, "latency", sizes.RoundTrips, 8));
                }

                results.AddSmall($"{t} C", (await NativeBaseline.RunAsync(c, t, "throughput", Text(sizes.Messages), "64"))[0]);
                foreach (string row in Rows)
                {
                    results.AddSmall($"{t} {row}", Measure(row, type, "throughput", sizes.Messages, 64).P50);
                }

                results.AddLarge($"{t} C", (await NativeBaseline.RunAsync(c, t, "throughput", Text(sizes.Large), "65536"))[0]);
                foreach (string row in Rows)
                {
                    results.AddLarge($"{t} {row}", Measure(row, type, "throughput", sizes.Large, 65536).P50);
                }
            }
        }

        var ratios = Types.Select(Name).ToDictionary(t => t, t => Rows.ToDictionary(row => row, row => results.RatiosOver($"{t} {row}", $"{t} C")));
        await results.WriteAsync(sizes, "ratios_over_c", ratios, args);
        return 0;
    }

    // This process: sets up the row's connection to a .NET peer, then on the first CPU round trips or sends.
    internal static (double P50, double P99) Measure(string row, SocketType type, string mode, int count, int size)
    {
        string address = $"@unixipc_bench_{Environment.ProcessId}_{++addresses}";
        ChildProcessOptions options = UnixIpc.Benchmarks.Peer.Options("uds", row, Name(type), mode, Text(count), Text(size), address);
        (Socket socket, ChildProcess peer) = Connect(row, type, address, options);
        using CpuPin pin = CpuPin.Thread(0); // only now: a child started from a pinned thread would inherit its one CPU
        using (peer)
        using (socket)
        {
            (Action<ReadOnlySpan<byte>> send, Func<Span<byte>, int> receive) = Transfer(row, socket);
            (double, double) result = mode == "latency"
                ? TwoProcessLoops.RoundTrips(count, send, b => ReceiveExactly(receive, b))
                : (TwoProcessLoops.MessagesPerSecond(count, size, send, b => ReceiveExactly(receive, b)), 0);
            peer.WaitForExit();
            return result;
        }
    }

    private static (Socket Socket, ChildProcess Peer) Connect(string row, SocketType type, string address, ChildProcessOptions options)
    {
        if (row is "unixipc-pair" or "unixipc-sendmsg")
        {
            UnixSocketPair pair = UnixSocketPair.Create(type);
            options.Descriptors[3] = ChildDescriptor.From(pair.Second.SafeHandle);
            ChildProcess child = ChildProcess.Start(options);
            pair.Second.Dispose();
            return (pair.First, child);
        }

        // By hand for .NET's row: an abstract address is a UnixDomainSocketEndPoint whose path starts with NUL.
        Socket listener = row == "unixipc-listen" ? UnixSocket.Listen(address, type) : new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        using (listener)
        {
            if (row == "dotnet")
            {
                listener.Bind(new UnixDomainSocketEndPoint("\0" + address[1..]));
                listener.Listen();
            }

            ChildProcess peer = ChildProcess.Start(options);
            return (listener.Accept(), peer);
        }
    }

    // What a user of each row calls to move bytes: Socket.Send/Receive, or UnixIpc's sendmsg/recvmsg with no descriptors.
    private static (Action<ReadOnlySpan<byte>> Send, Func<Span<byte>, int> Receive) Transfer(string row, Socket socket) => row == "unixipc-sendmsg"
        ? (b => SendAll(b, s => socket.SendWithDescriptors(s)), b => socket.ReceiveWithDescriptors(b, 0, out _))
        : (b => SendAll(b, s => socket.Send(s)), b => socket.Receive(b));

    // A stream socket may take part of a send (a signal); a seqpacket socket takes the whole message or fails.
    private static void SendAll(ReadOnlySpan<byte> bytes, Func<ReadOnlySpan<byte>, int> send)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[send(bytes)..];
        }
    }

    private static void ReceiveExactly(Func<Span<byte>, int> receive, Span<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int received = receive(bytes);
            bytes = received > 0 ? bytes[received..] : throw new EndOfStreamException("the peer closed its socket");
        }
    }

    /// <summary>The peer: "uds ROW TYPE MODE COUNT SIZE ADDRESS", its thread on the second CPU; echoes or drains.</summary>
    public static int Peer(string[] args)
    {
        string row = args[1];
        SocketType type = args[2] == "seqpacket" ? SocketType.Seqpacket : SocketType.Stream;
        int count = int.Parse(args[4], CultureInfo.InvariantCulture), size = int.Parse(args[5], CultureInfo.InvariantCulture);
        string address = args[6];
        using Socket socket = row switch
        {
            "unixipc-pair" or "unixipc-sendmsg" => new Socket(new SafeSocketHandle(3, ownsHandle: true)),
            "unixipc-listen" => UnixSocket.ConnectAsync(address, type).GetAwaiter().GetResult(),
            _ => ConnectByHand(type, address),
        };
        using CpuPin pin = CpuPin.Thread(1);
        (Action<ReadOnlySpan<byte>> send, Func<Span<byte>, int> receive) = Transfer(row, socket);
        if (args[3] == "latency")
        {
            TwoProcessLoops.Echo(count, b => ReceiveExactly(receive, b), send);
        }
        else
        {
            TwoProcessLoops.Drain(count, size, receive, send);
        }

        return 0;
    }

    private static Socket ConnectByHand(SocketType type, string address)
    {
        var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint("\0" + address[1..]));
        return socket;
    }

    private static string Name(SocketType type) => type == SocketType.Seqpacket ? "seqpacket" : "stream";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
