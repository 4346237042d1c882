using System.Globalization;
using System.Runtime.InteropServices;

namespace UnixIpc.Benchmarking;

/// <summary>
/// One .NET side of a measurement, run in its own process (the CLI's hidden <c>bench-side</c> verb):
/// <c>IMPLEMENTATION MECHANISM measure|peer latency|throughput|wakeup SIZE COUNT [ARG…]</c>, as native/bench_side.c
/// takes them. The measuring side writes each round trip's or wake-up's nanoseconds (int64, native order) or one
/// "msgs/s" line to <c>output</c> (in wake-up mode the measuring side receives and the peer sends); its thread is pinned to the first CPU it may use, the peer's to the second.
/// </summary>
internal static class BenchSide
{
    public static int Run(string[] args, Stream output)
    {
        if (args.Length < 6)
        {
            throw new ArgumentException("bench-side IMPLEMENTATION MECHANISM measure|peer latency|throughput SIZE COUNT [ARG…] (it is run by bench, which passes them)");
        }

        bool measuring = args[2] == "measure";
        string mode = args[3];
        int size = int.Parse(args[4], CultureInfo.InvariantCulture), count = int.Parse(args[5], CultureInfo.InvariantCulture);
        if (args[1] is "grpc" or "grpc-shm")
        {
            GrpcSides.Run(mode, measuring, size, count, args[6], output);
            return 0;
        }

        if (mode is "fanin" or "broadcast")
        {
            ChannelFanSides.Run(args[1], mode, measuring, count, args[6..], output);
            return 0;
        }

        using BenchEnd end = BenchEnds.Open(args[0], args[1], measuring, args[6..]);
        using CpuPin pin = CpuPin.Thread(measuring ? 0 : 1);
        switch (mode)
        {
            case "latency" when measuring:
                output.Write(MemoryMarshal.AsBytes(TwoProcessLoops.RoundTripSamples(count, size, end.Send, end.ReceiveExactly).AsSpan()));
                break;
            case "latency":
                TwoProcessLoops.Echo(count, end.ReceiveExactly, end.Send, size);
                break;
            case "wakeup" when measuring:
                output.Write(MemoryMarshal.AsBytes(TwoProcessLoops.WakeUpSamples(count, size, end.Send, end.ReceiveExactly).AsSpan()));
                break;
            case "wakeup":
                TwoProcessLoops.SendWakeUps(count, size, end.ReceiveExactly, end.Send);
                break;
            case "throughput" when measuring:
                end.Send(new byte[size]); // hello: the clock must not start before the peer reads (a ring larger than the warm-up would time the peer's start-up)
                end.ReceiveExactly(new byte[1]);
                double rate = TwoProcessLoops.MessagesPerSecond(count, size, end.Send, end.ReceiveExactly);
                output.Write(System.Text.Encoding.ASCII.GetBytes(rate.ToString("F1", CultureInfo.InvariantCulture) + "\n"));
                break;
            case "throughput":
                end.ReceiveExactly(new byte[size]); // the sender's hello, answered: it starts its clock after that
                end.Send([0]);
                TwoProcessLoops.Drain(count, size, end.Receive, end.Send);
                break;
            default:
                throw new ArgumentException($"unknown mode '{mode}': latency, throughput or wakeup");
        }

        output.Flush();
        return 0;
    }
}
