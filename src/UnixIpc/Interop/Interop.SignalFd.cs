using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/signalfd.h>
    internal const int SFD_NONBLOCK = 0x800;
    internal const int SFD_CLOEXEC = 0x80000;

    // <signal.h>: si_code values.
    internal const int SI_USER = 0;
    internal const int SI_QUEUE = -1;
    internal const int SI_TKILL = -6;
    internal const int SI_KERNEL = 0x80;

    /// <summary>struct signalfd_siginfo (128 bytes): what one read of a signalfd returns per signal.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct signalfd_siginfo
    {
        [FieldOffset(0)] public uint ssi_signo;
        [FieldOffset(4)] public int ssi_errno;
        [FieldOffset(8)] public int ssi_code;
        [FieldOffset(12)] public uint ssi_pid;
        [FieldOffset(16)] public uint ssi_uid;
        [FieldOffset(40)] public int ssi_status;
        [FieldOffset(44)] public int ssi_int;
        [FieldOffset(48)] public ulong ssi_ptr;
    }

    /// <summary>signalfd(2) with a new descriptor (fd -1).</summary>
    [LibraryImport(Libc, EntryPoint = "signalfd", SetLastError = true)]
    internal static unsafe partial int SignalFd(int fd, void* mask, int flags);

    [LibraryImport(Libc, EntryPoint = "sigaddset")]
    internal static unsafe partial int SigAddSet(void* set, int signal);
}
