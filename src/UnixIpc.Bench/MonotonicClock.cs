using System.Runtime.InteropServices;

namespace UnixIpc.Benchmarking;

/// <summary>
/// CLOCK_MONOTONIC in nanoseconds, read with clock_gettime as the C sides read it: a wake-up is timed from a
/// timestamp the sending process puts in the message to the clock of the receiving one, so both must read the same
/// clock (Stopwatch documents no particular one).
/// </summary>
internal static partial class MonotonicClock
{
    private const int CLOCK_MONOTONIC = 1, TIMER_ABSTIME = 1, EINTR = 4;

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

    /// <summary>Sleeps until the clock reads <paramref name="nanoseconds"/> (clock_nanosleep, TIMER_ABSTIME: finer than Thread.Sleep's milliseconds).</summary>
    public static unsafe void SleepUntil(long nanoseconds)
    {
        var until = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        while (ClockNanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, null) == EINTR)
        {
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // Returns the error number itself (0 on success), not -1 and errno.
    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static unsafe partial int ClockNanosleep(int clock, int flags, Timespec* until, Timespec* remaining);

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static unsafe partial int ClockGetTime(int clock, Timespec* now);
}
