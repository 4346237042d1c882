using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/syscall.h>: the same numbers on x86-64 and arm64 (the unified table that starts at 424).
    internal const long SYS_pidfd_send_signal = 424;
    internal const long SYS_pidfd_open = 434;

    /// <summary>
    /// syscall(2) with three register arguments. Variadic in C; on the x86-64 and arm64 Linux calling conventions
    /// variadic integer arguments travel exactly as fixed ones. pidfd_open and pidfd_send_signal are called this
    /// way so that glibc older than 2.36 (which lacks their wrappers) works too.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall3(long number, nint arg1, nint arg2, nint arg3);

    /// <summary>syscall with four register arguments, as <see cref="Syscall3"/>.</summary>
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall4(long number, nint arg1, nint arg2, nint arg3, nint arg4);

    /// <summary>pidfd_open(2): a descriptor for <paramref name="pid"/> that stays valid (and names this process only) until closed.</summary>
    internal static int PidfdOpen(int pid) => (int)Syscall3(SYS_pidfd_open, pid, 0, 0);

    /// <summary>pidfd_send_signal(2): ESRCH once the process has been reaped, never a process that reused the pid.</summary>
    internal static int PidfdSendSignal(SafeHandle pidfd, int signal)
    {
        bool added = false;
        try
        {
            pidfd.DangerousAddRef(ref added);
            return (int)Syscall4(SYS_pidfd_send_signal, pidfd.DangerousGetHandle(), signal, 0, 0);
        }
        finally
        {
            if (added)
            {
                pidfd.DangerousRelease();
            }
        }
    }
}
