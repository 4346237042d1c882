using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    internal const int SA_RESTART = 0x10000000;
    internal const int SIG_DFL = 0;

    /// <summary>struct sigaction as glibc declares it on 64-bit Linux (152 bytes); sa_handler is a union member named by a macro.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct sigaction
    {
        public nint sa_handler;
        public fixed ulong sa_mask[16];
        public int sa_flags;
        public nint sa_restorer;
    }

    [LibraryImport(Libc, EntryPoint = "sigaction", SetLastError = true)]
    internal static unsafe partial int SigAction(int signum, sigaction* act, sigaction* oldact);

    /// <summary>glibc's SIGRTMIN (34 with NPTL, which keeps 32 and 33 for itself).</summary>
    [LibraryImport(Libc, EntryPoint = "__libc_current_sigrtmin")]
    internal static partial int CurrentSigRtMin();

    [LibraryImport(Libc, EntryPoint = "__libc_current_sigrtmax")]
    internal static partial int CurrentSigRtMax();

    /// <summary>gettid(2) (glibc 2.30+): the kernel thread id, for directing a signal at one thread.</summary>
    [LibraryImport(Libc, EntryPoint = "gettid")]
    internal static partial int GetTid();

    /// <summary>tgkill(2) (glibc 2.30+).</summary>
    [LibraryImport(Libc, EntryPoint = "tgkill", SetLastError = true)]
    internal static partial int TgKill(int tgid, int tid, int sig);
}
