using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/wait.h>
    [CConstant("(int)P_PIDFD")]
    internal const int P_PIDFD_TYPE = 3;
    internal const int WEXITED = 4;
    internal const int WNOHANG = 1;

    // <signal.h>: si_code of SIGCHLD.
    internal const int CLD_EXITED = 1;
    internal const int CLD_KILLED = 2;
    internal const int CLD_DUMPED = 3;

    /// <summary>The part of siginfo_t that waitid fills for a child (128 bytes in all; the union starts at 16).</summary>
    [CStruct("siginfo_t")]
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct siginfo_child
    {
        [FieldOffset(0)] public int si_signo;
        [FieldOffset(4)] public int si_errno;
        [FieldOffset(8)] public int si_code;
        [FieldOffset(16)] public int si_pid;
        [FieldOffset(20)] public uint si_uid;
        [FieldOffset(24)] public int si_status;
    }

    /// <summary>waitid(2) with P_PIDFD (Linux 5.4): reaps exactly the process the pidfd names.</summary>
    [LibraryImport(Libc, EntryPoint = "waitid", SetLastError = true)]
    internal static unsafe partial int WaitId(int idType, SafeHandle id, siginfo_child* info, int options);
}
