using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <linux/futex.h>: shared (not FUTEX_PRIVATE_FLAG) operations, so waiters in other processes are found.
    internal const int FUTEX_WAIT = 0;
    internal const int FUTEX_WAKE = 1;

    private static readonly long s_futexSyscall = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 98 : 202;

    /// <summary>
    /// syscall(2). Declared with a fixed argument list: C declares it variadic (<c>long syscall(long, ...)</c>),
    /// and on the x86-64 and arm64 Linux conventions variadic integer arguments travel like fixed ones.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint arg1, long arg2, long arg3, nint arg4, nint arg5, long arg6);

    /// <summary>FUTEX_WAIT on a shared word: sleeps while *<paramref name="address"/> == <paramref name="expected"/>, for at most the relative <paramref name="timeout"/> (null: no limit). glibc has no wrapper.</summary>
    internal static unsafe int FutexWait(int* address, int expected, timespec* timeout)
        => (int)Syscall(s_futexSyscall, (nint)address, FUTEX_WAIT, expected, (nint)timeout, 0, 0);

    /// <summary>FUTEX_WAKE: wakes up to <paramref name="count"/> waiters on the word, in any process.</summary>
    internal static unsafe int FutexWake(int* address, int count)
        => (int)Syscall(s_futexSyscall, (nint)address, FUTEX_WAKE, count, 0, 0, 0);
}
