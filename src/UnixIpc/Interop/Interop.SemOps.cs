using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    internal const int CLOCK_REALTIME = 0;
    internal const int CLOCK_MONOTONIC = 1;

    /// <summary>sem_post(3); EOVERFLOW at SEM_VALUE_MAX.</summary>
    [LibraryImport(Libc, EntryPoint = "sem_post", SetLastError = true)]
    internal static partial int SemPost(SafePosixSemaphoreHandle sem);

    /// <summary>sem_wait(3); EINTR on a signal without SA_RESTART.</summary>
    [LibraryImport(Libc, EntryPoint = "sem_wait", SetLastError = true)]
    internal static partial int SemWait(SafePosixSemaphoreHandle sem);

    /// <summary>sem_trywait(3); EAGAIN at 0.</summary>
    [LibraryImport(Libc, EntryPoint = "sem_trywait", SetLastError = true)]
    internal static partial int SemTryWait(SafePosixSemaphoreHandle sem);

    /// <summary>sem_clockwait(3) (glibc 2.30+): an absolute deadline on the clock given, ETIMEDOUT after it.</summary>
    [LibraryImport(Libc, EntryPoint = "sem_clockwait", SetLastError = true)]
    internal static unsafe partial int SemClockWait(SafePosixSemaphoreHandle sem, int clockid, timespec* abstime);

    /// <summary>sem_timedwait(3): an absolute CLOCK_REALTIME deadline (used only to show the kernel's rules).</summary>
    [LibraryImport(Libc, EntryPoint = "sem_timedwait", SetLastError = true)]
    internal static unsafe partial int SemTimedWait(SafePosixSemaphoreHandle sem, timespec* abstime);

    /// <summary>sem_getvalue(3): 0, never negative, while others wait (glibc).</summary>
    [LibraryImport(Libc, EntryPoint = "sem_getvalue", SetLastError = true)]
    internal static unsafe partial int SemGetValue(SafePosixSemaphoreHandle sem, int* value);

    /// <summary>sem_init(3) on memory this process maps; pshared 1 makes it usable across processes.</summary>
    [LibraryImport(Libc, EntryPoint = "sem_init", SetLastError = true)]
    internal static partial int SemInit(nint sem, int pshared, uint value);

    /// <summary>sem_destroy(3).</summary>
    [LibraryImport(Libc, EntryPoint = "sem_destroy", SetLastError = true)]
    internal static partial int SemDestroy(nint sem);

    /// <summary>clock_gettime(2), for sem_clockwait deadlines on CLOCK_MONOTONIC.</summary>
    [LibraryImport(Libc, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static unsafe partial int ClockGetTime(int clockid, timespec* tp);

    /// <summary>An absolute deadline <paramref name="timeout"/> from now on <paramref name="clock"/>.</summary>
    internal static unsafe timespec DeadlineOn(int clock, TimeSpan timeout)
    {
        timespec now;
        ClockGetTime(clock, &now);
        long ticks = Math.Max(0, timeout.Ticks);
        long nanos = now.tv_nsec + (ticks % TimeSpan.TicksPerSecond * 100);
        return new timespec
        {
            tv_sec = now.tv_sec + (ticks / TimeSpan.TicksPerSecond) + (nanos / 1_000_000_000),
            tv_nsec = nanos % 1_000_000_000,
        };
    }
}
