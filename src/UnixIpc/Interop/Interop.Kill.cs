using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>kill(2). By pid only where the pid cannot have been reused: a child of ours not yet reaped.</summary>
    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport(Libc, EntryPoint = "waitpid", SetLastError = true)]
    private static unsafe partial int WaitPidCore(int pid, int* status, int options);

    /// <summary>waitpid(pid, NULL, 0), EINTR retried: reaps a child this process started.</summary>
    internal static unsafe int WaitPid(int pid) => RetryOnInterrupt(() => WaitPidCore(pid, null, 0));
}
