using System.Runtime.InteropServices;

namespace UnixIpc.Tests;

/// <summary>What the scenarios need of libc that the library does not offer (limits, namespaces, users).</summary>
internal static partial class Native
{
    public const int RLIMIT_NOFILE = 7;

    [LibraryImport("libc.so.6", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc.so.6", EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRLimit(int resource, in RLimit limit);

    [LibraryImport("libc.so.6", EntryPoint = "pthread_sigmask")]
    public static unsafe partial int PthreadSigmask(int how, byte* set, byte* old);

    [LibraryImport("libc.so.6", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport("libc.so.6", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport("libc.so.6", EntryPoint = "setresuid", SetLastError = true)]
    public static partial int SetResUid(uint ruid, uint euid, uint suid);

    [LibraryImport("libc.so.6", EntryPoint = "setresgid", SetLastError = true)]
    public static partial int SetResGid(uint rgid, uint egid, uint sgid);

    public const int SCHED_FIFO = 1;

    // Both act on the calling thread when pid is 0.
    [LibraryImport("libc.so.6", EntryPoint = "sched_setaffinity", SetLastError = true)]
    public static unsafe partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc.so.6", EntryPoint = "sched_setscheduler", SetLastError = true)]
    public static unsafe partial int SchedSetScheduler(int pid, int policy, int* priority);

    /// <summary>
    /// Makes the calling thread SCHED_FIFO priority 1 on CPU <paramref name="cpu"/> only: another such thread there runs
    /// only when this one blocks or yields. Null on success, else why not (errno).
    /// </summary>
    public static unsafe string? RunRealtimeOn(int cpu)
    {
        int priority = 1;
        if (SchedSetScheduler(0, SCHED_FIFO, &priority) != 0)
        {
            return $"sched_setscheduler: errno {Marshal.GetLastPInvokeError()}";
        }

        ulong* mask = stackalloc ulong[16]; // 1024 CPUs
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        return SchedSetAffinity(0, 16 * sizeof(ulong), mask) != 0 ? $"sched_setaffinity: errno {Marshal.GetLastPInvokeError()}" : null;
    }
}

/// <summary>struct rlimit.</summary>
internal struct RLimit
{
    public ulong Current;
    public ulong Maximum;
}
