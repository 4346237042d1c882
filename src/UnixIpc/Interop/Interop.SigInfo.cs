using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// The part of siginfo_t (128 bytes; the union starts at 16) that this library reads: what waitid fills for a child
    /// (si_status) and what sigtimedwait fills for a signal sent by kill or sigqueue (the sender, sival_int). si_status
    /// and si_int share offset 24 in glibc's union, as they do here.
    /// </summary>
    [CStruct("siginfo_t")]
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct siginfo_t
    {
        [FieldOffset(0)] public int si_signo;
        [FieldOffset(4)] public int si_errno;
        [FieldOffset(8)] public int si_code;
        [FieldOffset(16)] public int si_pid;
        [FieldOffset(20)] public uint si_uid;
        [FieldOffset(24)] public int si_status;
        [FieldOffset(24)] public int si_int;
    }
}
