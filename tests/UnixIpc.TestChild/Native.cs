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
}

/// <summary>struct rlimit.</summary>
internal struct RLimit
{
    public ulong Current;
    public ulong Maximum;
}
