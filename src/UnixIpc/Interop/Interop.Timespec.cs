using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>struct timespec (16 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct timespec
    {
        public long tv_sec;
        public long tv_nsec;

        /// <summary>An absolute CLOCK_REALTIME deadline <paramref name="timeout"/> from now, as mq_timed* want it.</summary>
        public static timespec RealtimeDeadline(TimeSpan timeout)
        {
            long ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks + Math.Max(0, timeout.Ticks);
            return new timespec { tv_sec = ticks / TimeSpan.TicksPerSecond, tv_nsec = ticks % TimeSpan.TicksPerSecond * 100 };
        }

        /// <summary>A relative interval (semtimedop), never negative.</summary>
        public static timespec Relative(TimeSpan interval)
        {
            long ticks = Math.Max(0, interval.Ticks);
            return new timespec { tv_sec = ticks / TimeSpan.TicksPerSecond, tv_nsec = ticks % TimeSpan.TicksPerSecond * 100 };
        }
    }
}
