using System.Globalization;
using System.Runtime.InteropServices;

namespace UnixIpc.Benchmarking;

/// <summary>
/// One .NET side of a measurement, run in its own process (the CLI's hidden <c>bench-side</c> verb):
/// <c>IMPLEMENTATION MECHANISM measure|peer latency|throughput SIZE COUNT [ARG…]</c>, as native/bench_side.c takes
/// them. The measuring side writes each round trip's nanoseconds (int64, native order) or one "msgs/s" line to
/// <c>output</c>; its thread is pinned to the first CPU it may use, the peer's to the second.
/// </summary>
internal static class BenchSide
{
    public static int Run(string[] args, Stream output)
    {
        if (args.Length < 6)
        {
            throw new ArgumentException("bench-side IMPLEMENTATION MECHANISM measure|peer latency|throughput SIZE COUNT [ARG…] (it is run by bench, which passes them)");
        }

        bool measuring = args[2] == "measure", latency = args[3] == "latency";
        int size = int.Parse(args[4], CultureInfo.InvariantCulture), count = int.Parse(args[5], CultureInfo.InvariantCulture);
        using BenchEnd end = BenchEnds.Open(args[0], args[1], measuring, args[6..]);
        using CpuPin pin = CpuPin.Thread(measuring ? 0 : 1);
        if (!measuring)
        {
            if (latency)
            {
                TwoProcessLoops.Echo(count, end.ReceiveExactly, end.Send, size);
            }
            else
            {
                TwoProcessLoops.Drain(count, size, end.Receive, end.Send);
            }

            return 0;
        }

        if (latency)
        {
            long[] samples = TwoProcessLoops.RoundTripSamples(count, size, end.Send, end.ReceiveExactly);
            output.Write(MemoryMarshal.AsBytes(samples.AsSpan()));
        }
        else
        {
            double rate = TwoProcessLoops.MessagesPerSecond(count, size, end.Send, end.ReceiveExactly);
            output.Write(System.Text.Encoding.ASCII.GetBytes(rate.ToString("F1", CultureInfo.InvariantCulture) + "\n"));
        }

        output.Flush();
        return 0;
    }
}
