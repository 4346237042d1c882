using System.Globalization;
using System.IO.Pipes;
using System.Net.Sockets;

namespace UnixIpc.Benchmarks;

/// <summary>The other process of each benchmark: echoes or drains, then exits.</summary>
internal static class IpcPeer
{
    public static int Run(string[] args)
    {
        switch (args[0])
        {
            case "channel-echo":
            {
                var options = new SharedMemoryChannelOpenOptions { WaitStrategy = Enum.Parse<ChannelWaitStrategy>(args[3]) };
                using SharedMemoryChannel there = SharedMemoryChannel.OpenExisting(args[1], options);
                using SharedMemoryChannel back = SharedMemoryChannel.OpenExisting(args[2], options);
                using SharedMemoryChannelReader reader = there.CreateReader();
                using SharedMemoryChannelWriter writer = back.CreateWriter();
                using CpuPin pin = CpuPin.Thread(1);
                Console.WriteLine("READY");
                Span<byte> message = stackalloc byte[8];
                do
                {
                    reader.Read(message);
                    writer.Write(message);
                }
                while (message[0] != 1); // the measuring side marks its last round trip

                return 0;
            }

            case "channel-drain":
            {
                using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(args[1], new SharedMemoryChannelOpenOptions { WaitStrategy = Enum.Parse<ChannelWaitStrategy>(args[2]) });
                using SharedMemoryChannelReader reader = channel.CreateReader();
                using CpuPin? pin = args.Length > 5 && args[5] == "pinned" ? CpuPin.Thread(1) : null; // one-to-one throughput: opposite the writer
                Console.WriteLine("READY");
                var buffer = new byte[Count(args[4])];
                long read = 0;
                bool untilLast = args[3] == "last"; // one to one: until the message whose first byte is 1; broadcast: a count
                for (int n = untilLast ? int.MaxValue : Count(args[3]); read + reader.MessagesLost < n; read++) // overrun: lost ones count too
                {
                    reader.Read(buffer);
                    if (untilLast && buffer[0] == 1)
                    {
                        read++;
                        break;
                    }
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {read} {reader.MessagesLost}"));
                return 0;
            }

            case "channel-produce":
            {
                using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(args[1]);
                using SharedMemoryChannelWriter writer = channel.CreateWriter();
                Console.WriteLine("READY");
                Console.ReadLine(); // "go": all producers start together
                var message = new byte[Count(args[3])];
                for (int i = 0, n = Count(args[2]); i < n; i++)
                {
                    writer.Write(message);
                }

                return 0;
            }

            case "pipe-echo":
            case "pipe-drain":
            {
                using var client = new NamedPipeClientStream(".", args[1], PipeDirection.InOut);
                Console.WriteLine("READY");
                client.Connect();
                return Serve(client, args);
            }

            case "socket-echo":
            case "socket-drain":
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                Console.WriteLine("READY");
                socket.Connect(new UnixDomainSocketEndPoint(args[1]));
                using var stream = new NetworkStream(socket);
                return Serve(stream, args);
            }

            case "micro":
            {
                // One thread writing and reading: the code path's cost without any cross-core traffic.
                string name = $"/unixipc_bench_{Environment.ProcessId}_micro";
                using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 1 << 20 });
                SharedMemoryChannel.TryUnlink(name);
                using SharedMemoryChannelWriter writer = channel.CreateWriter();
                using SharedMemoryChannelReader reader = channel.CreateReader();
                Span<byte> message = stackalloc byte[64];
                Span<byte> buffer = stackalloc byte[64];
                for (int round = 0; round < 5; round++)
                {
                    long start = System.Diagnostics.Stopwatch.GetTimestamp();
                    const int N = 10_000_000;
                    for (int i = 0; i < N; i++)
                    {
                        writer.TryWrite(message);
                        reader.TryRead(buffer, out _);
                    }

                    Console.WriteLine($"{System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds / N:F1} ns per write+read");
                }

                return 0;
            }

            default:
                Console.Error.WriteLine($"unknown peer {args[0]}");
                return 2;
        }
    }

    private static int Serve(Stream stream, string[] args)
    {
        if (args[0].EndsWith("echo", StringComparison.Ordinal))
        {
            var message = new byte[8];
            for (int i = 0, n = Count(args[2]); i < n; i++)
            {
                stream.ReadExactly(message);
                stream.Write(message);
            }
        }
        else
        {
            var buffer = new byte[Count(args[3])];
            for (int i = 0, n = Count(args[2]); i < n; i++)
            {
                stream.ReadExactly(buffer);
            }

            stream.Write(new byte[1]);
        }

        return 0;
    }

    private static int Count(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
