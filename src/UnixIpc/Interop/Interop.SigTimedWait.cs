using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// The part of siginfo_t (128 bytes; the union starts at 16) that sigtimedwait fills for a signal sent by kill or
    /// sigqueue: the sender and sival_int. SIGCHLD's si_status has the same offset as si_int (see <see cref="siginfo_child"/>).
    /// </summary>
    [CStruct("siginfo_t")]
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct siginfo_queued
    {
        [FieldOffset(0)] public int si_signo;
        [FieldOffset(4)] public int si_errno;
        [FieldOffset(8)] public int si_code;
        [FieldOffset(16)] public uint si_pid;
        [FieldOffset(20)] public uint si_uid;
        [FieldOffset(24)] public int si_int;
    }

    /// <summary>sigtimedwait(2): takes one pending signal of <paramref name="set"/>; -1 with EAGAIN when the time ran out, EINTR when a handler ran.</summary>
    [LibraryImport(Libc, EntryPoint = "sigtimedwait", SetLastError = true)]
    internal static unsafe partial int SigTimedWait(void* set, siginfo_queued* info, timespec* timeout);
}
