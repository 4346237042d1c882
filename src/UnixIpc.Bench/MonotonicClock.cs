using System.Runtime.InteropServices;

namespace UnixIpc.Benchmarking;

/// <summary>
/// CLOCK_MONOTONIC in nanoseconds, read with clock_gettime as the C sides read it: a wake-up is timed from a
/// timestamp the sending process puts in the message to the clock of the receiving one, so both must read the same
/// clock (Stopwatch documents no particular one).
/// </summary>
internal static partial class MonotonicClock
{
    private const int CLOCK_MONOTONIC = 1;

    public static unsafe long Nanoseconds
    {
        get
        {
            Timespec now;
            if (ClockGetTime(CLOCK_MONOTONIC, &now) != 0)
            {
                throw new InvalidOperationException($"clock_gettime: errno {Marshal.GetLastPInvokeError()}");
            }

            return (now.Seconds * 1_000_000_000) + now.Nanoseconds;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static unsafe partial int ClockGetTime(int clock, Timespec* now);
}
