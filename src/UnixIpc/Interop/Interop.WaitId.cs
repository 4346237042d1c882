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

    /// <summary>waitid(2) with P_PIDFD (Linux 5.4): reaps exactly the process the pidfd names.</summary>
    [LibraryImport(Libc, EntryPoint = "waitid", SetLastError = true)]
    internal static unsafe partial int WaitId(int idType, SafeHandle id, siginfo_t* info, int options);
}
